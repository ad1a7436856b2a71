// Chaos on the etcd side of the composer.
// runProxy: a composer whose etcd traffic crosses a TCP fault proxy (test/helpers/faultproxy.ts):
//   replies and requests delayed past the call deadline, replies swallowed, connections cut after
//   a request. Creates, deletes, slice growth and an inventory switch each meet a fault on their
//   first attempt; the client retries 503 with the same request. No extent allocated twice, every
//   acknowledged change stored, nothing stored unowned, never a 409 for a lost answer, and the
//   composer's memory equals a fresh load. (docs/store.md, "Outcome unknown".)
// runMembers: a 3-member etcd cluster under load: one member killed (writes continue), then two
//   of three (writes refused with 503), then restored (writes resume, nothing acknowledged lost).
import { PROBLEM } from '../../provider/api/contract';
import type { RunningComposer } from '../../provider/composer';
import { ComposerState } from '../../provider/composer/state';
import { AllocationEngine } from '../../provider/engine';
import type { Inventory } from '../../provider/model/inventory';
import type { Placement } from '../../provider/model/placement';
import { EtcdStore } from '../../provider/store/etcd';
import { overlappingExtents } from '../../test/composer/invariants';
import { smallInventory, startTestComposer, type TestComposer } from '../../test/helpers/composer';
import { raftLeader, startEtcd, startEtcdCluster, type EtcdCluster } from '../../test/helpers/etcd';
import { startFaultProxy, type FaultMode, type FaultProxy } from '../../test/helpers/faultproxy';
import { call, checkPool, percentile, sleep, type ChaosOptions, type ChaosResult, type Reply } from './lib';


/** A deterministic sequence of faults (xorshift), so a failure replays the same way. */
function faults(seed: number): () => FaultMode {
  let x = seed;
  const next = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
  return () => {
    const r = next();
    if (r < 0.3) return { kind: 'delay', ms: 700, direction: 'replies' };
    if (r < 0.5) return { kind: 'delay', ms: 700, direction: 'requests' };
    if (r < 0.65) return { kind: 'drop-reply' };
    if (r < 0.8) return { kind: 'cut-after-request' };
    return { kind: 'pass' };
  };
}

export type ProxyFigures = {
  creates: number;
  deletes: number;
  growths: number;
  firstAttemptStatuses: Record<string, number>;
  conflicts: number;
  proxy: ReturnType<FaultProxy['stats']>;
};

