// The VM suite: the agent's real steps (provider/agent/steps.ts with the Linux runner) on Debian's
// kernel, inside the VM lab (docs/vm-lab.md), against two NVMe/TCP targets in network namespaces
// of their own (./target.ts). Run by `npm run test:vm` (scripts/vm/test.sh), which bundles this
// file and boots the VM once for all of it; never run on the host (it needs md, dm-crypt, nvmet).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { after, before, test } from 'node:test';
import { LinuxRunner } from '../../provider/agent/linux-runner';
import { KILL_POINT_ENV, KILL_POINT_MARK, KillPoint } from '../../provider/agent/kill-point';
import { filesystemUuid, iscsiIface, memberLabel, nvmeLink, stagingPath } from '../../provider/agent/names';
import { RecordingRunner, Runner } from '../../provider/agent/runner';
import { SimulatedFabric } from '../../provider/agent/sim/fabric';
import { SimulatedHost } from '../../provider/agent/sim/host';
import { FileStateStore, VolumeRecord } from '../../provider/agent/state';
import { HostContext, StageResult, stageVolume, unstageVolume } from '../../provider/agent/steps';
import type { Assignment } from '../../provider/api/contract';
import { hostNqn, initiatorIqn, iscsiIqn, nvmeNqn } from '../../provider/model/naming';
import type { Member } from '../../provider/model/placement';
import { DerivedKeys, assignment, member } from '../agent/helpers';
import type { ChildJob } from './agent-child';
import { LioTarget, NvmetTarget, sh } from './target';

const SERVER = 'k1';
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-vm-suite-'));
const stateDir = path.join(root, 'state');
const encA = new NvmetTarget({ netns: 'enc-a', hostAddr: '10.77.1.1', targetAddr: '10.77.1.2' });
const encB = new NvmetTarget({ netns: 'enc-b', hostAddr: '10.77.2.1', targetAddr: '10.77.2.2' });
const lioA = new LioTarget(encA);
const portals: Record<string, string> = {};
const keys = new DerivedKeys();

/** The agent's context on this (virtual) host; `runner` records every argv it runs. */
function context(runner: Runner): HostContext {
  return {
    runner, backend: 'linux', stateDir, server: SERVER, portalOf: (e) => portals[e], keys, waitTimeoutMs: 60_000, pollMs: 200,
    // Step progress on stderr with the guest's uptime: what a slow or stuck run was doing.
    log: (line) => process.stderr.write(`[${fs.readFileSync('/proc/uptime', 'utf8').split(' ')[0]}] ${line}\n`),
  };
}

/** Members of 1 GiB, one in each enclosure for a mirror, exported to this server only. */
function exportMembers(ms: Member[]): void {
  for (const m of ms) (m.enclosure === 'enc-a' ? encA : encB).export(nvmeNqn(m, false), m.sizeGiB, hostNqn(SERVER));
}

function mirror(id: string): Member[] {
  return [member(`${id}-a`, { sizeGiB: 1 }), member(`${id}-b`, { sizeGiB: 1, enclosure: 'enc-b', mirror: 1 })];
}

async function stage(a: Assignment, rec: VolumeRecord): Promise<{ res: StageResult; lines: string[] }> {
  const runner = new RecordingRunner(new LinuxRunner({ timeoutMs: 300_000 }));
  rec.assignment = a;
  const res = await stageVolume(context(runner), a, rec, async () => undefined);
  return { res, lines: runner.lines() };
}

async function unstage(rec: VolumeRecord): Promise<string[]> {
  const runner = new RecordingRunner(new LinuxRunner({ timeoutMs: 300_000 }));
  await unstageVolume(context(runner), rec, async () => undefined);
  return runner.lines();
}

const formats = (lines: string[]) => lines.filter((l) => /^(mdadm --create|cryptsetup luksFormat|mkfs\.|wipefs)/.test(l));
const blkid = (dev: string, tag: string) => spawnSync('blkid', ['-p', '-s', tag, '-o', 'value', dev], { encoding: 'utf8' }).stdout.trim();

