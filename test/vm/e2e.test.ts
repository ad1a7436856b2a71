// The whole data path with real Tessera processes on the VM lab's kernel (docs/vm-lab.md): a
// composer (SQLite) in the guest's root network namespace, which routes between four namespaces
// joined to it by veth pairs: enclosures enc-a and enc-b, each running `tessera enclosure start`
// over loop-device drives, and servers k1 and k2, each running `tessera agent start --backend
// linux`. Volumes are composed through the REST API only; NVMe/TCP and iSCSI cross from a server's
// namespace to an enclosure's. The scenario, in order: (a) an encrypted RAID1 xfs volume across
// the enclosures over NVMe/TCP, (b) an ext4 slice over iSCSI, (c) a raw block slice; kill -9 of an
// agent; a reboot's teardown underneath it; a move; online growth; key rotation; a failed drive
// under one mirror half; delete with the released extents wiped. `npm run test:vm` bundles it
// (with ./cli.ts) and runs it after ./suite.ts and ./enclosure.test.ts in the same boot.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { expect } from 'expect';
import { dmName, stagingPath } from '../../provider/agent/names';
import type { Member } from '../../provider/model/placement';
import { hostNqn, nvmeNqn } from '../../provider/model/naming';

const GiB = 1024 ** 3;
const CFG = '/sys/kernel/config';
const CLI = path.join(__dirname, 'cli.js');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-e2e-'));
/** The daemons' logs: on the results share when there is one, so the host keeps them (docs/vm-lab.md). */
const logDir = process.env.TESSERA_VM_RESULTS ? fs.mkdtempSync(path.join(process.env.TESSERA_VM_RESULTS, 'e2e-logs-')) : dir;
const OPS = `ops-${crypto.randomBytes(16).toString('hex')}`;
/** Drains and removals are inventory changes: an admin's (docs/failure.md, "Drain and removal"). */
const ADMIN = `admin-${crypto.randomBytes(16).toString('hex')}`;
const token = (who: string) => `${who}-${crypto.createHash('sha256').update(OPS + who).digest('hex').slice(0, 32)}`;

/**
 * The network namespaces and their /24s: the root namespace is .1 on each, the namespace .2.
 * Server k1 is the guest's root namespace itself, with the composer: the open-iscsi initiator
 * (iscsid) reaches the kernel's iSCSI transport over a NETLINK_ISCSI socket that exists in the
 * initial network namespace only (in a namespace iscsid fails with "sendmsg: bug? ctrl_fd"), so
 * the iSCSI volume is k1's. NVMe/TCP works from any namespace: k2 has one of its own.
 */
const NETS = { 'enc-a': 1, 'enc-b': 2, k2: 4 } as const;
type Ns = keyof typeof NETS;
type Host = Ns | 'k1';
const gw = (ns: Ns) => `10.79.${NETS[ns]}.1`;
const addr = (ns: Ns) => `10.79.${NETS[ns]}.2`;
const composerUrl = (h: Host) => (h === 'k1' ? 'http://127.0.0.1:7420' : `http://${gw(h)}:7420`);
const nsOf = (h: Host): Ns | undefined => (h === 'k1' ? undefined : h);

async function run(file: string, args: string[], input?: Buffer): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const c = execFile(file, args, { timeout: 300_000, encoding: 'utf8' }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : -1) : 0;
      resolve({ code, stdout, stderr });
    });
    if (input) c.stdin!.end(input);
    else c.stdin!.end();
  });
}
async function must(file: string, args: string[]): Promise<string> {
  const r = await run(file, args);
  if (r.code !== 0) throw new Error(`${file} ${args.join(' ')}: exit ${r.code}: ${r.stderr}`);
  return r.stdout;
}
const inNs = (ns: Ns, file: string, args: string[]) => must('nsenter', [`--net=/run/netns/${ns}`, '--', file, ...args]);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const uptime = () => fs.readFileSync('/proc/uptime', 'utf8').split(' ')[0];
const note = (line: string) => process.stderr.write(`[e2e ${uptime()}] ${line}\n`);

/** The last lines of every daemon's log, on stderr: what a stuck step was doing. */
function dumpLogs(): void {
  for (const f of fs.readdirSync(logDir)) if (f.endsWith('.log')) process.stderr.write(`---- ${f} (tail)\n${fs.readFileSync(path.join(logDir, f), 'utf8').split('\n').slice(-25).join('\n')}\n`);
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 240_000, last?: () => Promise<unknown>): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) {
      dumpLogs();
      throw new Error(`timed out after ${ms} ms waiting for ${what}${last ? `; last seen: ${JSON.stringify(await last().catch((e) => String(e)))}` : ''}`);
    }
    await sleep(500);
  }
}

// ---------------------------------------------------------------- processes

interface Proc {
  child: ChildProcess;
  log: string;
}
const procs = new Map<string, Proc>();

/** `tessera ...` as a real process in namespace `ns` (the root namespace when undefined), its output in a log file. */
function tessera(name: string, ns: Ns | undefined, args: string[]): Proc {
  const log = path.join(logDir, `${name}.log`);
  const fd = fs.openSync(log, 'a');
  const argv = [process.execPath, CLI, ...args];
  const child = ns ? spawn('nsenter', [`--net=/run/netns/${ns}`, '--', ...argv], { stdio: ['ignore', fd, fd] }) : spawn(argv[0], argv.slice(1), { stdio: ['ignore', fd, fd] });
  fs.closeSync(fd);
  // A daemon that dies says so at once, with how (an OOM kill shows as SIGKILL).
  child.once('exit', (code, signal) => {
    if (procs.get(name)?.child === child) note(`${name} exited: code ${code}, signal ${signal}`);
  });
  const p = { child, log };
  procs.set(name, p);
  return p;
}
function kill9(name: string): Promise<void> {
  const p = procs.get(name)!;
  procs.delete(name);
  return new Promise((resolve) => {
    if (p.child.exitCode !== null || p.child.signalCode !== null) return resolve();
    p.child.once('exit', () => resolve());
    p.child.kill('SIGKILL');
  });
}
function stop(name: string): Promise<void> {
  const p = procs.get(name);
  if (!p) return Promise.resolve();
  procs.delete(name);
  return new Promise((resolve) => {
    if (p.child.exitCode !== null || p.child.signalCode !== null) return resolve();
    const t = setTimeout(() => p.child.kill('SIGKILL'), 20_000);
    p.child.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    p.child.kill('SIGTERM');
  });
}

