// Entry point of the bundled `tessera` executable (dist/tessera.js, `npm run build`): a bundle
// has no ./commands directory for main() to discover, so the command modules are listed here.
// docs/install.md describes the build.
import { commands as agent } from './commands/agent';
import { commands as client } from './commands/client';
import { commands as composer } from './commands/composer';
import { commands as csi } from './commands/csi';
import { commands as demo } from './commands/demo';
import { commands as enclosure } from './commands/enclosure';
import { commands as inventoryLocal } from './commands/inventory-local';
import { commands as version } from './commands/version';
import { main } from './main';

main(process.argv.slice(2), [...agent, ...client, ...composer, ...csi, ...demo, ...enclosure, ...inventoryLocal, ...version]).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    console.error(err);
    process.exitCode = 1;
  },
);