before(() => {
  encA.start();
  encB.start();
  portals['enc-a'] = encA.portal;
  portals['enc-b'] = encB.portal;
  // A fresh mirror resyncs in the background; under TCG that would take the CPU the tests need.
  fs.writeFileSync('/proc/sys/dev/raid/speed_limit_max', '2000');
});

// Whatever a failed test left staged comes down, top to bottom, so the targets can go too.
after(() => {
  const mounts = spawnSync('findmnt', ['--list', '--noheadings', '--output', 'TARGET'], { encoding: 'utf8' }).stdout.split('\n');
  const ours = mounts.filter((t) => t.startsWith(`${root}/`) || t.startsWith('/mnt/vm-')).sort((x, y) => y.length - x.length);
  for (const t of ours) spawnSync('umount', ['--lazy', t]);
  for (const n of fs.existsSync('/dev/mapper') ? fs.readdirSync('/dev/mapper') : []) if (n.startsWith('tessera-vm-')) spawnSync('cryptsetup', ['close', n]);
  for (const n of fs.existsSync('/dev/md') ? fs.readdirSync('/dev/md') : []) if (n.startsWith('vm-')) spawnSync('mdadm', ['--stop', `/dev/md/${n}`]);
  spawnSync('nvme', ['disconnect-all']);
  spawnSync('iscsiadm', ['--mode', 'node', '--logoutall=all']);
  lioA.close();
  encA.close();
  encB.close();
  fs.rmSync(root, { recursive: true, force: true });
});

// What the first stage and unstage of the RAID1 volume ran on the kernel, for the comparison below.
let kernelRun: { a: Assignment; stage: StageResult; stageLines: string[]; unstageLines: string[] } | undefined;

const r1 = assignment('vm-r1', { members: mirror('r1'), raidLevel: 'raid1', fsType: 'xfs', encrypt: true, keyVersion: 1, mountPath: '/mnt/vm-r1' });
const r1rec: VolumeRecord = { assignment: r1 };

test('the enclosure ACL admits only the server host NQN (the connect the agent makes is the one let in)', () => {
  exportMembers(r1.placement.members);
  const m = r1.placement.members[0];
  const other = spawnSync('nvme', ['connect', '--transport', 'tcp', '--traddr', encA.o.targetAddr, '--trsvcid', '4420', '--nqn', nvmeNqn(m, false), '--hostnqn', hostNqn('k2')], { encoding: 'utf8' });
  assert.notEqual(other.status, 0, 'a host NQN the subsystem does not allow must be refused');
});

test('stage an encrypted RAID1 xfs volume over NVMe/TCP: connect with the host NQN, create, luksFormat, mkfs, mount, bind, write', async () => {
  const { res, lines } = await stage(r1, r1rec);
  assert.equal(res.devicePath, '/dev/mapper/tessera-vm-r1');
  assert.equal(res.mountedAt, '/mnt/vm-r1');
  assert.equal(res.degraded, undefined);
  const connects = lines.filter((l) => l.startsWith('nvme connect'));
  assert.equal(connects.length, 2);
  for (const c of connects) assert.match(c, new RegExp(` --hostnqn ${hostNqn(SERVER).replace(/\./g, '\\.')} --hostid `));
  assert.deepEqual(formats(lines).map((l) => l.split(' ').slice(0, 2).join(' ')), ['mdadm --create', 'cryptsetup luksFormat', 'mkfs.xfs -q']);
  assert.equal(blkid(res.devicePath, 'UUID'), filesystemUuid('vm-r1'));
  assert.match(fs.readFileSync('/proc/mdstat', 'utf8'), /md\d+ : active raid1 nvme\d+n\d+\[\d\] nvme\d+n\d+\[\d\]/);
  fs.writeFileSync('/mnt/vm-r1/data', 'written on the kernel\n');
  spawnSync('sync');
  const unstageLines = await unstage(r1rec);
  assert.equal(fs.existsSync('/dev/md/vm-r1'), false);
  assert.equal(fs.existsSync('/dev/mapper/tessera-vm-r1'), false);
  assert.deepEqual(fs.readdirSync('/sys/class/nvme'), []);
  kernelRun = { a: r1, stage: res, stageLines: lines, unstageLines };
});

