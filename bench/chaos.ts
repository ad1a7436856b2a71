// The chaos suite: every scenario of bench/chaos/ in turn, one JSON object with their figures and
// every broken invariant. Exits 1 when any scenario reports a violation (or crashed), so CI fails.
//   npm run bench:chaos -- --json            the full size (about an hour on 2 cores)
//   npm run bench:chaos -- --short --json    the CI form
//   --only composer-kill-sqlite,fuzz         a subset; --out FILE also writes the JSON there
//   --cycles N                               kill cycles of the composer-kill scenarios (default 5 short, 100 long)
import * as fs from 'node:fs';
import type { ChaosOptions, ChaosResult } from './chaos/lib';

type Scenario = (opts: ChaosOptions) => Promise<ChaosResult>;

const SCENARIOS: Record<string, () => Promise<Scenario>> = {
  'etcd-proxy': async () => (await import('./chaos/etcd-faults')).runProxy,
  'composer-kill-sqlite': async () => {
    const m = await import('./chaos/composer-kill');
    return (o) => m.run({ ...o, store: 'sqlite', cycles: cyclesFlag() });
  },
  'composer-kill-etcd': async () => {
    const m = await import('./chaos/composer-kill');
    return (o) => m.run({ ...o, store: 'etcd', cycles: cyclesFlag() });
  },
  failover: async () => (await import('./chaos/failover')).run,
  'etcd-members': async () => (await import('./chaos/etcd-faults')).runMembers,
  'agent-kill': async () => (await import('./chaos/agent-kill')).run,
  fuzz: async () => (await import('./chaos/fuzz')).run,
  exhaustion: async () => (await import('./chaos/exhaustion')).run,
};

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function cyclesFlag(): number | undefined {
  const v = flag('cycles');
  if (v === undefined) return undefined;
  if (!/^\d{1,4}$/.test(v) || Number(v) < 1) throw new Error(`--cycles: a positive integer, got '${v}'`);
  return Number(v);
}

async function main(): Promise<void> {
  const short = process.argv.includes('--short');
  const json = process.argv.includes('--json');
  const only = flag('only')?.split(',');
  for (const o of only ?? []) if (!SCENARIOS[o]) throw new Error(`--only: unknown scenario '${o}' (known: ${Object.keys(SCENARIOS).join(', ')})`);
  const log = (line: string) => process.stderr.write(`chaos: ${line}\n`);
  const out: { short: boolean; scenarios: Record<string, { seconds: number } & ChaosResult>; violations: number; passed: number; failed: number } = {
    short,
    scenarios: {},
    violations: 0,
    passed: 0,
    failed: 0,
  };
  for (const [name, load] of Object.entries(SCENARIOS)) {
    if (only && !only.includes(name)) continue;
    const t0 = Date.now();
    log(`${name}: start`);
    let result: ChaosResult;
    try {
      result = await (await load())({ short, log });
    } catch (e) {
      result = { figures: {}, violations: [`${name} crashed: ${(e as Error).stack ?? String(e)}`] };
    }
    out.scenarios[name] = { seconds: Math.round((Date.now() - t0) / 100) / 10, ...result };
    out.violations += result.violations.length;
    if (result.violations.length === 0) out.passed++;
    else out.failed++;
    log(`${name}: ${result.violations.length === 0 ? 'ok' : `${result.violations.length} violation(s)`} in ${out.scenarios[name].seconds} s`);
    for (const v of result.violations.slice(0, 20)) log(`  violation: ${v}`);
  }
  const text = JSON.stringify(out, null, json ? undefined : 2);
  const file = flag('out');
  if (file) fs.writeFileSync(file, text);
  process.stdout.write(`${text}\n`);
  process.exit(out.failed > 0 ? 1 : 0);
}

void main().catch((e) => {
  process.stderr.write(`chaos: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