function writeSecret(file: string, text: string): string {
  fs.writeFileSync(file, text, { mode: 0o600 });
  return file;
}

function startAgent(server: 'k1' | 'k2'): Proc {
  return tessera(`agent-${server}`, nsOf(server), [
    'agent', 'start', '--composer', composerUrl(server), '--insecure-dev', '--token', path.join(dir, `${server}.token`), '--server', server,
    '--backend', 'linux', '--state-dir', path.join(dir, `state-${server}`), '--heartbeat-ms', '1000', '--wait-seconds', '5',
    '--verify-seconds', '10',
  ]);
}

function startEnclosure(enc: 'enc-a' | 'enc-b'): Proc {
  return tessera(enc, enc, [
    'enclosure', 'start', '--composer', composerUrl(enc), '--insecure-dev', '--token', path.join(dir, `${enc}.token`), '--enclosure', enc,
    '--drives', path.join(dir, `${enc}.drives.json`), '--state-dir', path.join(dir, `state-${enc}`), '--heartbeat-ms', '1000', '--wait-seconds', '5',
  ]);
}

// ---------------------------------------------------------------- the API

async function api(method: string, p: string, body?: unknown, bearer = OPS, attempt = 1): Promise<{ status: number; body: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  // A pooled keep-alive connection the server just closed fails the request before it is sent
  // ("fetch failed"): tried again, as the composer's own clients do (docs/api.md, "Clients").
  let r: Response;
  try {
    r = await fetch(`http://127.0.0.1:7420${p}`, { method, headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (e) {
    if (attempt >= 3) throw e;
    await sleep(500 * attempt);
    return api(method, p, body, bearer, attempt + 1);
  }
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : undefined };
}
async function ok(method: string, p: string, body?: unknown): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const r = await api(method, p, body);
  if (r.status >= 300) throw new Error(`${method} ${p}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}
/** The volume once its agent reports it staged at its current generation on `server`. */
function staged(id: string, server: string, extra: (v: any) => boolean = () => true): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  return until(`volume ${id} staged on ${server}`, async () => {
    const v = (await api('GET', `/v1/volumes/${id}`)).body;
    // A failed report is not the end: the agent retries (the enclosure may export a moment later).
    if (v?.state === 'failed') note(`volume ${id} failed for now: ${v.observed?.step}: ${String(v.observed?.error).split('\n')[0]}`);
    return v?.state === 'staged' && v.server === server && extra(v) ? v : undefined;
  }, 600_000, async () => (await api('GET', `/v1/volumes/${id}`)).body);
}

// ---------------------------------------------------------------- the host side

const blkid = async (dev: string, tag: string) => (await run('blkid', ['-o', 'value', '-s', tag, dev])).stdout.trim();
const sha = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
const tesseraSubsystems = () => fs.readdirSync(`${CFG}/nvmet/subsystems`).filter((s) => s.startsWith('nqn.2026-01.io.tessera:'));
const tesseraTargets = () => (fs.existsSync(`${CFG}/target/iscsi`) ? fs.readdirSync(`${CFG}/target/iscsi`).filter((t) => t.startsWith('iqn.2026-01.io.tessera:')) : []);

// ---------------------------------------------------------------- set-up

const loops: string[] = [];
/** Each drive's block device as its enclosure service knows it. */
const drivePath: Record<string, string> = {};

let iscsid: ChildProcess | undefined;
const t0 = Date.now();

before(async () => {
  note(`guest: ${(await must('df', ['-h', os.tmpdir()])).split('\n')[1]}; ${(await must('free', ['-m'])).split('\n')[1]}`);
  fs.writeFileSync('/proc/sys/net/ipv4/ip_forward', '1');
  // A fresh mirror's resync, throttled as in ./suite.ts: it would take the emulated CPU from the daemons.
  fs.writeFileSync('/proc/sys/dev/raid/speed_limit_max', '2000');
  for (const ns of Object.keys(NETS) as Ns[]) {
    const veth = `ve-${ns}`;
    await must('ip', ['netns', 'add', ns]);
    await must('ip', ['link', 'add', veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
    await must('ip', ['addr', 'add', `${gw(ns)}/24`, 'dev', veth]);
    await must('ip', ['link', 'set', veth, 'up']);
    await inNs(ns, 'ip', ['addr', 'add', `${addr(ns)}/24`, 'dev', 'eth0']);
    await inNs(ns, 'ip', ['link', 'set', 'eth0', 'up']);
    await inNs(ns, 'ip', ['link', 'set', 'lo', 'up']);
    await inNs(ns, 'ip', ['route', 'add', 'default', 'via', gw(ns)]);
  }
  // The drives: sparse files on loop devices, 1 GiB disks and a 4 GiB SSD. They live on the guest's
  // tmpfs overlay (half its memory): md's resync fills a mirror half, so they stay small. A second
  // disk in each enclosure takes the rebuild's replacement (enc-b) and the drain's (enc-a).
  const drives: Record<'enc-a' | 'enc-b', { serial: string; type: 'hdd' | 'ssd'; gib: number }[]> = {
    'enc-a': [{ serial: 'a-hdd-0', type: 'hdd', gib: 1 }, { serial: 'a-hdd-1', type: 'hdd', gib: 1 }, { serial: 'a-ssd-0', type: 'ssd', gib: 4 }],
    'enc-b': [{ serial: 'b-hdd-0', type: 'hdd', gib: 1 }, { serial: 'b-hdd-1', type: 'hdd', gib: 1 }],
  };
  for (const [enc, list] of Object.entries(drives)) {
    const cfg: { serial: string; device: string }[] = [];
    for (const d of list) {
      const file = path.join(dir, `${d.serial}.img`);
      fs.closeSync(fs.openSync(file, 'w'));
      fs.truncateSync(file, d.gib * GiB);
      const loop = (await must('losetup', ['--find', '--show', file])).trim();
      loops.push(loop);
      drivePath[d.serial] = loop;
      cfg.push({ serial: d.serial, device: drivePath[d.serial] });
    }
    fs.writeFileSync(path.join(dir, `${enc}.drives.json`), JSON.stringify({ drives: cfg }));
  }
  const inventory = {
    bandwidthDomains: [{ name: 'bd' }],
    storageGroups: [
      {
        name: 'sg',
        enclosures: (['enc-a', 'enc-b'] as const).map((enc) => ({
          name: enc,
          transports: ['nvmetcp', 'iscsi'],
          portal: `${addr(enc)}:4420`,
          uplinkGbps: 10,
          bandwidthDomain: 'bd',
          drives: drives[enc].map((d) => ({ serial: d.serial, type: d.type, sizeGiB: d.gib, ...(d.type === 'hdd' ? { rpm: 7200 } : {}), tags: [] })),
        })),
      },
    ],
    servers: (['k1', 'k2'] as const).map((name) => ({ name, transports: ['nvmetcp', 'iscsi'], nicGbps: 10, bandwidthDomain: 'bd', tags: [] })),
  };
  fs.writeFileSync(path.join(dir, 'inventory.json'), JSON.stringify(inventory));
  const tokens = [
    { name: 'ops', token: OPS, role: 'operator' },
    { name: 'admin', token: ADMIN, role: 'admin' },
    ...(['k1', 'k2'] as const).map((s) => ({ name: `agent-${s}`, token: token(s), role: 'agent', server: s })),
    ...(['enc-a', 'enc-b'] as const).map((e) => ({ name: `encl-${e}`, token: token(e), role: 'enclosure', enclosure: e })),
  ];
  writeSecret(path.join(dir, 'tokens.json'), JSON.stringify(tokens));
  for (const who of ['k1', 'k2', 'enc-a', 'enc-b']) writeSecret(path.join(dir, `${who}.token`), token(who));
  writeSecret(path.join(dir, 'admin.token'), ADMIN);
  writeSecret(path.join(dir, 'master.key'), crypto.randomBytes(32).toString('hex'));

  tessera('composer', undefined, [
    'composer', 'start', '--store', `sqlite:${path.join(dir, 'tessera.db')}`, '--tokens', path.join(dir, 'tokens.json'), '--inventory', path.join(dir, 'inventory.json'),
    '--listen', '0.0.0.0:7420', '--master-key-file', path.join(dir, 'master.key'), '--insecure-dev', '--lease-ttl', '30', '--heartbeat-grace-seconds', '20',
  ]);
  await until('the composer to be ready', async () => ((await api('GET', '/readyz').catch(() => ({ status: 0 }))).status === 200 ? true : undefined), 180_000);
  note('composer ready');
  for (const enc of ['enc-a', 'enc-b'] as const) startEnclosure(enc);
  // open-iscsi's daemon for k1 (the root namespace, see NETS), in the foreground.
  const iscsidLog = fs.openSync(path.join(logDir, 'iscsid-k1.log'), 'a');
  // A process group of its own: iscsid's SIGTERM handler signals its whole group, which would
  // otherwise be this test runner's.
  iscsid = spawn('iscsid', ['-f', '-d', '1'], { stdio: ['ignore', iscsidLog, iscsidLog], detached: true });
  fs.closeSync(iscsidLog);
  startAgent('k1');
  startAgent('k2');
  await until('both enclosures and both agents up', async () => {
    const e = (await api('GET', '/v1/enclosures')).body?.items ?? [];
    const s = (await api('GET', '/v1/servers')).body?.items ?? [];
    return e.filter((x: { health: string }) => x.health === 'up').length === 2 && s.filter((x: { health: string }) => x.health === 'up').length === 2 ? true : undefined;
  }, 180_000);
  note(`four daemons up after ${Math.round((Date.now() - t0) / 1000)} s`);
});

after(async () => {
  for (const name of [...procs.keys()]) await stop(name);
  await run('iscsiadm', ['-m', 'node', '--logout']);
  iscsid?.kill('SIGTERM');
  await run('nvme', ['disconnect-all']);
  for (const l of loops) await run('losetup', ['--detach', l]);
  for (const ns of Object.keys(NETS)) await run('ip', ['netns', 'del', ns]);
  fs.rmSync(dir, { recursive: true, force: true });
  note(`e2e wall time ${Math.round((Date.now() - t0) / 1000)} s`);
});

// ---------------------------------------------------------------- the scenario, in order

let clusterId: string;
let policy: { id: string };
let r1: { id: string; devicePath: string; fsUuid: string; luksUuid: string; digest: string; nqns: string[] };
/** Every file written on r1 (before the failure, while degraded, during the rebuild and the drain) and its digest. */
const r1Files: Record<string, string> = {};
/** The md array under a RAID volume, which carries its LUKS header (docs/agent.md "Device naming"). */
const mdOf = (id: string) => `/dev/md/${id}`;
let capacityBefore: number[];
/** Free GiB for whole-drive volumes and for slices (one storage group: no resiliency across groups). */
const capacity = async () => [
  (await ok('GET', '/v1/capacity?type=hdd&sgResiliency=false&jbodResiliency=false')).availableGiB as number,
  (await ok('GET', '/v1/capacity?type=slice&sgResiliency=false&jbodResiliency=false')).availableGiB as number,
];
const MNT_R1 = '/mnt/e2e-r1';
const MNT_S1 = '/mnt/e2e-s1';
let s1: { id: string; digest: string; fsUuid: string; iqn: string };
let raw: { id: string; devicePath: string; digest: string };
/** The extents of every volume, read before delete: each must be wiped once released. */
const extents: { serial: string; offsetGiB: number; sizeGiB: number }[] = [];
const RAW_BYTES = 4 * 1024 * 1024;
/** The first RAW_BYTES of a block device. */
function readHead(dev: string, bytes = RAW_BYTES): Buffer {
  const fd = fs.openSync(dev, 'r');
  try {
    const b = Buffer.alloc(bytes);
    fs.readSync(fd, b, 0, bytes, 0);
    return b;
  } finally {
    fs.closeSync(fd);
  }
}
const hash = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');
const isMounted = (p: string) => fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').some((l) => l.split(' ')[4] === p);

test('(a) an encrypted RAID1 xfs volume, halves in enc-a and enc-b over NVMe/TCP, staged on k1 by its agent; data written', async () => {
  capacityBefore = await capacity();
  policy = await ok('POST', '/v1/key-policies', { name: 'e2e', secret: crypto.randomBytes(32).toString('hex') });
  clusterId = (await ok('POST', '/v1/clusters', { name: 'e2e', servers: ['k1', 'k2'] })).id;
  const v = await ok('POST', '/v1/volumes', {
    cluster: clusterId, name: 'r1', type: 'hdd', sizeGiB: 1, redundancy: true, striping: false, sgResiliency: false, jbodResiliency: true,
    networkTransportsAllowed: ['nvmetcp'], encrypt: true, keyPolicy: policy.id, fsType: 'xfs', server: 'k1', mountPath: MNT_R1,
    // Until the rebuild test turns it on: the detach test below looks at the degraded array itself.
    autoRebuild: false,
  });
  expect(v.raidLevel).toBe('raid1');
  expect(new Set(v.members.map((m: { enclosure: string }) => m.enclosure))).toEqual(new Set(['enc-a', 'enc-b']));
  const s = await staged(v.id, 'k1');
  note(`r1 staged on k1 at ${s.devicePath}`);
  // Exported by each enclosure's service to k1's host NQN only.
  const nqns = tesseraSubsystems();
  expect(nqns).toHaveLength(2);
  for (const n of nqns) expect(fs.readdirSync(`${CFG}/nvmet/subsystems/${n}/allowed_hosts`)).toEqual([hostNqn('k1')]);
  expect(await blkid(s.devicePath, 'TYPE')).toBe('xfs');
  fs.writeFileSync(path.join(MNT_R1, 'data.bin'), crypto.randomBytes(8 * 1024 * 1024));
  await must('sync', []);
  expect(await blkid(mdOf(v.id), 'TYPE')).toBe('crypto_LUKS');
  r1 = { id: v.id, devicePath: s.devicePath, fsUuid: await blkid(s.devicePath, 'UUID'), luksUuid: await blkid(mdOf(v.id), 'UUID'), digest: sha(path.join(MNT_R1, 'data.bin')), nqns };
  r1Files['data.bin'] = r1.digest;
});

test('(b) an ext4 slice volume over iSCSI, staged on k1 through its initiator IQN; data written', async () => {
  const v = await ok('POST', '/v1/volumes', {
    cluster: clusterId, name: 's1', type: 'slice', sizeGiB: 1, sgResiliency: false, jbodResiliency: false, networkTransportsAllowed: ['iscsi'], fsType: 'ext4', server: 'k1', mountPath: MNT_S1,
  });
  const s = await staged(v.id, 'k1');
  note(`s1 staged on k1 at ${s.devicePath}`);
  const targets = tesseraTargets();
  expect(targets).toHaveLength(1);
  expect(fs.readdirSync(`${CFG}/target/iscsi/${targets[0]}/tpgt_1/acls`)).toEqual([expect.stringMatching(/:k1$/)]);
  expect(await blkid(s.devicePath, 'TYPE')).toBe('ext4');
  fs.writeFileSync(path.join(MNT_S1, 'data.bin'), crypto.randomBytes(4 * 1024 * 1024));
  await must('sync', []);
  s1 = { id: v.id, digest: sha(path.join(MNT_S1, 'data.bin')), fsUuid: await blkid(s.devicePath, 'UUID'), iqn: targets[0] };
});

test('(b) the slice grows online (1 -> 2 GiB): the mounted ext4 grows, data intact', async () => {
  if (!s1) throw new Error('needs the slice volume');
  const size = () => Number(fs.statfsSync(MNT_S1).blocks) * Number(fs.statfsSync(MNT_S1).bsize);
  const small = size();
  // Before (c) takes the next GiB of the same SSD: a slice grows in place only into free space.
  await ok('PATCH', `/v1/volumes/${s1.id}`, { sizeGiB: 2 });
  await staged(s1.id, 'k1', (x) => x.capacityGiB === 2 && x.observed.generation >= 2);
  await until('the mounted ext4 to grow', async () => (size() > small * 1.5 ? true : undefined), 120_000);
  expect(isMounted(MNT_S1)).toBe(true);
  expect(sha(path.join(MNT_S1, 'data.bin'))).toBe(s1.digest);
});

test('(c) a raw block slice over NVMe/TCP, staged on k2 without a filesystem; data written to the device', async () => {
  const v = await ok('POST', '/v1/volumes', {
    cluster: clusterId, name: 'raw', type: 'slice', sizeGiB: 1, sgResiliency: false, jbodResiliency: false, networkTransportsAllowed: ['nvmetcp'], fsType: 'none', server: 'k2',
  });
  const s = await staged(v.id, 'k2');
  note(`raw staged on k2 at ${s.devicePath}`);
  expect(s.observed.mountedAt).toBeUndefined();
  expect(fs.statSync(s.devicePath).isBlockDevice()).toBe(true);
  const data = crypto.randomBytes(RAW_BYTES);
  const fd = fs.openSync(s.devicePath, 'r+');
  try {
    fs.writeSync(fd, data, 0, data.length, 0);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  raw = { id: v.id, devicePath: s.devicePath, digest: hash(data) };
  expect(hash(readHead(s.devicePath))).toBe(raw.digest);
});

test('kill -9 of k1\'s agent and a restart: it comes back to its staged volumes without formatting anything', async () => {
  if (!r1 || !s1) throw new Error('needs the volumes of the first tests');
  await kill9('agent-k1');
  const restarted = Date.now();
  startAgent('k1');
  await until('k1\'s agent heard from again', async () => {
    const k1 = ((await api('GET', '/v1/servers')).body?.items ?? []).find((x: { name: string }) => x.name === 'k1');
    return k1?.lastHeartbeat && Date.parse(k1.lastHeartbeat) > restarted ? true : undefined;
  }, 180_000);
  // Its first pass converges every volume it finds staged, and reports them again.
  for (const id of [r1.id, s1.id]) await staged(id, 'k1', (v) => Date.parse(v.observed.reportedAt) > restarted);
  expect(await blkid(mdOf(r1.id), 'UUID')).toBe(r1.luksUuid);
  expect(await blkid(r1.devicePath, 'UUID')).toBe(r1.fsUuid);
  expect(sha(path.join(MNT_R1, 'data.bin'))).toBe(r1.digest);
  expect(sha(path.join(MNT_S1, 'data.bin'))).toBe(s1.digest);
});

test('a reboot\'s teardown under a dead agent (unmount, close, stop the array, disconnect, log out): the restarted agent connects, assembles and opens again, never formats', async () => {
  if (!r1 || !s1) throw new Error('needs the volumes of the first tests');
  await kill9('agent-k1');
  const state = path.join(dir, 'state-k1');
  for (const m of [MNT_R1, MNT_S1, stagingPath(state, r1.id), stagingPath(state, s1.id)]) await must('umount', [m]);
  await must('cryptsetup', ['close', dmName(r1.id)]);
  await must('mdadm', ['--stop', mdOf(r1.id)]);
  for (const nqn of r1.nqns) await must('nvme', ['disconnect', '--nqn', nqn]);
  await must('iscsiadm', ['-m', 'node', '--targetname', s1.iqn, '--logout']);
  expect(fs.existsSync(mdOf(r1.id))).toBe(false);
  expect(isMounted(MNT_R1) || isMounted(MNT_S1)).toBe(false);
  const restarted = Date.now();
  startAgent('k1');
  for (const id of [r1.id, s1.id]) await staged(id, 'k1', (v) => Date.parse(v.observed.reportedAt) > restarted);
  expect(isMounted(MNT_R1) && isMounted(MNT_S1)).toBe(true);
  expect(await blkid(mdOf(r1.id), 'UUID')).toBe(r1.luksUuid);
  expect(sha(path.join(MNT_R1, 'data.bin'))).toBe(r1.digest);
  expect(sha(path.join(MNT_S1, 'data.bin'))).toBe(s1.digest);
});

test('(a) move to k2: data intact on k2; k1\'s connect is refused by the enclosures\' ACL', async () => {
  if (!r1) throw new Error('needs the RAID1 volume of the first test');
  expect((await api('PATCH', `/v1/volumes/${r1.id}`, { server: 'k2' })).status).toBe(200);
  const s = await staged(r1.id, 'k2');
  note(`r1 staged on k2 at ${s.devicePath}`);
  // Both halves: the new server waits for a member the enclosure has not re-pointed yet instead of
  // starting the mirror without it (docs/agent.md, degradedGraceMs).
  expect(s.observed.degraded).toBeUndefined();
  expect(sha(path.join(MNT_R1, 'data.bin'))).toBe(r1.digest);
  expect(await blkid(s.devicePath, 'UUID')).toBe(r1.fsUuid);
  for (const n of r1.nqns) expect(fs.readdirSync(`${CFG}/nvmet/subsystems/${n}/allowed_hosts`)).toEqual([hostNqn('k2')]);
  // k1 tries the first member as the agent would: its host NQN, from its host.
  const [enc, portal] = r1.nqns[0].includes(':enc-a:') ? ['enc-a', addr('enc-a')] : ['enc-b', addr('enc-b')];
  const refused = await run('nvme', ['connect', '--transport', 'tcp', '--traddr', portal, '--trsvcid', '4420', '--nqn', r1.nqns[0], '--hostnqn', hostNqn('k1')]);
  expect({ enc, code: refused.code === 0 ? 0 : 'refused' }).toEqual({ enc, code: 'refused' });
});

test('rotating the key policy: the LUKS keyslot is replaced online, data intact, the old key no longer opens the header', async () => {
  if (!r1) throw new Error('needs the RAID1 volume of the first test');
  // The old key as k2's agent gets it (volume keys go only to the assigned server's agent).
  const old = await api('GET', `/v1/agents/k2/keys/${r1.id}`, undefined, token('k2'));
  expect(old.status).toBe(200);
  const oldKey = Buffer.from(old.body.key, 'base64');
  expect((await api('PATCH', `/v1/key-policies/${policy.id}`, { secret: crypto.randomBytes(32).toString('hex') })).status).toBe(200);
  await until('the rotation to finish', async () => {
    const p = (await api('GET', `/v1/key-policies/${policy.id}`)).body;
    return p?.rotation?.pending?.length === 0 && p.rotation.current === p.rotation.volumes ? true : undefined;
  }, 600_000, async () => (await api('GET', `/v1/key-policies/${policy.id}`)).body?.rotation);
  const luks = mdOf(r1.id);
  const cur = await api('GET', `/v1/agents/k2/keys/${r1.id}`, undefined, token('k2'));
  expect(cur.status).toBe(200);
  const opens = (key: Buffer) => run('cryptsetup', ['open', '--test-passphrase', '--key-file=-', luks], key);
  expect((await opens(Buffer.from(cur.body.key, 'base64'))).code).toBe(0);
  expect((await opens(oldKey)).code).not.toBe(0);
  expect(await blkid(luks, 'UUID')).toBe(r1.luksUuid);
  expect(sha(path.join(MNT_R1, 'data.bin'))).toBe(r1.digest);
});

test('one mirror half\'s export is detached at its enclosure: the volume keeps serving on k2 and is reported degraded', async () => {
  if (!r1) throw new Error('needs the RAID1 volume of the first test');
  // A mirror fails over to its other half only where both halves are in sync: the first resync
  // (throttled until now) is let finish, as on a mirror that has been in service a while.
  const md = path.basename(fs.realpathSync(mdOf(r1.id)));
  fs.writeFileSync('/proc/sys/dev/raid/speed_limit_max', '500000');
  await until(`${md}'s first resync to finish`, async () => (fs.readFileSync(`/sys/block/${md}/md/sync_action`, 'utf8').trim() === 'idle' ? true : undefined), 600_000, async () => fs.readFileSync('/proc/mdstat', 'utf8'));
  fs.writeFileSync('/proc/sys/dev/raid/speed_limit_max', '2000');
  const nqn = r1.nqns.find((n) => n.includes(':enc-b:'))!;
  const member = (await ok('GET', `/v1/volumes/${r1.id}`)).members.find((m: { enclosure: string }) => m.enclosure === 'enc-b');
  // enc-b's service is down meanwhile: running, it would put the export back within a pass.
  await kill9('enc-b');
  note(`${md} in sync; detaching ${nqn}`);
  fs.writeFileSync(`${CFG}/nvmet/subsystems/${nqn}/namespaces/1/enable`, '0');
  try {
    // md learns of it from the next write.
    const after = crypto.randomBytes(1024 * 1024);
    fs.writeFileSync(path.join(MNT_R1, 'after.bin'), after);
    await must('sync', []);
    r1Files['after.bin'] = hash(after);
    const v = await until('the volume reported degraded', async () => {
      const cur = (await api('GET', `/v1/volumes/${r1.id}`)).body;
      return cur?.state === 'staged' && cur.observed?.degraded?.length === 1 ? cur : undefined;
    }, 180_000, async () => (await api('GET', `/v1/volumes/${r1.id}`)).body?.observed);
    expect(v.observed.degraded[0]).toContain(member.serial);
    expect(sha(path.join(MNT_R1, 'data.bin'))).toBe(r1.digest);
    const more = crypto.randomBytes(1024 * 1024);
    fs.writeFileSync(path.join(MNT_R1, 'more.bin'), more);
    await must('sync', []);
    expect(sha(path.join(MNT_R1, 'more.bin'))).toBe(hash(more));
    r1Files['more.bin'] = hash(more);
  } finally {
    // Back up, enc-b's service repairs the drift (the namespace enabled again); md keeps the
    // member failed until a rebuild adds it back.
    startEnclosure('enc-b');
  }
});

// ---------------------------------------------------------------- rebuild and drain (docs/failure.md)

/** The sysfs directory of r1's md array. */
const mdSys = () => `/sys/block/${path.basename(fs.realpathSync(mdOf(r1.id)))}/md`;
/** Each member device's state in md's sysfs (dev-<name>/state: in_sync, faulty, want_replacement, replacement, spare...). */
const memberStates = (): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const d of fs.readdirSync(mdSys())) if (d.startsWith('dev-')) out[d.slice(4)] = fs.readFileSync(`${mdSys()}/${d}/state`, 'utf8').trim();
  return out;
};
/** md's resync throttle (/proc/sys/dev/raid): the floor matters under writes, when md slows to it. */
function resyncSpeed(minKiB: number, maxKiB: number): void {
  fs.writeFileSync('/proc/sys/dev/raid/speed_limit_max', String(maxKiB));
  fs.writeFileSync('/proc/sys/dev/raid/speed_limit_min', String(minKiB));
}
/** Set once the drain test removed its drive. */
let drained = false;
type VolumeMember = { serial: string; enclosure: string; offsetGiB: number; sizeGiB: number };
const r1Members = async (): Promise<VolumeMember[]> => (await ok('GET', `/v1/volumes/${r1.id}`)).members;
/** Every file written on r1 still reads back as written. */
function verifyR1Files(): void {
  for (const [f, digest] of Object.entries(r1Files)) expect({ file: f, digest: sha(path.join(MNT_R1, f)) }).toEqual({ file: f, digest });
}