test('stage the same volume again: re-connect, assemble, open, mount; nothing is formatted and the data is there', async () => {
  const { res, lines } = await stage(r1, r1rec);
  assert.deepEqual(formats(lines), []);
  assert.ok(lines.some((l) => l.startsWith('mdadm --assemble --run /dev/md/vm-r1 ')), 'assembled');
  assert.equal(res.mountedAt, '/mnt/vm-r1');
  assert.equal(fs.readFileSync('/mnt/vm-r1/data', 'utf8'), 'written on the kernel\n');
});

test('a mirror member fails (its namespace is pulled at the target): the volume keeps serving and the agent reports it degraded', async () => {
  const b = r1.placement.members[1];
  encB.detachNamespace(nvmeNqn(b, false));
  // The next writes reach the pulled half, md fails it, and the array goes on with one.
  fs.writeFileSync('/mnt/vm-r1/after', 'still serving\n');
  spawnSync('sync');
  const deadline = Date.now() + 60_000;
  while (!/\[U_\]|\[_U\]/.test(fs.readFileSync('/proc/mdstat', 'utf8'))) {
    assert.ok(Date.now() < deadline, `md never failed the pulled member: ${fs.readFileSync('/proc/mdstat', 'utf8')}`);
    fs.writeFileSync('/mnt/vm-r1/after', `still serving ${Date.now()}\n`);
    spawnSync('sync');
    await new Promise((r) => setTimeout(r, 500));
  }
  const { res, lines } = await stage(r1, r1rec);
  assert.deepEqual(res.degraded, [memberLabel(b, false)]);
  assert.deepEqual(formats(lines), []);
  assert.match(fs.readFileSync('/mnt/vm-r1/after', 'utf8'), /^still serving/);
});

test('staged again with that member gone from the target: assembled degraded with --run, data intact, reported degraded', async () => {
  const [a0, b] = r1.placement.members;
  await unstage(r1rec);
  assert.deepEqual(fs.readdirSync('/sys/class/nvme'), [], 'unstage disconnects the controller of the pulled member too');
  encB.unexport(nvmeNqn(b, false));
  const { res, lines } = await stage(r1, r1rec);
  assert.deepEqual(res.degraded, [memberLabel(b, false)]);
  assert.deepEqual(formats(lines), []);
  assert.ok(lines.includes(`mdadm --assemble --run /dev/md/vm-r1 ${nvmeLink(a0, false)}`), lines.join('\n'));
  assert.equal(fs.readFileSync('/mnt/vm-r1/data', 'utf8'), 'written on the kernel\n');
  await unstage(r1rec);
});

