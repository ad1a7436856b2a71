// Property: no body, query or path the composer can be sent makes it answer 5xx, and bad input
// changes nothing (the journal does not grow on refused writes).
import * as fc from 'fast-check';
import * as fs from 'node:fs';
import { client, startTest, tok } from './fixtures';
import type { RunningComposer } from '../../provider/composer';

let composer: RunningComposer;
let dir: string;
let ops: ReturnType<typeof client>;
let agent: ReturnType<typeof client>;
let clusterId: string;
let volumeId: string;

beforeAll(async () => {
  ({ composer, dir } = await startTest());
  ops = client(composer.url, tok('ops'));
  agent = client(composer.url, tok('agent-k1'));
  clusterId = (await ops.post('/v1/clusters', { name: 'fuzz', servers: ['k1'] })).body.id;
  volumeId = (await ops.post('/v1/volumes', { cluster: clusterId, name: 'target', sizeGiB: 10, server: 'k1' })).body.id;
});
afterAll(async () => {
  await composer.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const fields = ['cluster', 'name', 'sizeGiB', 'type', 'rpm', 'fsType', 'redundancy', 'raidMaxDrives', 'encrypt', 'keyPolicy', 'server', 'mountPath', 'requiredTags', 'storageGroup', 'networkTransportsAllowed', 'minVolumeSize', 'maxVolumeSize', 'reclaimPolicy', 'servers', 'secret', 'secretWo', 'secretWoVersion', 'cipher', 'keySizeBits', 'owner', 'state', 'generation', 'keyVersion', '__proto__', 'constructor'];
const value = fc.oneof(fc.anything(), fc.integer(), fc.double(), fc.string(), fc.boolean(), fc.constant(null), fc.array(fc.string()), fc.constantFrom('k1', 'ssd', 'slice', '/mnt/x', '/proc', 'fuzz'));
const body = fc.oneof(fc.dictionary(fc.constantFrom(...fields), value), fc.anything(), fc.string());

test('random bodies on every write endpoint: never 5xx', async () => {
  const targets = () => [
    ['POST', '/v1/volumes', ops],
    ['POST', '/v1/volumes?dryRun=true', ops],
    ['POST', '/v1/slices', ops],
    ['POST', '/v1/clusters', ops],
    ['POST', '/v1/key-policies', ops],
    ['PATCH', `/v1/volumes/${volumeId}`, ops],
    ['PATCH', `/v1/clusters/${clusterId}`, ops],
    ['PUT', '/v1/inventory', client(composer.url, tok('root'))],
    ['POST', '/v1/agents/k1/register', agent],
    ['PUT', `/v1/agents/k1/status/${volumeId}`, agent],
  ] as const;
  await fc.assert(
    fc.asyncProperty(body, fc.nat(9), async (b, i) => {
      const [method, p, c] = targets()[i];
      const r = await c.raw(method, p, typeof b === 'string' ? b : JSON.stringify(b) ?? 'null');
      return r.status < 500;
    }),
    { numRuns: 300 },
  );
  // The fuzzed PATCHes may have changed the target legitimately; the composer still answers.
  expect((await ops.get(`/v1/volumes/${volumeId}`)).status).toBe(200);
});

test('random query strings and paths: never 5xx', async () => {
  await fc.assert(
    fc.asyncProperty(fc.dictionary(fc.constantFrom('type', 'rpm', 'redundancy', 'raidMaxDrives', 'requiredTags', 'server', 'softDomains', 'since', 'waitSeconds', 'version', 'limit', 'cursor', 'cluster', 'state', 'x'), fc.string()), fc.string(), async (q, seg) => {
      const qs = new URLSearchParams(q).toString();
      const a = await ops.get(`/v1/capacity?${qs}`);
      const b = await agent.get(`/v1/agents/k1/assignments?${qs.replace(/waitSeconds=[^&]*/, 'waitSeconds=0')}`);
      const c = await ops.get(`/v1/volumes/${encodeURIComponent(seg)}`);
      const d = await ops.get(`/v1/operations?${qs}`);
      return a.status < 500 && b.status < 500 && c.status < 500 && d.status < 500;
    }),
    { numRuns: 150 },
  );
});

test('refused writes leave the journal unchanged', async () => {
  const before = (await ops.get('/v1/operations')).body.items.length;
  for (const b of [{}, { cluster: clusterId }, { cluster: clusterId, name: 'x', sizeGiB: 0 }, { cluster: clusterId, name: 'x', sizeGiB: 5, type: 'hdd', rpm: 1, storageGroup: ['zz'] }])
    expect((await ops.post('/v1/volumes', b)).status).toBe(422);
  expect((await ops.get('/v1/operations')).body.items.length).toBe(before);
});

// Defects found by fuzzing the composer with schemathesis (bench/chaos/fuzz.ts) and by writing
// its OpenAPI document; each test failed before its fix.
describe('schemathesis findings', () => {
  test('a dry-run create of a cluster or key policy answers {dryRun: true}: no made-up id that a GET would not find', async () => {
    const before = (await ops.get('/v1/clusters')).body.items.length;
    const c = await ops.post('/v1/clusters?dryRun=true', { name: 'dry-cluster', servers: ['k1'] });
    expect(c.status).toBe(200);
    expect(c.body).toEqual({ dryRun: true });
    const k = await ops.post('/v1/key-policies?dryRun=true', { name: 'dry-kp', secret: 'dry-secret-value' });
    expect(k.status).toBe(200);
    expect(k.body).toEqual({ dryRun: true });
    expect((await ops.get('/v1/clusters')).body.items.length).toBe(before);
    // A dry run naming an existing object with the same spec answers that object, id and all.
    const real = (await ops.post('/v1/clusters', { name: 'dry-real', servers: ['k1'] })).body;
    const again = await ops.post('/v1/clusters?dryRun=true', { name: 'dry-real', servers: ['k1'] });
    expect(again.body.id).toBe(real.id);
    expect((await ops.get(`/v1/clusters/${again.body.id}`)).status).toBe(200);
  });

  test('dryRun takes only true or false: an empty or numeric value is refused, nothing created', async () => {
    for (const q of ['dryRun=', 'dryRun=1', 'dryRun=yes']) {
      const r = await ops.post(`/v1/volumes?${q}`, { cluster: clusterId, name: 'dry-empty', sizeGiB: 10 });
      expect(r.status).toBe(422);
      expect(r.body.errors).toEqual([{ field: 'dryRun', reason: expect.stringContaining('must be true or false') }]);
    }
    expect((await ops.get('/v1/volumes')).body.items.map((v: { name: string }) => v.name)).not.toContain('dry-empty');
    expect((await ops.post('/v1/volumes?dryRun=false', { cluster: clusterId, name: 'dry-empty', sizeGiB: 10 })).status).toBe(201);
    expect((await ops.del(`/v1/volumes/${(await ops.get('/v1/volumes')).body.items.find((v: { name: string }) => v.name === 'dry-empty').id}`)).status).toBe(204);
  });

  test('the operations filter names an operation state', async () => {
    const r = await ops.get('/v1/operations?state=finished');
    expect(r.status).toBe(422);
    expect(r.body.errors[0]).toEqual({ field: 'state', reason: expect.stringContaining('pending, done, rolled_back, failed') });
    expect((await ops.get('/v1/operations?state=done')).status).toBe(200);
  });

  test('capacity: a malformed query is 422 naming the option, never 500', async () => {
    for (const [q, field] of [
      ['storageGroup=nope', 'storageGroup'],
      ['requiredTags=nvme&excludedTags=nvme', 'excludedTags'],
      ['excludedTags=,sas', 'excludedTags'],
      ['requiredTags=a,,b', 'requiredTags'],
    ] as const) {
      const r = await ops.get(`/v1/capacity?${q}`);
      expect({ q, status: r.status, field: r.body.errors?.[0]?.field }).toEqual({ q, status: 422, field });
    }
    expect((await ops.get('/v1/capacity?storageGroup=sg-a&type=ssd')).status).toBe(200);
  });

  test('PATCH null on a field with a default restores the default (the object is never left without it)', async () => {
    const c = await ops.post('/v1/clusters', { name: 'nulls', servers: ['k2'], networkTransportsAllowed: ['iscsi'] });
    const r = await ops.patch(`/v1/clusters/${c.body.id}`, { servers: null, networkTransportsAllowed: null });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ servers: [], networkTransportsAllowed: [] });
    expect((await ops.get(`/v1/clusters/${c.body.id}`)).body).toMatchObject({ servers: [], networkTransportsAllowed: [] });
    // Before: the stored cluster had no servers list and this create answered 500.
    const v = await ops.post('/v1/volumes', { cluster: c.body.id, name: 'after-null', sizeGiB: 10, server: 'k2' });
    expect(v.status).toBe(422);
    expect(v.body.errors[0].field).toBe('server');
    const vol = await ops.post('/v1/volumes', { cluster: clusterId, name: 'null-fs', sizeGiB: 10, fsType: 'xfs', reclaimPolicy: 'Retain' });
    const p = await ops.patch(`/v1/volumes/${vol.body.id}`, { reclaimPolicy: null, fsType: null });
    expect(p.status).toBe(409); // fsType back to its default ext4 is a change that replaces the volume
    expect(p.body.errors).toEqual([{ field: 'fsType', reason: expect.any(String) }]);
    const q = await ops.patch(`/v1/volumes/${vol.body.id}`, { reclaimPolicy: null });
    expect(q.status).toBe(200);
    expect(q.body).toMatchObject({ reclaimPolicy: 'Delete', fsType: 'xfs' });
    expect((await ops.del(`/v1/volumes/${vol.body.id}`)).status).toBe(204);
    expect((await ops.del(`/v1/clusters/${c.body.id}`)).status).toBe(204);
  });

  test('PATCH null on a required field is 422 naming it (not 507 from the engine)', async () => {
    const s = await ops.post('/v1/slices', { cluster: clusterId, name: 'null-size', sizeGiB: 5 });
    expect(s.status).toBe(201);
    const r = await ops.patch(`/v1/slices/${s.body.id}`, { sizeGiB: null });
    expect(r.status).toBe(422);
    expect(r.body.errors).toEqual([{ field: 'sizeGiB', reason: 'is required and cannot be unset (null)' }]);
    expect((await ops.patch(`/v1/clusters/${clusterId}`, { name: null })).body.errors).toEqual([{ field: 'name', reason: 'is required and cannot be unset (null)' }]);
    expect((await ops.get(`/v1/slices/${s.body.id}`)).body.sizeGiB).toBe(5);
    expect((await ops.del(`/v1/slices/${s.body.id}`)).status).toBe(204);
  });

  test('a slice moving away from a live agent does not expose the move bookkeeping', async () => {
    const c = await ops.post('/v1/clusters', { name: 'movers', servers: ['k1', 'k2'] });
    const s = await ops.post('/v1/slices', { cluster: c.body.id, name: 'mover', sizeGiB: 5, server: 'k1', softDomains: true });
    expect(s.status).toBe(201);
    expect((await agent.post('/v1/agents/k1/heartbeat')).status).toBe(204);
    const r = await ops.patch(`/v1/slices/${s.body.id}`, { server: 'k2' });
    expect(r.status).toBe(200);
    expect(r.body.state).toBe('pending');
    const g = await ops.get(`/v1/slices/${s.body.id}`);
    for (const body of [r.body, g.body, (await ops.get('/v1/slices')).body.items.find((x: { id: string }) => x.id === s.body.id)]) {
      expect(body.moving).toBeUndefined();
      expect(Object.keys(body).sort()).toEqual(Object.keys(s.body).sort());
    }
    // The old server unstages: the move finishes and the slice can go.
    expect((await agent.put(`/v1/agents/k1/status/${s.body.id}`, { state: 'unstaged', generation: 1 })).status).toBe(204);
    expect((await ops.del(`/v1/slices/${s.body.id}`)).status).toBe(204);
  });
});
