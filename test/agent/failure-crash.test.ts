// Crashes during rebuild and fenced move (docs/failure.md), on the simulated host: the agent
// killed after (and before) each step of the rebuild's stage run, then restarted on the same host
// and records; the composer killed -9 (a child process on its SQLite file) in the middle of a
// resync and in the middle of a fenced move. Each converges: the volume ok with its data, the
// dead member out of the array and disconnected, no operation left pending, and the moved volume
// never assigned to the new server before every enclosure confirmed the fence after the restart.
import * as net from 'node:net';
import { startAgent, RunningAgent, StartAgentOptions } from '../../provider/agent/daemon';
import type { Fault } from '../../provider/agent/faults';
import { SimulatedFabric } from '../../provider/agent/sim/fabric';
import { SimulatedHost } from '../../provider/agent/sim/host';
import { MemoryStateStore } from '../../provider/agent/state';
import type { TokenEntry } from '../../provider/composer/auth';
import { kill9, spawnComposer, tempDir, tokensWithEnclosures, writeComposerFiles, type ComposerChild } from '../helpers/composer';
import { api, agentToken, enclosureToken, eventually, inventory, simulatedAgentOptions, startTestComposer, type TestComposer } from './composer-fixture';

jest.setTimeout(240_000);

const inv = inventory({ servers: ['k1', 'k2'], enclosures: 4, ssdPerEnclosure: 10, ssdGiB: 16, hddPerEnclosure: 0 });
const enclosures = inv.storageGroups.flatMap((g) => g.enclosures.map((e) => e.name));

function agentOpts(url: string, server: string, host: SimulatedHost, state: MemoryStateStore, extra: Partial<StartAgentOptions> = {}): StartAgentOptions {
  return simulatedAgentOptions(url, server, host, { state, ...extra });
}

describe('the agent crashes at each step of a rebuild', () => {
  let tc: TestComposer;
  const fabric = new SimulatedFabric();
  const host = new SimulatedHost(fabric);
  const state = new MemoryStateStore();
  let cluster: string;
  const running: RunningAgent[] = [];

  beforeAll(async () => {
    tc = await startTestComposer(inv, { heartbeatGraceMs: 3000, enclosureTokens: true });
    cluster = (await tc.ops.post('/v1/clusters', { name: 'apps', servers: ['k1'] })).body.id;
    for (const e of enclosures) await api(tc.composer.url, enclosureToken(e)).post(`/v1/enclosures/${e}/register`, { hostname: e, version: 'test', drives: [] });
  });
  afterAll(async () => {
    await Promise.all(running.map((a) => a.stop()));
    await tc.close();
  });

  // The rebuild's stage run of a RAID1 ext4 volume with a mountPath: connect (both members),
  // wait for devices, assemble or create (where the add happens), disconnect replaced members,
  // mkfs if blank, grow filesystem, mount at staging path, bind-mount.
  const names = ['connect', 'connect', 'wait for devices', 'assemble or create /dev/md/', 'disconnect replaced members', 'mkfs.ext4 if blank', 'grow filesystem', 'mount at staging path', 'bind-mount at /srv/'];
  const cases: { step: number; when: 'before' | 'after' }[] = [
    ...Array.from({ length: 9 }, (_, i) => ({ step: i + 1, when: 'after' as const })),
    { step: 4, when: 'before' },
    { step: 5, when: 'before' },
  ];

  test.each(cases)('crash $when step $step: the restarted agent converges, the volume is ok with its data', async ({ step, when }) => {
    const url = tc.composer.url;
    const first = await startAgent(agentOpts(url, 'k1', host, state, { verifyMs: 1e9 }));
    const name = `v${step}${when[0]}`;
    const v = (await tc.ops.post('/v1/volumes', { cluster, name, type: 'ssd', sizeGiB: 10, redundancy: true, server: 'k1', mountPath: `/srv/${name}` })).body;
    await eventually(async () => (await tc.ops.get(`/v1/volumes/${v.id}`)).body.state === 'staged', 10_000, 'staged');
    host.writeFile(`/srv/${name}/data`, name);
    await first.stop();
    // The drive dies while no agent runs; the enclosure says so and the composer assigns the
    // rebuild, so the restarted agent's first run of this volume is the rebuild's.
    const dead = v.members[0];
    fabric.failDrive(dead.serial);
    const r = await api(url, enclosureToken(dead.enclosure)).put(`/v1/enclosures/${dead.enclosure}/report`, { drives: [{ serial: dead.serial, present: false }], exports: [] });
    expect(r.status).toBe(204);
    await eventually(async () => (await tc.ops.get(`/v1/volumes/${v.id}`)).body.health === 'rebuilding', 10_000, 'rebuild assigned');
    const faults: Fault[] = [{ mode: 'crash', step, when, volumeId: v.id }];
    const crashing = await startAgent(agentOpts(url, 'k1', host, state, { verifyMs: 1e9, faults }));
    await expect(crashing.done).rejects.toThrow(`injected crash at step ${step} (${names[step - 1]}`);
    expect((await tc.ops.get(`/v1/volumes/${v.id}`)).body.health).toBe('rebuilding');

    const again = await startAgent(agentOpts(url, 'k1', host, state));
    running.push(again);
    try {
      await converged(v, dead, name);
    } finally {
      await again.stop();
      running.pop();
    }
  });

  async function converged(v: { id: string }, dead: { serial: string }, name: string): Promise<void> {
    const done = await eventually(async () => {
      const cur = (await tc.ops.get(`/v1/volumes/${v.id}`)).body;
      return cur.health === 'ok' && cur.state === 'staged' ? cur : undefined;
    }, 15_000, 'ok again');
    expect(done.members.map((m: { serial: string }) => m.serial)).not.toContain(dead.serial);
    expect(host.readFile(`/srv/${name}/data`)).toBe(name);
    // The dead member is out of the array and disconnected; no member is lost.
    expect([...host.devices.values()].some((d) => d.export?.serial === dead.serial)).toBe(false);
    const array = [...fabric.arrays.values()].find((a) => a.name.endsWith(v.id))!;
    expect(array.members.sort()).toEqual(done.members.map((m: { serial: string; offsetGiB: number }) => `${m.serial}@${m.offsetGiB}`).sort());
    // The entry ends right after the report that made the volume whole (the same request).
    await eventually(async () => ((await tc.ops.get('/v1/operations?state=pending')).body.items as { objectId: string }[]).every((o) => o.objectId !== v.id), 5000, 'no pending operation');
  }
});

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