export async function runProxy(opts: ChaosOptions & { creates?: number }): Promise<ChaosResult & { figures: ProxyFigures }> {
  const creates = opts.creates ?? (opts.short ? 40 : 200);
  const violations: string[] = [];
  let etcd: EtcdCluster | undefined;
  let proxy: FaultProxy | undefined;
  let harness: TestComposer | undefined;
  let composer: RunningComposer | undefined;
  let direct: EtcdStore | undefined;
  try {
    etcd = await startEtcd();
    const target = new URL(etcd.endpoints[0]);
    proxy = await startFaultProxy({ host: target.hostname, port: Number(target.port) });
    const p = proxy;
    // A short call deadline: a reply delayed by 700 ms is an outcome-unknown failure.
    const store = await EtcdStore.connect([p.url], { callTimeoutMs: 300, connectTimeoutMs: 10_000 });
    // Enough SSD for the long form: slices of 100 GiB on 800 GiB SSDs.
    const inventory = smallInventory();
    const scale = Math.ceil(creates / 32);
    for (const g of inventory.storageGroups) for (const e of g.enclosures) for (let i = 4; i < 4 * scale; i++) e.drives.push({ serial: `${e.name}-ssd-${i}`, type: 'ssd', sizeGiB: 800, tags: ['nvme'] });
    harness = await startTestComposer({ store, inventory, log: () => undefined });
    composer = harness.composer;
    const url = composer.url;
    const cluster = (await call(url, 'POST', '/v1/clusters', { name: 'faults', servers: ['k1', 'k2'] })).body.id as string;

    const next = faults(0x5eed);
    const statuses: Record<string, number> = {};
    let conflicts = 0;
    /** One request with a fault on its first attempt, retried on 503 as the providers do. */
    const underFault = async (method: string, path: string, body?: unknown): Promise<Reply> => {
      p.setMode(next());
      // The fault applies to the first attempt; the network heals while the client waits.
      const heal = setTimeout(() => p.setMode({ kind: 'pass' }), 350);
      let r = await call(url, method, path, body, 30_000);
      clearTimeout(heal);
      p.setMode({ kind: 'pass' });
      statuses[r.status] = (statuses[r.status] ?? 0) + 1;
      for (let attempt = 0; r.status === 503 && attempt < 40; attempt++) {
        await sleep(250);
        r = await call(url, method, path, body, 30_000);
      }
      if (r.body?.code === PROBLEM.conflict) conflicts++;
      return r;
    };

    const acknowledged = new Map<string, string>(); // name -> id
    for (let i = 0; i < creates; i++) {
      const name = `s${i}`;
      const r = await underFault('POST', '/v1/volumes', { cluster, name, type: 'slice', sizeGiB: 100, softDomains: true, sgResiliency: false, jbodResiliency: false });
      if (r.status === 200 || r.status === 201) acknowledged.set(name, r.body.id);
      else violations.push(`create ${name}: ${r.status} ${JSON.stringify(r.body)}`);
    }
    // Deletes: every third slice, which frees neighbours to grow into.
    const deleted = new Set<string>();
    for (let i = 1; i < creates; i += 3) {
      const id = acknowledged.get(`s${i}`);
      if (!id) continue;
      const r = await underFault('DELETE', `/v1/volumes/${id}`);
      if (r.status !== 204) violations.push(`delete ${id}: ${r.status} ${JSON.stringify(r.body)}`);
      deleted.add(id);
      acknowledged.delete(`s${i}`);
    }
    // Growth in place: an extend whose commit failed is undone; the engine must match the store.
    const grown = new Map<string, number>();
    for (let i = 0; i < creates; i += 3) {
      const id = acknowledged.get(`s${i}`);
      if (!id) continue;
      const r = await underFault('PATCH', `/v1/volumes/${id}`, { sizeGiB: 150 });
      if (r.status === 200) grown.set(id, 150);
      else if (!/capacity/.test(r.body?.code ?? '')) violations.push(`grow ${id}: ${r.status} ${JSON.stringify(r.body)}`);
    }
    if (grown.size === 0) violations.push('no slice could grow: the growth path was not exercised');
    // An inventory switch (one more SSD per enclosure) under a fault.
    const bigger: Inventory = JSON.parse(JSON.stringify(inventory));
    for (const g of bigger.storageGroups) for (const e of g.enclosures) e.drives.push({ serial: `${e.name}-ssd-extra`, type: 'ssd', sizeGiB: 800, tags: ['nvme'] });
    const inv = await underFault('PUT', '/v1/inventory', bigger);
    if (inv.status !== 200) violations.push(`inventory switch: ${inv.status} ${JSON.stringify(inv.body)}`);
    p.setMode({ kind: 'pass' });
    if (conflicts > 0) violations.push(`${conflicts} request(s) answered 409 conflict for a lost answer`);

    // The composer's memory against a fresh load (straight to etcd, no proxy).
    await composer.whenLeader(30_000);
    direct = await EtcdStore.connect(etcd.endpoints);
    let fresh: ComposerState | undefined;
    try {
      fresh = await ComposerState.load(direct, (i) => new AllocationEngine(i));
    } catch (e) {
      violations.push(`a fresh load of the store fails: ${(e as Error).message}`);
    }
    if (fresh) {
      const stored = [...fresh.allocations.entries()] as [string, Placement][];
      for (const o of overlappingExtents(stored)) violations.push(`extent allocated twice: ${o}`);
      for (const [name, id] of acknowledged) {
        if (fresh.volumes.get(id)?.name !== name) violations.push(`acknowledged create ${name} (${id}) is not stored`);
        else if (fresh.allocations.get(id)?.capacityGiB !== (grown.get(id) ?? 100)) violations.push(`${id}: stored ${fresh.allocations.get(id)?.capacityGiB} GiB, acknowledged ${grown.get(id) ?? 100}`);
      }
      for (const id of deleted) if (fresh.volumes.has(id) || fresh.allocations.has(id)) violations.push(`acknowledged delete of ${id} is not stored`);
      const owned = new Set(fresh.volumes.keys());
      for (const [id] of stored) if (!owned.has(id)) violations.push(`allocation ${id} has no volume (leaked)`);
      if (!fresh.inventory?.storageGroups[0].enclosures[0].drives.some((d) => d.serial.endsWith('-ssd-extra'))) violations.push('the acknowledged inventory switch is not stored');
      const live = composer.service().state;
      const sorted = (m: Map<string, unknown>) => JSON.stringify([...m].sort(([a], [b]) => (a < b ? -1 : 1)));
      if (sorted(live.allocations) !== sorted(fresh.allocations)) violations.push("the composer's allocations differ from a fresh load of the store");
      if (sorted(live.volumes) !== sorted(fresh.volumes)) violations.push("the composer's volumes differ from a fresh load of the store");
      const q = { type: 'slice', softDomains: true, sgResiliency: false, jbodResiliency: false } as never;
      if (JSON.stringify(live.engine?.capacity(q)) !== JSON.stringify(fresh.engine?.capacity(q))) violations.push("the composer's free capacity differs from a fresh load of the store");
    }
    const figures: ProxyFigures = { creates, deletes: deleted.size, growths: grown.size, firstAttemptStatuses: statuses, conflicts, proxy: p.stats() };
    opts.log(`etcd-proxy: ${JSON.stringify(figures)}`);
    return { figures, violations };
  } finally {
    await harness?.close().catch(() => undefined);
    await direct?.close();
    await proxy?.close();
    await etcd?.stop();
  }
}

