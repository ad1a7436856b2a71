// A small command framework for the `tessera` CLI: commands live one module each in
// ./commands and are discovered at start-up, so adding a command never edits a shared file.
import { checkMountRoot } from '../model/mountpath';

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
  /** Extra usage lines shown by `tessera help <command>`. */
  usage?: string;
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
