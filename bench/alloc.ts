// Allocation bench (docs/allocation.md): a mixed workload on a synthetic inventory, on the engine
// and, in the same run, on a naive first-fit baseline that scans every drive. Prints figures,
// asserts nothing: `npm run bench:alloc -- --drives 100000 --servers 10000 --ops 200000 --json`.
import { AllocationEngine } from '../provider/engine';
import { synthesizeInventory } from '../provider/inventory';
import { NaiveAllocator } from './lib/naive';
import { makeWorkload, type Op } from './lib/workload';
import { numberArg } from './lib/args';

const arg = (name: string, fallback: number): number => numberArg(name, fallback, 'non-negative integer');

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

interface RunResult {
  places: number;
  failed: number;
  releases: number;
  /** Microseconds per place call, in op order. */
  latencies: Float64Array;
  placeSeconds: number;
  failures: Record<string, number>;
}

interface Target {
  /** null on success, else a failure label. */
  place(id: string, op: Extract<Op, { kind: 'place' }>): string | null;
  release(id: string): void;
}

function run(target: Target, ops: Op[], limit: number): RunResult {
  const live: string[] = [];
  const latencies: number[] = [];
  const failures: Record<string, number> = {};
  let failed = 0;
  let releases = 0;
  let placeNs = 0n;
  for (let i = 0; i < limit; i++) {
    const op = ops[i];
    if (op.kind === 'release') {
      if (live.length === 0) continue;
      const at = Math.floor(op.pick * live.length);
      const id = live[at];
      live[at] = live[live.length - 1];
      live.pop();
      target.release(id);
      releases++;
      continue;
    }
    const t0 = process.hrtime.bigint();
    const why = target.place(op.id, op);
    const dt = process.hrtime.bigint() - t0;
    placeNs += dt;
    latencies.push(Number(dt) / 1000);
    if (why === null) live.push(op.id);
    else {
      failed++;
      failures[why] = (failures[why] ?? 0) + 1;
    }
  }
  return { places: latencies.length, failed, releases, latencies: Float64Array.from(latencies), placeSeconds: Number(placeNs) / 1e9, failures };
}

function summary(r: RunResult, first?: number) {
  const lat = first === undefined ? r.latencies : r.latencies.subarray(0, first);
  const sum = lat.reduce((s, x) => s + x, 0);
  const sorted = Float64Array.from(lat).sort();
  return {
    allocs: lat.length,
    allocsPerSec: Math.round(lat.length / (sum / 1e6)),
    p50Us: Number(percentile(sorted, 0.5).toFixed(1)),
    p99Us: Number(percentile(sorted, 0.99).toFixed(1)),
    maxUs: Number(sorted[sorted.length - 1]?.toFixed(1) ?? 0),
  };
}

function main(): void {
  const drives = arg('drives', 100000);
  const servers = arg('servers', 10000);
  const opsCount = arg('ops', 200000);
  const seed = arg('seed', 1);
  const baselineOps = arg('baseline-ops', Math.min(opsCount, 10000));
  const json = process.argv.includes('--json');
  const log = (s: string) => {
    if (!json) console.error(s);
  };

  let t = Date.now();
  const inventory = synthesizeInventory({ servers, drives, seed });
  const ops = makeWorkload(inventory, opsCount, seed);
  log(`inventory + workload: ${Date.now() - t} ms`);
  t = Date.now();
  const engine = new AllocationEngine(inventory);
  const buildMs = Date.now() - t;
  log(`engine index build: ${buildMs} ms`);

  // Warm the JIT on throwaway instances so neither side is measured while being compiled.
  const warmup = Math.min(arg('warmup', 5000), ops.length);
  if (warmup > 0) {
    const we = new AllocationEngine(inventory);
    run({ place: (id, op) => (we.place(id, op.request).ok ? null : 'x'), release: (id) => void we.release(id) }, ops, warmup);
    const wn = new NaiveAllocator(inventory);
    run({ place: (id, op) => (wn.place(id, op.request) ? null : 'x'), release: (id) => void wn.release(id) }, ops, Math.min(warmup, 500));
    log(`warm-up: ${warmup} engine ops, ${Math.min(warmup, 500)} baseline ops`);
  }

  const layouts: Record<string, number> = {};
  t = Date.now();
  const engineRun = run(
    {
      place: (id, op) => {
        const r = engine.place(id, op.request);
        if (!r.ok) return `${op.mix}:${r.failure.constraint}`;
        const layout = `${op.mix}->${r.placement.raidLevel}`;
        layouts[layout] = (layouts[layout] ?? 0) + 1;
        return null;
      },
      release: (id) => void engine.release(id),
    },
    ops,
    ops.length,
  );
  log(`engine: ${ops.length} ops in ${Date.now() - t} ms`);
  const rssMiB = Math.round(process.memoryUsage().rss / 1048576);
  const fragmentation = engine.ssdFragmentation(100);
  const balance = engine.enclosureBalance();
  const stats = engine.stats();

  t = Date.now();
  const naive = new NaiveAllocator(inventory);
  const baseRun = run(
    {
      place: (id, op) => (naive.place(id, op.request) ? null : op.mix),
      release: (id) => void naive.release(id),
    },
    ops,
    Math.min(baselineOps, ops.length),
  );
  log(`baseline: ${baselineOps} ops in ${Date.now() - t} ms`);

  const engineAll = summary(engineRun);
  const enginePrefix = summary(engineRun, baseRun.places);
  const base = summary(baseRun);
  const result = {
    drives,
    servers,
    ops: ops.length,
    seed,
    warmupOps: warmup,
    engineBuildMs: buildMs,
    allocs: engineAll.allocs,
    failedAllocs: engineRun.failed,
    failuresByReason: engineRun.failures,
    releases: engineRun.releases,
    /** Placements by workload mix and resulting RAID level. */
    layouts,
    allocsPerSec: engineAll.allocsPerSec,
    p50Us: engineAll.p50Us,
    p99Us: engineAll.p99Us,
    maxUs: engineAll.maxUs,
    rssMiB,
    liveAllocations: stats.allocations,
    utilisation: {
      hdd: Number((stats.byType.hdd.usedGiB / stats.byType.hdd.totalGiB).toFixed(4)),
      ssd: Number((stats.byType.ssd.usedGiB / stats.byType.ssd.totalGiB).toFixed(4)),
    },
    fragmentation: Number(fragmentation.toFixed(4)),
    balance: Number(balance.balance.toFixed(4)),
    balanceByType: { hdd: Number(balance.byType.hdd.toFixed(4)), ssd: Number(balance.byType.ssd.toFixed(4)) },
    baseline: {
      ops: Math.min(baselineOps, ops.length),
      allocs: base.allocs,
      failedAllocs: baseRun.failed,
      allocsPerSec: base.allocsPerSec,
      p50Us: base.p50Us,
      p99Us: base.p99Us,
    },
    engineOnBaselineOps: { allocsPerSec: enginePrefix.allocsPerSec, p99Us: enginePrefix.p99Us },
    /** Engine vs baseline allocations/s on the same operations (the baseline's prefix of the run). */
    speedup: Number((enginePrefix.allocsPerSec / base.allocsPerSec).toFixed(1)),
  };
  console.log(json ? JSON.stringify(result) : JSON.stringify(result, null, 2));
}

main();
