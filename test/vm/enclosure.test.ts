// The enclosure service on a real kernel (the VM lab, docs/vm-lab.md): real nvmet and LIO
// configfs, real device-mapper, loop devices as the enclosure's drives, a real composer on
// 127.0.0.1 and `nvme connect` / `iscsiadm` as the servers. Exports appear only when assigned,
// the ACL refuses another host's connect, a move re-points it (and drops the old host's live
// controller), a slice is a dm-linear map that grows in place, a restart reconciles drift, and
// nothing the service did not create is touched. `npm run test:vm` bundles it and runs it in the
// VM (node:test, with jest's standalone `expect`), after ./suite.ts, in the same boot.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { expect } from 'expect';
import type { EnclosureExport } from '../../provider/api/contract';
import { RunningComposer, startComposer } from '../../provider/composer';
import type { TokenEntry } from '../../provider/composer/auth';
import { RunningEnclosure, startEnclosure } from '../../provider/enclosure';
import { driveFacts, KernelTargets, OwnedFile } from '../../provider/enclosure/configfs';
import { dmName, plan } from '../../provider/enclosure/plan';
import type { Inventory } from '../../provider/model/inventory';
import { hostNqn, initiatorIqn } from '../../provider/model/naming';

const exec = promisify(execFile);
const CFG = '/sys/kernel/config';
const GiB = 1024 ** 3;
const ENC_TOKEN = 'enclosure-enc-a-token-0123456789';
const TOKENS: TokenEntry[] = [
  { name: 'ops', token: 'operator-token-0123456789abcdef', role: 'operator' },
  { name: 'encl-a', token: ENC_TOKEN, role: 'enclosure', enclosure: 'enc-a' },
];
const HOSTID: Record<string, string> = { k1: '6b3a1f0e-0000-4000-8000-000000000001', k2: '6b3a1f0e-0000-4000-8000-000000000002' };

/** Runs a program (no shell); resolves with its exit code and output. */
async function run(file: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await exec(file, args, { timeout: 120_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof x.code === 'number' ? x.code : -1, stdout: x.stdout ?? '', stderr: x.stderr ?? String(e) };
  }
}
async function must(file: string, args: string[]): Promise<string> {
  const r = await run(file, args);
  if (r.code !== 0) throw new Error(`${file} ${args.join(' ')}: exit ${r.code}: ${r.stderr}`);
  return r.stdout;
}

const read = (p: string) => fs.readFileSync(p, 'utf8').trim();
const ls = (p: string) => (fs.existsSync(p) ? fs.readdirSync(p) : []);

let dir: string;
let composer: RunningComposer;
let svc: RunningEnclosure | undefined;
let iscsid: ChildProcess | undefined;
const loops: Record<string, string> = {};
let clusterId: string;

const api = async (method: string, p: string, body?: unknown, token = TOKENS[0].token) => {
  const r = await fetch(composer.url + p, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : undefined };
};

function inventory(): Inventory {
  return {
    bandwidthDomains: [{ name: 'bd' }],
    storageGroups: [
      {
        name: 'sg',
        enclosures: [
          {
            name: 'enc-a',
            transports: ['nvmetcp', 'iscsi'],
            portal: '127.0.0.1:4420',
            uplinkGbps: 10,
            bandwidthDomain: 'bd',
            drives: [
              { serial: 'a-hdd-0', type: 'hdd', sizeGiB: 4, rpm: 7200, tags: ['managed'] },
              { serial: 'a-ssd-0', type: 'ssd', sizeGiB: 8, tags: [] },
              // In the inventory but not in this head's drives file: never exported.
              { serial: 'a-hdd-9', type: 'hdd', sizeGiB: 4, rpm: 7200, tags: [] },
            ],
          },
        ],
      },
    ],
    servers: ['k1', 'k2'].map((name) => ({ name, transports: ['nvmetcp', 'iscsi'] as ('nvmetcp' | 'iscsi')[], nicGbps: 10, bandwidthDomain: 'bd', tags: [] })),
  };
}

