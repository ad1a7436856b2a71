// Entry point of the `tessera` CLI. Commands are discovered from ./commands (one module each,
// exporting `commands: Command[]`, so adding a command is one new file) and turned into a commander
// program: --help everywhere, unknown or misspelt flags rejected with a suggestion, short flags,
// exit codes from the single EXIT table (docs/cli.md).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command as Commander, CommanderError, Option } from 'commander';
import { Command, EXIT, ParsedArgs, UsageError, parseArgs } from './framework';
import { completionScript } from './completion';

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

/** The built-in `completion` command: it needs the whole table, so it is made here. */
function completionCommand(all: () => Command[]): Command {
  return {
    path: ['completion'],
    summary: 'Print a shell completion script (bash or zsh)',
    usage: 'bash: source <(tessera completion bash)   zsh: source <(tessera completion zsh)',
    options: [],
    arguments: '<shell>',
    async run(args) {
      const shell = args.positional[0];
      if (shell !== 'bash' && shell !== 'zsh') throw new UsageError(`<shell>: bash or zsh, got "${shell}"`);
      process.stdout.write(completionScript(shell, all()));
    },
  };
}

/** ParsedArgs from what commander parsed: flags under their long names, as the commands read them. */
function toParsed(cmd: Commander, spec: Command): ParsedArgs {
  const opts = cmd.opts<Record<string, unknown>>();
  const flags: Record<string, string | boolean> = {};
  let positional = [...cmd.args];
  if (spec.options === undefined || spec.passThroughFlags) {
    // Undeclared flags reach the command as before (commander keeps them, in order, in args).
    const loose = parseArgs(positional);
    Object.assign(flags, loose.flags);
    positional = loose.positional;
  }
  for (const o of cmd.options as Option[]) {
    const name = o.long?.replace(/^--/, '');
    if (!name || name === 'help') continue;
    const v = opts[o.attributeName()];
    // `--no-destroy` is a negated option to commander (destroy=false); the commands read the flag.
    if (o.negate) {
      if (v === false) flags[name] = true;
    } else if (v !== undefined) flags[name] = typeof v === 'boolean' ? v : String(v);
  }
  return { positional, flags };
}

export interface Program {
  program: Commander;
  /** Set by the action that ran. */
  result: { code: number };
}

/** The commander program for `commands` (exported for completion and the tests). */
export function buildProgram(commands: Command[]): Program {
  const result = { code: EXIT.ok as number };
  const program = new Commander('tessera')
    .description('Tessera: composable storage as code (docs/cli.md)')
    .showSuggestionAfterError(true)
    .showHelpAfterError('(add --help for usage)')
    .exitOverride();
  const groups = new Map<string, Commander>([['', program]]);
  const parentOf = (p: string[]): Commander => {
    const key = p.join(' ');
    let g = groups.get(key);
    if (g) return g;
    const up = parentOf(p.slice(0, -1));
    g = up.command(p[p.length - 1]).description(`${p.join(' ')} commands`).exitOverride();
    groups.set(key, g);
    return g;
  };
  for (const spec of commands) {
    const parent = parentOf(spec.path.slice(0, -1));
    const cmd = parent.command(spec.path[spec.path.length - 1]).description(spec.summary).exitOverride();
    if (spec.arguments) cmd.arguments(spec.arguments);
    for (const o of spec.options ?? []) cmd.option(o.flags, o.description);
    if (spec.options === undefined || spec.passThroughFlags) cmd.allowUnknownOption().allowExcessArguments();
    if (spec.usage) cmd.addHelpText('after', `\n${spec.usage}`);
    cmd.action(async () => {
      result.code = await runCommand(spec, toParsed(cmd, spec));
    });
  }
  return { program, result };
}

async function runCommand(spec: Command, args: ParsedArgs): Promise<number> {
  const name = `tessera ${spec.path.join(' ')}`;
  try {
    const code = await spec.run(args);
    return typeof code === 'number' ? code : EXIT.ok;
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`${name}: ${err.message}`);
      return EXIT.usage;
    }
    const e = err as Error;
    console.error(`${name}: ${e.message ?? String(err)}`);
    if (process.env.TESSERA_DEBUG) console.error(e.stack);
    return EXIT.failure;
  }
}

/** Runs argv; `commands` for a bundled CLI, which has no ./commands directory to read (test/vm/cli.ts). */
export async function main(argv: string[], commands: Command[] = loadCommands()): Promise<number> {
  const all: Command[] = [...commands];
  all.push(completionCommand(() => all));
  const { program, result } = buildProgram(all);
  // `tessera help agent start` as before: the same text as `tessera agent start --help`.
  if (argv[0] === 'help') argv = [...argv.slice(1), '--help'];
  if (argv.length === 0) argv = ['--help'];
  try {
    await program.parseAsync(argv, { from: 'user' });
    return result.code;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version are successes; every other commander error is a bad command line
      // (commander has already printed it, with a suggestion for a misspelt flag or command).
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return EXIT.ok;
      return EXIT.usage;
    }
    throw err;
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
      process.exitCode = EXIT.failure;
    },
  );
}
