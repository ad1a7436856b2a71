// The enclosure channel on a real composer (SQLite, HTTP on 127.0.0.1): enclosure tokens scoped
// to their enclosure, exports derived from volumes (whole drives and slices, NVMe and iSCSI names
// from provider/model/naming.ts), a move that keeps the old host until it unstaged, delete,
// the long poll, registration, heartbeats and reports.
import * as fs from 'node:fs';
import type { EnclosureExport } from '../../provider/api/contract';
import type { RunningComposer } from '../../provider/composer';
import { hostNqn, initiatorIqn, iscsiIqn, nvmeNamespaceUuid, nvmeNqn } from '../../provider/model/naming';
import { client, startTest, tok, TOKENS } from './fixtures';

let composer: RunningComposer;
let dir: string;
let ops: ReturnType<typeof client>;
let viewer: ReturnType<typeof client>;
let clusterId: string;
const ENC_TOKENS = ['enc-a1', 'enc-a2', 'enc-b1', 'enc-b2'].map((e) => ({ name: `encl-${e}`, token: `enclosure-${e}-token-0123456789`, role: 'enclosure' as const, enclosure: e }));
const enc = (e: string) => client(composer.url, `enclosure-${e}-token-0123456789`);

beforeAll(async () => {
  ({ composer, dir } = await startTest({ tokens: [...TOKENS, ...ENC_TOKENS], heartbeatGraceMs: 400, reconcileIntervalMs: 100 }));
  ops = client(composer.url, tok('ops'));
  viewer = client(composer.url, tok('viewer'));
  clusterId = (await ops.post('/v1/clusters', { name: 'encl', servers: ['k1', 'k2'] })).body.id;
});
afterAll(async () => {
  await composer.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Every enclosure's exports of one volume. */
async function exportsOf(volumeId: string): Promise<EnclosureExport[]> {
  const out: EnclosureExport[] = [];
  for (const e of ['enc-a1', 'enc-a2', 'enc-b1', 'enc-b2']) {
    const r = await enc(e).get(`/v1/enclosures/${e}/assignments`);
    expect(r.status).toBe(200);
    out.push(...(r.body.exports as EnclosureExport[]).filter((x) => x.volumeId === volumeId));
  }
  return out;
}

test('enclosure tokens speak only for their own enclosure, and only on the enclosure channel', async () => {
  const a1 = enc('enc-a1');
  expect((await a1.get('/v1/enclosures/enc-a2/assignments')).status).toBe(403);
  expect((await a1.post('/v1/enclosures/enc-a2/register', { hostname: 'h', version: '1', drives: [] })).status).toBe(403);
  expect((await a1.get('/v1/volumes')).status).toBe(403);
  expect((await a1.get('/v1/inventory')).status).toBe(403);
  expect((await a1.get('/v1/agents/k1/assignments')).status).toBe(403);
  expect((await client(composer.url, tok('agent-k1')).get('/v1/enclosures/enc-a1/assignments')).status).toBe(403);
  expect((await ops.get('/v1/enclosures/enc-a1/assignments')).status).toBe(403);
  expect((await client(composer.url).get('/v1/enclosures/enc-a1/assignments')).status).toBe(401);
});

test('register validates the drives against the inventory; heartbeats and reports show in GET /v1/enclosures', async () => {
  const a1 = enc('enc-a1');
  // Before registering, a heartbeat says so: the service registers again (a new leader knows nothing).
  const early = await a1.post('/v1/enclosures/enc-a1/heartbeat');
  expect(early.status).toBe(404);
  expect(early.body.code).toBe('not_registered');
  const bad = await a1.post('/v1/enclosures/enc-a1/register', { hostname: 'a1.lab', version: '0.1.0', drives: ['enc-a1-ssd-0', 'enc-a2-ssd-0', 'enc-a1-ssd-0'] });
  expect(bad.status).toBe(422);
  expect(bad.body.errors.map((e: { field: string }) => e.field)).toEqual(['drives[1]', 'drives[2]']);
  expect((await a1.post('/v1/enclosures/enc-a1/register', { hostname: 'a1.lab', version: '0.1.0', drives: 'all' })).body.errors[0].field).toBe('drives');
  const r = await a1.post('/v1/enclosures/enc-a1/register', { hostname: 'a1.lab', version: '0.1.0', drives: ['enc-a1-ssd-0', 'enc-a1-hdd-0'] });
  expect(r.status).toBe(200);
  expect(r.body).toMatchObject({ name: 'enc-a1', health: 'up', facts: { hostname: 'a1.lab', drives: ['enc-a1-ssd-0', 'enc-a1-hdd-0'] } });
  expect((await a1.post('/v1/enclosures/enc-a1/heartbeat')).status).toBe(204);

  const report = {
    drives: [{ serial: 'enc-a1-ssd-0', present: true, device: '/dev/loop0', sizeBytes: 800 * 2 ** 30 }, { serial: 'enc-a1-hdd-0', present: false, device: '/dev/sdz' }],
    exports: [{ volumeId: 'vol-x', serial: 'enc-a1-ssd-0', offsetGiB: 0, transport: 'nvmetcp', target: 'nqn.2026-01.io.tessera:enc-a1:enc-a1-ssd-0', server: 'k1', state: 'failed', error: 'no such device' }],
  };
  const badReport = await a1.put('/v1/enclosures/enc-a1/report', { drives: [{ serial: 'enc-b1-ssd-0', present: 'yes' }], exports: [{ ...report.exports[0], state: 'gone', offsetGiB: -1 }] });
  expect(badReport.status).toBe(422);
  expect(badReport.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['drives[0].present', 'drives[0].serial', 'exports[0].offsetGiB', 'exports[0].state']);
  expect((await a1.put('/v1/enclosures/enc-a1/report', report)).status).toBe(204);

  const list = (await viewer.get('/v1/enclosures')).body.items as { name: string; health: string; report?: { drives: unknown[]; exports: unknown[] } }[];
  expect(list.map((e) => e.name)).toEqual(['enc-a1', 'enc-a2', 'enc-b1', 'enc-b2']);
  expect(list[0]).toMatchObject({ health: 'up', report: { drives: report.drives, exports: report.exports } });
  expect(list[1].health).toBe('unknown');
  expect((await enc('enc-a1').get('/v1/enclosures')).status).toBe(403);
  await new Promise((res) => setTimeout(res, 600));
  expect(((await viewer.get('/v1/enclosures')).body.items[0] as { health: string }).health).toBe('down');
  expect((await viewer.get('/v1/enclosures?limit=2')).body.nextCursor).toBeDefined();
});

test('a RAID1 volume over NVMe: each half exported by its enclosure to the server\'s host NQN only', async () => {
  const v = (await ops.post('/v1/volumes', { cluster: clusterId, name: 'mirror', type: 'ssd', sizeGiB: 800, redundancy: true, server: 'k1', networkTransportsAllowed: ['nvmetcp'] })).body;
  expect(v.members).toHaveLength(2);
  const ex = await exportsOf(v.id);
  expect(ex).toHaveLength(2);
  for (const m of v.members) {
    const e = ex.find((x) => x.serial === m.serial)!;
    const nqn = nvmeNqn(m, false);
    expect(e).toEqual({ volumeId: v.id, kind: 'volume', serial: m.serial, slice: false, offsetGiB: 0, sizeGiB: m.sizeGiB, transport: 'nvmetcp', nqn, nsUuid: nvmeNamespaceUuid(nqn), server: 'k1', hostNqn: hostNqn('k1') });
  }
  // Each enclosure sees only its own members.
  const a = await enc(v.members[0].enclosure).get(`/v1/enclosures/${v.members[0].enclosure}/assignments`);
  expect(a.body.exports.every((x: EnclosureExport) => a.body.exports.length > 0 && x.serial.startsWith(v.members[0].enclosure))).toBe(true);
  expect(a.body.portal).toMatch(/:4420$/);
  expect(a.body.transports).toEqual(['nvmetcp', 'iscsi']);
});

test('a slice volume over iSCSI: the extent and the initiator IQN; unattached volumes are exported nowhere', async () => {
  const s = (await ops.post('/v1/volumes', { cluster: clusterId, name: 'carved', type: 'slice', sizeGiB: 20, server: 'k2', networkTransportsAllowed: ['iscsi'] })).body;
  const [e] = await exportsOf(s.id);
  const m = s.members[0];
  expect(e).toEqual({ volumeId: s.id, kind: 'volume', serial: m.serial, slice: true, offsetGiB: m.offsetGiB, sizeGiB: 20, transport: 'iscsi', iqn: iscsiIqn(m, true), server: 'k2', initiatorIqn: initiatorIqn('k2') });
  const free = (await ops.post('/v1/volumes', { cluster: clusterId, name: 'idle', type: 'slice', sizeGiB: 10 })).body;
  expect(free.id).toBeDefined();
  expect(await exportsOf(free.id)).toEqual([]);
  // A slice resource grows in place: the export follows the new size.
  const sl = (await ops.post('/v1/slices', { cluster: clusterId, name: 'grow', sizeGiB: 10, server: 'k1' })).body;
  expect((await exportsOf(sl.id)).map((x) => [x.kind, x.slice, x.sizeGiB, x.server])).toEqual([['slice', true, 10, 'k1']]);
  expect((await ops.patch(`/v1/slices/${sl.id}`, { sizeGiB: 30 })).status).toBe(200);
  expect((await exportsOf(sl.id)).map((x) => x.sizeGiB)).toEqual([30]);
});

test('long poll: an enclosure wakes when its set changes; a move keeps the old host until it unstaged; delete removes the export', async () => {
  const k1 = client(composer.url, tok('agent-k1'));
  await k1.post('/v1/agents/k1/register', { hostname: 'k1', transports: ['nvmetcp'], nicGbps: 25, backend: 'simulated', agentVersion: '0' });
  const v = (await ops.post('/v1/volumes', { cluster: clusterId, name: 'moved', type: 'hdd', sizeGiB: 1000, server: 'k1', sgResiliency: false, jbodResiliency: false })).body;
  const e = v.members[0].enclosure as string;
  const c = enc(e);
  const first = (await c.get(`/v1/enclosures/${e}/assignments`)).body;
  expect(first.exports.find((x: EnclosureExport) => x.volumeId === v.id).hostNqn).toBe(hostNqn('k1'));
  // Nothing changes: the poll waits out its time.
  const t0 = Date.now();
  const idle = await c.get(`/v1/enclosures/${e}/assignments?since=${first.revision}&waitSeconds=1`);
  expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
  expect(idle.body.revision).toBe(first.revision);
  // A status report changes the volume but not the exports: still waiting.
  await k1.put(`/v1/agents/k1/status/${v.id}`, { state: 'staged', generation: 1 });
  const still = await c.get(`/v1/enclosures/${e}/assignments?since=${first.revision}&waitSeconds=1`);
  expect(still.body.revision).toBe(first.revision);

  // Move to k2 while k1's agent is up: k1 keeps access until it reports the volume unstaged.
  await k1.post('/v1/agents/k1/heartbeat');
  expect((await ops.patch(`/v1/volumes/${v.id}`, { server: 'k2' })).status).toBe(200);
  const during = (await c.get(`/v1/enclosures/${e}/assignments`)).body;
  expect(during.exports.find((x: EnclosureExport) => x.volumeId === v.id)).toMatchObject({ server: 'k1', hostNqn: hostNqn('k1') });
  const poll = c.get(`/v1/enclosures/${e}/assignments?since=${during.revision}&waitSeconds=20`);
  await new Promise((res) => setTimeout(res, 200));
  const t1 = Date.now();
  expect((await k1.put(`/v1/agents/k1/status/${v.id}`, { state: 'unstaged', generation: 1 })).status).toBe(204);
  const woke = (await poll).body;
  expect(Date.now() - t1).toBeLessThan(5000);
  expect(woke.revision).toBeGreaterThan(during.revision);
  expect(woke.exports.find((x: EnclosureExport) => x.volumeId === v.id)).toMatchObject({ server: 'k2', hostNqn: hostNqn('k2') });

  // Delete (k2 has no live agent: immediate): the export goes.
  const poll2 = c.get(`/v1/enclosures/${e}/assignments?since=${woke.revision}&waitSeconds=20`);
  expect((await ops.del(`/v1/volumes/${v.id}`)).status).toBe(204);
  expect((await poll2).body.exports.find((x: EnclosureExport) => x.volumeId === v.id)).toBeUndefined();
});

test('a move away from a down server is fenced: exported to nobody until every member enclosure applied that set, then to the new server only; a failed pass confirms nothing', async () => {
  const k1 = client(composer.url, tok('agent-k1'));
  await k1.post('/v1/agents/k1/register', { hostname: 'k1', transports: ['nvmetcp'], nicGbps: 25, backend: 'simulated', agentVersion: '0' });
  const v = (await ops.post('/v1/volumes', { cluster: clusterId, name: 'fenced', type: 'hdd', sizeGiB: 1000, redundancy: true, server: 'k1' })).body;
  const encs = [...new Set((v.members as { enclosure: string }[]).map((m) => m.enclosure))];
  expect(encs).toHaveLength(2);
  expect((await exportsOf(v.id)).map((x) => x.server)).toEqual(['k1', 'k1']);
  await new Promise((r) => setTimeout(r, 500)); // k1 is down (heartbeatGraceMs 400)
  expect((await ops.patch(`/v1/volumes/${v.id}`, { server: 'k2' })).status).toBe(200);
  // Fenced: no enclosure exports the volume to anybody, and k2 has no assignment.
  expect(await exportsOf(v.id)).toEqual([]);
  // Yet each member enclosure holds its extent (unexported, not released: never wiped).
  const held = async (m: { enclosure: string }) => (await enc(m.enclosure).get(`/v1/enclosures/${m.enclosure}/assignments`)).body.held;
  for (const m of v.members) expect(await held(m)).toEqual([nvmeNqn(m, false)]);
  const k2 = client(composer.url, tok('agent-k2'));
  const k2Has = async () => (await k2.get('/v1/agents/k2/assignments')).body.assignments.some((x: { volumeId: string }) => x.volumeId === v.id);
  expect(await k2Has()).toBe(false);
  const report = async (e: string, clean: boolean) => {
    const a = (await enc(e).get(`/v1/enclosures/${e}/assignments`)).body;
    expect((await enc(e).post(`/v1/enclosures/${e}/register`, { hostname: e, version: 'test', drives: [] })).status).toBe(200);
    const r = await enc(e).put(`/v1/enclosures/${e}/report`, { drives: [], exports: [], ...(clean ? { appliedRevision: a.revision } : {}) });
    expect(r.status).toBe(204);
  };
  // One enclosure confirms, the other's pass had failures: still fenced.
  await report(encs[0], true);
  await report(encs[1], false);
  await new Promise((r) => setTimeout(r, 300)); // reconciler passes
  expect(await k2Has()).toBe(false);
  // The second confirms: the move goes on.
  await report(encs[1], true);
  const deadline = Date.now() + 5000;
  while (!(await k2Has()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  expect(await k2Has()).toBe(true);
  expect((await exportsOf(v.id)).map((x) => [x.server, x.hostNqn])).toEqual([
    ['k2', hostNqn('k2')],
    ['k2', hostNqn('k2')],
  ]);
  for (const m of v.members) expect(await held(m)).toBeUndefined();
  const op = (await ops.get('/v1/operations')).body.items.find((o: { objectId: string; kind: string }) => o.objectId === v.id && o.kind === 'update');
  expect(op).toMatchObject({ state: 'done', detail: { fence: true, moveFrom: 'k1', moveTo: 'k2' } });
});

test('a retained volume is not exported; bad query parameters name the parameter', async () => {
  const v = (await ops.post('/v1/volumes', { cluster: clusterId, name: 'kept', type: 'hdd', sizeGiB: 1000, server: 'k2', reclaimPolicy: 'Retain', sgResiliency: false, jbodResiliency: false })).body;
  expect(await exportsOf(v.id)).toHaveLength(1);
  expect((await ops.del(`/v1/volumes/${v.id}`)).status).toBe(204);
  expect((await ops.get(`/v1/volumes/${v.id}`)).body.state).toBe('retained');
  expect(await exportsOf(v.id)).toEqual([]);
  const bad = await enc('enc-a1').get('/v1/enclosures/enc-a1/assignments?waitSeconds=999');
  expect(bad.status).toBe(422);
  expect(bad.body.errors[0].field).toBe('waitSeconds');
  expect((await enc('enc-a1').get('/v1/enclosures/nope/assignments')).status).toBe(403);
});

// Last: it closes the composer. Before the fix the poll looped on until its deadline (300 s),
// holding the process after close; now the wake-up at close answers it.
test('a long poll in progress answers when the composer closes', async () => {
  const svc = composer.service();
  const { revision } = await svc.enclosureAssignments('enc-a1', undefined, 0);
  let answered = false;
  const poll = svc.enclosureAssignments('enc-a1', revision, 300).then((a) => {
    answered = true;
    return a;
  });
  await new Promise((r) => setTimeout(r, 200));
  expect(answered).toBe(false);
  await composer.close();
  expect((await poll).revision).toBe(revision);
});
