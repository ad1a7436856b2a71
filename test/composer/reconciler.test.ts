// The reconciler after a crash, made deterministic: the store is left exactly as a crash between
// two journal steps leaves it (written here directly into the real SQLite file), then a composer
// starts on it and must finish or undo every pending operation before it answers.
import * as fs from 'node:fs';
import { keys } from '../../provider/composer/layout';
import { sealAad } from '../../provider/composer/service';
import { seal } from '../../provider/keys/crypto';
import { openStore } from '../../provider/store/open';
import { startTestComposer } from '../helpers/composer';
import { client, MASTER_KEY, startTest, tok, TOKENS } from './fixtures';

async function restart(dbFile: string) {
  const { composer: c } = await startTestComposer({ dbFile, inventory: false, tokens: TOKENS, masterKey: MASTER_KEY, log: () => undefined, leaseTtlSeconds: 3 });
  await c.whenLeader(10_000);
  return c;
}

test('a delete journaled but not finished is rolled forward; a reservation without an object is rolled back', async () => {
  const { composer, dir, dbFile } = await startTest();
  const ops = client(composer.url, tok('ops'));
  const cap = async (c: ReturnType<typeof client>) => (await c.get('/v1/capacity?type=ssd&sgResiliency=false&jbodResiliency=false')).body.availableGiB;
  const c0 = await cap(ops);
  const cl = (await ops.post('/v1/clusters', { name: 'rec', servers: ['k1'] })).body;
  const v = (await ops.post('/v1/volumes', { cluster: cl.id, name: 'half-deleted', type: 'ssd', sizeGiB: 700 })).body;
  await composer.close();

  // Crash state 1: phase 1 of a delete (object deleting, name gone, operation pending).
  // Crash state 2: an orphan reservation with its pending create (as an older two-step create left it).
  const store = await openStore(`sqlite:${dbFile}`);
  const obj = JSON.parse((await store.get(keys.object('volumes', v.id)))!.value);
  const alloc = (await store.get(keys.allocation(v.id)))!.value;
  const t = new Date().toISOString();
  // The orphan reserves the neighbouring SSD of the same enclosure (free in this pool).
  const orphan = JSON.parse(alloc);
  orphan.members = orphan.members.map((m: { serial: string }) => ({ ...m, serial: m.serial.replace(/-(\d+)$/, (_: string, n: string) => `-${(Number(n) + 1) % 4}`) }));
  await store.txn({
    compare: [],
    success: [
      { type: 'put', key: keys.object('volumes', v.id), value: JSON.stringify({ ...obj, state: 'deleting' }) },
      { type: 'delete', key: keys.name('volumes', cl.id, 'half-deleted') },
      { type: 'put', key: keys.op('op-crash-1'), value: JSON.stringify({ id: 'op-crash-1', kind: 'delete', resource: 'volumes', objectId: v.id, state: 'pending', startedAt: t, recovery: { action: 'rollforward', muts: [{ key: keys.allocation(v.id) }, { key: keys.object('volumes', v.id) }] } }) },
      { type: 'put', key: keys.allocation('vol-orphan'), value: JSON.stringify(orphan) },
      { type: 'put', key: keys.name('volumes', cl.id, 'orphan'), value: JSON.stringify('vol-orphan') },
      { type: 'put', key: keys.op('op-crash-2'), value: JSON.stringify({ id: 'op-crash-2', kind: 'create', resource: 'volumes', objectId: 'vol-orphan', state: 'pending', startedAt: t, recovery: { action: 'rollback', muts: [{ key: keys.allocation('vol-orphan') }, { key: keys.name('volumes', cl.id, 'orphan') }] } }) },
    ],
  });
  await store.close();

  const c2 = await restart(dbFile);
  try {
    const api = client(c2.url, tok('ops'));
    expect((await api.get('/v1/operations?state=pending')).body.items).toEqual([]);
    expect((await api.get('/v1/operations/op-crash-1')).body.state).toBe('done');
    expect((await api.get('/v1/operations/op-crash-2')).body).toMatchObject({ state: 'rolled_back', error: expect.stringMatching(/rolled back/) });
    expect((await api.get(`/v1/volumes/${v.id}`)).status).toBe(404);
    expect(await cap(api)).toBe(c0);
    // The name of the rolled-back create is free again.
    expect((await api.post('/v1/volumes', { cluster: cl.id, name: 'orphan', sizeGiB: 10 })).status).toBe(201);
  } finally {
    await c2.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a rotation interrupted before the volumes were re-keyed is finished by the reconciler', async () => {
  const { composer, dir, dbFile } = await startTest();
  const ops = client(composer.url, tok('ops'));
  const kp = (await ops.post('/v1/key-policies', { name: 'rot', secret: 'rotation-secret-one-0001' })).body;
  const cl = (await ops.post('/v1/clusters', { name: 'rot', servers: ['k1'] })).body;
  const v = (await ops.post('/v1/volumes', { cluster: cl.id, name: 'r', sizeGiB: 10, encrypt: true, keyPolicy: kp.id, server: 'k1' })).body;
  await composer.close();

  // Crash state: the policy at version 2 and a pending rotation, no volume re-keyed yet.
  const store = await openStore(`sqlite:${dbFile}`);
  const p = JSON.parse((await store.get(keys.object('key-policies', kp.id)))!.value);
  p.version = 2;
  p.sealed['2'] = seal(MASTER_KEY, 'rotation-secret-two-0002', sealAad(kp.id, 2));
  await store.txn({
    compare: [],
    success: [
      { type: 'put', key: keys.object('key-policies', kp.id), value: JSON.stringify(p) },
      { type: 'put', key: keys.op('op-rot'), value: JSON.stringify({ id: 'op-rot', kind: 'rotate', resource: 'key-policies', objectId: kp.id, state: 'pending', startedAt: new Date().toISOString(), detail: { version: 2 } }) },
    ],
  });
  await store.close();

  const c2 = await restart(dbFile);
  try {
    const k1 = client(c2.url, tok('agent-k1'));
    const a = (await k1.get('/v1/agents/k1/assignments')).body.assignments[0];
    expect(a).toMatchObject({ volumeId: v.id, keyVersion: 2, generation: 2 });
    const api = client(c2.url, tok('ops'));
    expect((await api.get(`/v1/key-policies/${kp.id}`)).body.rotation).toEqual({ volumes: 1, current: 0, pending: [v.id] });
    await k1.put(`/v1/agents/k1/status/${v.id}`, { state: 'staged', generation: 2, keyVersion: 2 });
    expect((await api.get('/v1/operations/op-rot')).body.state).toBe('done');
  } finally {
    await c2.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('journal retention: finished operations older than the retention are pruned, pending ones kept', async () => {
  // A retention long enough that the journal still holds every operation right after they ran,
  // even on a loaded machine, and short enough to watch it prune.
  const { composer, dir } = await startTest({ opsRetentionMs: 3000, reconcileIntervalMs: 100 });
  try {
    const ops = client(composer.url, tok('ops'));
    const cl = (await ops.post('/v1/clusters', { name: 'prune', servers: ['k1'] })).body;
    for (let i = 0; i < 5; i++) await ops.post('/v1/volumes', { cluster: cl.id, name: `p${i}`, sizeGiB: 10 });
    // A delete waiting for k1's live agent stays pending (and in the journal).
    await client(composer.url, tok('agent-k1')).post('/v1/agents/k1/heartbeat');
    const held = (await ops.post('/v1/volumes', { cluster: cl.id, name: 'held', sizeGiB: 10, server: 'k1' })).body;
    await ops.del(`/v1/volumes/${held.id}`);
    expect((await ops.get('/v1/operations')).body.items.length).toBeGreaterThanOrEqual(8);
    const deadline = Date.now() + 30_000;
    while ((await ops.get('/v1/operations')).body.items.length > 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const left = (await ops.get('/v1/operations')).body.items;
    expect(left.map((o: { kind: string; state: string; objectId: string }) => [o.kind, o.state, o.objectId])).toEqual([['delete', 'pending', held.id]]);
    expect((await ops.get('/v1/volumes')).body.items).toHaveLength(6);
  } finally {
    await composer.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('chunks of an inventory load that died before the pointer switch are dropped at start', async () => {
  const { composer, dir, dbFile } = await startTest();
  await composer.close();
  const store = await openStore(`sqlite:${dbFile}`);
  await store.put('/tessera/inventory/blobs/bdead/00000', 'H4sIAAAA');
  await store.close();
  const c2 = await restart(dbFile);
  try {
    const s2 = await openStore(`sqlite:${dbFile}`);
    const blobs = (await s2.range('/tessera/inventory/blobs/')).map((kv) => kv.key.split('/')[4]);
    await s2.close();
    expect(blobs.length).toBeGreaterThan(0);
    expect(blobs).not.toContain('bdead');
    expect((await client(c2.url, tok('ops')).get('/v1/inventory/summary')).body.driveCount).toBe(32);
  } finally {
    await c2.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