/**
 * The two halves of r1 hold the same bytes: md's data area of each member (from its v1.2
 * superblock's data_offset, for the array's component_size) compared on the drives' backing files,
 * with the filesystem frozen so nothing writes in between. Proves a copy made by a rebuild or a
 * drain, not only that reads through md (which may serve from the other half) succeed.
 */
async function halvesIdentical(members: VolumeMember[]): Promise<void> {
  expect(members).toHaveLength(2);
  const bytes = Number(fs.readFileSync(`${mdSys()}/component_size`, 'utf8').trim()) * 1024;
  const at = members.map((m) => {
    const file = path.join(dir, `${m.serial}.img`);
    const sb = Buffer.alloc(144);
    const fd = fs.openSync(file, 'r');
    try {
      fs.readSync(fd, sb, 0, sb.length, m.offsetGiB * GiB + 4096);
    } finally {
      fs.closeSync(fd);
    }
    expect({ serial: m.serial, magic: sb.readUInt32LE(0).toString(16) }).toEqual({ serial: m.serial, magic: 'a92b4efc' });
    return { file, offset: m.offsetGiB * GiB + Number(sb.readBigUInt64LE(128)) * 512 };
  });
  await must('fsfreeze', ['--freeze', MNT_R1]);
  try {
    const r = await run('cmp', ['--bytes', String(bytes), `--ignore-initial=${at[0].offset}:${at[1].offset}`, at[0].file, at[1].file]);
    expect({ members: members.map((m) => m.serial), cmp: r.code === 0 ? 'identical' : r.stdout + r.stderr }).toEqual({ members: members.map((m) => m.serial), cmp: 'identical' });
  } finally {
    await must('fsfreeze', ['--unfreeze', MNT_R1]);
  }
}

