// Owners: an idempotent create by (cluster, name) answers the existing object only to its owner;
// another owner gets 409 owner_conflict naming both, until it takes the object over explicitly
// (adopt=true, journaled as adopt); a delete or purge for another owner is refused unless the
// token is an admin's. Every journal entry records who started it (audit), never a secret.
import type { RunningComposer } from '../../provider/composer';
import * as fs from 'node:fs';
import { client, type Reply, startTest, tok, TOKENS } from './fixtures';

const STACK_A = 'urn:pulumi:team-a::platform::pulumi-nodejs:dynamic/tessera:Volume::data';
const STACK_B = 'urn:pulumi:team-b::platform::pulumi-nodejs:dynamic/tessera:Volume::data';

let composer: RunningComposer;
let dir: string;
const ops = () => client(composer.url, tok('ops'));
const root = () => client(composer.url, tok('root'));
let clusterId: string;

beforeAll(async () => {
  ({ composer, dir } = await startTest());
  const c = await ops().post('/v1/clusters', { name: 'shared', servers: ['k1', 'k2'] });
  expect(c.status).toBe(201);
  clusterId = c.body.id;
});
afterAll(async () => {
  await composer.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const slice = (name: string, owner?: string) => ({ cluster: clusterId, name, sizeGiB: 10, ...(owner === undefined ? {} : { owner }) });
const journalOf = async (objectId: string) => ((await ops().get('/v1/operations?limit=1000')).body.items as { objectId: string; kind: string }[]).filter((o) => o.objectId === objectId);

describe('create: same spec, another owner', () => {
  test('is 409 owner_conflict naming both owners; nothing is written', async () => {
    const first = await ops().post('/v1/slices', slice('s1', STACK_A));
    expect(first.status).toBe(201);
    const again = await ops().post('/v1/slices', slice('s1', STACK_A));
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);

    const before = (await ops().get('/v1/operations?limit=1000')).body.items.length;
    const other = await ops().post('/v1/slices', slice('s1', STACK_B));
    expect(other.status).toBe(409);
    expect(other.body.code).toBe('owner_conflict');
    expect(other.body.detail).toContain(STACK_A);
    expect(other.body.detail).toContain(STACK_B);
    expect(other.body.detail).toContain(first.body.id);
    expect(other.body.errors).toEqual([{ field: 'owner', reason: other.body.detail }]);
    // A dry run answers the same, and neither wrote anything.
    const dry = await ops().post('/v1/slices?dryRun=true', slice('s1', STACK_B));
    expect(dry.status).toBe(409);
    expect(dry.body.code).toBe('owner_conflict');
    expect((await ops().get('/v1/operations?limit=1000')).body.items.length).toBe(before);
    expect((await ops().get(`/v1/slices/${first.body.id}`)).body.owner).toBe(STACK_A);
  });

  test('an object made without an owner is "no owner", not anyone\'s', async () => {
    const bare = await ops().post('/v1/slices', slice('bare'));
    expect(bare.status).toBe(201);
    expect((await ops().post('/v1/slices', slice('bare'))).status).toBe(200);
    const claimed = await ops().post('/v1/slices', slice('bare', STACK_A));
    expect(claimed.status).toBe(409);
    expect(claimed.body.detail).toMatch(/belongs to no owner, not urn:pulumi:team-a/);
  });

  test('a different spec is still conflict_exists first (the fields named)', async () => {
    await ops().post('/v1/slices', slice('s2', STACK_A));
    const r = await ops().post('/v1/slices', { ...slice('s2', STACK_B), sizeGiB: 11 });
    expect(r.status).toBe(409);
    expect(r.body.code).toBe('conflict_exists');
  });

  test('clusters and key policies follow the same rule', async () => {
    expect((await ops().post('/v1/clusters', { name: 'owned', servers: [], owner: 'terraform:ws-a/tessera_cluster.owned' })).status).toBe(201);
    const c = await ops().post('/v1/clusters', { name: 'owned', servers: [], owner: 'terraform:ws-b/tessera_cluster.owned' });
    expect(c.status).toBe(409);
    expect(c.body.code).toBe('owner_conflict');
    expect(c.body.detail).toContain('terraform:ws-a/tessera_cluster.owned');
    expect(c.body.detail).toContain('terraform:ws-b/tessera_cluster.owned');
    expect((await ops().post('/v1/key-policies', { name: 'kp-owned', secret: 'a-secret-of-sixteen+', owner: STACK_A })).status).toBe(201);
    const k = await ops().post('/v1/key-policies', { name: 'kp-owned', secret: 'a-secret-of-sixteen+', owner: STACK_B });
    expect(k.status).toBe(409);
    expect(k.body.code).toBe('owner_conflict');
    expect(k.body.detail).not.toContain('a-secret-of-sixteen+');
  });
});

describe('adopt: the explicit take-over', () => {
  test('adopt=true hands the object to the new owner, journaled as adopt with both owners', async () => {
    const first = await ops().post('/v1/slices', slice('s3', STACK_A));
    const taken = await ops().post('/v1/slices?adopt=true', slice('s3', STACK_B));
    expect(taken.status).toBe(200);
    expect(taken.body).toMatchObject({ id: first.body.id, owner: STACK_B, members: first.body.members });
    const entries = await journalOf(first.body.id);
    expect(entries.map((e) => e.kind)).toEqual(['create', 'adopt']);
    expect(entries[1]).toMatchObject({ state: 'done', resource: 'slices', cluster: clusterId, detail: { ownerFrom: STACK_A, ownerTo: STACK_B }, audit: { token: 'ops', role: 'operator', owner: STACK_B } });
    // Now the old owner is the stranger.
    expect((await ops().post('/v1/slices', slice('s3', STACK_A))).body.code).toBe('owner_conflict');
    expect((await ops().post('/v1/slices', slice('s3', STACK_B))).status).toBe(200);
    // Adopting what one already owns journals nothing.
    expect((await ops().post('/v1/slices?adopt=true', slice('s3', STACK_B))).status).toBe(200);
    expect((await journalOf(first.body.id)).length).toBe(2);
  });

  test("the schema's adopt attribute in the body is the same request; never stored, never answered, refused in a PATCH", async () => {
    const first = await ops().post('/v1/slices', slice('s3b', STACK_A));
    expect(first.body).not.toHaveProperty('adopt');
    // adopt: false is no takeover.
    expect((await ops().post('/v1/slices', { ...slice('s3b', STACK_B), adopt: false })).body.code).toBe('owner_conflict');
    const taken = await ops().post('/v1/slices', { ...slice('s3b', STACK_B), adopt: true });
    expect(taken.status).toBe(200);
    expect(taken.body).toMatchObject({ id: first.body.id, owner: STACK_B });
    expect(taken.body).not.toHaveProperty('adopt');
    expect((await journalOf(first.body.id)).map((e) => e.kind)).toEqual(['create', 'adopt']);
    // The same spec with or without the flag is the same spec: the owner's retry is answered.
    expect((await ops().post('/v1/slices', slice('s3b', STACK_B))).status).toBe(200);
    const patched = await ops().patch(`/v1/slices/${first.body.id}`, { adopt: true });
    expect(patched.status).toBe(422);
    expect(patched.body.errors).toEqual([{ field: 'adopt', reason: expect.stringContaining('create only') }]);
    expect((await ops().get(`/v1/slices/${first.body.id}`)).body).not.toHaveProperty('adopt');
  });
});

describe('delete and purge by a stranger', () => {
  test('refused with owner_conflict unless the token is an admin\'s; the owner deletes', async () => {
    const v = await ops().post('/v1/slices', slice('s4', STACK_A));
    const id = v.body.id;
    const path = `/v1/slices/${id}`;
    const stranger = await ops().del(`${path}?owner=${encodeURIComponent(STACK_B)}`);
    expect(stranger.status).toBe(409);
    expect(stranger.body.code).toBe('owner_conflict');
    expect(stranger.body.detail).toContain(STACK_A);
    expect(stranger.body.detail).toContain(STACK_B);
    const anonymous = await ops().del(path);
    expect(anonymous.status).toBe(409);
    expect(anonymous.body.detail).toMatch(/this delete is for no owner/);
    expect((await ops().get(path)).status).toBe(200);
    const owner = await ops().del(`${path}?owner=${encodeURIComponent(STACK_A)}`);
    expect(owner.status).toBe(204);
    expect((await ops().get(path)).status).toBe(404);
    const entries = await journalOf(id);
    expect(entries.map((e) => e.kind)).toEqual(['create', 'delete']);
    expect(entries[1]).toMatchObject({ audit: { token: 'ops', role: 'operator', owner: STACK_A } });
  });

  test('an admin deletes any owner\'s object, and the journal says it was the admin', async () => {
    const v = await ops().post('/v1/slices', slice('s5', STACK_A));
    expect((await root().del(`/v1/slices/${v.body.id}`)).status).toBe(204);
    const entries = await journalOf(v.body.id);
    expect(entries[1]).toMatchObject({ kind: 'delete', audit: { token: 'root', role: 'admin' } });
    expect(entries[1]).not.toHaveProperty('audit.owner');
  });

  test('purge of a retained volume checks the owner the same way', async () => {
    const v = await ops().post('/v1/volumes', { cluster: clusterId, name: 'kept', type: 'ssd', sizeGiB: 100, reclaimPolicy: 'Retain', owner: STACK_A });
    expect(v.status).toBe(201);
    expect((await ops().del(`/v1/volumes/${v.body.id}?owner=${encodeURIComponent(STACK_A)}`)).status).toBe(204);
    expect((await ops().get(`/v1/volumes/${v.body.id}`)).body.state).toBe('retained');
    const stranger = await ops().post(`/v1/volumes/${v.body.id}/purge?owner=${encodeURIComponent(STACK_B)}`);
    expect(stranger.status).toBe(409);
    expect(stranger.body.detail).toMatch(/only its owner or an admin token may purge it/);
    expect((await ops().post(`/v1/volumes/${v.body.id}/purge?owner=${encodeURIComponent(STACK_A)}`)).status).toBe(204);
  });

  test('clusters and key policies: the owner deletes, a stranger is refused', async () => {
    const c = await ops().post('/v1/clusters', { name: 'deleteme', servers: [], owner: STACK_A });
    expect((await ops().del(`/v1/clusters/${c.body.id}?owner=${encodeURIComponent(STACK_B)}`)).body.code).toBe('owner_conflict');
    expect((await ops().del(`/v1/clusters/${c.body.id}?owner=${encodeURIComponent(STACK_A)}`)).status).toBe(204);
    const k = await ops().post('/v1/key-policies', { name: 'kp-del', secret: 'a-secret-of-sixteen+', owner: STACK_A });
    expect((await ops().del(`/v1/key-policies/${k.body.id}`)).body.code).toBe('owner_conflict');
    expect((await ops().del(`/v1/key-policies/${k.body.id}?owner=${encodeURIComponent(STACK_A)}`)).status).toBe(204);
  });
});

describe('audit', () => {
  test('every entry names the token (by id), role, owner and request id; the request id is the one answered; no secret', async () => {
    const r: Reply = await ops().raw('POST', '/v1/slices', slice('s6', STACK_A), { 'x-request-id': 'ci-run-42.step-7' });
    expect(r.headers.get('x-request-id')).toBe('ci-run-42.step-7');
    const [entry] = await journalOf(r.body.id);
    expect(entry).toMatchObject({ audit: { token: 'ops', role: 'operator', owner: STACK_A, requestId: 'ci-run-42.step-7' } });
    // A header that is not a plain id is replaced by one the composer makes.
    const odd = await ops().raw('GET', '/v1/slices', undefined, { 'x-request-id': 'has spaces and "quotes"' });
    expect(odd.headers.get('x-request-id')).toMatch(/^req-[0-9a-f]{16}$/);
    const all = JSON.stringify((await root().get('/v1/operations?limit=1000')).body);
    for (const t of TOKENS) expect(all).not.toContain(t.token);
    expect(all).not.toContain('a-secret-of-sixteen+');
    // Every entry of this run has an audit: the start-up inventory load the composer's own, the rest a request's.
    const entries = (await root().get('/v1/operations?limit=1000')).body.items;
    expect(entries[0]).toMatchObject({ resource: 'inventory', audit: { token: 'system', role: 'system' } });
    for (const o of entries.slice(1)) expect(o.audit).toEqual(expect.objectContaining({ token: expect.any(String), role: expect.any(String), requestId: expect.any(String) }));
  });

  test('?by= and ?owner= filter the journal; by a token that started nothing, nothing', async () => {
    const byRoot = (await ops().get('/v1/operations?by=root&limit=1000')).body.items;
    expect(byRoot.length).toBeGreaterThan(0);
    expect(byRoot.every((o: { audit: { token: string } }) => o.audit.token === 'root')).toBe(true);
    const byOwner = (await ops().get(`/v1/operations?owner=${encodeURIComponent(STACK_B)}&limit=1000`)).body.items;
    expect(byOwner.length).toBeGreaterThan(0);
    expect(byOwner.every((o: { audit: { owner: string } }) => o.audit.owner === STACK_B)).toBe(true);
    expect((await ops().get('/v1/operations?by=nobody')).body.items).toEqual([]);
  });
});
