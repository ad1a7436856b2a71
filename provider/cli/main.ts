// Entry point of the `tessera` CLI. Commands are discovered from ./commands (one module each,
// exporting `commands: Command[]`).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command, UsageError, parseArgs } from './framework';

export function loadCommands(): Command[] {
  const dir = path.join(__dirname, 'commands');
  const out: Command[] = [];
  for (const file of fs.readdirSync(dir).sort()) {
    if (!/\.(ts|js)$/.test(file) || file.endsWith('.d.ts')) continue;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(path.join(dir, file)) as { commands?: Command[] };
    out.push(...(mod.commands ?? []));
  }
  return out;
}

function help(commands: Command[]): string {
  const lines = commands.map((c) => `  tessera ${c.path.join(' ').padEnd(24)} ${c.summary}`);
  return ['Usage: tessera <command> [options]   (--json for machine-readable output)', '', 'Commands:', ...lines].join('\n');
}

/** Runs argv; `commands` for a bundled CLI, which has no ./commands directory to read (test/vm/cli.ts). */
export async function main(argv: string[], commands: Command[] = loadCommands()): Promise<number> {
  // Longest matching command path wins.
  const match = commands
    .filter((c) => c.path.every((p, i) => argv[i] === p))
    .sort((a, b) => b.path.length - a.path.length)[0];
  if (!match) {
    if (argv.length === 0 || argv[0] === 'help' || argv[0] === '--help') {
      const sub = commands.find((c) => argv.length > 1 && c.path.join(' ') === argv.slice(1).join(' '));
      console.log(sub ? `tessera ${sub.path.join(' ')}: ${sub.summary}\n${sub.usage ?? ''}` : help(commands));
      return 0;
    }
    console.error(`tessera: unknown command "${argv.join(' ')}"\n\n${help(commands)}`);
    return 2;
  }
  try {
    const code = await match.run(parseArgs(argv.slice(match.path.length)));
    return typeof code === 'number' ? code : 0;
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`tessera ${match.path.join(' ')}: ${err.message}`);
      return 2;
    }
    const e = err as Error;
    console.error(`tessera ${match.path.join(' ')}: ${e.message ?? String(err)}`);
    if (process.env.TESSERA_DEBUG) console.error(e.stack);
    return 1;
  }
}

// esbuild defines TESSERA_BUNDLED in dist/bin/tessera.js (scripts/build.mjs), where this module
// is part of the main module and provider/cli/bundle.ts runs main() with the listed commands.
declare const TESSERA_BUNDLED: boolean | undefined;
if (require.main === module && typeof TESSERA_BUNDLED === 'undefined') {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