async function startService(): Promise<RunningEnclosure> {
  return startEnclosure({
    composer: composer.url,
    token: ENC_TOKEN,
    insecureDev: true,
    enclosure: 'enc-a',
    drives: drivesConfig(),
    stateDir: path.join(dir, 'state'),
    heartbeatMs: 1000,
    waitSeconds: 5,
    retryMs: 1000,
    // The VM lab's results share outlives the guest: the service's log is there after a failure.
    log: (l) => fs.appendFileSync(path.join(process.env.TESSERA_VM_RESULTS ?? dir, 'enclosure.log'), `${l}\n`),
  });
}

const drivesConfig = () => [
  { serial: 'a-hdd-0', device: loops['a-hdd-0'] },
  { serial: 'a-ssd-0', device: loops['a-ssd-0'] },
];

/**
 * Waits until the service exported everything at the composer's current revision, then reads the
 * kernel again and plans: converged means nothing left to do (the planner's reading of real
 * configfs and device-mapper agrees with what it wrote).
 */
async function settled(): Promise<{ revision: number; exports: EnclosureExport[] }> {
  const full = (await api('GET', '/v1/enclosures/enc-a/assignments', undefined, ENC_TOKEN)).body;
  await svc!.converged(120_000, full.revision);
  const owned = new OwnedFile(path.join(dir, 'state'), 'enc-a').load();
  const { facts } = driveFacts(drivesConfig());
  const targets = (full.exports as EnclosureExport[]).map((e) => (e.transport === 'iscsi' ? e.iqn! : e.nqn!));
  const dms = (full.exports as EnclosureExport[]).filter((e) => e.slice).map((e) => dmName('enc-a', e.serial, e.offsetGiB));
  const observed = await new KernelTargets().observe(owned, targets, dms, facts);
  const again = plan({ enclosure: 'enc-a', exports: full.exports, portal: full.portal, transports: full.transports, drives: facts, observed, owned });
  expect({ actions: again.actions, refused: again.refused }).toEqual({ actions: [], refused: [] });
  return full;
}

// ---------------------------------------------------------------- NVMe/TCP from the server side

