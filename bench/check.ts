// Benchmark regression check (docs/benchmarks.md): short forms of the benchmarks, each reduced to
// one ratio against a floor measured in the same run (never an absolute time, which depends on the
// machine and on whatever else shares its cores), compared with bench/baseline.json.
//   npm run bench:check -- --json                   check (CI: .ci/run counts one test per benchmark)
//   npm run bench:check -- --update                 re-measure and rewrite bench/baseline.json
//   npm run bench:check -- --only alloc,composer    a subset
//   npm run bench:check -- --repeats 3              runs per benchmark (default 2)
// Each benchmark runs `repeats` times; its noise is the spread of those runs (max/min - 1). It fails
// when its median ratio falls below baseline * (1 - band), band = the larger of the noise measured
// now, the noise recorded with the baseline, and the benchmark's minimum band (a floor for runs that
// happen to agree by luck). A ratio well above the baseline is reported, never failed: record it
// with --update.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

interface Bench {
  /** Script under bench/, run by tsx under this Node. */
  script: string;
  args: string[];
  /** What the ratio is, for the report. */
  ratio: string;
  /** The figure from the script's JSON output: higher is better. */
  pick(out: Record<string, unknown>): number;
  /** The least noise band assumed, as a fraction. */
  minBand: number;
  /** Exit the check with a failure when the script's result is wrong (not slow), e.g. failed creates. */
  sane?(out: Record<string, unknown>): string | null;
}

/** The value at a path of keys in a script's JSON output (undefined where a key is missing). */
const at = (o: unknown, ...keys: string[]): unknown => keys.reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], o);

const num = (o: unknown, ...keys: string[]): number => {
  const v = at(o, ...keys);
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`output field ${keys.join('.')}: not a finite number (${JSON.stringify(v)})`);
  return v;
};

/** The registry: one entry per benchmark. Helpers' short modes are wired in here. */
export const BENCHES: Record<string, Bench> = {
  alloc: {
    script: 'alloc.ts',
    args: ['--drives', '20000', '--servers', '2000', '--ops', '30000', '--baseline-ops', '2000', '--warmup', '3000', '--json'],
    ratio: 'engine allocations/s ÷ naive first-fit allocations/s on the same operations (bench/lib/naive.ts)',
    pick: (o) => num(o, 'speedup'),
    minBand: 0.25,
  },
  composer: {
    script: 'composer.ts',
    args: ['--store', 'sqlite', '--volumes', '600', '--clients', '32', '--drives', '5000', '--servers', '500', '--baseline', '150', '--json'],
    ratio: 'creates/s with 32 clients ÷ creates/s with one client, same composer process and store',
    pick: (o) => num(o, 'createsPerSec') / num(o, 'baseline', 'createsPerSec'),
    minBand: 0.3,
    sane: (o) => (num(o, 'failed') === 0 ? null : `${num(o, 'failed')} creates failed`),
  },
  iac: {
    script: 'iac.ts',
    args: ['--short', '--json'],
    ratio: 'floor time ÷ Tessera time, geometric mean over the steps (tofu plan/apply, pulumi native preview/up), each against the same engine with resources that need no provider (bench/iac.ts)',
    pick: (o) => {
      const steps = [...stepsOf(o, 'tofu'), ...stepsOf(o, 'pulumi', 'native')];
      if (steps.length === 0) throw new Error('output has no tofu or pulumi.native steps');
      return Math.exp(steps.reduce((a, s) => a + Math.log(num(s, 'floorSeconds') / num(s, 'seconds')), 0) / steps.length);
    },
    minBand: 0.35,
  },
  agents: {
    script: 'agents-fleet.ts',
    // Without --json its last line is the compact JSON (--json pretty-prints). The script itself
    // fails when the idle fleet asked for assignments or the restart formatted anything again.
    args: ['--short'],
    ratio: 'volume creates/s with every agent registered, heartbeating and staging ÷ creates/s of a second composer process no agent talks to (bench/agents-fleet.ts)',
    pick: (o) => num(o, 'ratio', 'createRate'),
    minBand: 0.35,
  },
};

/** The steps of one engine in bench/iac.ts's output (`tofu.steps`, `pulumi.native.steps`). */
function stepsOf(o: Record<string, unknown>, ...keys: string[]): Record<string, unknown>[] {
  const steps = at(o, ...keys, 'steps');
  return Array.isArray(steps) ? (steps as Record<string, unknown>[]) : [];
}

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const BASELINE = path.join(__dirname, 'baseline.json');

interface BaselineEntry {
  ratio: number;
  /** Spread (max/min - 1) of the runs the baseline was recorded from. */
  spread: number;
  runs: number[];
}
interface BaselineFile {
  note: string;
  recorded: string;
  machine: string;
  benchmarks: Record<string, BaselineEntry>;
}

/** Runs one benchmark script in its own process (no shell) and parses the last JSON line it prints. */
function runOnce(b: Bench): Promise<Record<string, unknown>> {
  const tsx = require.resolve('tsx/cli');
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [tsx, path.join(__dirname, b.script), ...b.args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('error', reject);
    p.on('exit', (code) => {
      const line = out.trim().split('\n').filter((l) => l.startsWith('{')).pop();
      if (code !== 0 || !line) return reject(new Error(`${b.script} exited with ${code}: ${err.trim().split('\n').slice(-5).join(' | ')}`));
      try {
        resolve(JSON.parse(line) as Record<string, unknown>);
      } catch (e) {
        reject(new Error(`${b.script}: output is not JSON: ${(e as Error).message}`));
      }
    });
  });
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const spreadOf = (xs: number[]) => (Math.min(...xs) > 0 ? Math.max(...xs) / Math.min(...xs) - 1 : Infinity);
const r4 = (n: number) => Math.round(n * 1e4) / 1e4;

