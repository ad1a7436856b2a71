// The agent daemon against a real composer (SQLite, HTTP on 127.0.0.1), simulated hosts sharing
// one simulated fabric: register, heartbeats, long-poll, stage, report, move, rotate, crash.
import { startAgent, RunningAgent } from '../../provider/agent/daemon';
import { AgentCrash } from '../../provider/agent/faults';
import { SimulatedFabric } from '../../provider/agent/sim/fabric';
import { SimulatedHost } from '../../provider/agent/sim/host';
import { MemoryStateStore } from '../../provider/agent/state';
import { nvmeLink } from '../../provider/agent/names';
import { OPERATOR, TestComposer, agentToken, eventually, inventory, startTestComposer } from './composer-fixture';

let tc: TestComposer;
let fabric: SimulatedFabric;
let cluster: string;
const agents: RunningAgent[] = [];
const logs: string[] = [];

function agent(server: string, extra: Partial<Parameters<typeof startAgent>[0]> = {}) {
  return startAgent({
    composer: tc.composer.url,
    insecureDev: true, // the test composer is plain HTTP on 127.0.0.1
    token: agentToken(server),
    server,
    backend: 'simulated',
    fabric,
    heartbeatMs: 200,
    waitSeconds: 5,
    retryMs: 300,
    pollMs: 1,
    log: (l) => logs.push(l),
    ...extra,
  }).then((a) => {
    agents.push(a);
    return a;
  });
}

beforeAll(async () => {
  tc = await startTestComposer(inventory({ servers: ['k1', 'k2', 'k3', 'k4'], enclosures: 4, ssdPerEnclosure: 4, ssdGiB: 16 }), { heartbeatGraceMs: 1000 });
  fabric = new SimulatedFabric();
  cluster = (await tc.ops.post('/v1/clusters', { name: 'apps', servers: ['k1', 'k2', 'k3', 'k4'] })).body.id;
});

afterAll(async () => {
  await Promise.all(agents.map((a) => a.stop()));
  await tc.close();
});

const volume = (id: string) => tc.ops.get(`/v1/volumes/${id}`).then((r) => r.body);

test('registers facts, heartbeats keep the server up, stages an assigned volume and reports it', async () => {
  const a1 = await agent('k1');
  const server = await eventually(async () => ((await tc.ops.get('/v1/servers')).body.items as { name: string; health: string; facts?: { backend: string } }[]).find((s) => s.name === 'k1' && s.facts), 5000, 'k1 registered');
  expect(server.health).toBe('up');
  expect(server.facts!.backend).toBe('simulated');
  await new Promise((r) => setTimeout(r, 1300));
  expect(((await tc.ops.get('/v1/servers')).body.items as { name: string; health: string }[]).find((s) => s.name === 'k1')!.health).toBe('up');

  const v = (await tc.ops.post('/v1/volumes', { cluster, name: 'web', type: 'ssd', sizeGiB: 10, server: 'k1', mountPath: '/srv/web' })).body;
  const staged = await eventually(async () => {
    const cur = await volume(v.id);
    return cur.state === 'staged' && cur;
  }, 10_000, 'volume staged');
  expect(staged.observed).toMatchObject({ state: 'staged', generation: 1, mountedAt: '/srv/web' });
  expect(staged.observed.devicePath).toMatch(/^\/dev\/disk\/by-id\/nvme-uuid\./);
  const host = a1.runner as SimulatedHost;
  expect(host.isMounted('/srv/web')).toBe(true);
  // The connect used the enclosure portal read from the composer's inventory.
  expect(host.log.find((c) => c[0] === 'nvme' && c[1] === 'connect')!.join(' ')).toMatch(/--traddr 10\.1\.\d\.\d --trsvcid 4420/);
  // Long-poll, not busy polling: an idle agent makes a handful of requests per wait period.
  const polls = tc.logs.length;
  await new Promise((r) => setTimeout(r, 1000));
  const assignmentGets = tc.logs.slice(polls).filter((l) => l.includes('/assignments')).length;
  expect(assignmentGets).toBeLessThanOrEqual(2);
});

