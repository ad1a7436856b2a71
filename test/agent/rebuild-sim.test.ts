// Living with failure on the simulated host (docs/failure.md), against a real composer (SQLite,
// HTTP): a mirror member's drive dies → the agent's health check reports the array degraded →
// the composer places a replacement with the original rules against the surviving member, the
// agent adds it (mdadm --add), reports the resync, and the volume is ok again with its data; no
// spare → degraded with the numbers; autoRebuild false → an operator starts it; both halves
// gone → failed, never rebuilt; an enclosure report of a missing drive feeds the same path.
import { startAgent, RunningAgent } from '../../provider/agent/daemon';
import { SimulatedFabric } from '../../provider/agent/sim/fabric';
import { SimulatedHost } from '../../provider/agent/sim/host';
import { api, enclosureToken, eventually, inventory, simulatedAgentOptions, startTestComposer, type TestComposer } from './composer-fixture';

let tc: TestComposer;
let fabric: SimulatedFabric;
let cluster: string;
const agents: RunningAgent[] = [];

async function agent(server: string, host: SimulatedHost) {
  const a = await startAgent(simulatedAgentOptions(tc.composer.url, server, host, { waitSeconds: 5 }));
  agents.push(a);
  return a;
}

interface Wire {
  id: string;
  state: string;
  health: string;
  healthReason?: string;
  failedMembers: string[];
  members: { serial: string; enclosure: string; storageGroup: string; mirror: number }[];
  observed?: { resyncPercent?: number; degraded?: string[] };
}
const volume = (id: string) => tc.ops.get(`/v1/volumes/${id}`).then((r) => r.body as Wire);

let k1: SimulatedHost;

beforeAll(async () => {
  // 4 enclosures in 2 storage groups (sg0: enc0 enc1, sg1: enc2 enc3), 3 SSDs of 16 GiB each.
  tc = await startTestComposer(inventory({ servers: ['k1', 'k2'], enclosures: 4, ssdPerEnclosure: 3, ssdGiB: 16, hddPerEnclosure: 0 }), { heartbeatGraceMs: 2000, enclosureTokens: true });
  fabric = new SimulatedFabric();
  cluster = (await tc.ops.post('/v1/clusters', { name: 'apps', servers: ['k1', 'k2'] })).body.id;
  k1 = new SimulatedHost(fabric, { resyncMs: 1500 });
  await agent('k1', k1);
});

afterAll(async () => {
  await Promise.all(agents.map((a) => a.stop()));
  await tc.close();
});

