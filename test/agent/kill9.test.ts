// kill -9 of a real agent process (a `bin/tessera agent start --backend lab --lab-standins` child)
// inside mkfs, luksFormat and md creation, on real loop devices with a real composer: the
// restarted agent converges and formats nothing that was complete at the kill (the chaos bench,
// bench/chaos/agent-kill.ts, runs every step; these are its format points). Then the rule behind
// it, on stageVolume directly: a torn layer is made again only after this agent's own interrupted
// format (its record says so), never otherwise. Needs root, like lab.test.ts.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { KillCase, KillLab, formatWrites, runCase } from '../../bench/chaos/agent-kill';
import { LinuxRunner } from '../../provider/agent/linux-runner';
import { LabStandIns, mdSuperblock } from '../../provider/agent/lab-standin';
import { RecordingRunner } from '../../provider/agent/runner';
import { HostContext, StepError, stageVolume, unstageVolume } from '../../provider/agent/steps';
import type { VolumeRecord } from '../../provider/agent/state';
import { provisionLabDrives } from '../../provider/agent/lab';
import { cmd } from '../../provider/agent/commands';
import { filesystemUuid, ownerLabel } from '../../provider/agent/names';
import type { HostCommand } from '../../provider/agent/runner';
import { DerivedKeys, assignment, member } from './helpers';
import { blkidUuid, cleanupLab, labRoot } from './lab-helpers';
import type { Assignment } from '../../provider/api/contract';

describe('kill -9 of the agent process inside a format (real child, real composer, loop devices)', () => {
  let lab: KillLab;
  let writes: ReturnType<typeof formatWrites>;
  let n = 0;
  beforeAll(async () => {
    lab = new KillLab();
    await lab.start();
    writes = formatWrites(lab);
  }, 60_000);
  afterAll(async () => {
    await lab?.close();
  }, 60_000);

  const torn = (tool: 'ext4' | 'xfs' | 'luks', volume: KillCase['volume'], command: string): KillCase => ({
    step: command,
    flow: 'stage',
    volume,
    // Three quarters through the tool's writes: a torn xfs superblock, a LUKS2 header without its keyslot.
    point: { command, at: 'write', write: Math.ceil(writes[tool] * 0.75) },
  });

  test.each([
    ['mkfs.ext4', 'ext4', { fsType: 'ext4' }],
    ['mkfs.xfs', 'xfs', { fsType: 'xfs' }],
    ['cryptsetup luksFormat', 'luks', { fsType: 'ext4', encrypt: true }],
  ] as const)('killed inside %s (the tool dies at a write): the restart makes the torn layer again and converges', async (command, tool, volume) => {
    const r = await runCase(lab, torn(tool, volume, command), ++n);
    expect(r.violations).toEqual([]);
    expect(r.torn).toBe(true);
    // The layer was torn, so it is made again (a torn ext4 shows nothing; xfs and LUKS are wiped first).
    expect(r.formats.filter((f) => f.startsWith(command))).toHaveLength(1);
  }, 180_000);

  test.each([
    ['mkfs.ext4', 'fs', { fsType: 'ext4' }],
    ['mkfs.xfs', 'fs', { fsType: 'xfs' }],
    ['cryptsetup luksFormat', 'luks', { fsType: 'xfs', encrypt: true }],
  ] as const)('killed right after %s finished: the restart keeps it (same UUID, no second format)', async (command, layer, volume) => {
    const r = await runCase(lab, { step: command, flow: 'stage', volume, point: { command, at: 'after' } }, ++n);
    expect(r.violations).toEqual([]);
    expect(r.kept).toContain(layer);
    expect(r.formats.filter((f) => f.startsWith(command))).toEqual([]);
  }, 180_000);

  test('killed inside an md create (one member has its superblock, the other not): the array is created again', async () => {
    const r = await runCase(lab, { step: 'mdadm --create', flow: 'stage', volume: { fsType: 'ext4', redundancy: true }, point: { command: 'dd of=', at: 'after' } }, ++n);
    expect(r.violations).toEqual([]);
    expect(r.formats.filter((f) => f.startsWith('dd of='))).toHaveLength(2);
  }, 180_000);
});

