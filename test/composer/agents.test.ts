// The agent channel: register, heartbeats (up/down), long-poll assignments by revision, status
// reports stored as `observed`, scoped tokens.
import * as fs from 'node:fs';
import { client, startTest, tok } from './fixtures';
import type { RunningComposer } from '../../provider/composer';

let composer: RunningComposer;
let dir: string;
let ops: ReturnType<typeof client>;
let k1: ReturnType<typeof client>;
let clusterId: string;
const facts = { hostname: 'k1.lab', transports: ['nvmetcp'], nicGbps: 25, backend: 'simulated', agentVersion: '0.1.0' };

beforeAll(async () => {
  ({ composer, dir } = await startTest({ heartbeatGraceMs: 300, reconcileIntervalMs: 100 }));
  ops = client(composer.url, tok('ops'));
  k1 = client(composer.url, tok('agent-k1'));
  clusterId = (await ops.post('/v1/clusters', { name: 'agents', servers: ['k1', 'k2'] })).body.id;
});
afterAll(async () => {
  await composer.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('register and heartbeats: up, then down after missed heartbeats', async () => {
  const r = await k1.post('/v1/agents/k1/register', facts);
  expect(r.status).toBe(200);
  expect(r.body.health).toBe('up');
  expect((await k1.post('/v1/agents/k1/register', { ...facts, backend: 'tape' })).status).toBe(422);
  expect((await k1.post('/v1/agents/k1/heartbeat')).status).toBe(204);
  const servers = async () => (await ops.get('/v1/servers')).body.items as { name: string; health: string; facts?: unknown }[];
  expect((await servers()).find((s) => s.name === 'k1')).toMatchObject({ health: 'up', facts });
  expect((await servers()).find((s) => s.name === 'k3')!.health).toBe('unknown');
  await new Promise((r) => setTimeout(r, 450));
  expect((await servers()).find((s) => s.name === 'k1')!.health).toBe('down');
  await k1.post('/v1/agents/k1/heartbeat');
  expect((await servers()).find((s) => s.name === 'k1')!.health).toBe('up');
});

test('a bad register or status report names every bad field by its path (provider/api/wire.json)', async () => {
  const r = await k1.post('/v1/agents/k1/register', { ...facts, transports: ['nvmetcp', 'tape'], nicGbps: 0 });
  expect(r.status).toBe(422);
  expect(r.body).toMatchObject({ code: 'validation_failed', detail: 'transports[1]: must be one of roce, nvmetcp, iscsi, got "tape"; nicGbps: must be > 0, got 0' });
  expect(r.body.errors).toEqual([
    { field: 'transports[1]', reason: 'must be one of roce, nvmetcp, iscsi, got "tape"' },
    { field: 'nicGbps', reason: 'must be > 0, got 0' },
  ]);
  const s = await k1.put('/v1/agents/k1/status/vol-none', { state: 'staged', generation: 1, keyVersion: 'two' });
  expect(s.status).toBe(422);
  expect(s.body.errors).toEqual([{ field: 'keyVersion', reason: 'must be an integer, got "two"' }]);
  // Further fields are the agent's own (a newer agent): accepted, not kept.
  expect((await k1.post('/v1/agents/k1/register', { ...facts, kernel: '6.1' })).status).toBe(200);
  const k1Status = (await ops.get('/v1/servers')).body.items.find((x: { name: string }) => x.name === 'k1');
  expect(k1Status.facts).toEqual(facts);
});

test('agent registrations and inventory loads are metered under their own resource, never as clusters', async () => {
  expect((await k1.post('/v1/agents/k1/register', facts)).status).toBe(200);
  const r = await client(composer.url, tok('viewer')).get('/metrics');
  expect(r.body).toMatch(/tessera_operation_duration_seconds_count\{kind="update",resource="servers"\} [1-9]/);
  // startTest() loads the inventory through the service.
  expect(r.body).toMatch(/tessera_operation_duration_seconds_count\{kind="update",resource="inventory"\} [1-9]/);
  // No cluster was updated: nothing may be metered as one.
  expect(r.body).not.toMatch(/tessera_operation_duration_seconds_count\{kind="update",resource="clusters"\}/);
});

test('agent tokens are scoped to their server', async () => {
  expect((await k1.post('/v1/agents/k2/register', facts)).status).toBe(403);
  expect((await k1.get('/v1/agents/k2/assignments')).status).toBe(403);
  expect((await ops.get('/v1/agents/k1/assignments')).status).toBe(403);
});

test('assignments long-poll wakes on a change (no busy polling) and status reports become observed state', async () => {
  const first = await k1.get('/v1/agents/k1/assignments');
  expect(first.status).toBe(200);
  const since = first.body.revision;
  // A poll with nothing new waits for the full wait time.
  const t0 = Date.now();
  const idle = await k1.get(`/v1/agents/k1/assignments?since=${since}&waitSeconds=1`);
  expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
  expect(idle.body.revision).toBe(since);
  // A poll in flight returns as soon as a volume is assigned to k1.
  const t1 = Date.now();
  const poll = k1.get(`/v1/agents/k1/assignments?since=${since}&waitSeconds=20`);
  await new Promise((r) => setTimeout(r, 200));
  const v = (await ops.post('/v1/volumes', { cluster: clusterId, name: 'polled', sizeGiB: 10, server: 'k1', mountPath: '/srv/polled' })).body;
  const woke = await poll;
  expect(Date.now() - t1).toBeLessThan(5000);
  expect(woke.body.revision).toBeGreaterThan(since);
  const a = woke.body.assignments.find((x: { volumeId: string }) => x.volumeId === v.id);
  expect(a).toMatchObject({ kind: 'volume', mountPath: '/srv/polled', generation: 1, fsType: 'ext4' });
  expect(a.placement.members.length).toBeGreaterThan(0);
  expect(v.state).toBe('pending');

  const rep = await k1.put(`/v1/agents/k1/status/${v.id}`, { state: 'staged', generation: 1, devicePath: '/dev/md/polled', mountedAt: '/srv/polled' });
  expect(rep.status).toBe(204);
  const after = (await ops.get(`/v1/volumes/${v.id}`)).body;
  expect(after.state).toBe('staged');
  expect(after.devicePath).toBe('/dev/md/polled');
  expect(after.observed).toMatchObject({ state: 'staged', generation: 1 });

  // Moving the volume to k2 removes it from k1's set at once; k2 gets it only once k1 (a live
  // agent) has unstaged it: a filesystem is never mounted on two servers.
  await k1.post('/v1/agents/k1/heartbeat');
  const p2 = k1.get(`/v1/agents/k1/assignments?since=${woke.body.revision}&waitSeconds=20`);
  const moved = await ops.patch(`/v1/volumes/${v.id}`, { server: 'k2' });
  expect(moved.body.state).toBe('pending');
  expect(moved.body.server).toBe('k2');
  expect((await p2).body.assignments.find((x: { volumeId: string }) => x.volumeId === v.id)).toBeUndefined();
  const k2 = client(composer.url, tok('agent-k2'));
  expect((await k2.get('/v1/agents/k2/assignments')).body.assignments.find((x: { volumeId: string }) => x.volumeId === v.id)).toBeUndefined();
  const busy = await ops.patch(`/v1/volumes/${v.id}`, { mountPath: '/srv/other' });
  expect(busy.status).toBe(409);
  expect(busy.body.code).toBe('move_in_progress');
  expect((await ops.get('/v1/operations?state=pending')).body.items.map((o: { kind: string }) => o.kind)).toEqual(['update']);
  expect((await k1.put(`/v1/agents/k1/status/${v.id}`, { state: 'unstaged', generation: 1 })).status).toBe(204);
  const k2set = (await k2.get('/v1/agents/k2/assignments')).body.assignments;
  expect(k2set.find((x: { volumeId: string }) => x.volumeId === v.id).generation).toBe(2);
  expect((await ops.get('/v1/operations?state=pending')).body.items).toEqual([]);
  // A stale report from k1 (the old server) does not change the volume.
  expect((await k1.put(`/v1/agents/k1/status/${v.id}`, { state: 'unstaged', generation: 1 })).status).toBe(204);
  expect((await ops.get(`/v1/volumes/${v.id}`)).body.state).toBe('pending');
  expect((await k2.put(`/v1/agents/k2/status/${v.id}`, { state: 'failed', generation: 2, step: 'mount', error: 'mount: wrong fs type' })).status).toBe(204);
  expect((await ops.get(`/v1/volumes/${v.id}`)).body.state).toBe('failed');
  expect((await k2.put(`/v1/agents/k2/status/${v.id}`, { state: 'bogus', generation: -1 })).status).toBe(422);
  // /metrics (prom-client): the failure by its step, the volume's state, the agents' health.
  const m = (await client(composer.url, tok('viewer')).get('/metrics')).body as string;
  expect(m).toMatch(/^tessera_staging_failures_total\{step="mount"\} 1$/m);
  expect(m).toMatch(new RegExp(`^tessera_volume_state\\{volume="${v.id}",cluster="[^"]+",state="failed",health="[a-z]+"\\} 1$`, 'm'));
  // One series per health state; exactly the agent's current one is 1 (k2 is not heartbeating here).
  const k2health = [...m.matchAll(/^tessera_agent_health\{server="k2",health="(\w+)"\} (\d)$/gm)].map((x) => [x[1], Number(x[2])]);
  expect(k2health.map(([h]) => h).sort()).toEqual(['down', 'unknown', 'up']);
  expect(k2health.reduce((n, [, v]) => n + (v as number), 0)).toBe(1);
});

test('delete waits for a live agent to unstage before freeing the drives; a silent agent does not block it', async () => {
  const cap = async () => (await ops.get('/v1/capacity?type=ssd&sgResiliency=false&jbodResiliency=false')).body.availableGiB as number;
  const c0 = await cap();
  await k1.post('/v1/agents/k1/heartbeat');
  const v = (await ops.post('/v1/volumes', { cluster: clusterId, name: 'gone', type: 'ssd', sizeGiB: 100, server: 'k1' })).body;
  expect(await cap()).toBeLessThan(c0);
  expect((await ops.del(`/v1/volumes/${v.id}`)).status).toBe(204);
  expect((await ops.get(`/v1/volumes/${v.id}`)).body.state).toBe('deleting');
  expect((await ops.del(`/v1/volumes/${v.id}`)).status).toBe(204);
  expect(await cap()).toBeLessThan(c0);
  expect((await k1.get('/v1/agents/k1/assignments')).body.assignments.find((a: { volumeId: string }) => a.volumeId === v.id)).toBeUndefined();
  expect((await k1.put(`/v1/agents/k1/status/${v.id}`, { state: 'unstaged', generation: 1 })).status).toBe(204);
  expect((await ops.get(`/v1/volumes/${v.id}`)).status).toBe(404);
  expect(await cap()).toBe(c0);

  await k1.post('/v1/agents/k1/heartbeat');
  const w = (await ops.post('/v1/volumes', { cluster: clusterId, name: 'gone2', type: 'ssd', sizeGiB: 100, server: 'k1' })).body;
  expect((await ops.del(`/v1/volumes/${w.id}`)).status).toBe(204);
  expect((await ops.get(`/v1/volumes/${w.id}`)).body.state).toBe('deleting');
  // No heartbeat: after the grace period the server is down and the reconciler frees the drives.
  const deadline = Date.now() + 5000;
  while ((await ops.get(`/v1/volumes/${w.id}`)).status !== 404 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  expect((await ops.get(`/v1/volumes/${w.id}`)).status).toBe(404);
  expect(await cap()).toBe(c0);
  expect((await ops.get('/v1/operations?state=pending')).body.items).toEqual([]);
});

test('a move away from a silent agent does not wait for it, but is fenced first: nothing for k2 until the enclosures confirm', async () => {
  const v = (await ops.post('/v1/volumes', { cluster: clusterId, name: 'quick-move', sizeGiB: 10, server: 'k1' })).body;
  await new Promise((r) => setTimeout(r, 350)); // k1's heartbeats are older than the grace period
  expect((await ops.patch(`/v1/volumes/${v.id}`, { server: 'k2' })).status).toBe(200);
  const k2 = client(composer.url, tok('agent-k2'));
  // No enclosure service confirms the revocation here (test/composer/enclosures.test.ts does): k2 waits.
  await new Promise((r) => setTimeout(r, 400));
  expect((await k2.get('/v1/agents/k2/assignments')).body.assignments.find((x: { volumeId: string }) => x.volumeId === v.id)).toBeUndefined();
  const op = (await ops.get('/v1/operations?state=pending')).body.items.find((o: { objectId: string }) => o.objectId === v.id);
  expect(op).toMatchObject({ kind: 'update', state: 'pending', detail: { moveFrom: 'k1', moveTo: 'k2', fence: true, finish: 'move' } });
  expect((await ops.get(`/v1/volumes/${v.id}`)).body.state).toBe('pending');
});

test('a live old server that never answers: after the wait the move is fenced, never staged on k2 unconfirmed', async () => {
  const v = (await ops.post('/v1/volumes', { cluster: clusterId, name: 'slow-move', sizeGiB: 10, server: 'k1' })).body;
  await k1.post('/v1/agents/k1/heartbeat');
  expect((await ops.patch(`/v1/volumes/${v.id}`, { server: 'k2' })).status).toBe(200);
  const k2 = client(composer.url, tok('agent-k2'));
  expect((await k2.get('/v1/agents/k2/assignments')).body.assignments.find((x: { volumeId: string }) => x.volumeId === v.id)).toBeUndefined();
  // k1 stops heartbeating (down after 300 ms): the reconciler fences the move instead of letting k2 stage.
  const deadline = Date.now() + 5000;
  let op;
  while (!op?.detail?.fence && Date.now() < deadline) {
    op = (await ops.get('/v1/operations?state=pending')).body.items.find((o: { objectId: string }) => o.objectId === v.id);
    if (!op?.detail?.fence) await new Promise((r) => setTimeout(r, 100));
  }
  expect(op).toMatchObject({ state: 'pending', detail: { fence: true, moveFrom: 'k1' } });
  await new Promise((r) => setTimeout(r, 300));
  expect((await k2.get('/v1/agents/k2/assignments')).body.assignments.find((x: { volumeId: string }) => x.volumeId === v.id)).toBeUndefined();
  // k1 comes back and reports the volume unstaged: that is a confirmation too; k2 stages.
  await k1.post('/v1/agents/k1/heartbeat');
  expect((await k1.put(`/v1/agents/k1/status/${v.id}`, { state: 'unstaged', generation: 1 })).status).toBe(204);
  expect((await k2.get('/v1/agents/k2/assignments')).body.assignments.find((x: { volumeId: string }) => x.volumeId === v.id)?.generation).toBe(2);
});