test('an ext4 volume over iSCSI: discovery and login as the server initiator IQN (LIO ACL), mkfs, mount, write; unstage logs out', async () => {
  // iscsid, as on any iSCSI initiator host (it forks into the background).
  if (spawnSync('pgrep', ['-x', 'iscsid']).status !== 0) assert.equal(spawnSync('iscsid', [], { stdio: 'ignore' }).status, 0, 'iscsid did not start');
  const m = member('i1-a', { sizeGiB: 1 });
  const a = assignment('vm-i1', { transport: 'iscsi', members: [m], fsType: 'ext4' });
  lioA.export(iscsiIqn(m, false), 1, initiatorIqn(SERVER));
  const rec: VolumeRecord = { assignment: a };
  const { res, lines } = await stage(a, rec);
  const portal = `${encA.o.targetAddr}:3260`;
  assert.ok(lines.includes(`iscsiadm --mode node --targetname ${iscsiIqn(m, false)} --portal ${portal} --interface ${iscsiIface(SERVER)} --login`), lines.join('\n'));
  assert.equal(res.devicePath, `/dev/disk/by-path/ip-${portal}-iscsi-${iscsiIqn(m, false)}-lun-0`);
  const sessions = fs.readdirSync('/sys/class/iscsi_session');
  assert.equal(sessions.length, 1);
  assert.equal(fs.readFileSync(`/sys/class/iscsi_session/${sessions[0]}/initiatorname`, 'utf8').trim(), initiatorIqn(SERVER));
  fs.writeFileSync(path.join(stagingPath(stateDir, a.volumeId), 'data'), 'over iSCSI\n');
  await unstage(rec);
  assert.deepEqual(fs.readdirSync('/sys/class/iscsi_session'), []);
  // Staged again: the same filesystem, nothing formatted.
  const again = await stage(a, rec);
  assert.deepEqual(formats(again.lines), []);
  assert.equal(fs.readFileSync(path.join(stagingPath(stateDir, a.volumeId), 'data'), 'utf8'), 'over iSCSI\n');
  await unstage(rec);
  lioA.unexport(iscsiIqn(m, false));
});

/** Writes a tool makes (strace counts them), on scratch loop devices like the volume's members. */
function toolWrites(argv: string[], devices: number, stdin?: Buffer): number {
  const files = Array.from({ length: devices }, (_, i) => path.join(root, `calibrate-${i}.img`));
  const loops = files.map((f) => {
    fs.writeFileSync(f, '');
    fs.truncateSync(f, 1024 ** 3);
    return sh('losetup', ['--find', '--show', f]).trim();
  });
  try {
    const r = spawnSync('strace', ['-f', '-qq', '-c', '-e', 'trace=write,pwrite64,pwritev,pwritev2,writev', ...argv, ...loops], { input: stdin, encoding: 'utf8' });
    spawnSync('mdadm', ['--stop', '/dev/md/calibrate']);
    return Number(r.stderr.trim().split('\n').pop()!.trim().split(/\s+/)[3]);
  } finally {
    for (const l of loops) spawnSync('losetup', ['--detach', l]);
    files.forEach((f) => fs.rmSync(f, { force: true }));
  }
}

/** Runs agent-child.js with a kill point and SIGKILLs its process group once it holds there. */
function stageAndKill(a: Assignment, point: KillPoint): Promise<{ held: boolean; stderr: string }> {
  const job: ChildJob = { assignment: a, stateDir, portals, server: SERVER };
  const file = path.join(root, `${a.volumeId}.job.json`);
  fs.writeFileSync(file, JSON.stringify(job));
  const child = spawn(process.execPath, [path.join(__dirname, 'agent-child.js'), file], {
    env: { ...process.env, [KILL_POINT_ENV]: JSON.stringify(point) },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let stderr = '';
  return new Promise((resolve) => {
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (stderr.includes(KILL_POINT_MARK)) process.kill(-child.pid!, 'SIGKILL');
    });
    child.on('exit', () => resolve({ held: stderr.includes(KILL_POINT_MARK), stderr }));
  });
}