/** `tessera ARGS --json` as an admin against the composer: the exit code and the parsed output. */
async function cliJson(args: string[]): Promise<{ code: number; body: any; stderr: string }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const r = await run(process.execPath, [CLI, ...args, '--json', '--endpoint', 'http://127.0.0.1:7420', '--token-file', path.join(dir, 'admin.token')]);
  let body: unknown;
  try {
    body = r.stdout.trim() ? JSON.parse(r.stdout) : undefined;
  } catch {
    body = r.stdout;
  }
  return { code: r.code, body, stderr: r.stderr };
}

test('rebuild: the composer places a replacement for the failed half in the other enclosure, the agent adds it, progress is reported, the volume is ok again and both halves hold the same data', async () => {
  if (!r1 || !r1Files['more.bin']) throw new Error('needs the degraded RAID1 volume of the test before');
  const start = Date.now();
  const before = await ok('GET', `/v1/volumes/${r1.id}`);
  const failed = (before.members as VolumeMember[]).find((m) => m.enclosure === 'enc-b')!;
  const partner = (before.members as VolumeMember[]).find((m) => m.enclosure === 'enc-a')!;
  expect({ health: before.health, failedMembers: before.failedMembers }).toEqual({ health: 'degraded', failedMembers: [failed.serial] });
  expect(before.healthReason).toContain('autoRebuild');
  // The copy at full speed (it is what is tested now), floored so md does not slow to a crawl.
  resyncSpeed(50_000, 500_000);
  // The default policy, turned on: the composer's reconciler starts the rebuild by itself.
  await ok('PATCH', `/v1/volumes/${r1.id}`, { autoRebuild: true });
  const progress = new Set<number>();
  let rebuilding: { healthReason: string } | undefined;
  const v = await until('the rebuild to complete', async () => {
    const cur = (await api('GET', `/v1/volumes/${r1.id}`)).body;
    if (cur?.health === 'rebuilding') {
      if (!rebuilding) {
        rebuilding = cur;
        note(`r1 rebuilding: ${cur.healthReason}`);
        // Written while the replacement is being filled.
        const during = crypto.randomBytes(1024 * 1024);
        fs.writeFileSync(path.join(MNT_R1, 'during-rebuild.bin'), during);
        await must('sync', []);
        r1Files['during-rebuild.bin'] = hash(during);
      }
      if (typeof cur.observed?.resyncPercent === 'number') progress.add(cur.observed.resyncPercent);
    }
    return cur?.health === 'ok' && cur.state === 'staged' && !cur.members.some((m: VolumeMember) => m.serial === failed.serial) ? cur : undefined;
  }, 600_000, async () => (await api('GET', `/v1/volumes/${r1.id}`)).body);
  resyncSpeed(1000, 2000);
  const replacement = (v.members as VolumeMember[]).find((m) => m.serial !== partner.serial)!;
  note(`r1 rebuilt onto ${replacement.serial} in ${Math.round((Date.now() - start) / 1000)} s; progress seen ${[...progress].sort((a, b) => a - b).join(',')}`);
  // jbodResiliency: the replacement is in another enclosure than the surviving half.
  expect({ enclosure: replacement.enclosure, serial: replacement.serial === failed.serial ? 'the failed drive' : 'another drive' }).toEqual({ enclosure: 'enc-b', serial: 'another drive' });
  expect(rebuilding?.healthReason).toContain(replacement.serial);
  expect(progress.size).toBeGreaterThan(0);
  expect(v.observed.degraded).toBeUndefined();
  expect(v.failedMembers ?? []).toEqual([]);
  // The kernel's view: two members in sync, nothing degraded, no resync running.
  expect(fs.readFileSync(`${mdSys()}/degraded`, 'utf8').trim()).toBe('0');
  expect(fs.readFileSync(`${mdSys()}/sync_action`, 'utf8').trim()).toBe('idle');
  expect(Object.values(memberStates())).toEqual(['in_sync', 'in_sync']);
  verifyR1Files();
  await halvesIdentical([partner, replacement]);
  // The failed half's extent is released: the delete test checks it was wiped.
  extents.push({ serial: failed.serial, offsetGiB: failed.offsetGiB, sizeGiB: failed.sizeGiB });
});

