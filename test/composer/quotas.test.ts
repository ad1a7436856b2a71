// Cluster quotas against a real composer: a create, growth or plan over a quota is refused before
// anything changes, with the quota, the usage and the request in the answer; raising the quota
// lets the same request through; a scoped caller's capacity answer is capped by what is left.
// Usage counts what the objects hold of the pool (every member: whole drives, mirrors twice).
import * as fs from 'node:fs';
import type { RunningComposer } from '../../provider/composer';
import type { TokenEntry } from '../../provider/composer/auth';
import { client, startTest, TOKENS, tok } from './fixtures';

const TEAM: TokenEntry = { name: 'team', token: 'team-token-0123456789abcdef', role: 'operator', clusters: ['q'] };
let composer: RunningComposer;
let dir: string;
let clusterId: string;
const root = () => client(composer.url, tok('root'));
const team = () => client(composer.url, TEAM.token);
const journalSize = async () => (await root().get('/v1/operations?limit=1000')).body.items.length;

beforeAll(async () => {
  ({ composer, dir } = await startTest({ tokens: [...TOKENS, TEAM] }));
  const c = await root().post('/v1/clusters', { name: 'q', servers: ['k1', 'k2'], quotaSsdGiB: 50, quotaSlices: 3, quotaHddGiB: 1000 });
  expect(c.status).toBe(201);
  expect(c.body).toMatchObject({ quotaSsdGiB: 50, quotaSlices: 3, quotaHddGiB: 1000 });
  clusterId = c.body.id;
});
afterAll(async () => {
  await composer.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a create over the GiB quota is refused with the quota, the usage and the request; nothing is stored or reserved', async () => {
  expect((await team().post('/v1/slices', { cluster: 'q', name: 'a', sizeGiB: 30 })).status).toBe(201);
  const free = (await root().get('/v1/capacity?type=slice')).body.availableGiB;
  const before = await journalSize();
  const over = await team().post('/v1/slices', { cluster: 'q', name: 'b', sizeGiB: 30 });
  expect(over.status).toBe(409);
  expect(over.body.code).toBe('quota_exceeded');
  expect(over.body.detail).toBe('quotaSsdGiB: cluster q may hold 50 GiB of ssd; it holds 30 and this slice (30 GiB of ssd placed for 30 GiB asked) needs 30 more (60 > 50)');
  expect(over.body.errors).toEqual([{ field: 'quotaSsdGiB', reason: over.body.detail }]);
  // The plan-time dry run says the same.
  const dry = await team().post('/v1/slices?dryRun=true', { cluster: 'q', name: 'b', sizeGiB: 30 });
  expect(dry.status).toBe(409);
  expect(dry.body.detail).toContain('(60 > 50)');
  expect(await journalSize()).toBe(before);
  expect((await root().get('/v1/capacity?type=slice')).body.availableGiB).toBe(free);
  expect((await root().get('/v1/slices?cluster=q')).body.items.map((x: { name: string }) => x.name)).toEqual(['a']);
});

test('growth over the quota is refused and the placement stays as it was; raising the quota lets it through', async () => {
  const a = (await team().get('/v1/slices?cluster=q')).body.items[0];
  const grow = await team().patch(`/v1/slices/${a.id}`, { sizeGiB: 60 });
  expect(grow.status).toBe(409);
  expect(grow.body.code).toBe('quota_exceeded');
  expect(grow.body.detail).toBe(`quotaSsdGiB: cluster q may hold 50 GiB of ssd; it holds 30 and growing ${a.id} from 30 to 60 GiB needs 30 more (60 > 50)`);
  const after = (await team().get(`/v1/slices/${a.id}`)).body;
  expect(after.members).toEqual(a.members);
  expect(after.capacityGiB).toBe(30);
  // Only an admin raises it.
  expect((await team().patch(`/v1/clusters/${clusterId}`, { quotaSsdGiB: 100 })).status).toBe(403);
  expect((await root().patch(`/v1/clusters/${clusterId}`, { quotaSsdGiB: 100 })).status).toBe(200);
  expect((await team().patch(`/v1/slices/${a.id}`, { sizeGiB: 60 })).status).toBe(200);
  expect((await team().post('/v1/slices', { cluster: 'q', name: 'b', sizeGiB: 30 })).status).toBe(201);
});

test('the count quota, and whole drives counting whole', async () => {
  expect((await team().post('/v1/slices', { cluster: 'q', name: 'c', sizeGiB: 1 })).status).toBe(201);
  const fourth = await team().post('/v1/slices', { cluster: 'q', name: 'd', sizeGiB: 1 });
  expect(fourth.status).toBe(409);
  expect(fourth.body.detail).toBe('quotaSlices: cluster q may hold 3 slices; it holds 3 and this slice (1 GiB of ssd placed for 1 GiB asked) needs 1 more (4 > 3)');
  // An hdd volume of 100 GiB takes a whole 1000 GiB drive: that is what it holds of the pool.
  expect((await team().post('/v1/volumes', { cluster: 'q', name: 'h1', type: 'hdd', sizeGiB: 100 })).status).toBe(201);
  const second = await team().post('/v1/volumes', { cluster: 'q', name: 'h2', type: 'hdd', sizeGiB: 100 });
  expect(second.status).toBe(409);
  expect(second.body.detail).toBe('quotaHddGiB: cluster q may hold 1000 GiB of hdd; it holds 1000 and this volume (1000 GiB of hdd placed for 100 GiB asked) needs 1000 more (2000 > 1000)');
});

test('a move changes no usage and goes through even over a lowered quota; delete frees the usage', async () => {
  const b = (await team().get('/v1/slices?cluster=q')).body.items.find((x: { name: string }) => x.name === 'b');
  expect((await root().patch(`/v1/clusters/${clusterId}`, { quotaSsdGiB: 10 })).status).toBe(200);
  expect((await team().patch(`/v1/slices/${b.id}`, { server: 'k2' })).status).toBe(200);
  expect((await team().del(`/v1/slices/${b.id}`)).status).toBe(204);
});

test("a scoped caller's capacity is the smaller of the pool's and what its cluster's quota leaves", async () => {
  await root().patch(`/v1/clusters/${clusterId}`, { quotaSsdGiB: 100 });
  const pool = (await root().get('/v1/capacity?type=slice')).body;
  const mine = (await team().get('/v1/capacity?type=slice')).body;
  expect(pool.availableGiB).toBeGreaterThan(100);
  const used = (await team().get('/v1/slices?cluster=q')).body.items.reduce((n: number, x: { capacityGiB: number }) => n + x.capacityGiB, 0);
  expect(used).toBe(61); // slices a (60) and c (1)
  expect(mine).toMatchObject({ availableGiB: 39, maximumVolumeSizeGiB: 39 });
  for (const n of Object.values(mine.byStorageGroup)) expect(n).toBeLessThanOrEqual(39);
  // hdd: quota 1000, all of it held by h1.
  expect((await team().get('/v1/capacity?type=hdd')).body).toMatchObject({ availableGiB: 0, maximumVolumeSizeGiB: 0 });
  await root().patch(`/v1/clusters/${clusterId}`, { quotaHddGiB: 2500 });
  // Mirrored: half of the 1500 GiB left.
  expect((await team().get('/v1/capacity?type=hdd&redundancy=true')).body.maximumVolumeSizeGiB).toBe(750);
});