describe('the composer is killed -9 in the middle of a resync, a drain and a fenced move', () => {
  const dir = tempDir('tessera-failure-crash-');
  const tokens: TokenEntry[] = tokensWithEnclosures(inv);
  let port = 0;
  let child: ComposerChild | undefined;
  const agents: RunningAgent[] = [];
  const start = async () => {
    child = await spawnComposer(dir, { insecureDev: true, waitLeader: true, args: ['--lease-ttl', '1', '--heartbeat-grace-seconds', '1', '--listen', `127.0.0.1:${port}`] });
    return child.url;
  };
  const ops = () => api(child!.url, tokens.find((t) => t.name === 'ops')!.token);

  beforeAll(async () => {
    writeComposerFiles(dir, { tokens, inventory: inv });
    port = await freePort();
    await start();
  });
  afterAll(async () => {
    await Promise.all(agents.map((a) => a.stop()));
    await kill9(child);
  });

  test('kill -9 during a resync: after the restart the rebuild ends when the agent reports the array whole', async () => {
    const fabric = new SimulatedFabric();
    const host = new SimulatedHost(fabric, { resyncMs: 4000 });
    const a = await startAgent(agentOpts(child!.url, 'k1', host, new MemoryStateStore()));
    // Stopped at the end even when an assertion fails: the next test needs k1 silent.
    agents.push(a);
    const cluster = (await ops().post('/v1/clusters', { name: 'crash', servers: ['k1', 'k2'] })).body.id;
    const v = (await ops().post('/v1/volumes', { cluster, name: 'db', type: 'ssd', sizeGiB: 10, redundancy: true, server: 'k1', mountPath: '/srv/db' })).body;
    await eventually(async () => (await ops().get(`/v1/volumes/${v.id}`)).body.state === 'staged', 10_000, 'staged');
    host.writeFile('/srv/db/x', 'kept');
    fabric.failDrive(v.members[1].serial);
    await eventually(async () => (await ops().get(`/v1/volumes/${v.id}`)).body.observed?.resyncPercent !== undefined, 10_000, 'resyncing');
    await kill9(child);
    await start();
    const done = await eventually(async () => {
      const cur = (await ops().get(`/v1/volumes/${v.id}`)).body;
      return cur.health === 'ok' ? cur : undefined;
    }, 20_000, 'ok after the restart');
    expect(done.members[1].serial).not.toBe(v.members[1].serial);
    expect(host.readFile('/srv/db/x')).toBe('kept');
    // The entry ends right after the report that made the volume whole (the same request).
    await eventually(async () => ((await ops().get('/v1/operations?state=pending')).body.items as { objectId: string }[]).every((o) => o.objectId !== v.id), 5000, 'no pending operation');
    await a.stop();
  });

  test('kill -9 during a drain\'s online replace: after the restart the member is moved, none lost, the old one out of the array', async () => {
    await Promise.all(agents.splice(0).map((x) => x.stop()));
    const fabric = new SimulatedFabric();
    const host = new SimulatedHost(fabric, { resyncMs: 4000 });
    const a = await startAgent(agentOpts(child!.url, 'k1', host, new MemoryStateStore()));
    agents.push(a);
    const admin = api(child!.url, tokens.find((t) => t.name === 'root')!.token);
    const cluster = (await ops().post('/v1/clusters', { name: 'drain', servers: ['k1'] })).body.id;
    const v = (await ops().post('/v1/volumes', { cluster, name: 'dr', type: 'ssd', sizeGiB: 10, redundancy: true, server: 'k1', mountPath: '/srv/dr' })).body;
    await eventually(async () => (await ops().get(`/v1/volumes/${v.id}`)).body.state === 'staged', 10_000, 'staged');
    host.writeFile('/srv/dr/x', 'kept');
    const old = v.members[0].serial as string;
    expect((await admin.post(`/v1/drives/${old}/drain`)).status).toBe(200);
    await eventually(async () => (await ops().get(`/v1/volumes/${v.id}`)).body.observed?.resyncPercent !== undefined, 10_000, 'replacing');
    await kill9(child);
    await start();
    const done = await eventually(async () => {
      const cur = (await ops().get(`/v1/volumes/${v.id}`)).body;
      return cur.health === 'ok' && !cur.members.some((m: { serial: string }) => m.serial === old) ? cur : undefined;
    }, 30_000, 'moved after the restart');
    expect(done.members).toHaveLength(2);
    expect(done.members[1].serial).toBe(v.members[1].serial);
    expect(host.readFile('/srv/dr/x')).toBe('kept');
    expect(host.log.filter((c) => c.includes('--replace')).length).toBe(1);
    const drives = (await ops().get('/v1/drives')).body.items as { serial: string; volumes: string[] }[];
    expect(drives.find((d) => d.serial === old)?.volumes).toEqual([]);
    await eventually(async () => ((await ops().get('/v1/operations?state=pending')).body.items as { objectId: string }[]).every((o) => o.objectId !== v.id), 5000, 'no pending operation');
    await a.stop();
  });

  test('kill -9 during a fenced move: a confirmation from before the crash does not count; the new server gets the volume only after every enclosure confirmed again', async () => {
    await Promise.all(agents.splice(0).map((x) => x.stop())); // k1 from the test before is gone whatever happened there
    const fabric = new SimulatedFabric();
    const h1 = new SimulatedHost(fabric);
    const h2 = new SimulatedHost(fabric);
    const k1 = await startAgent(agentOpts(child!.url, 'k1', h1, new MemoryStateStore()));
    const k2 = await startAgent(agentOpts(child!.url, 'k2', h2, new MemoryStateStore()));
    agents.push(k2);
    const cluster = (await ops().post('/v1/clusters', { name: 'fence', servers: ['k1', 'k2'] })).body.id;
    const v = (await ops().post('/v1/volumes', { cluster, name: 'db', type: 'ssd', sizeGiB: 10, redundancy: true, server: 'k1', mountPath: '/srv/fenced', autoMove: true })).body;
    await eventually(async () => (await ops().get(`/v1/volumes/${v.id}`)).body.state === 'staged', 10_000, 'staged');
    h1.writeFile('/srv/fenced/x', 'moved');
    const encs = [...new Set(v.members.map((m: { enclosure: string }) => m.enclosure))] as string[];
    const confirm = async (e: string) => {
      const c = api(child!.url, enclosureToken(e));
      await c.post(`/v1/enclosures/${e}/register`, { hostname: e, version: 'test', drives: [] });
      const a = (await c.get(`/v1/enclosures/${e}/assignments`)).body;
      expect(a.exports.some((x: { volumeId: string }) => x.volumeId === v.id)).toBe(false);
      expect((await c.put(`/v1/enclosures/${e}/report`, { drives: [], exports: [], appliedRevision: a.revision })).status).toBe(204);
    };
    const k2Has = async () => (await api(child!.url, agentToken('k2')).get('/v1/agents/k2/assignments')).body.assignments.some((x: { volumeId: string }) => x.volumeId === v.id);
    await k1.stop();
    await eventually(async () => (await ops().get(`/v1/volumes/${v.id}`)).body.server === 'k2', 15_000, 'automatic move started');
    await confirm(encs[0]);
    expect(await k2Has()).toBe(false);
    await kill9(child);
    await start();
    // The first confirmation lived in the dead leader's memory: after the second alone, still fenced.
    await confirm(encs[1]);
    await new Promise((r) => setTimeout(r, 2500)); // reconciler passes
    expect(await k2Has()).toBe(false);
    await confirm(encs[0]);
    await eventually(async () => {
      const cur = (await ops().get(`/v1/volumes/${v.id}`)).body;
      return cur.state === 'staged' && cur.server === 'k2';
    }, 20_000, 'staged on k2');
    expect(h2.readFile('/srv/fenced/x')).toBe('moved');
  });
});