export async function runMembers(opts: ChaosOptions): Promise<ChaosResult> {
  const violations: string[] = [];
  const inventory = smallInventory();
  let etcd: EtcdCluster | undefined;
  let harness: TestComposer | undefined;
  let composer: RunningComposer | undefined;
  try {
    etcd = await startEtcdCluster(3);
    // The composer's default 3 s lease: without quorum the leader steps down and says so (503 not_leader).
    harness = await startTestComposer({ store: etcd.storeUrl, inventory, log: () => undefined, leaseTtlSeconds: 3 });
    composer = harness.composer;
    const url = composer.url;
    const cluster = (await call(url, 'POST', '/v1/clusters', { name: 'members', servers: ['k1'] })).body.id as string;
    const acked = new Map<string, string>();
    let n = 0;
    const statuses: Record<string, Record<string, number>> = {};
    /** Creates for ms from 4 clients; a lost answer is resent until definite (idempotent by name). */
    const load = async (phase: string, ms: number, persist: boolean) => {
      const until = Date.now() + ms;
      statuses[phase] = {};
      const latencies: number[] = [];
      await Promise.all(
        Array.from({ length: 4 }, async () => {
          while (Date.now() < until) {
            const name = `m${n++}`;
            const body = { cluster, name, type: 'slice', sizeGiB: 1, softDomains: true, sgResiliency: false, jbodResiliency: false };
            const t0 = Date.now();
            let r = await call(url, 'POST', '/v1/volumes', body, 30_000);
            statuses[phase][r.status] = (statuses[phase][r.status] ?? 0) + 1;
            while (persist && (r.status === 0 || r.status === 503)) {
              await sleep(200);
              r = await call(url, 'POST', '/v1/volumes', body, 30_000);
            }
            if (r.status === 200 || r.status === 201) {
              acked.set(name, r.body.id);
              latencies.push(Date.now() - t0);
            } else if (r.status !== 503 && r.status !== 0) violations.push(`${phase}: create ${name}: ${r.status} ${JSON.stringify(r.body)}`);
            else if (!persist) {
              // Refused while etcd has no quorum: later, the same name either exists or not; resend.
              unresolved.push(body);
            }
          }
        }),
      );
      return latencies;
    };
    const unresolved: unknown[] = [];
    const short = opts.short;
    await load('healthy', short ? 2_000 : 10_000, true);
    // One of three members: writes continue.
    const leader = await raftLeader(etcd);
    await leader.kill9();
    const oneDown = await load('one-member-down', short ? 4_000 : 20_000, true);
    if (oneDown.length === 0) violations.push('no write succeeded with one of three etcd members down');
    // Two of three: no quorum, writes are refused (503), nothing half-written.
    const second = etcd.members.find((m) => m.running())!;
    await second.kill9();
    await load('two-members-down', short ? 4_000 : 15_000, false);
    // Refused, promptly and clearly: a 503 within the client's 30 s (no hang, no other status).
    const refusedOk = Object.keys(statuses['two-members-down']).every((s) => s === '503');
    if (!refusedOk) violations.push(`without quorum some creates were answered otherwise than 503: ${JSON.stringify(statuses['two-members-down'])}`);
    // Restore both: writes resume; the refused ones are resent and resolve one way.
    const t0 = Date.now();
    await Promise.all([leader.restart(), second.restart()]);
    let resumedMs = -1;
    for (let i = 0; i < 600; i++) {
      const r = await call(url, 'POST', '/v1/volumes', { cluster, name: `resume${i}`, type: 'slice', sizeGiB: 1, softDomains: true, sgResiliency: false, jbodResiliency: false }, 5_000);
      if (r.status === 201) {
        acked.set(`resume${i}`, r.body.id);
        resumedMs = Date.now() - t0;
        break;
      }
      await sleep(100);
    }
    if (resumedMs < 0) violations.push('writes did not resume within 60 s after quorum was restored');
    for (const body of unresolved) {
      let r: Reply = { status: 0, body: undefined };
      for (let attempt = 0; attempt < 300 && (r.status === 503 || r.status === 0); attempt++) {
        if (attempt > 0) await sleep(200);
        r = await call(url, 'POST', '/v1/volumes', body, 15_000);
      }
      if (r.status === 200 || r.status === 201) acked.set((body as { name: string }).name, r.body.id);
      else violations.push(`resent create: ${r.status} ${JSON.stringify(r.body)}`);
    }
    await load('restored', short ? 2_000 : 10_000, true);
    for (const [name, id] of acked) {
      const r = await call(url, 'GET', `/v1/volumes/${id}`);
      if (r.status !== 200 || r.body.name !== name) violations.push(`acknowledged ${name} (${id}) lost: ${r.status}`);
    }
    await checkPool(url, inventory, violations, 'after etcd quorum loss');
    const figures = {
      acknowledged: acked.size,
      statuses,
      oneMemberDownP99Ms: percentile(oneDown, 99),
      resumedAfterQuorumMs: resumedMs,
      refusedWithoutQuorum: Object.values(statuses['two-members-down']).reduce((a, b) => a + b, 0),
    };
    opts.log(`etcd-members: ${JSON.stringify(figures)}`);
    return { figures, violations };
  } finally {
    await harness?.close().catch(() => undefined);
    await etcd?.stop();
  }
}
