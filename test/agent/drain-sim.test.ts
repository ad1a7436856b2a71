// Drain and removal on the simulated host (docs/failure.md, "Drain and removal"), against a real
// composer (SQLite, HTTP): `drives drain` marks the drive draining; every mirror member on it
// moves to a new placement one at a time, online (the new member is added as a spare and md
// copies onto it with `mdadm --replace` while the old one keeps serving; the old one leaves only
// afterwards), with the resiliency rules of a rebuild; the data stays; the empty drive can be
// removed; one that still holds a member cannot; a single-drive volume is named as not movable
// online, never skipped silently; the agent killed at the drain's assemble step converges.
import { startAgent, RunningAgent } from '../../provider/agent/daemon';
import type { Fault } from '../../provider/agent/faults';
import { SimulatedFabric } from '../../provider/agent/sim/fabric';
import { cmd } from '../../provider/agent/commands';
import { mdPath } from '../../provider/agent/names';
import { SimulatedHost } from '../../provider/agent/sim/host';
import { MemoryStateStore } from '../../provider/agent/state';
import { ADMIN_TOKEN, enclosureTokenOf } from '../helpers/composer';
import { api, eventually, inventory, simulatedAgentOptions, startTestComposer, type TestComposer } from './composer-fixture';

jest.setTimeout(120_000);

let tc: TestComposer;
let fabric: SimulatedFabric;
let host: SimulatedHost;
const state = new MemoryStateStore();
let cluster: string;
let agent: RunningAgent | undefined;

interface Wire {
  id: string;
  state: string;
  health: string;
  healthReason?: string;
  members: { serial: string; enclosure: string; storageGroup: string; mirror: number }[];
}
interface DriveWire {
  serial: string;
  health: string;
  volumes: string[];
  blocked?: string[];
}
// Drain and removal are inventory changes: an admin's (docs/api.md).
const admin = () => api(tc.composer.url, ADMIN_TOKEN);
const volume = (id: string) => tc.ops.get(`/v1/volumes/${id}`).then((r) => r.body as Wire);
const drive = async (serial: string) => ((await tc.ops.get('/v1/drives')).body.items as DriveWire[]).find((d) => d.serial === serial);
const drainOps = async () => ((await tc.ops.get('/v1/operations?limit=500')).body.items as { kind: string; objectId: string; state: string; detail?: { drain?: boolean; replaced?: { from: string; to: string }[] } }[]).filter((o) => o.kind === 'rebuild' && o.detail?.drain);

beforeAll(async () => {
  // 4 enclosures in 2 storage groups (sg0: enc0 enc1, sg1: enc2 enc3), 4 SSDs of 16 GiB each.
  tc = await startTestComposer(inventory({ servers: ['k1'], enclosures: 4, ssdPerEnclosure: 4, ssdGiB: 16, hddPerEnclosure: 0 }), { heartbeatGraceMs: 3000, enclosureTokens: true });
  fabric = new SimulatedFabric();
  host = new SimulatedHost(fabric, { resyncMs: 1200 });
  cluster = (await tc.ops.post('/v1/clusters', { name: 'apps', servers: ['k1'] })).body.id;
  agent = await startAgent(simulatedAgentOptions(tc.composer.url, 'k1', host, { state, waitSeconds: 5 }));
});

afterAll(async () => {
  await agent?.stop();
  await tc.close();
});