test('drain a drive under writes: `tessera drives drain` moves the RAID1 half online with mdadm --replace, no I/O error, data verified, the drive ends empty and `drives remove` succeeds', async () => {
  if (!r1 || !r1Files['during-rebuild.bin']) throw new Error('needs the rebuilt RAID1 volume of the test before');
  const start = Date.now();
  const members = await r1Members();
  const old = members.find((m) => m.enclosure === 'enc-a')!;
  const partner = members.find((m) => m.enclosure === 'enc-b')!;
  resyncSpeed(50_000, 500_000);
  // A writer in the guest: 256 KiB blocks over a 16 MiB file, each fsync'ed, until the drain ends.
  const BLOCK = 256 * 1024;
  const SLOTS = 64;
  const slots = new Map<number, string>();
  const errors: string[] = [];
  let writes = 0;
  let stopping = false;
  const fh = await fs.promises.open(path.join(MNT_R1, 'drain-writes.bin'), 'w+');
  const writer = (async () => {
    while (!stopping) {
      const slot = writes % SLOTS;
      const b = crypto.randomBytes(BLOCK);
      try {
        await fh.write(b, 0, BLOCK, slot * BLOCK);
        await fh.sync();
      } catch (e) {
        errors.push(`write ${writes}: ${(e as Error).message}`);
        return;
      }
      slots.set(slot, hash(b));
      writes++;
      await sleep(20);
    }
  })();
  // What md shows meanwhile: the old member wanting a replacement, the new one as its replacement.
  const seen = new Set<string>();
  let mdstatReplacement = false;
  const watch = setInterval(() => {
    try {
      for (const st of Object.values(memberStates())) for (const w of st.split(',')) seen.add(w);
      if (/\(R\)/.test(fs.readFileSync('/proc/mdstat', 'utf8'))) mdstatReplacement = true;
    } catch {
      // A member leaving the array between readdir and read.
    }
  }, 200);
  let v: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  try {
    const drain = await cliJson(['drives', 'drain', old.serial]);
    expect({ code: drain.code, stderr: drain.stderr }).toEqual({ code: 0, stderr: '' });
    expect(drain.body).toMatchObject({ serial: old.serial, health: 'draining' });
    note(`draining ${old.serial} under writes`);
    v = await until('the drain to move r1\'s half', async () => {
      const cur = (await api('GET', `/v1/volumes/${r1.id}`)).body;
      return cur?.health === 'ok' && cur.state === 'staged' && !cur.members.some((m: VolumeMember) => m.serial === old.serial) ? cur : undefined;
    }, 600_000, async () => (await api('GET', `/v1/volumes/${r1.id}`)).body);
  } finally {
    clearInterval(watch);
    stopping = true;
    await writer;
    await fh.close();
    resyncSpeed(1000, 2000);
  }
  const moved = (v.members as VolumeMember[]).find((m) => m.serial !== partner.serial)!;
  note(`${old.serial} drained onto ${moved.serial} in ${Math.round((Date.now() - start) / 1000)} s, ${writes} writes meanwhile; md states seen: ${[...seen].join(',')}`);
  expect(errors).toEqual([]);
  expect(writes).toBeGreaterThan(0);
  // mdadm --replace really ran: md marked the old member want_replacement and copied onto the new one as its replacement.
  expect({ wantReplacement: seen.has('want_replacement'), replacement: seen.has('replacement') || mdstatReplacement }).toEqual({ wantReplacement: true, replacement: true });
  // The partner stays in the other enclosure (jbodResiliency); the new half is on another drive of enc-a.
  expect({ enclosure: moved.enclosure, other: moved.serial !== old.serial }).toEqual({ enclosure: 'enc-a', other: true });
  // Exactly two members, both in sync: the old one left the array (the agent removes a member md
  // lists faulty or whose device is gone, at the pass that disconnects it and at every pass after).
  await until('md to list only the two members of the placement', async () => (Object.values(memberStates()).length === 2 ? true : undefined), 60_000, async () => memberStates());
  expect(Object.values(memberStates())).toEqual(['in_sync', 'in_sync']);
  expect(fs.readFileSync(`${mdSys()}/degraded`, 'utf8').trim()).toBe('0');
  // Every block the writer saw fsync'ed reads back, and the files of before.
  const back = fs.readFileSync(path.join(MNT_R1, 'drain-writes.bin'));
  for (const [slot, digest] of slots) expect({ slot, digest: hash(back.subarray(slot * BLOCK, (slot + 1) * BLOCK)) }).toEqual({ slot, digest });
  verifyR1Files();
  r1Files['drain-writes.bin'] = sha(path.join(MNT_R1, 'drain-writes.bin'));
  await halvesIdentical([moved, partner]);
  // The drive holds nothing: it is listed draining with no volume, its export is gone, and it can leave.
  const listed = await cliJson(['drives', 'ls']);
  expect(listed.code).toBe(0);
  expect((listed.body as { serial: string; health: string; volumes?: string[] }[]).find((d) => d.serial === old.serial)).toMatchObject({ health: 'draining', volumes: [] });
  await until(`enc-a to unexport ${old.serial}`, async () => (tesseraSubsystems().some((n) => n.endsWith(`:${old.serial}`)) ? undefined : true), 120_000, async () => tesseraSubsystems());
  const removed = await cliJson(['drives', 'remove', old.serial]);
  expect({ code: removed.code, stderr: removed.stderr }).toEqual({ code: 0, stderr: '' });
  expect(removed.body).toMatchObject({ serial: old.serial, health: 'removed' });
  extents.push({ serial: old.serial, offsetGiB: old.offsetGiB, sizeGiB: old.sizeGiB });
  drained = true;
});