export interface CheckResult {
  name: string;
  passed: boolean;
  ratio?: number;
  runs?: number[];
  spread?: number;
  baseline?: number;
  band?: number;
  /** ratio ÷ baseline ratio. */
  relative?: number;
  seconds: number;
  reason?: string;
}

/** The verdict for one benchmark, given its runs and its baseline (pure: tested in test/bench). */
export function judge(name: string, runs: number[], minBand: number, base: BaselineEntry | undefined): Omit<CheckResult, 'seconds'> {
  const ratio = median(runs);
  const spread = runs.length > 1 ? spreadOf(runs) : 0;
  if (!base) return { name, passed: false, ratio: r4(ratio), runs: runs.map(r4), spread: r4(spread), reason: `no baseline for ${name} in bench/baseline.json: record one with --update` };
  const band = Math.min(0.9, Math.max(minBand, spread, base.spread));
  const floor = base.ratio * (1 - band);
  const passed = ratio >= floor;
  return {
    name,
    passed,
    ratio: r4(ratio),
    runs: runs.map(r4),
    spread: r4(spread),
    baseline: base.ratio,
    band: r4(band),
    relative: r4(ratio / base.ratio),
    ...(passed ? {} : { reason: `ratio ${r4(ratio)} is below ${r4(floor)} (baseline ${base.ratio} less the noise band ${Math.round(band * 100)} %)` }),
  };
}

async function main(): Promise<void> {
  const json = process.argv.includes('--json');
  const update = process.argv.includes('--update');
  const repeats = Number(flag('repeats') ?? 2);
  if (!Number.isInteger(repeats) || repeats < 1 || repeats > 10) throw new Error('--repeats: an integer from 1 to 10');
  const only = flag('only')?.split(',');
  for (const n of only ?? []) if (!BENCHES[n]) throw new Error(`--only: unknown benchmark "${n}" (known: ${Object.keys(BENCHES).join(', ')})`);
  const names = only ?? Object.keys(BENCHES);
  const log = (s: string) => {
    if (!json) console.error(s);
  };
  const baseline: BaselineFile | undefined = fs.existsSync(BASELINE) ? (JSON.parse(fs.readFileSync(BASELINE, 'utf8')) as BaselineFile) : undefined;
  const results: CheckResult[] = [];
  const measured: Record<string, BaselineEntry> = {};
  const t0 = Date.now();
  for (const name of names) {
    const b = BENCHES[name];
    const t = Date.now();
    const runs: number[] = [];
    let reason: string | undefined;
    try {
      for (let i = 0; i < repeats; i++) {
        const out = await runOnce(b);
        const bad = b.sane?.(out);
        if (bad) throw new Error(bad);
        runs.push(b.pick(out));
        log(`${name}: run ${i + 1}/${repeats}: ratio ${r4(runs[runs.length - 1])}`);
      }
    } catch (e) {
      reason = (e as Error).message;
    }
    const seconds = Math.round((Date.now() - t) / 100) / 10;
    if (reason !== undefined) {
      results.push({ name, passed: false, seconds, reason });
      continue;
    }
    measured[name] = { ratio: r4(median(runs)), spread: r4(runs.length > 1 ? spreadOf(runs) : 0), runs: runs.map(r4) };
    results.push({ ...judge(name, runs, b.minBand, baseline?.benchmarks[name]), seconds });
  }
  if (update) {
    const failedRuns = results.filter((r) => r.ratio === undefined);
    if (failedRuns.length) throw new Error(`--update: not written, these did not run: ${failedRuns.map((r) => `${r.name} (${r.reason})`).join('; ')}`);
    const os = await import('node:os');
    const file: BaselineFile = {
      note: 'Ratios to same-run floors, written by `npm run bench:check -- --update` (bench/check.ts); see docs/benchmarks.md',
      recorded: new Date().toISOString().slice(0, 10),
      machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
      benchmarks: { ...(baseline?.benchmarks ?? {}), ...measured },
    };
    fs.writeFileSync(BASELINE, JSON.stringify(file, null, 2) + '\n');
    log(`bench/baseline.json written (${Object.keys(measured).join(', ')})`);
  }
  const passed = results.filter((r) => r.passed).length;
  const out = { passed, failed: results.length - passed, repeats, seconds: Math.round((Date.now() - t0) / 1000), benchmarks: Object.fromEntries(results.map((r) => [r.name, { ...r, what: BENCHES[r.name].ratio }])) };
  const outFile = flag('out');
  if (outFile) fs.writeFileSync(outFile, JSON.stringify(out) + '\n');
  console.log(json ? JSON.stringify(out) : JSON.stringify(out, null, 2));
  if (!update && out.failed > 0) process.exitCode = 1;
}

if (require.main === module) {
  main().catch((e) => {
    console.error((e as Error).message);
    process.exit(2);
  });
}
