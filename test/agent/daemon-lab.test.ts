// Agents on the lab backend (real loop devices, real ext4/xfs, real mounts) against a real
// composer: stage, move between two agents with the data, and the CLI daemon crashing at a step
// (exit 70) and converging after a restart.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ChildProcess, spawn } from 'node:child_process';
import { startAgent, RunningAgent } from '../../provider/agent/daemon';
import { provisionLabDrives } from '../../provider/agent/lab';
import { TestComposer, agentToken, eventually, inventory, startTestComposer } from './composer-fixture';
import { cleanupLab, labRoot, mountsUnder } from './lab-helpers';

let tc: TestComposer;
let root: string;
let labDir: string;
let cluster: string;
const agents: RunningAgent[] = [];
const children: ChildProcess[] = [];

beforeAll(async () => {
  root = labRoot('tessera-daemon-lab-');
  labDir = path.join(root, 'lab');
  const inv = inventory({ servers: ['k1', 'k2', 'k3'], enclosures: 2, ssdPerEnclosure: 2, ssdGiB: 4, hddPerEnclosure: 1, hddGiB: 1 });
  provisionLabDrives(labDir, inv);
  // Mounts go under the test's temp dir: composer and agents are given it as their one mount root.
  tc = await startTestComposer(inv, { mountRoots: [root] });
  cluster = (await tc.ops.post('/v1/clusters', { name: 'lab', servers: ['k1', 'k2', 'k3'] })).body.id;
});

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await Promise.all(agents.map((a) => a.stop()));
  await tc.close();
  cleanupLab(root);
});

const volume = (id: string) => tc.ops.get(`/v1/volumes/${id}`).then((r) => r.body);

function labAgent(server: string) {
  return startAgent({
    composer: tc.composer.url,
    insecureDev: true, // the test composer is plain HTTP on 127.0.0.1
    token: agentToken(server),
    server,
    backend: 'lab',
    labDir,
    stateDir: path.join(root, server),
    mountRoots: [root],
    heartbeatMs: 500,
    waitSeconds: 5,
    retryMs: 300,
    pollMs: 20,
  }).then((a) => {
    agents.push(a);
    return a;
  });
}

test('lab agents stage a slice with xfs, and moving it to another server keeps its data', async () => {
  await labAgent('k1');
  await labAgent('k2');
  const mnt1 = path.join(root, 'mnt', 'k1', 'app');
  const v = (await tc.ops.post('/v1/volumes', { cluster, name: 'app', type: 'slice', sizeGiB: 1, fsType: 'xfs', server: 'k1', mountPath: mnt1 })).body;
  const staged = await eventually(async () => {
    const cur = await volume(v.id);
    return cur.state === 'staged' && cur;
  }, 30_000, 'staged on k1');
  expect(staged.observed.devicePath).toMatch(/^\/dev\/loop\d+$/);
  expect(mountsUnder(root)).toContain(mnt1);
  fs.writeFileSync(path.join(mnt1, 'orders.csv'), 'id,qty\n1,3\n');
  const mnt2 = path.join(root, 'mnt', 'k2', 'app');
  await tc.ops.patch(`/v1/volumes/${v.id}`, { server: 'k2', mountPath: mnt2 });
  await eventually(async () => {
    const cur = await volume(v.id);
    return cur.state === 'staged' && cur.observed.generation === 2 && cur.observed.mountedAt === mnt2;
  }, 30_000, 'staged on k2');
  await eventually(async () => !mountsUnder(root).includes(mnt1), 10_000, 'k1 unmounted');
  expect(fs.readFileSync(path.join(mnt2, 'orders.csv'), 'utf8')).toBe('id,qty\n1,3\n');
  await tc.ops.del(`/v1/volumes/${v.id}`);
  await eventually(async () => !mountsUnder(root).includes(mnt2), 10_000, 'k2 unstaged after delete');
}, 90_000);

function cli(args: string[]): Promise<{ code: number | null; stderr: string }> & { child: ChildProcess } {
  const child = spawn(path.join(__dirname, '../../bin/tessera'), args, { stdio: ['ignore', 'ignore', 'pipe'] });
  children.push(child);
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const p = new Promise<{ code: number | null; stderr: string }>((resolve) => child.on('exit', (code) => resolve({ code, stderr })));
  return Object.assign(p, { child });
}

test('CLI: `tessera agent start --crash-at-step 3` dies with exit 70; restarted, it converges', async () => {
  const tokenFile = path.join(root, 'k3.token');
  fs.writeFileSync(tokenFile, `${agentToken('k3')}\n`, { mode: 0o600 });
  const mnt = path.join(root, 'mnt', 'k3', 'db');
  const v = (await tc.ops.post('/v1/volumes', { cluster, name: 'db', type: 'hdd', sizeGiB: 1, server: 'k3', mountPath: mnt })).body;
  const base = ['agent', 'start', '--composer', tc.composer.url, '--token', tokenFile, '--server', 'k3', '--backend', 'lab', '--lab-dir', labDir, '--state-dir', path.join(root, 'k3'), '--heartbeat-ms', '500', '--wait-seconds', '5', '--mount-roots', root, '--insecure-dev'];
  const crashed = await cli([...base, '--crash-at-step', '3']);
  expect(crashed.code).toBe(70);
  expect(crashed.stderr).toMatch(/injected crash at step 3 \(mkfs\.ext4 if blank\)/);
  expect(crashed.stderr).not.toContain(agentToken('k3'));
  expect((await volume(v.id)).state).toBe('pending');
  const run = cli(base);
  await eventually(async () => (await volume(v.id)).state === 'staged', 60_000, 'staged after restart');
  expect(mountsUnder(root)).toContain(mnt);
  fs.writeFileSync(path.join(mnt, 'x'), 'y');
  run.child.kill('SIGTERM');
  expect((await run).code).toBe(0);
  // The daemon stopping does not unstage (the volume stays mounted for its workload).
  expect(fs.readFileSync(path.join(mnt, 'x'), 'utf8')).toBe('y');
}, 120_000);