test('a server dies (its agent killed, its network cut): the autoMove volume is fenced — the enclosures take its exports down without wiping them, k2\'s connect is refused — and staged on k1 with its data', async () => {
  if (!r1 || !drained) throw new Error('needs the RAID1 volume of the tests before, on k2');
  const start = Date.now();
  expect((await ok('GET', `/v1/volumes/${r1.id}`)).server).toBe('k2');
  await ok('PATCH', `/v1/volumes/${r1.id}`, { autoMove: true });
  const members = await r1Members();
  const nqns = members.map((m) => nvmeNqn(m as Member, false));
  // k2 dies: its agent first, then what its kernel held (one kernel serves k1 and k2 in the lab:
  // a real server's would be gone with it), then its network.
  await kill9('agent-k2');
  const state = path.join(dir, 'state-k2');
  for (const m of [MNT_R1, stagingPath(state, r1.id)]) await must('umount', [m]);
  await must('cryptsetup', ['close', dmName(r1.id)]);
  await must('mdadm', ['--stop', mdOf(r1.id)]);
  for (const nqn of nqns) await must('nvme', ['disconnect', '--nqn', nqn]);
  await must('ip', ['link', 'set', 've-k2', 'down']);
  note(`k2 down (agent killed, network cut); waiting for the fenced move of ${r1.id}`);
  let fenced = false;
  try {
    await until('r1 fenced, then staged on k1', async () => {
      // Fenced: no enclosure exports any of its members, to anybody.
      if (!nqns.some((n) => fs.existsSync(`${CFG}/nvmet/subsystems/${n}`))) fenced = true;
      const v = (await api('GET', `/v1/volumes/${r1.id}`)).body;
      return v?.state === 'staged' && v.server === 'k1' ? v : undefined;
    }, 600_000, async () => (await api('GET', `/v1/volumes/${r1.id}`)).body);
  } finally {
    await must('ip', ['link', 'set', 've-k2', 'up']);
  }
  note(`r1 fenced and staged on k1 in ${Math.round((Date.now() - start) / 1000)} s`);
  expect(fenced).toBe(true);
  const v = await ok('GET', `/v1/volumes/${r1.id}`);
  expect(v.observed.degraded).toBeUndefined();
  // Its data, every file of before (not wiped by the fence: docs/failure.md "Fencing").
  expect(await blkid(mdOf(r1.id), 'UUID')).toBe(r1.luksUuid);
  verifyR1Files();
  for (const n of nqns) expect(fs.readdirSync(`${CFG}/nvmet/subsystems/${n}/allowed_hosts`)).toEqual([hostNqn('k1')]);
  // k2, its network back, tries a member as its agent would: refused by the enclosure's ACL.
  const m0 = members[0];
  const refused = await run('nsenter', ['--net=/run/netns/k2', '--', 'nvme', 'connect', '--transport', 'tcp', '--traddr', addr(m0.enclosure as Ns), '--trsvcid', '4420', '--nqn', nqns[0], '--hostnqn', hostNqn('k2')]);
  expect({ member: m0.serial, connect: refused.code === 0 ? 'connected' : 'refused' }).toEqual({ member: m0.serial, connect: 'refused' });
  // k2 comes back as a re-installed server would: its record of r1 went with its kernel state
  // (in the lab its stale teardown of r1 would hit k1's devices of the same names).
  fs.rmSync(path.join(state, 'volumes', `${r1.id}.json`), { force: true });
  const restarted = Date.now();
  startAgent('k2');
  if (raw) await staged(raw.id, 'k2', (x) => Date.parse(x.observed.reportedAt) > restarted);
});