test('draining a drive under RAID1 volumes moves each member online, one at a time, keeping resiliency and data; the empty drive is removed', async () => {
  // Three mirrored volumes with a half on the same drive (the first one's), each with data.
  const first = (await tc.ops.post('/v1/volumes', { cluster, name: 'a', type: 'ssd', sizeGiB: 4, redundancy: true, server: 'k1', mountPath: '/srv/a' })).body as Wire;
  expect(first.members).toHaveLength(2);
  const target = first.members[0];
  const ids = [first.id];
  for (const name of ['b', 'c']) {
    const r = await tc.ops.post('/v1/volumes', { cluster, name, type: 'ssd', sizeGiB: 4, redundancy: true, server: 'k1', mountPath: `/srv/${name}` });
    expect(r.status).toBe(201);
    ids.push(r.body.id);
  }
  for (const [i, id] of ids.entries()) {
    await eventually(async () => (await volume(id)).state === 'staged', 10_000, `staged ${id}`);
    host.writeFile(`/srv/${'abc'[i]}/rows`, `data of ${id}`);
  }
  const before = await Promise.all(ids.map(volume));
  const onTarget = before.filter((v) => v.members.some((m) => m.serial === target.serial)).map((v) => v.id);
  expect(onTarget).toContain(first.id);

  // Not removable while it holds members: refused, naming them.
  const early = await admin().post(`/v1/drives/${target.serial}/remove`);
  expect(early.status).toBe(409);
  expect(early.body.code).toBe('in_use');
  for (const id of onTarget) expect(early.body.detail).toContain(id);

  const r = await admin().post(`/v1/drives/${target.serial}/drain`);
  expect(r.status).toBe(200);
  expect(r.body.health).toBe('draining');
  expect(r.body.blocked).toBeUndefined();

  // One at a time: never two drain rebuilds pending together. While one is, the old member's
  // enclosure still exports it to k1: md copies from it (an export no longer listed would be
  // released, and wiped, under the running array).
  let maxPending = 0;
  const keptExported = new Set<string>();
  const enclosure = api(tc.composer.url, enclosureTokenOf(target.enclosure));
  const empty = await eventually(async () => {
    const pendingOps = (await drainOps()).filter((o) => o.state === 'pending');
    const pending = pendingOps.length;
    maxPending = Math.max(maxPending, pending);
    if (pending > 0) {
      const exports = (await enclosure.get(`/v1/enclosures/${target.enclosure}/assignments`)).body.exports as { volumeId: string; serial: string; server: string }[];
      for (const o of pendingOps) if (exports.some((e) => e.volumeId === o.objectId && e.serial === target.serial && e.server === 'k1')) keptExported.add(o.objectId);
    }
    const d = await drive(target.serial);
    const all = await Promise.all(ids.map(volume));
    return d && d.volumes.length === 0 && all.every((v) => v.health === 'ok') ? all : undefined;
  }, 60_000, 'drive empty, volumes ok');
  expect(maxPending).toBeLessThanOrEqual(1);
  expect(keptExported.size).toBeGreaterThan(0);

  for (const [i, v] of empty.entries()) {
    expect(v.members.some((m) => m.serial === target.serial)).toBe(false);
    // sgResiliency (default true): the two halves stay in different storage groups.
    expect(v.members[0].storageGroup).not.toBe(v.members[1].storageGroup);
    expect(host.readFile(`/srv/${'abc'[i]}/rows`)).toBe(`data of ${ids[i]}`);
  }
  // No leftover in md: each array lists exactly the two members of its placement, both working
  // (a finished --replace marks the old member faulty; the agent takes it out before it disconnects).
  for (const v of empty) {
    const detail = (await host.run(cmd.mdDetail(mdPath(v.id)))).stdout;
    expect(detail.match(/_ROLE=.*/g)!.map((l) => l.slice(6)).sort()).toEqual(['0', '1']);
  }
  // Online: md replaced each old member with the new one added as a spare (the old one served
  // until the copy ended), one --replace per moved member.
  const cmds = host.log.map((c) => c.join(' '));
  const replaces = cmds.filter((c) => c.startsWith('mdadm --manage /dev/md/') && c.includes('--replace'));
  expect(replaces).toHaveLength(onTarget.length);
  // The last entry ends with the report that made its volume whole, or on the next reconciler pass.
  const ops = await eventually(async () => {
    const all = await drainOps();
    return all.every((o) => o.state === 'done') ? all : undefined;
  }, 5000, 'drain entries done');
  expect(ops.map((o) => o.objectId).sort()).toEqual([...onTarget].sort());
  for (const o of ops) expect(o.detail?.replaced?.[0].from).toBe(target.serial);

  // Empty: it can be removed, and it stays removed.
  const rm = await admin().post(`/v1/drives/${target.serial}/remove`);
  expect(rm.status).toBe(200);
  expect(rm.body.health).toBe('removed');
  expect((await drive(target.serial))?.health).toBe('removed');
  const again = await admin().post(`/v1/drives/${target.serial}/drain`);
  expect(again.status).toBe(409);
  // An unknown drive: 404 naming it.
  const unknown = await admin().post('/v1/drives/nosuch/drain');
  expect(unknown.status).toBe(404);
  expect(unknown.body.detail).toContain('nosuch');
});