test('move: unstage on the old server, stage on the new one, the data comes along (no copy)', async () => {
  const a2 = await agent('k2');
  const a3 = await agent('k3');
  const v = (await tc.ops.post('/v1/volumes', { cluster, name: 'db', type: 'ssd', sizeGiB: 10, server: 'k2', mountPath: '/srv/db' })).body;
  await eventually(async () => (await volume(v.id)).state === 'staged', 10_000, 'staged on k2');
  const h2 = a2.runner as SimulatedHost;
  h2.writeFile('/srv/db/table', 'rows');
  await tc.ops.patch(`/v1/volumes/${v.id}`, { server: 'k3' });
  await eventually(async () => {
    const cur = await volume(v.id);
    return cur.state === 'staged' && cur.observed.generation === 2;
  }, 10_000, 'staged on k3');
  const h3 = a3.runner as SimulatedHost;
  await eventually(async () => !h2.isMounted('/srv/db') && h2.devices.size === 0, 5000, 'k2 unstaged');
  expect(h3.readFile('/srv/db/table')).toBe('rows');
  expect(h3.log.some((c) => c[0].startsWith('mkfs'))).toBe(false);
});

test('encrypted volume: key from the key endpoint on stdin; rotation adds the new slot and kills the old one, online', async () => {
  const kp = (await tc.ops.post('/v1/key-policies', { name: 'gold', secret: 'first secret value' })).body;
  const v = (await tc.ops.post('/v1/volumes', { cluster, name: 'vault', type: 'ssd', sizeGiB: 10, server: 'k1', mountPath: '/srv/vault', encrypt: true, keyPolicy: kp.id })).body;
  const a1 = agents.find((a) => a.server === 'k1')!;
  await eventually(async () => (await volume(v.id)).state === 'staged', 10_000, 'vault staged');
  expect((await volume(v.id)).observed.keyVersion).toBe(1);
  const host = a1.runner as SimulatedHost;
  host.writeFile('/srv/vault/x', 'secret data');
  const rotated = (await tc.ops.patch(`/v1/key-policies/${kp.id}`, { secret: 'second secret value' })).body;
  expect(rotated.version).toBe(2);
  await eventually(async () => (await volume(v.id)).observed?.keyVersion === 2, 10_000, 'rotated');
  const policy = await eventually(async () => {
    const p = (await tc.ops.get(`/v1/key-policies/${kp.id}`)).body;
    return p.rotation.pending.length === 0 && p;
  }, 10_000, 'rotation complete');
  expect(policy.rotation).toMatchObject({ volumes: 1, current: 1 });
  const cmds = host.log.map((c) => c.join(' '));
  expect(cmds.some((c) => c.startsWith('cryptsetup luksAddKey') && c.endsWith(' - --new-keyfile-size 64'))).toBe(true);
  expect(cmds.some((c) => c.startsWith('cryptsetup luksKillSlot'))).toBe(true);
  expect(host.readFile('/srv/vault/x')).toBe('secret data');
  expect(cmds.some((c) => c.startsWith('umount /srv/vault'))).toBe(false);
  // No log line of the agent or the composer carries a key (base64 as served) — keys never reach logs.
  for (const l of [...logs, ...tc.logs]) expect(l).not.toMatch(/"key":"[A-Za-z0-9+/]{40,}/);
});

test('a step failure is reported with the step and the tool stderr, and retried', async () => {
  const a4 = await agent('k4', { faults: [{ mode: 'fail', step: 'mkfs.ext4 if blank', times: 1 }] });
  const v = (await tc.ops.post('/v1/volumes', { cluster, name: 'flaky', type: 'ssd', sizeGiB: 10, server: 'k4', mountPath: '/srv/flaky' })).body;
  const failed = await eventually(async () => {
    const cur = await volume(v.id);
    return cur.state === 'failed' && cur;
  }, 10_000, 'failed');
  expect(failed.observed).toMatchObject({ state: 'failed', step: 'mkfs.ext4 if blank' });
  expect(failed.observed.error).toMatch(/injected failure at step \d+/);
  await eventually(async () => (await volume(v.id)).state === 'staged', 10_000, 'retried and staged');
  expect((a4.runner as SimulatedHost).log.filter((c) => c[0] === 'mkfs.ext4').length).toBe(1);
});

test('crash at every step of staging: the restarted agent converges and never formats twice', async () => {
  // Count the steps of a clean run first.
  const probeTc = tc;
  for (const a of agents.filter((x) => x.server === 'k4')) await a.stop();
  const k4 = await agent('k4', { runner: new SimulatedHost(new SimulatedFabric()) });
  const v = (await probeTc.ops.post('/v1/volumes', { cluster, name: 'crashy', type: 'ssd', sizeGiB: 10, server: 'k4', mountPath: '/srv/crashy' })).body;
  await eventually(async () => (await volume(v.id)).state === 'staged', 10_000, 'staged');
  await k4.stop();
  const steps = (logs.filter((l) => l.includes('"agent":"k4"') && l.includes(`stage ${v.id}: step`)).map((l) => Number(/step (\d+)/.exec(JSON.parse(l).line)![1])));
  const total = Math.max(...steps);
  expect(total).toBeGreaterThanOrEqual(6);
  await probeTc.ops.del(`/v1/volumes/${v.id}`);

  for (let n = 1; n <= total; n++) {
    // A fresh fabric: a deleted volume's drive keeps its old filesystem (Delete does not wipe).
    const host = new SimulatedHost(new SimulatedFabric());
    const state = new MemoryStateStore();
    const name = `crash-${n}`;
    const vol = (await tc.ops.post('/v1/volumes', { cluster, name, type: 'ssd', sizeGiB: 10, server: 'k4', mountPath: `/srv/${name}` })).body;
    const crashing = await agent('k4', { runner: host, state, faults: [{ mode: 'crash', step: n, volumeId: vol.id }] });
    await expect(crashing.done).rejects.toBeInstanceOf(AgentCrash);
    const restarted = await agent('k4', { runner: host, state });
    await eventually(async () => (await volume(vol.id)).state === 'staged', 10_000, `converged after crash at step ${n}`);
    await restarted.converged(5000);
    expect(host.isMounted(`/srv/${name}`)).toBe(true);
    const dev = nvmeLink(vol.members[0], false);
    expect({ n, mkfs: host.log.filter((c) => c[0] === 'mkfs.ext4' && c.includes(dev)).length }).toEqual({ n, mkfs: 1 });
    await restarted.stop();
    await tc.ops.del(`/v1/volumes/${vol.id}`);
  }
}, 120_000);

test('a crash during key rotation converges after restart: the new slot stays, the old one goes', async () => {
  for (const a of agents.filter((x) => x.server === 'k3')) await a.stop();
  const host = new SimulatedHost(new SimulatedFabric());
  const state = new MemoryStateStore();
  const kp = (await tc.ops.post('/v1/key-policies', { name: 'silver', secret: 'silver secret one' })).body;
  const first = await agent('k3', { runner: host, state });
  const v = (await tc.ops.post('/v1/volumes', { cluster, name: 'ledger', type: 'ssd', sizeGiB: 10, server: 'k3', mountPath: '/srv/ledger', encrypt: true, keyPolicy: kp.id })).body;
  await eventually(async () => (await volume(v.id)).state === 'staged', 10_000, 'ledger staged');
  await first.stop();
  // The rotation step acts (slot added, old slot killed) and the agent dies before recording it.
  const crashing = await agent('k3', { runner: host, state, faults: [{ mode: 'crash', step: 'rotate LUKS key', volumeId: v.id }] });
  await tc.ops.patch(`/v1/key-policies/${kp.id}`, { secret: 'silver secret two' });
  await expect(crashing.done).rejects.toBeInstanceOf(AgentCrash);
  expect((await volume(v.id)).observed.keyVersion).toBe(1);
  await agent('k3', { runner: host, state });
  await eventually(async () => (await volume(v.id)).observed?.keyVersion === 2, 10_000, 'rotation reported after restart');
  const p = await eventually(async () => {
    const cur = (await tc.ops.get(`/v1/key-policies/${kp.id}`)).body;
    return cur.rotation.pending.length === 0 && cur;
  }, 10_000, 'rotation complete');
  expect(p.version).toBe(2);
  expect(host.log.filter((c) => c[0] === 'cryptsetup' && c[1] === 'luksAddKey').length).toBe(1);
  expect(host.log.filter((c) => c[0] === 'cryptsetup' && c[1] === 'luksKillSlot').length).toBe(1);
  expect(host.isMounted('/srv/ledger')).toBe(true);
});

test('a stopped agent stops heartbeating: the composer shows its server down', async () => {
  const k1 = agents.find((a) => a.server === 'k1')!;
  const health = async () => ((await tc.ops.get('/v1/servers')).body.items as { name: string; health: string }[]).find((s) => s.name === 'k1')!.health;
  expect(await health()).toBe('up');
  await k1.stop();
  await eventually(async () => (await health()) === 'down', 5000, 'k1 down');
});

test('CLI: `tessera agent plan VOLUME --composer URL --token FILE` plans from the composer (operator or agent token)', async () => {
  const { execFile } = await import('node:child_process');
  const { promisify } = await import('node:util');
  const fs = await import('node:fs');
  const os = await import('node:os');
  const path = await import('node:path');
  const run = promisify(execFile);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-plan-cli-'));
  try {
    const v = (await tc.ops.post('/v1/volumes', { cluster, name: 'planned', type: 'ssd', sizeGiB: 10, server: 'k2', mountPath: '/srv/planned' })).body;
    const opsToken = path.join(dir, 'ops');
    fs.writeFileSync(opsToken, OPERATOR);
    const bin = path.join(__dirname, '../../bin/tessera');
    const out = (await run(bin, ['agent', 'plan', v.id, '--composer', tc.composer.url, '--token', opsToken])).stdout;
    expect(out).toContain(`volume ${v.id}`);
    expect(out).toContain(`nvme connect --transport tcp --traddr '<portal of ${v.members[0].enclosure}>'`);
    expect(out).toContain(`mount --bind /var/lib/tessera-agent/staging/${v.id} /srv/planned`);
    const agentTok = path.join(dir, 'k2');
    fs.writeFileSync(agentTok, agentToken('k2'));
    const out2 = (await run(bin, ['agent', 'plan', v.id, '--composer', tc.composer.url, '--token', agentTok, '--server', 'k2', '--json'])).stdout;
    expect(JSON.parse(out2).stage.at(-1).name).toBe('bind-mount at /srv/planned');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);

test('PATCH sizeGiB (slice growth) grows the volume online; PATCH mountPath moves the bind mount', async () => {
  for (const a of agents.filter((x) => x.server === 'k2')) await a.stop();
  const host = new SimulatedHost(new SimulatedFabric());
  await agent('k2', { runner: host });
  const v = (await tc.ops.post('/v1/volumes', { cluster, name: 'growing', type: 'slice', sizeGiB: 2, server: 'k2', mountPath: '/srv/growing' })).body;
  await eventually(async () => (await volume(v.id)).state === 'staged', 10_000, 'staged');
  host.writeFile('/srv/growing/f', 'kept');
  const grown = await tc.ops.patch(`/v1/volumes/${v.id}`, { sizeGiB: 5 });
  expect(grown.status).toBe(200);
  await eventually(async () => {
    const cur = await volume(v.id);
    return cur.state === 'staged' && cur.observed.generation > 1;
  }, 10_000, 'grown');
  const cmds = host.log.map((c) => c.join(' '));
  expect(cmds.some((c) => c.startsWith('nvme ns-rescan'))).toBe(true);
  expect(cmds.some((c) => c.startsWith('resize2fs '))).toBe(true);
  expect(host.readFile('/srv/growing/f')).toBe('kept');
  expect(cmds.some((c) => c.startsWith('umount'))).toBe(false);

  const gen = (await volume(v.id)).observed.generation;
  await tc.ops.patch(`/v1/volumes/${v.id}`, { mountPath: '/srv/grown' });
  await eventually(async () => {
    const cur = await volume(v.id);
    return cur.state === 'staged' && cur.observed.generation > gen && cur.observed.mountedAt === '/srv/grown';
  }, 10_000, 'rebound');
  expect(host.isMounted('/srv/growing')).toBe(false);
  expect(host.readFile('/srv/grown/f')).toBe('kept');
});

test('a staged volume is verified again without a new assignment: mounts taken down underneath (as a reboot would) come back, nothing is formatted again', async () => {
  const a3 = await agent('k3', { verifyMs: 500 });
  const v = (await tc.ops.post('/v1/volumes', { cluster, name: 'verify', type: 'ssd', sizeGiB: 10, server: 'k3', mountPath: '/srv/verify' })).body;
  await eventually(async () => (await volume(v.id)).state === 'staged', 10_000, 'volume staged');
  const host = a3.runner as SimulatedHost;
  host.writeFile('/srv/verify/kept.txt', 'still here');
  const mkfsBefore = host.log.filter((c) => c[0].startsWith('mkfs')).length;
  // Underneath the agent: the bind mount and the staging mount go.
  const staging = host.mounts.find((m) => m.target !== '/srv/verify' && m.fs)!.target;
  expect((await host.run({ file: 'umount', args: ['/srv/verify'] })).exitCode).toBe(0);
  expect((await host.run({ file: 'umount', args: [staging] })).exitCode).toBe(0);
  expect(host.isMounted('/srv/verify')).toBe(false);
  await eventually(async () => host.isMounted('/srv/verify'), 10_000, 'the mounts restored by re-verification');
  expect(host.readFile('/srv/verify/kept.txt')).toBe('still here');
  expect(host.log.filter((c) => c[0].startsWith('mkfs')).length).toBe(mkfsBefore);
  expect((await volume(v.id)).observed.generation).toBe(1);
});