test('delete: the agents unstage, the enclosures remove their exports and wipe the released extents, the pool is whole again', async () => {
  if (!r1) throw new Error('needs the RAID1 volume of the first test');
  const ids = [r1.id, s1?.id, raw?.id].filter((x): x is string => !!x);
  for (const id of ids) for (const m of (await ok('GET', `/v1/volumes/${id}`)).members) extents.push({ serial: m.serial, offsetGiB: m.offsetGiB, sizeGiB: m.sizeGiB });
  for (const id of ids) expect((await api('DELETE', `/v1/volumes/${id}`)).status).toBe(204);
  for (const id of ids) await until(`volume ${id} gone`, async () => ((await api('GET', `/v1/volumes/${id}`)).status === 404 ? true : undefined), 600_000);
  await until('the exports removed', async () => (tesseraSubsystems().length === 0 && tesseraTargets().length === 0 ? true : undefined), 180_000);
  // The disks out of service stay so after the delete: the failed half's drive (degraded, by the
  // agent's report) and the drained one (removed).
  const out = ((await ok('GET', '/v1/drives')).items as { serial: string; health: string }[]).map((d) => d.health).sort();
  expect(out).toEqual([...(r1Files['more.bin'] ? ['degraded'] : []), ...(drained ? ['removed'] : [])]);
  // The pool is whole again but for them: they take no new extent, so /v1/capacity counts them
  // out (each is one of the lab's 1 GiB hdd disks; slices live on the ssd).
  expect(await capacity()).toEqual([capacityBefore[0] - out.length, capacityBefore[1]]);
  expect(isMounted(MNT_R1) || isMounted(MNT_S1)).toBe(false);
  // Nothing of Tessera's left at the start of any released extent: no md superblock, no LUKS
  // header, no filesystem (blkid probes the region; the first 64 KiB are all zero).
  for (const x of extents) {
    const dev = drivePath[x.serial];
    const probe = await run('blkid', ['-p', '-O', String(x.offsetGiB * GiB), dev]);
    expect({ extent: x, blkid: probe.code }).toEqual({ extent: x, blkid: 2 });
    const fd = fs.openSync(dev, 'r');
    const head = Buffer.alloc(64 * 1024);
    fs.readSync(fd, head, 0, head.length, x.offsetGiB * GiB);
    fs.closeSync(fd);
    expect({ extent: x, zero: head.every((b) => b === 0) }).toEqual({ extent: x, zero: true });
  }
});