test('a single-drive volume on a draining drive is named as not movable online, never skipped', async () => {
  const v = (await tc.ops.post('/v1/volumes', { cluster, name: 'single', type: 'ssd', sizeGiB: 4, server: 'k1' })).body as Wire;
  expect(v.members).toHaveLength(1);
  await eventually(async () => (await volume(v.id)).state === 'staged', 10_000, 'staged');
  const serial = v.members[0].serial;
  const r = await admin().post(`/v1/drives/${serial}/drain`);
  expect(r.status).toBe(200);
  expect(r.body.blocked).toEqual([expect.stringContaining(`volume ${v.id}: a single-drive volume (raidLevel none) is not an md array, so it cannot be moved online`)]);
  // Still there after several reconciler passes, still named by `drives ls`, and not removable.
  await new Promise((res) => setTimeout(res, 1500));
  const d = await drive(serial);
  expect(d?.volumes).toEqual([v.id]);
  expect(d?.blocked?.[0]).toContain(v.id);
  expect((await admin().post(`/v1/drives/${serial}/remove`)).status).toBe(409);
  await tc.ops.del(`/v1/volumes/${v.id}`);
  await eventually(async () => (await drive(serial))?.volumes.length === 0, 10_000, 'deleted');
  expect((await admin().post(`/v1/drives/${serial}/remove`)).status).toBe(200);
});

test('the agent killed before and after the drain\'s assemble step converges: member moved, data kept', async () => {
  for (const when of ['before', 'after'] as const) {
    const name = `k${when}`;
    const v = (await tc.ops.post('/v1/volumes', { cluster, name, type: 'ssd', sizeGiB: 4, redundancy: true, server: 'k1', mountPath: `/srv/${name}` })).body as Wire;
    await eventually(async () => (await volume(v.id)).state === 'staged', 10_000, 'staged');
    host.writeFile(`/srv/${name}/rows`, name);
    await agent!.stop();
    const serial = v.members[1].serial;
    expect((await admin().post(`/v1/drives/${serial}/drain`)).status).toBe(200);
    await eventually(async () => (await volume(v.id)).health === 'rebuilding', 10_000, 'drain assigned');
    // Step 4 is the assemble (where the spare is added and the replace starts).
    const faults: Fault[] = [{ mode: 'crash', step: 4, when, volumeId: v.id }];
    const crashing = await startAgent(simulatedAgentOptions(tc.composer.url, 'k1', host, { state, verifyMs: 1e9, faults }));
    await expect(crashing.done).rejects.toThrow('injected crash at step 4');
    agent = await startAgent(simulatedAgentOptions(tc.composer.url, 'k1', host, { state, waitSeconds: 5 }));
    const done = await eventually(async () => {
      const cur = await volume(v.id);
      return cur.health === 'ok' && !cur.members.some((m) => m.serial === serial) ? cur : undefined;
    }, 30_000, 'moved');
    expect(done.members).toHaveLength(2);
    expect(done.members[0].storageGroup).not.toBe(done.members[1].storageGroup);
    expect(host.readFile(`/srv/${name}/rows`)).toBe(name);
    expect((await drive(serial))?.volumes).toEqual([]);
  }
});
