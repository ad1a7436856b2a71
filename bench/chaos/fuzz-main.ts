// Runs bench/chaos/fuzz.ts on its own and prints its JSON (exit 1 on violations):
//   npx tsx bench/chaos/fuzz-main.ts [--long]      TESSERA_FUZZ_KEEP=1 keeps the reports
import { run } from './fuzz';

void run({ short: !process.argv.includes('--long'), log: (line) => process.stderr.write(`${line}\n`) }).then((r) => {
  process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
  process.exitCode = r.violations.length > 0 ? 1 : 0;
});
