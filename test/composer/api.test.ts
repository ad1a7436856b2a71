// The composer's REST API against a real composer (real HTTP, real SQLite file, real engine).
import * as fs from 'node:fs';
import { client, MASTER_KEY, smallInventory, startTest, tok, TOKENS } from './fixtures';
import { startTestComposer } from '../helpers/composer';
import type { RunningComposer } from '../../provider/composer';

let composer: RunningComposer;
let dir: string;
let ops: ReturnType<typeof client>;
let clusterId: string;

beforeAll(async () => {
  ({ composer, dir } = await startTest());
  ops = client(composer.url, tok('ops'));
  const r = await ops.post('/v1/clusters', { name: 'prod', servers: ['k1', 'k2'] });
  expect(r.status).toBe(201);
  clusterId = r.body.id;
});
afterAll(async () => {
  await composer.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('health, readiness, openapi, metrics', () => {
  test('healthz and readyz need no token', async () => {
    const anon = client(composer.url);
    expect((await anon.get('/healthz')).status).toBe(200);
    const ready = await anon.get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body.role).toBe('leader');
  });
  test('openapi document lists every resource path with schemas from schema.json', async () => {
    const r = await client(composer.url).get('/openapi.json');
    expect(r.status).toBe(200);
    expect(r.body.openapi).toMatch(/^3\./);
    for (const p of ['/v1/clusters', '/v1/volumes/{id}', '/v1/slices', '/v1/key-policies/{id}', '/v1/capacity', '/v1/agents/{server}/assignments'])
      expect(Object.keys(r.body.paths)).toContain(p);
    expect(r.body.components.schemas.VolumeInput.properties.sizeGiB.maximum).toBe(1048576);
    expect(r.body.components.schemas.KeyPolicy.properties.secret).toBeUndefined();
    // Every $ref resolves to a component schema.
    const refs = JSON.stringify(r.body).match(/"\$ref":"#\/components\/schemas\/[^"]+"/g) ?? [];
    expect(refs.length).toBeGreaterThan(20);
    for (const ref of refs) expect(Object.keys(r.body.components.schemas)).toContain(ref.split('/').pop()!.replace('"', ''));
  });
  test('metrics expose capacity by type and storage group, allocations and latency histograms', async () => {
    await ops.post('/v1/volumes', { cluster: clusterId, name: 'metrics-probe', sizeGiB: 100 });
    const r = await client(composer.url, tok('viewer')).get('/metrics');
    expect(r.status).toBe(200);
    expect(r.body).toMatch(/tessera_capacity_free_gib\{type="hdd",storage_group="sg-a"\} \d+/);
    expect(r.body).toMatch(/tessera_allocations\{type="hdd"\} [1-9]/);
    expect(r.body).toMatch(/tessera_http_request_duration_seconds_bucket\{le="0.1",method="POST",route="\/v1\/\{kind\}",status="201"\} \d+/);
    expect(r.body).toMatch(/tessera_operation_duration_seconds_count\{kind="create",resource="volumes"\} [1-9]/);
    // prom-client's default metrics: process, event loop, GC, heap.
    for (const name of ['process_cpu_user_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_p99_seconds', 'nodejs_heap_size_used_bytes', 'nodejs_gc_duration_seconds'])
      expect(r.body).toMatch(new RegExp(`^# TYPE ${name} `, 'm'));
    expect(r.body).toMatch(/^tessera_volume_state\{volume="[^"]+",cluster="[^"]+",state="[a-z_]+",health="[a-z]+"\} 1$/m);
  });
});

describe('auth', () => {
  test('401 without or with a wrong token, problem+json', async () => {
    const r = await client(composer.url).get('/v1/volumes');
    expect(r.status).toBe(401);
    expect(r.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(r.body.code).toBe('unauthorized');
    expect((await client(composer.url, 'x'.repeat(30)).get('/v1/volumes')).status).toBe(401);
  });
  test('403 outside the role', async () => {
    const reader = client(composer.url, tok('viewer'));
    expect((await reader.get('/v1/volumes')).status).toBe(200);
    const w = await reader.post('/v1/clusters', { name: 'nope' });
    expect(w.status).toBe(403);
    expect(w.body.code).toBe('forbidden');
    expect((await ops.put('/v1/inventory', {})).status).toBe(403);
    expect((await client(composer.url, tok('agent-k1')).get('/v1/volumes')).status).toBe(403);
    expect((await client(composer.url, tok('agent-k1')).post('/v1/agents/k2/heartbeat')).status).toBe(403);
  });
});

describe('volumes', () => {
  test('create, idempotent same spec, 409 naming differing fields', async () => {
    const body = { cluster: clusterId, name: 'data', sizeGiB: 500, type: 'ssd', redundancy: true, owner: 'urn:pulumi:x' };
    const a = await ops.post('/v1/volumes', body);
    expect(a.status).toBe(201);
    expect(a.body.raidLevel).toBe('raid1');
    expect(a.body.members).toHaveLength(2);
    expect(a.body.owner).toBe('urn:pulumi:x');
    expect(new Set(a.body.members.map((m: { storageGroup: string }) => m.storageGroup)).size).toBe(2);
    const b = await ops.post('/v1/volumes', body);
    expect(b.status).toBe(200);
    expect(b.body.id).toBe(a.body.id);
    const c = await ops.post('/v1/volumes', { ...body, sizeGiB: 600, fsType: 'xfs' });
    expect(c.status).toBe(409);
    expect(c.body.code).toBe('conflict_exists');
    expect(c.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['fsType', 'sizeGiB']);
    // cluster may be given by name too
    const d = await ops.post('/v1/volumes', { ...body, cluster: 'prod' });
    expect(d.status).toBe(200);
    expect((await ops.get(`/v1/volumes/${a.body.id}`)).body.name).toBe('data');
    const list = await ops.get(`/v1/volumes?cluster=${clusterId}`);
    expect(list.body.items.map((v: { id: string }) => v.id)).toContain(a.body.id);
  });

  test('validation: 422 with one entry per bad field, nothing changes', async () => {
    const before = (await ops.get('/v1/operations')).body.items.length;
    const r = await ops.post('/v1/volumes', { cluster: clusterId, name: 'Bad_Name', sizeGiB: -1, type: 'tape', bogus: 1 });
    expect(r.status).toBe(422);
    expect(r.body.code).toBe('validation_failed');
    const fields = r.body.errors.map((e: { field: string }) => e.field).sort();
    expect(fields).toEqual(['bogus', 'name', 'sizeGiB', 'type']);
    expect((await ops.get('/v1/operations')).body.items.length).toBe(before);
  });

  test.each([
    [{ type: 'ssd', rpm: 7200 }, 'rpm'],
    [{ minVolumeSize: 50, maxVolumeSize: 10 }, 'minVolumeSize'],
    [{ server: 'k1', mountPath: 'relative/path' }, 'mountPath'],
    [{ server: 'k1', mountPath: '/data/../etc' }, 'mountPath'],
    [{ server: 'k1', mountPath: '/proc/x' }, 'mountPath'],
    [{ server: 'k1', mountPath: '/data/' }, 'mountPath'],
    [{ server: 'k3' }, 'server'],
    [{ encrypt: true }, 'encrypt'],
    [{ storageGroup: ['sg-zzz'] }, 'storageGroup[0]'],
    [{ requiredTags: ['a'], excludedTags: ['a'] }, 'requiredTags[0]'],
  ])('cross-field rule %j -> 422 on %s', async (extra, field) => {
    const r = await ops.post('/v1/volumes', { cluster: clusterId, name: 'cross', sizeGiB: 10, ...extra });
    expect(r.status).toBe(422);
    expect(r.body.errors.map((e: { field: string }) => e.field)).toContain(field);
  });

  test('409 insufficient_capacity (a 4xx: not worth a retry) with the engine reason and constraint; dryRun reserves nothing', async () => {
    const r = await ops.post('/v1/volumes', { cluster: clusterId, name: 'huge', sizeGiB: 900000, type: 'hdd' });
    expect(r.status).toBe(409);
    expect(r.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(r.headers.get('retry-after')).toBeNull();
    expect(r.body).toMatchObject({ status: 409, code: 'insufficient_capacity', title: 'Conflict', type: 'https://tessera.dev/problems/insufficient-capacity' });
    expect(r.body.detail.length).toBeGreaterThan(10);
    expect(r.body.errors).toEqual([{ field: expect.any(String), reason: r.body.detail }]);
    const cap0 = (await ops.get('/v1/capacity?type=ssd')).body;
    const dry = await ops.post('/v1/volumes?dryRun=true', { cluster: clusterId, name: 'dry', sizeGiB: 700, type: 'ssd' });
    expect(dry.status).toBe(200);
    expect(dry.body.dryRun).toBe(true);
    expect(dry.body.placement.members.length).toBeGreaterThan(0);
    expect((await ops.get('/v1/capacity?type=ssd')).body).toEqual(cap0);
    expect((await ops.get('/v1/volumes')).body.items.find((v: { name: string }) => v.name === 'dry')).toBeUndefined();
  });

  test('PATCH: in place (server, mountPath, reclaimPolicy), replace_required, shrink refused, slice volume growth', async () => {
    const v = (await ops.post('/v1/volumes', { cluster: clusterId, name: 'movable', sizeGiB: 100, server: 'k1', mountPath: '/mnt/a' })).body;
    const moved = await ops.patch(`/v1/volumes/${v.id}`, { server: 'k2', mountPath: '/mnt/b', reclaimPolicy: 'Retain' });
    expect(moved.status).toBe(200);
    expect(moved.body.server).toBe('k2');
    expect(moved.body.mountPath).toBe('/mnt/b');
    const rep = await ops.patch(`/v1/volumes/${v.id}`, { fsType: 'xfs', redundancy: true });
    expect(rep.status).toBe(409);
    expect(rep.body.code).toBe('replace_required');
    expect(rep.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['fsType', 'redundancy']);
    const grow = await ops.patch(`/v1/volumes/${v.id}`, { sizeGiB: 200 });
    expect(grow.status).toBe(409); // hdd volumes are not grown in place
    const s = (await ops.post('/v1/volumes', { cluster: clusterId, name: 'sv', sizeGiB: 10, type: 'slice' })).body;
    const g = await ops.patch(`/v1/volumes/${s.id}`, { sizeGiB: 20 });
    expect(g.status).toBe(200);
    expect(g.body.capacityGiB).toBeGreaterThanOrEqual(20);
    const sh = await ops.patch(`/v1/volumes/${s.id}`, { sizeGiB: 5 });
    expect(sh.status).toBe(422);
    expect(sh.body.code).toBe('shrink_refused');
    expect((await ops.patch('/v1/volumes/vol-nothere', { server: 'k1' })).status).toBe(404);
  });

  test('DELETE: 204, also when absent; Retain keeps the reservation until purge', async () => {
    const cap = async () => (await ops.get('/v1/capacity?type=hdd&sgResiliency=false&jbodResiliency=false')).body.availableGiB;
    const c0 = await cap();
    const v = (await ops.post('/v1/volumes', { cluster: clusterId, name: 'keepme', sizeGiB: 900, reclaimPolicy: 'Retain' })).body;
    expect(await cap()).toBeLessThan(c0);
    expect((await ops.del(`/v1/volumes/${v.id}`)).status).toBe(204);
    expect((await ops.get(`/v1/volumes/${v.id}`)).body.state).toBe('retained');
    expect(await cap()).toBeLessThan(c0);
    expect((await ops.post(`/v1/volumes/${v.id}/purge`)).status).toBe(204);
    expect((await ops.get(`/v1/volumes/${v.id}`)).status).toBe(404);
    expect(await cap()).toBe(c0);
    expect((await ops.del(`/v1/volumes/${v.id}`)).status).toBe(204);
    const del = await ops.get('/v1/operations');
    expect(del.body.items.filter((o: { objectId: string }) => o.objectId === v.id).map((o: { kind: string }) => o.kind)).toEqual(['create', 'delete', 'purge']);
  });

  test('bad bodies never answer 500', async () => {
    const bodies = ['{', '[]', 'null', '"x"', '123', JSON.stringify({ cluster: 5, name: {}, sizeGiB: 'big' }), JSON.stringify({ cluster: clusterId, name: 'x', sizeGiB: 1e308 }), JSON.stringify({ __proto__: { a: 1 }, constructor: 1 })];
    for (const b of bodies) {
      for (const [m, p] of [['POST', '/v1/volumes'], ['POST', '/v1/slices'], ['POST', '/v1/clusters'], ['POST', '/v1/key-policies'], ['PATCH', `/v1/clusters/${clusterId}`], ['PUT', '/v1/agents/k1/status/vol-x']] as const) {
        const c = m === 'PUT' ? client(composer.url, tok('agent-k1')) : ops;
        const r = await c.raw(m, p, b);
        expect(r.status).toBeGreaterThanOrEqual(400);
        expect(r.status).toBeLessThan(500);
      }
    }
    const r = await ops.raw('POST', '/v1/volumes', 'x=1', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(r.status).toBe(415);
    expect((await ops.get('/v1/nowhere')).status).toBe(404);
    expect((await ops.raw('PUT', '/v1/volumes')).status).toBe(405);
    expect((await ops.get('/v1/capacity?type=ssd&rpm=7200')).status).toBe(422);
    expect((await ops.get('/v1/capacity?raidMaxDrives=abc')).status).toBe(422);
  });
});

describe('slices and clusters', () => {
  test('slice create, grow in place, delete', async () => {
    const s = await ops.post('/v1/slices', { cluster: clusterId, name: 'cache', sizeGiB: 50, server: 'k1' });
    expect(s.status).toBe(201);
    expect(s.body.members).toHaveLength(1);
    const g = await ops.patch(`/v1/slices/${s.body.id}`, { sizeGiB: 60 });
    expect(g.status).toBe(200);
    expect(g.body.capacityGiB).toBe(60);
    expect((await ops.patch(`/v1/slices/${s.body.id}`, { requiredTags: ['x'] })).body.code).toBe('replace_required');
    expect((await ops.del(`/v1/slices/${s.body.id}`)).status).toBe(204);
  });
  test('cluster membership: unknown server 422, removing a server in use 409, delete in use 409', async () => {
    expect((await ops.post('/v1/clusters', { name: 'c2', servers: ['nope'] })).status).toBe(422);
    const c = (await ops.post('/v1/clusters', { name: 'c3', servers: ['k3'] })).body;
    const v = (await ops.post('/v1/volumes', { cluster: c.id, name: 'on-k3', sizeGiB: 10, server: 'k3' })).body;
    const r = await ops.patch(`/v1/clusters/${c.id}`, { servers: [] });
    expect(r.status).toBe(409);
    expect(r.body.code).toBe('in_use');
    const d = await ops.del(`/v1/clusters/${c.id}`);
    expect(d.status).toBe(409);
    expect(d.body.detail).toContain(v.id);
    await ops.del(`/v1/volumes/${v.id}`);
    expect((await ops.patch(`/v1/clusters/${c.id}`, { servers: ['k3', 'k4'] })).body.servers).toEqual(['k3', 'k4']);
    expect((await ops.del(`/v1/clusters/${c.id}`)).status).toBe(204);
    expect((await ops.del(`/v1/clusters/${c.id}`)).status).toBe(204);
  });
});

describe('inventory replacement', () => {
  test('refused when an allocation or a cluster member would not fit; accepted when it grows the pool', async () => {
    const root = client(composer.url, tok('root'));
    const v = (await ops.post('/v1/volumes', { cluster: clusterId, name: 'pinned', sizeGiB: 700, type: 'ssd' })).body;
    const serial = v.members[0].serial as string;
    const inv = smallInventory();
    for (const g of inv.storageGroups) for (const e of g.enclosures) e.drives = e.drives.filter((d) => d.serial !== serial);
    const r = await root.put('/v1/inventory', inv);
    expect(r.status).toBe(409);
    expect(r.body.code).toBe('inventory_conflict');
    expect(r.body.errors.map((e: { field: string }) => e.field)).toContain(`allocations.${v.id}`);
    const noK2 = smallInventory();
    noK2.servers = noK2.servers.filter((s) => s.name !== 'k2');
    const r2 = await root.put('/v1/inventory', noK2);
    expect(r2.status).toBe(409);
    expect(r2.body.errors.map((e: { field: string }) => e.field)).toContain('clusters.prod.servers[1]');
    const bad = await root.put('/v1/inventory', { storageGroups: 'nope' });
    expect(bad.status).toBe(422);
    expect(bad.body.errors.length).toBeGreaterThan(0);
    const before = (await ops.get('/v1/capacity?type=ssd')).body.availableGiB;
    const bigger = smallInventory();
    bigger.storageGroups[0].enclosures[0].drives.push({ serial: 'extra-ssd', type: 'ssd', sizeGiB: 800, tags: ['nvme'] });
    const ok = await root.put('/v1/inventory', bigger);
    expect(ok.status).toBe(200);
    expect(ok.body.driveCount).toBe(33);
    expect((await ops.get('/v1/capacity?type=ssd')).body.availableGiB).toBe(before + 800);
    expect((await ops.get(`/v1/volumes/${v.id}`)).body.members).toEqual(v.members);
    expect((await client(composer.url, tok('agent-k1')).get('/v1/inventory')).body.storageGroups[0].enclosures[0].drives.some((d: { serial: string }) => d.serial === 'extra-ssd')).toBe(true);
  });
  // A load from the store (a restart, or the reload after an unknown outcome) must remember the
  // pointer's revision: the switch compares it, and a forgotten one answered every later switch 409.
  test('a restarted composer replaces the inventory and reports the stored revision', async () => {
    const first = await startTest();
    const before = (await client(first.composer.url, tok('root')).get('/v1/inventory/summary')).body;
    await first.composer.close();
    const { composer: again } = await startTestComposer({ dbFile: first.dbFile, inventory: false, tokens: TOKENS, masterKey: MASTER_KEY, log: () => undefined });
    try {
      await again.whenLeader(10_000);
      const root = client(again.url, tok('root'));
      expect((await root.get('/v1/inventory/summary')).body.revision).toBe(before.revision);
      const bigger = smallInventory();
      bigger.storageGroups[0].enclosures[0].drives.push({ serial: 'extra-ssd', type: 'ssd', sizeGiB: 800, tags: ['nvme'] });
      const ok = await root.put('/v1/inventory', bigger);
      expect(ok.body.code).toBeUndefined();
      expect(ok.status).toBe(200);
      expect(ok.body.revision).toBeGreaterThan(before.revision);
    } finally {
      await again.close();
      fs.rmSync(first.dir, { recursive: true, force: true });
    }
  });
});