test('a failed mirror member is replaced in the same storage group as the failed half, resynced, and the volume is ok with its data', async () => {
  const v = (await tc.ops.post('/v1/volumes', { cluster, name: 'db', type: 'ssd', sizeGiB: 10, redundancy: true, server: 'k1', mountPath: '/srv/db' })).body as Wire;
  await eventually(async () => (await volume(v.id)).state === 'staged', 10_000, 'staged');
  expect((await volume(v.id)).health).toBe('ok');
  k1.writeFile('/srv/db/table', 'rows');
  const [lost, partner] = v.members;
  fabric.failDrive(lost.serial);

  // The agent's health check sees the member faulty; the composer starts the rebuild at once.
  const seen = await eventually(async () => {
    const cur = await volume(v.id);
    return cur.health !== 'ok' ? cur : undefined;
  }, 10_000, 'not ok');
  expect(['degraded', 'rebuilding']).toContain(seen.health);
  const rebuilding = await eventually(async () => {
    const cur = await volume(v.id);
    return cur.health === 'rebuilding' && cur.observed?.resyncPercent !== undefined ? cur : undefined;
  }, 10_000, 'resync reported');
  expect(rebuilding.healthReason).toMatch(/rebuilding onto .* \(replacing /);
  const done = await eventually(async () => {
    const cur = await volume(v.id);
    return cur.health === 'ok' ? cur : undefined;
  }, 15_000, 'ok again');
  const replacement = done.members.find((m) => m.mirror === lost.mirror)!;
  expect(replacement.serial).not.toBe(lost.serial);
  // sgResiliency (default true) against the survivor: the new half is in another storage group than the partner.
  expect(replacement.storageGroup).not.toBe(partner.storageGroup);
  expect(done.members.find((m) => m.mirror === partner.mirror)!.serial).toBe(partner.serial);
  expect(done.failedMembers).toEqual([]);
  expect(k1.readFile('/srv/db/table')).toBe('rows');
  // md ran the add on the replacement, and the dead member was taken out and disconnected.
  expect(k1.log.some((c) => c.join(' ').startsWith('mdadm --manage /dev/md/') && c.includes('--add'))).toBe(true);
  expect(k1.log.some((c) => c.join(' ').includes('--remove failed'))).toBe(true);
  // The drive is recorded, journaled as a rebuild, and no longer takes new extents.
  const drives = (await tc.ops.get('/v1/drives')).body.items as { serial: string; health: string }[];
  expect(drives.find((d) => d.serial === lost.serial)?.health).toBe('degraded');
  // The entry ends right after the report that made the volume whole (the same request).
  const rebuild = await eventually(async () => {
    const ops = (await tc.ops.get('/v1/operations')).body.items as { kind: string; objectId: string; state: string; detail?: { replaced?: unknown[] } }[];
    return ops.find((o) => o.kind === 'rebuild' && o.objectId === v.id && o.state === 'done');
  }, 5000, 'rebuild done');
  expect(rebuild.detail?.replaced).toEqual([{ index: lost.mirror === 0 ? 0 : 1, from: lost.serial, to: replacement.serial }]);
});

test('autoRebuild false leaves a degraded volume to an operator; `volumes rebuild` starts it', async () => {
  const v = (await tc.ops.post('/v1/volumes', { cluster, name: 'manual', type: 'ssd', sizeGiB: 10, redundancy: true, autoRebuild: false, server: 'k1' })).body as Wire;
  await eventually(async () => (await volume(v.id)).state === 'staged', 10_000, 'staged');
  fabric.failDrive(v.members[1].serial);
  const degraded = await eventually(async () => {
    const cur = await volume(v.id);
    return cur.health === 'degraded' ? cur : undefined;
  }, 10_000, 'degraded');
  expect(degraded.failedMembers).toEqual([v.members[1].serial]);
  expect(degraded.healthReason).toContain(`autoRebuild is false: \`tessera volumes rebuild ${v.id}\``);
  // Several reconciler passes later it is still degraded: nothing was started automatically.
  await new Promise((r) => setTimeout(r, 1500));
  expect((await volume(v.id)).health).toBe('degraded');
  const r = await tc.ops.post(`/v1/volumes/${v.id}/rebuild`);
  expect(r.status).toBe(200);
  expect(r.body.health).toBe('rebuilding');
  await eventually(async () => (await volume(v.id)).health === 'ok', 15_000, 'ok');
});

test('no spare: the volume stays degraded and says why with the numbers; both halves gone: failed, never rebuilt', async () => {
  // Fill every free SSD so no replacement fits.
  const fillers: string[] = [];
  for (let i = 0; ; i++) {
    const r = await tc.ops.post('/v1/volumes', { cluster, name: `fill${i}`, type: 'ssd', sizeGiB: 10 });
    if (r.status !== 201) break;
    fillers.push(r.body.id);
  }
  expect(fillers.length).toBeGreaterThan(0);
  const list = (await tc.ops.get('/v1/volumes?limit=500')).body.items as Wire[];
  const db = list.find((x) => x.health === 'ok' && x.members.length === 2 && (x as unknown as { name: string }).name === 'db')!;
  fabric.failDrive(db.members[0].serial);
  const blocked = await eventually(async () => {
    const cur = await volume(db.id);
    return cur.health === 'degraded' && cur.healthReason?.includes('no replacement can be placed') ? cur : undefined;
  }, 10_000, 'degraded with a reason');
  expect(blocked.healthReason).toMatch(/no replacement for member \d \(.*\): a free ssd >= 16 GiB over nvmetcp.*\d+ ssd drives in scope, \d+ usable .*, 0 with room/);
  const manual = await tc.ops.post(`/v1/volumes/${db.id}/rebuild`);
  expect(manual.status).toBe(409);
  expect(manual.body.code ?? manual.body.type).toMatch(/insufficient_capacity/);

  fabric.failDrive(db.members[1].serial);
  const failed = await eventually(async () => {
    const cur = await volume(db.id);
    return cur.health === 'failed' ? cur : undefined;
  }, 10_000, 'failed');
  expect(failed.healthReason).toMatch(/^no surviving copy: both halves of a mirror pair failed/);
  const again = await tc.ops.post(`/v1/volumes/${db.id}/rebuild`);
  expect(again.status).toBe(409);
  expect(JSON.stringify(again.body)).toContain('no_surviving_copy');
  for (const id of fillers) await tc.ops.del(`/v1/volumes/${id}`);
});

test('an enclosure report of a missing drive marks it failed; an unstaged mirror is re-placed at once', async () => {
  const v = (await tc.ops.post('/v1/volumes', { cluster, name: 'cold', type: 'ssd', sizeGiB: 10, redundancy: true })).body as Wire;
  const m = v.members[0];
  const enc = api(tc.composer.url, enclosureToken(m.enclosure));
  const reg = await enc.post(`/v1/enclosures/${m.enclosure}/register`, { hostname: m.enclosure, version: 'test', drives: [m.serial] });
  expect(reg.status).toBe(200);
  const rep = await enc.put(`/v1/enclosures/${m.enclosure}/report`, { drives: [{ serial: m.serial, present: false }], exports: [] });
  expect(rep.status).toBe(204);
  const drives = (await tc.ops.get('/v1/drives')).body.items as { serial: string; health: string; reason: string; volumes: string[] }[];
  const d = drives.find((x) => x.serial === m.serial)!;
  expect(d.health).toBe('failed');
  expect(d.reason).toBe(`enclosure ${m.enclosure} reports the drive not present`);
  const done = await eventually(async () => {
    const cur = await volume(v.id);
    return cur.health === 'ok' && cur.members[0].serial !== m.serial ? cur : undefined;
  }, 10_000, 're-placed');
  expect(done.members[0].storageGroup).not.toBe(done.members[1].storageGroup);
});
