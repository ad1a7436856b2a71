// The composer on a real etcd behind a fault proxy: replies delayed past the call deadline,
// requests that arrive after the client gave up, replies swallowed, connections cut with a
// transaction in flight. Whatever the network does, no extent is ever allocated twice, every
// acknowledged create is in the store, and the composer's memory equals a fresh load. The rules
// are in docs/store.md ("Outcome unknown").
import { startComposer, type RunningComposer } from '../../provider/composer';
import { ComposerState } from '../../provider/composer/state';
import { AllocationEngine } from '../../provider/engine';
import type { Placement } from '../../provider/model/placement';
import { EtcdStore } from '../../provider/store/etcd';
import { startEtcd, type EtcdCluster } from '../helpers/etcd';
import { startFaultProxy, type FaultMode, type FaultProxy } from '../helpers/faultproxy';
import { captureLogs, client, MASTER_KEY, smallInventory, tok, TOKENS } from './fixtures';
import { overlappingExtents } from './invariants';

jest.setTimeout(240_000);

let etcd: EtcdCluster;
let proxy: FaultProxy;
let composer: RunningComposer | undefined;
let direct: EtcdStore | undefined;

afterAll(async () => {
  await composer?.close().catch(() => undefined);
  await direct?.close();
  await proxy?.close();
  await etcd?.stop();
});

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

test('faults between composer and etcd never allocate an extent twice nor lose an acknowledged create', async () => {
  etcd = await startEtcd();
  const target = new URL(etcd.endpoints[0]);
  proxy = await startFaultProxy({ host: target.hostname, port: Number(target.port) });
  // A short call deadline: a reply delayed by 700 ms is an outcome-unknown failure.
  const store = await EtcdStore.connect([proxy.url], { callTimeoutMs: 300, connectTimeoutMs: 10_000 });
  const logs = captureLogs();
  composer = await startComposer({ store, tokens: TOKENS, inventory: smallInventory(), masterKey: MASTER_KEY, log: logs.sink, leaseTtlSeconds: 30 });
  const api = client(composer.url, tok('root'));
  const cluster = (await api.post('/v1/clusters', { name: 'faults', servers: ['k1', 'k2'] })).body.id as string;

  const next = faults(0x5eed);
  /** One request with a fault on its first attempt, retried on 503 as the providers do. */
  const underFault = async (call: () => Promise<{ status: number; body: any }>, statuses: Record<string, number>) => { // eslint-disable-line @typescript-eslint/no-explicit-any
    proxy.setMode(next());
    // The fault applies to the first attempt; the network heals while the client waits.
    const heal = setTimeout(() => proxy.setMode({ kind: 'pass' }), 350);
    let r = await call();
    clearTimeout(heal);
    proxy.setMode({ kind: 'pass' });
    statuses[r.status] = (statuses[r.status] ?? 0) + 1;
    for (let attempt = 0; r.status === 503 && attempt < 40; attempt++) {
      await new Promise((res) => setTimeout(res, 250));
      r = await call();
    }
    return r;
  };
  const acknowledged = new Map<string, string>(); // name -> id
  const statuses: Record<string, number> = {};
  let conflicts = 0;
  // Slices of 100 GiB on 800 GiB SSDs: freed-but-stored extents would soon be handed out again.
  for (let i = 0; i < 40; i++) {
    const name = `s${i}`;
    const body = { cluster, name, type: 'slice', sizeGiB: 100, softDomains: true, sgResiliency: false, jbodResiliency: false };
    const r = await underFault(() => api.post('/v1/volumes', body), statuses);
    if (r.body?.code === 'conflict') conflicts++;
    expect([200, 201]).toContain(r.status);
    acknowledged.set(name, r.body.id);
  }
  // Deletes under the same faults: every other slice, which frees neighbours to grow into.
  const deleted = new Set<string>();
  for (let i = 0; i < 12; i++) {
    const id = acknowledged.get(`s${i * 3 + 1}`)!;
    const r = await underFault(() => api.del(`/v1/volumes/${id}`), statuses);
    expect(r.status).toBe(204);
    deleted.add(id);
    acknowledged.delete(`s${i * 3 + 1}`);
  }
  // Slice growth in place (an extend whose commit failed is undone; the engine must match the store).
  const grown = new Map<string, number>();
  for (let i = 0; i < 12; i++) {
    const id = acknowledged.get(`s${i * 3}`)!;
    const r = await underFault(() => api.patch(`/v1/volumes/${id}`, { sizeGiB: 150 }), statuses);
    if (r.body?.code === 'conflict') conflicts++;
    // Growth needs the neighbouring extent free: refused as a capacity answer when it is not.
    if (r.status !== 200) expect(r.body.code).toMatch(/capacity/);
    if (r.status === 200) grown.set(id, 150);
  }
  // An inventory switch (one more SSD per enclosure) under a fault.
  const bigger = smallInventory();
  for (const g of bigger.storageGroups) for (const e of g.enclosures) e.drives.push({ serial: `${e.name}-ssd-extra`, type: 'ssd', sizeGiB: 800, tags: ['nvme'] });
  const inv = await underFault(() => api.put('/v1/inventory', bigger), statuses);
  expect(inv.status).toBe(200);
  proxy.setMode({ kind: 'pass' });
  console.log(`etcd faults: first-attempt statuses ${JSON.stringify(statuses)}, proxy ${JSON.stringify(proxy.stats())}`);

  // The same name is never refused as a conflict: the spec is identical, the outcome was unknown.
  expect(conflicts).toBe(0);
  expect(acknowledged.size).toBe(28);
  expect(grown.size).toBeGreaterThan(0);

  // Let the composer settle (outcome-unknown resolution, resync) and compare with a fresh load.
  await composer.whenLeader(30_000);
  direct = await EtcdStore.connect(etcd.endpoints);
  const fresh = await ComposerState.load(direct, (inv) => new AllocationEngine(inv)); // throws on a double allocation
  const stored = [...fresh.allocations.entries()] as [string, Placement][];
  expect(overlappingExtents(stored)).toEqual([]);
  for (const [name, id] of acknowledged) {
    expect(fresh.volumes.get(id)?.name).toBe(name);
    expect(fresh.allocations.get(id)?.capacityGiB).toBe(grown.get(id) ?? 100);
  }
  expect(fresh.inventory?.storageGroups[0].enclosures[0].drives.map((d) => d.serial)).toContain('enc-a1-ssd-extra');
  for (const id of deleted) expect(fresh.volumes.has(id) || fresh.allocations.has(id)).toBe(false);
  // Nothing allocated that no volume owns.
  const owned = new Set(fresh.volumes.keys());
  expect(stored.filter(([id]) => !owned.has(id))).toEqual([]);
  // The leader's memory is the store.
  const live = composer.service().state;
  expect(new Map([...live.allocations].sort())).toEqual(new Map([...fresh.allocations].sort()));
  expect([...live.volumes.keys()].sort()).toEqual([...fresh.volumes.keys()].sort());
  expect(live.engine!.capacity({ type: 'slice', softDomains: true, sgResiliency: false, jbodResiliency: false } as never)).toEqual(
    fresh.engine!.capacity({ type: 'slice', softDomains: true, sgResiliency: false, jbodResiliency: false } as never),
  );
  // Logs never call an unknown outcome a conflict.
  expect(logs.lines.filter((l) => /"status":409/.test(l))).toEqual([]);
});