describe('a torn layer is made again only after this agent’s own interrupted format', () => {
  let root: string;
  let labDir: string;
  const file = () => path.join(labDir, 'enc-a', 'HDD1.img');
  beforeAll(() => {
    root = labRoot('tessera-kill9-');
    labDir = path.join(root, 'lab');
    provisionLabDrives(labDir, {
      bandwidthDomains: [{ name: 'bd' }],
      storageGroups: [{ name: 'sg', enclosures: [{ name: 'enc-a', transports: ['nvmetcp'], portal: '127.0.0.1:4420', uplinkGbps: 10, bandwidthDomain: 'bd', drives: [{ serial: 'HDD1', type: 'hdd', sizeGiB: 1, rpm: 7200, tags: [] }, { serial: 'HDD2', type: 'hdd', sizeGiB: 1, rpm: 7200, tags: [] }] }] }],
      servers: [],
    });
  });
  afterEach(() => cleanupLab(root, false));
  afterAll(() => cleanupLab(root));

  const ctxFor = (keys = new DerivedKeys()) => {
    const runner = new RecordingRunner(new LabStandIns(new LinuxRunner({ timeoutMs: 120_000 })));
    const ctx: HostContext = { runner, backend: 'lab', stateDir: path.join(root, 'state'), labDir, keys, pollMs: 20, mountRoots: [root] };
    return { runner, ctx };
  };
  const noSave = async () => undefined;

  /** A real format over the drive, SIGKILLed by strace as it enters write `w`: what a kill -9 leaves. */
  function tornFormat(build: (dev: string) => HostCommand, w: number, stdin?: Buffer): { tags: string; dump: string } {
    const dev = execFileSync('losetup', ['--find', '--show', file()], { encoding: 'utf8' }).trim();
    try {
      execFileSync('wipefs', ['--all', dev]);
      const c = build(dev);
      const r = spawnSync('strace', ['-f', '-qq', '-o', '/dev/null', '-e', 'trace=write,pwrite64', '-e', `inject=write,pwrite64:signal=SIGKILL:when=${w}`, c.file, ...c.args], { input: stdin });
      expect(r.signal).toBe('SIGKILL');
      const tags = execFileSync('blkid', ['-p', '-o', 'export', dev], { encoding: 'utf8' });
      // Either tool may refuse the device (not LUKS / not xfs): only their output counts.
      const dump = [spawnSync('cryptsetup', ['luksDump', dev], { encoding: 'utf8' }).stdout ?? '', spawnSync('xfs_db', ['-r', '-c', 'sb 0', '-c', 'p inprogress', dev], { encoding: 'utf8' }).stdout ?? ''].join('');
      return { tags, dump };
    } finally {
      execFileSync('losetup', ['--detach', dev]);
    }
  }

  const loopOf = (f: string) => JSON.parse(execFileSync('losetup', ['--list', '--json', '--output', 'NAME,BACK-FILE'], { encoding: 'utf8' })).loopdevices.find((l: { 'back-file': string }) => l['back-file'] === f).name as string;

  test('xfs left "in progress" by a killed mkfs.xfs: refused without the record; with it, wiped and made again', async () => {
    const a: Assignment = { ...assignment('torn-xfs', { members: [member('HDD1', { sizeGiB: 1 })], type: 'hdd', fsType: 'xfs' }), mountPath: path.join(root, 'mnt', 'torn-xfs') };
    const torn = tornFormat((dev) => cmd.mkfs('xfs', dev, filesystemUuid(a.volumeId)), 30);
    expect(torn.tags).toMatch(/^TYPE=xfs$/m);
    expect(torn.tags).toContain(`UUID=${filesystemUuid(a.volumeId)}`);
    expect(torn.dump).toMatch(/inprogress = 1/);
    // Nobody recorded starting that mkfs: the agent does not format a filesystem of this volume.
    const strange = ctxFor();
    const err = (await stageVolume(strange.ctx, a, { assignment: a }, noSave).catch((e) => e)) as StepError;
    expect(err).toBeInstanceOf(StepError);
    expect(err.step).toBe('mount at staging path');
    expect(strange.runner.lines().some((l) => /^(mkfs|wipefs)/.test(l))).toBe(false);
    await unstageVolume(strange.ctx, { assignment: a }, noSave);
    // This agent's own mkfs was interrupted: its record says so.
    const own = ctxFor();
    const rec: VolumeRecord = { assignment: a, formatting: { layer: 'fs' } };
    await stageVolume(own.ctx, a, rec, noSave);
    expect(own.runner.lines().filter((l) => /^(mkfs|wipefs)/.test(l)).map((l) => l.split(' ')[0])).toEqual(['wipefs', 'mkfs.xfs']);
    expect(rec.formatting).toBeUndefined();
    fs.writeFileSync(path.join(a.mountPath!, 'kept'), 'yes');
    await unstageVolume(own.ctx, rec, noSave);
    // Complete, with the record still saying "formatting" (killed before it was saved): kept.
    const again = ctxFor();
    await stageVolume(again.ctx, a, { assignment: a, formatting: { layer: 'fs' } }, noSave);
    expect(again.runner.lines().some((l) => /^(mkfs|wipefs)/.test(l))).toBe(false);
    expect(fs.readFileSync(path.join(a.mountPath!, 'kept'), 'utf8')).toBe('yes');
    await unstageVolume(again.ctx, { assignment: a }, noSave);
  }, 120_000);

  test('an md create killed after the first member’s superblock: refused without the record; with it, created again', async () => {
    const a: Assignment = {
      ...assignment('torn-md', { members: [member('HDD1', { sizeGiB: 1, mirror: 0 }), member('HDD2', { sizeGiB: 1, mirror: 1 })], raidLevel: 'raid1', type: 'hdd', fsType: 'ext4' }),
      mountPath: path.join(root, 'mnt', 'torn-md'),
    };
    // What mdadm --create leaves after writing one member's superblock: the first member is an md
    // member of this volume, the second is blank.
    const dev = execFileSync('losetup', ['--find', '--show', fs.realpathSync(file())], { encoding: 'utf8' }).trim();
    const sb = mdSuperblock({ setUuid: crypto.randomUUID(), name: ownerLabel(a.volumeId), level: 1, raidDisks: 2, role: 0, dataOffsetBytes: 8 * 1024 ** 2, dataBytes: 1024 ** 3 - 8 * 1024 ** 2 });
    execFileSync('wipefs', ['--all', dev]);
    execFileSync(cmd.ddBlock(dev, 1).file, cmd.ddBlock(dev, 1).args, { input: sb });
    expect(execFileSync('blkid', ['-p', '-o', 'export', dev], { encoding: 'utf8' })).toContain(`LABEL=${ownerLabel(a.volumeId)}`);
    execFileSync('losetup', ['--detach', dev]);
    const strange = ctxFor();
    const err = (await stageVolume(strange.ctx, a, { assignment: a }, noSave).catch((e) => e)) as StepError;
    expect(err.step).toBe('assemble or create /dev/md/torn-md');
    // The member with this array's superblock is assembled alone (a blank one beside it would be a
    // replacement, added once the array runs: docs/failure.md); the lab stand-in, like mdadm
    // without a clean array, refuses to start it from one member. Nothing is created or wiped.
    expect(err.stderr).toMatch(/assembled from 1 drive\(s\) - not enough to start the array/);
    expect(strange.runner.lines().some((l) => /^(mdadm --create|wipefs)/.test(l))).toBe(false);
    await unstageVolume(strange.ctx, { assignment: a }, noSave);
    const own = ctxFor();
    const rec: VolumeRecord = { assignment: a, formatting: { layer: 'md' } };
    // Both members are there: the stand-in's array is whole, not reported degraded.
    expect((await stageVolume(own.ctx, a, rec, noSave)).degraded).toBeUndefined();
    expect(own.runner.lines().filter((l) => /^(mdadm --(create|assemble)|wipefs)/.test(l)).map((l) => l.split(' ').slice(0, 2).join(' '))).toEqual(['wipefs --all', 'mdadm --create']);
    expect(rec.formatting).toBeUndefined();
    await unstageVolume(own.ctx, rec, noSave);
  }, 120_000);

  test('a LUKS2 header without its keyslot (killed luksFormat): refused without the record; with it, formatted again', async () => {
    const keys = new DerivedKeys();
    const a: Assignment = { ...assignment('torn-luks', { members: [member('HDD1', { sizeGiB: 1 })], type: 'hdd', fsType: 'ext4' }), encrypt: true, keyVersion: 1, mountPath: path.join(root, 'mnt', 'torn-luks') };
    const key = (await keys.get('torn-luks', 1)).key;
    const torn = tornFormat((dev) => cmd.cryptFormat(dev, 'aes-xts-plain64', 512, ownerLabel(a.volumeId)), 22, key);
    expect(torn.tags).toMatch(/^TYPE=crypto_LUKS$/m);
    expect(torn.tags).toContain(`LABEL=${ownerLabel(a.volumeId)}`);
    expect(torn.dump).toMatch(/^Keyslots:\s*\nTokens:/m);
    const strange = ctxFor(keys);
    const err = (await stageVolume(strange.ctx, a, { assignment: a }, noSave).catch((e) => e)) as StepError;
    expect(err.step).toBe('open or format LUKS2 tessera-torn-luks');
    expect(strange.runner.lines().some((l) => /^(cryptsetup luksFormat|wipefs)/.test(l))).toBe(false);
    await unstageVolume(strange.ctx, { assignment: a }, noSave);
    const own = ctxFor(keys);
    const rec: VolumeRecord = { assignment: a, formatting: { layer: 'luks', keyVersion: 1 } };
    await stageVolume(own.ctx, a, rec, noSave);
    expect(own.runner.lines().filter((l) => /^(cryptsetup luksFormat|wipefs)/.test(l)).map((l) => l.split(' ').slice(0, 2).join(' '))).toEqual(['wipefs --all', 'cryptsetup luksFormat']);
    expect(rec).toMatchObject({ keyVersion: 1, formatting: undefined });
    const header = blkidUuid(loopOf(fs.realpathSync(file())));
    await unstageVolume(own.ctx, rec, noSave);
    // Complete, with the record still saying "formatting": opened with its key, not formatted.
    const again = ctxFor(keys);
    await stageVolume(again.ctx, a, { assignment: a, formatting: { layer: 'luks', keyVersion: 1 } }, noSave);
    expect(again.runner.lines().some((l) => /^(cryptsetup luksFormat|wipefs|mkfs)/.test(l))).toBe(false);
    expect(blkidUuid(loopOf(fs.realpathSync(file())))).toBe(header);
    await unstageVolume(again.ctx, { assignment: a }, noSave);
  }, 120_000);
});