const KILL_CASES: { tool: string; command: string; volume: Partial<Assignment> & { raidLevel?: 'none' | 'raid1' }; writes: () => number }[] = [
  {
    tool: 'mkfs.xfs',
    command: 'mkfs.xfs',
    volume: { fsType: 'xfs' },
    writes: () => toolWrites(['mkfs.xfs', '-q', '-K', '-f'], 1),
  },
  {
    tool: 'cryptsetup luksFormat',
    command: 'cryptsetup luksFormat',
    volume: { fsType: 'xfs', encrypt: true, keyVersion: 1 },
    writes: () =>
      toolWrites(['cryptsetup', 'luksFormat', '--batch-mode', '--type', 'luks2', '--cipher', 'aes-xts-plain64', '--key-size', '512', '--pbkdf', 'pbkdf2', '--pbkdf-force-iterations', '1000', '--key-file=-'], 1, Buffer.alloc(64, 7)),
  },
  {
    tool: 'mdadm --create',
    command: 'mdadm --create',
    volume: { fsType: 'none', raidLevel: 'raid1' },
    writes: () => toolWrites(['mdadm', '--create', '/dev/md/calibrate', '--run', '--metadata=1.2', '--level=1', '--raid-devices=2'], 2),
  },
];

for (const [i, k] of KILL_CASES.entries()) {
  test(`kill -9 of the agent inside ${k.tool}: the restarted agent converges and formats nothing twice`, async () => {
    const id = `vm-k${i}`;
    const ms = k.volume.raidLevel === 'raid1' ? mirror(`k${i}`) : [member(`k${i}-a`, { sizeGiB: 1 })];
    const a = assignment(id, { ...k.volume, members: ms, raidLevel: k.volume.raidLevel ?? 'none' });
    exportMembers(ms);
    const write = Math.max(1, Math.ceil(k.writes() * 0.75));
    const killed = await stageAndKill(a, { command: k.command, at: 'write', write });
    assert.ok(killed.held, `the agent never reached its kill point: ${killed.stderr}`);
    // The restart: what the killed agent saved is all it knows.
    const rec = (await new FileStateStore(stateDir).load()).get(id) ?? { assignment: a };
    const first = await stage(a, rec);
    const made = formats(first.lines).filter((l) => l.startsWith(k.command));
    assert.ok(made.length <= 1, `${k.command} ran ${made.length} times after the restart`);
    if (a.fsType !== 'none') assert.equal(blkid(first.res.devicePath, 'UUID'), filesystemUuid(id));
    if (a.fsType !== 'none') fs.writeFileSync(path.join(stagingPath(stateDir, id), 'data'), 'after the kill\n');
    // Converged means converged: one more pass formats nothing and the data stays.
    const again = await stage(a, rec);
    assert.deepEqual(formats(again.lines), []);
    if (a.fsType !== 'none') assert.equal(fs.readFileSync(path.join(stagingPath(stateDir, id), 'data'), 'utf8'), 'after the kill\n');
    await unstage(rec);
    for (const m of ms) (m.enclosure === 'enc-a' ? encA : encB).unexport(nvmeNqn(m, false));
  });
}

test('the simulated host and the kernel run the same steps and the same mutating commands for the RAID1 volume', async () => {
  assert.ok(kernelRun, 'the kernel run of the RAID1 volume did not complete');
  const fabric = new SimulatedFabric();
  fabric.exportMembers(kernelRun.a.placement.members, false);
  const runner = new RecordingRunner(new SimulatedHost(fabric));
  const ctx = { ...context(runner) };
  const rec: VolumeRecord = { assignment: kernelRun.a };
  const simStage = await stageVolume(ctx, kernelRun.a, rec, async () => undefined);
  const simStageLines = runner.lines();
  runner.clear();
  await unstageVolume(ctx, rec, async () => undefined);
  const simUnstageLines = runner.lines();
  assert.deepEqual(simStage.steps, kernelRun.stage.steps);
  assert.equal(simStage.devicePath, kernelRun.stage.devicePath);
  const mutating = (lines: string[]) =>
    lines.filter((l) => /^(nvme (connect|disconnect)|mdadm --(create|assemble|stop)|cryptsetup (luksFormat|open --type|close)|mkfs|mount|umount|wipefs)/.test(l));
  assert.deepEqual(mutating(simStageLines), mutating(kernelRun.stageLines));
  assert.deepEqual(mutating(simUnstageLines), mutating(kernelRun.unstageLines));
});
