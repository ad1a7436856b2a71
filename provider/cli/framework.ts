// The `tessera` CLI's command model: commands live one module each in ./commands (exporting
// `commands: Command[]`) and declare their options; main.ts builds a commander program from them,
// so parsing, --help, misspelt-flag suggestions and completion are commander's (docs/cli.md).
import { checkMountRoot } from '../model/mountpath';

/**
 * The CLI's exit codes: the single table (docs/cli.md "Exit codes" is written from it and a test
 * checks the two agree).
 */
export const EXIT = {
  /** The command did what was asked. */
  ok: 0,
  /** The command ran and failed (the composer refused, a step failed, a file was wrong...). */
  failure: 1,
  /** The command line was wrong: unknown command or flag, missing or bad value. Nothing was done. */
  usage: 2,
  /** `agent start --crash-at-step`: the injected crash (failure-injection labs, docs/failure.md). */
  injectedCrash: 70,
  /** Interrupted by SIGINT (128 + 2), e.g. Ctrl-C during `tessera demo`. */
  interrupted: 130,
} as const;

/**
 * One option in commander's notation: `flags` e.g. '-s, --server <name>', '--json', '--no-destroy';
 * `description` is shown by --help. Values reach `run` as ParsedArgs.flags under the long name.
 */
export interface OptionSpec {
  flags: string;
  description: string;
}

/** Shared option sets (one definition each). */
export const CONNECT_OPTIONS: OptionSpec[] = [
  { flags: '-e, --endpoint <url>', description: 'composer URL (or TESSERA_ENDPOINT)' },
  { flags: '-t, --token-file <file>', description: 'file holding the API token (or TESSERA_TOKEN)' },
  { flags: '--ca-file <file>', description: "PEM CA of the composer's certificate (or TESSERA_CA_FILE)" },
];
export const JSON_OPTION: OptionSpec = { flags: '-j, --json', description: 'machine-readable output' };
export const MOUNT_ROOTS_OPTION: OptionSpec = { flags: '--mount-roots <dirs>', description: 'comma-separated trees a volume mountPath must be in (/mnt,/srv,/data,/var/lib/tessera)' };

export interface ParsedArgs {
  /** Positional arguments after the command path. */
  positional: string[];
  /** --flag value, --flag=value, or --flag (true). Repeated flags keep the last value. */
  flags: Record<string, string | boolean>;
}

export interface Command {
  /** e.g. ['inventory', 'synth'] for `tessera inventory synth`. */
  path: string[];
  summary: string;
  /** Extra usage lines shown after the options by `--help`. */
  usage?: string;
  /**
   * The options it takes; any other flag is rejected with a suggestion. Absent: the command has not
   * declared them yet and takes any flag (a test lists such commands so none stays that way).
   */
  options?: OptionSpec[];
  /** Positional arguments in commander's notation, e.g. '<file>' or '[volume]'; none when absent. */
  arguments?: string;
  /** Flags beyond `options` are passed on (e.g. `capacity`'s query filters); unknown ones are not errors. */
  passThroughFlags?: boolean;
  run(args: ParsedArgs): Promise<number | void>;
}

/** An error the user caused: printed without a stack trace, exit code 2. */
export class UsageError extends Error {}

export function parseArgs(argv: string[]): ParsedArgs {
  const positional: string[] = [];
  const flags: Record<string, string | boolean> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      if (eq > 0) flags[a.slice(2, eq)] = a.slice(eq + 1);
      else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) flags[a.slice(2)] = argv[++i];
      else flags[a.slice(2)] = true;
    } else positional.push(a);
  }
  return { positional, flags };
}

export function flagString(args: ParsedArgs, name: string, fallback?: string): string | undefined {
  const v = args.flags[name];
  if (v === undefined) return fallback;
  if (typeof v === 'boolean') throw new UsageError(`--${name}: needs a value`);
  return v;
}

export function requireFlag(args: ParsedArgs, name: string): string {
  const v = flagString(args, name);
  if (v === undefined) throw new UsageError(`--${name} is required`);
  return v;
}

export function flagInt(args: ParsedArgs, name: string, fallback?: number): number | undefined {
  const v = flagString(args, name);
  if (v === undefined) return fallback;
  if (!/^-?\d+$/.test(v)) throw new UsageError(`--${name}: must be an integer, got "${v}"`);
  return Number(v);
}

/** `--mount-roots DIR,DIR`: the trees mountPaths must be in (provider/model/mountpath.ts), checked here. */
export function mountRootsFlag(args: ParsedArgs): string[] | undefined {
  const v = flagString(args, 'mount-roots');
  if (v === undefined) return undefined;
  const roots = v.split(',').filter((r) => r !== '');
  if (roots.length === 0) throw new UsageError('--mount-roots: needs at least one directory');
  for (const r of roots) {
    const why = checkMountRoot(r);
    if (why) throw new UsageError(`--mount-roots: ${why.startsWith('"') ? why : `"${r}" ${why}`}`);
  }
  return roots;
}

export function flagBool(args: ParsedArgs, name: string): boolean {
  const v = args.flags[name];
  return v === true || v === 'true' || v === '1';
}

/** Render rows as an aligned text table. */
export function table(headers: string[], rows: (string | number | undefined)[][]): string {
  const cells = rows.map((r) => r.map((c) => (c === undefined ? '' : String(c))));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  return [line(headers), ...cells.map(line)].join('\n');
}

/** A progress bar on stderr when it is a terminal; a line every 10% otherwise. */
export class ProgressBar {
  private lastShown = -1;
  constructor(private readonly label: string, private readonly total: number) {}
  update(done: number): void {
    const pct = this.total === 0 ? 100 : Math.floor((done / this.total) * 100);
    if (process.stderr.isTTY) {
      if (pct === this.lastShown) return;
      const width = 30;
      const fill = Math.round((pct / 100) * width);
      process.stderr.write(`\r${this.label} [${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${pct}%`);
      if (done >= this.total) process.stderr.write('\n');
    } else if (Math.floor(pct / 10) !== Math.floor(this.lastShown / 10) || (done >= this.total && this.lastShown !== 100)) {
      process.stderr.write(`${this.label}: ${pct}%\n`);
    }
    this.lastShown = pct;
  }
}
