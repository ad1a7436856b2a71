// The tessera CLI as the VM suite runs it (./e2e.test.ts): bundled by scripts/vm/test.sh, so the
// real processes and the client commands the tests run (`drives drain`, `drives remove`) start in
// seconds under TCG rather than tsx's tens. A bundle has no provider/cli/commands directory for
// main() to read, so the commands are given to it.
import { commands as agent } from '../../provider/cli/commands/agent';
import { commands as client } from '../../provider/cli/commands/client';
import { commands as composer } from '../../provider/cli/commands/composer';
import { commands as enclosure } from '../../provider/cli/commands/enclosure';
import { main } from '../../provider/cli/main';

main(process.argv.slice(2), [...agent, ...client, ...composer, ...enclosure]).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    console.error(err);
    process.exitCode = 1;
  },
);
