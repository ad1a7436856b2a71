// Allocation bench (docs/allocation.md): a mixed workload on a synthetic inventory, on the engine
// and, in the same run, on a naive first-fit baseline that scans every drive. Prints figures,
// asserts nothing: `npm run bench:alloc -- --drives 100000 --servers 10000 --ops 200000 --json`.
import { AllocationEngine } from '../provider/engine';
import { PLACEMENT_DEFAULTS, type CapacityQuery } from '../provider/model/placement';
import type { Inventory } from '../provider/model/inventory';
import { rng } from '../provider/inventory';
import { synthesizeInventory } from '../provider/inventory';
import { NaiveAllocator } from './lib/naive';
import { makeWorkload, type Op } from './lib/workload';
import { numberArg } from './lib/args';
import { procStatusBytes } from './lib/proc';

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

/**
 * The capacity queries (CSI GetCapacity: available GiB and the largest feasible volume): the four
 * workload kinds (slice, ssd RAID1, hdd, hdd RAID10 by striping), each pool-wide and for a random
 * server's bandwidth domain, in a fixed shuffled order.
 */
function capacityQueries(inv: Inventory, count: number, seed: number): { kind: string; query: CapacityQuery }[] {
  const r = rng(seed ^ 0xcafe);
  const base = PLACEMENT_DEFAULTS;
  const kinds: { kind: string; query: CapacityQuery }[] = [
    { kind: 'slice', query: { ...base, type: 'slice' } },
    { kind: 'ssd-raid1', query: { ...base, type: 'ssd', redundancy: true } },
    { kind: 'hdd', query: { ...base, type: 'hdd', striping: false } },
    { kind: 'hdd-raid10', query: { ...base, type: 'hdd', striping: true, raidMaxDrives: 8 } },
  ];
  const out: { kind: string; query: CapacityQuery }[] = [];
  for (let i = 0; i < count; i++) {
    const k = kinds[i % kinds.length];
    const server = Math.floor(i / kinds.length) % 2 === 1 ? inv.servers[Math.floor(r() * inv.servers.length)]?.name : undefined;
    out.push({ kind: k.kind + (server ? '@server' : ''), query: { ...k.query, server, softDomains: false } });
  }
  return out;
}

/** Milliseconds per call of `answer` over the queries, p50/p99/max. */
function timeQueries<T>(queries: { query: CapacityQuery }[], answer: (q: CapacityQuery) => T): { p50Ms: number; p99Ms: number; maxMs: number; answers: T[] } {
  const lat: number[] = [];
  const answers: T[] = [];
  for (const { query } of queries) {
    const t0 = process.hrtime.bigint();
    answers.push(answer(query));
    lat.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  const sorted = Float64Array.from(lat).sort();
  const f = (x: number) => Number(x.toFixed(3));
  return { p50Ms: f(percentile(sorted, 0.5)), p99Ms: f(percentile(sorted, 0.99)), maxMs: f(sorted[sorted.length - 1] ?? 0), answers };
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
  // The kernel's peak for this process (VmHWM): the inventory, the workload's operations and the engine.
  const peakRssMiB = Math.round(procStatusBytes(process.pid, 'VmHWM')[0] / 1048576);
  const fragmentation = engine.ssdFragmentation(100);
  const balance = engine.enclosureBalance();
  const stats = engine.stats();

  // The capacity query at this size, after the churn (the state a long-running composer holds);
  // its floor is one naive scan over every drive for the same query (bench/lib/naive.ts largest).
  const queries = capacityQueries(inventory, arg('capacity-queries', 200), seed);
  for (const q of queries.slice(0, 8)) engine.capacity(q.query); // warm
  t = Date.now();
  const cap = timeQueries(queries, (q) => engine.capacity(q));
  log(`capacity: ${queries.length} queries in ${Date.now() - t} ms`);

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
  for (const q of queries.slice(0, 8)) naive.largest(q.query); // warm
  const capFloor = timeQueries(queries, (q) => naive.largest(q));
  const feasibleKinds = new Set(queries.filter((_, i) => cap.answers[i].maximumVolumeSizeGiB > 0).map((q) => q.kind));

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
    peakRssMiB,
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
    /**
     * The capacity query (available GiB and the largest feasible volume, pool-wide and per server)
     * on the engine after the whole run; floor: one naive scan over every drive for the same query.
     * ratio = engine p99 / floor p99 (lower is better; below 1 is faster than a bare scan).
     */
    capacity: {
      queries: queries.length,
      kindsWithAnswer: [...feasibleKinds].sort(),
      p50Ms: cap.p50Ms,
      p99Ms: cap.p99Ms,
      maxMs: cap.maxMs,
      floor: { p50Ms: capFloor.p50Ms, p99Ms: capFloor.p99Ms },
      p99Ratio: Number((cap.p99Ms / capFloor.p99Ms).toFixed(2)),
    },
  };
  console.log(json ? JSON.stringify(result) : JSON.stringify(result, null, 2));
}

main();