async function connect(nqn: string, server: string, ip = '127.0.0.1'): Promise<{ code: number; stderr: string }> {
  return run('nvme', ['connect', '--transport', 'tcp', '--traddr', ip, '--trsvcid', '4420', '--nqn', nqn, '--hostnqn', hostNqn(server), '--hostid', HOSTID[server], '--ctrl-loss-tmo', '1', '--reconnect-delay', '1']);
}
async function disconnect(nqn: string): Promise<void> {
  await run('nvme', ['disconnect', '--nqn', nqn]);
}
/** Controllers of a subsystem on this host: their sysfs name, state and host NQN. */
function controllers(nqn: string): { name: string; state: string; hostnqn: string }[] {
  return ls('/sys/class/nvme')
    .filter((c) => fs.existsSync(`/sys/class/nvme/${c}/subsysnqn`) && read(`/sys/class/nvme/${c}/subsysnqn`) === nqn)
    .map((c) => ({ name: c, state: read(`/sys/class/nvme/${c}/state`), hostnqn: read(`/sys/class/nvme/${c}/hostnqn`) }));
}
/** The namespace block device with this UUID (no udev in the VM: sysfs), and its size. */
async function namespaceBytes(uuid: string): Promise<number | undefined> {
  for (let i = 0; i < 100; i++) {
    for (const b of ls('/sys/block').filter((x) => /^nvme\d+n\d+$/.test(x))) {
      if (fs.existsSync(`/sys/block/${b}/uuid`) && read(`/sys/block/${b}/uuid`) === uuid) return Number(read(`/sys/block/${b}/size`)) * 512;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return undefined;
}
async function until(what: string, ok: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

// ---------------------------------------------------------------- set-up

const FOREIGN_NQN = 'nqn.2014-08.org.example:foreign';
const FOREIGN_HOST = 'nqn.2014-08.org.example:host-f';
// Named like the service's own, but not in its state file: someone else's, left alone.
const STRAY_NQN = 'nqn.2026-01.io.tessera:enc-a:stray';

before(async () => {
  expect(fs.existsSync(`${CFG}/nvmet/subsystems`)).toBe(true); // the VM lab loads nvmet and mounts configfs
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-enclosure-vm-'));
  for (const [serial, gib] of [['a-hdd-0', 4], ['a-ssd-0', 8]] as const) {
    const file = path.join(dir, `${serial}.img`);
    fs.closeSync(fs.openSync(file, 'w'));
    fs.truncateSync(file, gib * GiB);
    loops[serial] = (await must('losetup', ['--find', '--show', file])).trim();
  }
  // Another service's objects on the same kernel.
  for (const p of [`nvmet/hosts/${FOREIGN_HOST}`, `nvmet/subsystems/${FOREIGN_NQN}`, `nvmet/subsystems/${STRAY_NQN}`]) fs.mkdirSync(`${CFG}/${p}`);
  fs.writeFileSync(`${CFG}/nvmet/subsystems/${FOREIGN_NQN}/attr_allow_any_host`, '0');
  fs.symlinkSync(`${CFG}/nvmet/hosts/${FOREIGN_HOST}`, `${CFG}/nvmet/subsystems/${FOREIGN_NQN}/allowed_hosts/${FOREIGN_HOST}`);
  composer = await startComposer({ store: `sqlite:${path.join(dir, 'tessera.db')}`, tokens: TOKENS, inventory: inventory(), insecureDev: true, leaseTtlSeconds: 60, log: () => undefined });
  clusterId = (await api('POST', '/v1/clusters', { name: 'vm', servers: ['k1', 'k2'] })).body.id;
  svc = await startService();
});

after(async () => {
  await svc?.stop();
  await composer?.close();
  iscsid?.kill('SIGTERM');
  for (const c of ls('/sys/class/nvme')) await run('nvme', ['disconnect', '--device', c]);
  fs.rmSync(`${CFG}/nvmet/subsystems/${FOREIGN_NQN}/allowed_hosts/${FOREIGN_HOST}`, { force: true });
  for (const p of [`nvmet/subsystems/${FOREIGN_NQN}`, `nvmet/subsystems/${STRAY_NQN}`, `nvmet/hosts/${FOREIGN_HOST}`]) if (fs.existsSync(`${CFG}/${p}`)) fs.rmdirSync(`${CFG}/${p}`);
});

// ---------------------------------------------------------------- the scenarios, in order

let hdd: { id: string; nqn: string; nsUuid: string };

test('nothing assigned: nothing exported (the service registered its two drives, not the third)', async () => {
  await settled();
  expect(ls(`${CFG}/nvmet/subsystems`).filter((s) => s.startsWith('nqn.2026-01.io.tessera:')).sort()).toEqual([STRAY_NQN]);
  expect(ls(`${CFG}/nvmet/ports`)).toEqual([]);
  const st = (await api('GET', '/v1/enclosures')).body.items[0];
  expect(st).toMatchObject({ name: 'enc-a', health: 'up', facts: { drives: ['a-hdd-0', 'a-ssd-0'] } });
  expect(st.report.drives).toEqual([
    expect.objectContaining({ serial: 'a-hdd-0', present: true, device: loops['a-hdd-0'], sizeBytes: 4 * GiB }),
    expect.objectContaining({ serial: 'a-ssd-0', present: true, device: loops['a-ssd-0'], sizeBytes: 8 * GiB }),
  ]);
});

test('a whole drive over NVMe/TCP: exported to k1 only; k2\'s host NQN is refused by the kernel', async () => {
  const v = await api('POST', '/v1/volumes', { cluster: clusterId, name: 'hdd', type: 'hdd', sizeGiB: 4, requiredTags: ['managed'], server: 'k1', sgResiliency: false, jbodResiliency: false, networkTransportsAllowed: ['nvmetcp'], fsType: 'none' });
  expect(v.status).toBe(201);
  const a = await settled();
  const e = a.exports.find((x) => x.volumeId === v.body.id)!;
  hdd = { id: v.body.id, nqn: e.nqn!, nsUuid: e.nsUuid! };
  const sub = `${CFG}/nvmet/subsystems/${hdd.nqn}`;
  expect(read(`${sub}/attr_allow_any_host`)).toBe('0');
  expect(ls(`${sub}/allowed_hosts`)).toEqual([hostNqn('k1')]);
  expect(read(`${sub}/namespaces/1/device_path`)).toBe(loops['a-hdd-0']);
  expect(read(`${sub}/namespaces/1/enable`)).toBe('1');
  const [port] = ls(`${CFG}/nvmet/ports`);
  expect([read(`${CFG}/nvmet/ports/${port}/addr_trtype`), read(`${CFG}/nvmet/ports/${port}/addr_traddr`), read(`${CFG}/nvmet/ports/${port}/addr_trsvcid`)]).toEqual(['tcp', '127.0.0.1', '4420']);

  const refused = await connect(hdd.nqn, 'k2');
  expect(refused.code).not.toBe(0);
  expect(controllers(hdd.nqn)).toEqual([]);
  expect((await connect(hdd.nqn, 'k1')).code).toBe(0);
  expect(controllers(hdd.nqn)).toEqual([expect.objectContaining({ state: 'live', hostnqn: hostNqn('k1') })]);
  expect(await namespaceBytes(hdd.nsUuid)).toBe(4 * GiB);
  const rep = (await api('GET', '/v1/enclosures')).body.items[0].report.exports;
  expect(rep).toEqual([expect.objectContaining({ volumeId: hdd.id, target: hdd.nqn, server: 'k1', state: 'exported' })]);
});

test('a move re-points the ACL: k1\'s live controller loses the subsystem, k1 cannot connect again, k2 can', async () => {
  // k1 has no live agent: the composer moves at once (docs/api.md), and the enclosure fences k1.
  expect((await api('PATCH', `/v1/volumes/${hdd.id}`, { server: 'k2' })).status).toBe(200);
  await settled();
  expect(ls(`${CFG}/nvmet/subsystems/${hdd.nqn}/allowed_hosts`)).toEqual([hostNqn('k2')]);
  await until('k1 controller not live', () => controllers(hdd.nqn).every((c) => c.state !== 'live'));
  await disconnect(hdd.nqn);
  expect((await connect(hdd.nqn, 'k1')).code).not.toBe(0);
  expect((await connect(hdd.nqn, 'k2')).code).toBe(0);
  expect(controllers(hdd.nqn)).toEqual([expect.objectContaining({ state: 'live', hostnqn: hostNqn('k2') })]);
  await disconnect(hdd.nqn);
});

let slice: { id: string; nqn: string; nsUuid: string; offsetGiB: number };

test('a slice over NVMe/TCP is a dm-linear map of its extent; growing the slice grows the map and the namespace online', async () => {
  const s = await api('POST', '/v1/slices', { cluster: clusterId, name: 'sl', sizeGiB: 2, server: 'k1' });
  expect(s.status).toBe(201);
  const a = await settled();
  const e = a.exports.find((x) => x.volumeId === s.body.id)!;
  slice = { id: s.body.id, nqn: e.nqn!, nsUuid: e.nsUuid!, offsetGiB: e.offsetGiB };
  const name = dmName('enc-a', 'a-ssd-0', e.offsetGiB);
  const [maj, min] = read(`/sys/class/block/${path.basename(loops['a-ssd-0'])}/dev`).split(':');
  expect((await must('dmsetup', ['table', name])).trim()).toBe(`0 ${(2 * GiB) / 512} linear ${maj}:${min} ${(e.offsetGiB * GiB) / 512}`);
  expect(read(`${CFG}/nvmet/subsystems/${slice.nqn}/namespaces/1/device_path`)).toBe(`/dev/mapper/${name}`);
  expect((await connect(slice.nqn, 'k1')).code).toBe(0);
  expect(await namespaceBytes(slice.nsUuid)).toBe(2 * GiB);

  expect((await api('PATCH', `/v1/slices/${slice.id}`, { sizeGiB: 3 })).status).toBe(200);
  await settled();
  expect((await must('dmsetup', ['table', name])).trim()).toBe(`0 ${(3 * GiB) / 512} linear ${maj}:${min} ${(e.offsetGiB * GiB) / 512}`);
  await until('the connected namespace to show 3 GiB', async () => (await namespaceBytes(slice.nsUuid)) === 3 * GiB);
  await disconnect(slice.nqn);
});

let lun: { id: string; iqn: string };

test('a slice over iSCSI: LIO target without generated ACLs; k1\'s initiator logs in, k2\'s is refused', async () => {
  const v = await api('POST', '/v1/volumes', { cluster: clusterId, name: 'lun', type: 'slice', sizeGiB: 1, server: 'k1', networkTransportsAllowed: ['iscsi'], fsType: 'none' });
  expect(v.status).toBe(201);
  const a = await settled();
  const e = a.exports.find((x) => x.volumeId === v.body.id)!;
  lun = { id: v.body.id, iqn: e.iqn! };
  const tpg = `${CFG}/target/iscsi/${lun.iqn}/tpgt_1`;
  expect(read(`${tpg}/enable`)).toBe('1');
  expect(read(`${tpg}/attrib/generate_node_acls`)).toBe('0');
  expect(ls(`${tpg}/acls`)).toEqual([initiatorIqn('k1')]);
  expect(ls(`${tpg}/np`)).toEqual(['127.0.0.1:3260']);

  // open-iscsi as two initiators: one iface per server name.
  // A process group of its own: iscsid's SIGTERM handler signals its whole group.
  iscsid = spawn('iscsid', ['-f'], { stdio: 'ignore', detached: true });
  await new Promise((r) => setTimeout(r, 2000));
  // One discovery per initiator, each followed by its login (a later discovery of the same
  // portal through another iface replaces the first one's node records).
  const login = async (s: string) => {
    await must('iscsiadm', ['-m', 'iface', '-I', `t-${s}`, '-o', 'new']);
    await must('iscsiadm', ['-m', 'iface', '-I', `t-${s}`, '-o', 'update', '-n', 'iface.initiatorname', '-v', initiatorIqn(s)]);
    await must('iscsiadm', ['-m', 'discovery', '-t', 'sendtargets', '-p', '127.0.0.1:3260', '-I', `t-${s}`]);
    return run('iscsiadm', ['-m', 'node', '-T', lun.iqn, '-p', '127.0.0.1:3260', '-I', `t-${s}`, '--login']);
  };
  expect((await login('k2')).code).not.toBe(0);
  expect((await login('k1')).code).toBe(0);
  const sessions = await must('iscsiadm', ['-m', 'session']);
  expect(sessions).toContain(lun.iqn);
  await must('iscsiadm', ['-m', 'node', '-T', lun.iqn, '-p', '127.0.0.1:3260', '-I', 't-k1', '--logout']);
});

test('a restart reconciles drift: a lost ACL link and a disabled namespace come back; a volume deleted meanwhile is unexported', async () => {
  await svc!.stop();
  const sub = `${CFG}/nvmet/subsystems/${hdd.nqn}`;
  fs.unlinkSync(`${sub}/allowed_hosts/${hostNqn('k2')}`);
  fs.writeFileSync(`${sub}/namespaces/1/enable`, '0');
  expect((await api('DELETE', `/v1/slices/${slice.id}`)).status).toBe(204);
  svc = await startService();
  await settled();
  expect(ls(`${sub}/allowed_hosts`)).toEqual([hostNqn('k2')]);
  expect(read(`${sub}/namespaces/1/enable`)).toBe('1');
  expect(fs.existsSync(`${CFG}/nvmet/subsystems/${slice.nqn}`)).toBe(false);
  expect((await run('dmsetup', ['table', dmName('enc-a', 'a-ssd-0', slice.offsetGiB)])).code).not.toBe(0);
});

test('everything deleted: every object it made is gone, the other service\'s objects are untouched', async () => {
  for (const id of [hdd.id, lun.id]) expect((await api('DELETE', `/v1/volumes/${id}`)).status).toBe(204);
  const a = await settled();
  expect(a.exports).toEqual([]);
  expect(ls(`${CFG}/nvmet/subsystems`).sort()).toEqual([FOREIGN_NQN, STRAY_NQN].sort());
  expect(ls(`${CFG}/nvmet/subsystems/${FOREIGN_NQN}/allowed_hosts`)).toEqual([FOREIGN_HOST]);
  expect(ls(`${CFG}/nvmet/hosts`)).toEqual([FOREIGN_HOST]);
  expect(ls(`${CFG}/nvmet/ports`)).toEqual([]);
  expect(ls(`${CFG}/target/iscsi`).filter((t) => t.startsWith('iqn.'))).toEqual([]);
  expect(ls(`${CFG}/target/core`).filter((h) => h.startsWith('iblock_'))).toEqual([]);
  expect((await must('dmsetup', ['ls'])).includes('tessera-enc-')).toBe(false);
  expect(JSON.parse(fs.readFileSync(path.join(dir, 'state', 'owned.json'), 'utf8')).owned).toEqual({ subsystems: [], hosts: [], ports: [], targets: [], backstores: [], dm: [] });
});
