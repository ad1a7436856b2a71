// The real Linux path on this machine: lab enclosures are sparse files, members are loop
// devices (`losetup`, slices with --offset/--sizelimit), filesystems are real ext4 and xfs, mounts
// are real. Needs root (available here and in CI). md and dm-crypt are not in this kernel: those
// flows are covered on the simulated host (sim-stage.test.ts).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { LinuxRunner } from '../../provider/agent/linux-runner';
import { CommandResult, HostCommand, RecordingRunner, Runner } from '../../provider/agent/runner';
import { assertRealMountPath, realLocation } from '../../provider/agent/paths';
import { FaultInjector, AgentCrash } from '../../provider/agent/faults';
import { HostContext, StepError, stageVolume, unstageVolume } from '../../provider/agent/steps';
import { VolumeRecord } from '../../provider/agent/state';
import { provisionLabDrives } from '../../provider/agent/lab';
import { filesystemUuid } from '../../provider/agent/names';
import { assignment, member } from './helpers';
import { blkidUuid, cleanupLab, labRoot, loopsUnder, mountsUnder } from './lab-helpers';
import type { Assignment } from '../../provider/api/contract';
import type { Inventory } from '../../provider/model/inventory';

let root: string;
let labDir: string;

const inv: Inventory = {
  bandwidthDomains: [{ name: 'bd' }],
  storageGroups: [
    {
      name: 'sg',
      enclosures: [
        {
          name: 'enc-a',
          transports: ['nvmetcp'],
          portal: '127.0.0.1:4420',
          uplinkGbps: 10,
          bandwidthDomain: 'bd',
          drives: [
            { serial: 'HDD1', type: 'hdd', sizeGiB: 1, rpm: 7200, tags: [] },
            { serial: 'HDD2', type: 'hdd', sizeGiB: 1, rpm: 7200, tags: [] },
            { serial: 'SSD1', type: 'ssd', sizeGiB: 8, tags: [] },
          ],
        },
      ],
    },
  ],
  servers: [],
};

beforeAll(() => {
  root = labRoot();
  labDir = path.join(root, 'lab');
  provisionLabDrives(labDir, inv);
});

afterEach(() => cleanupLab(root, false));
afterAll(() => cleanupLab(root));

// The test's temp dir is the agents' one mount root: the production roots (/mnt, /srv, ...) are
// not touched here; what a root may be is the same rule either way (provider/model/mountpath.ts).
function ctxFor(name: string, faults?: FaultInjector, mountRoots = [root], inner: Runner = new LinuxRunner({ timeoutMs: 120_000 })) {
  const runner = new RecordingRunner(inner);
  const ctx: HostContext = { runner, backend: 'lab', stateDir: path.join(root, name, 'state'), mountRoots, labDir, faults, pollMs: 20 };
  return { runner, ctx };
}

const noSave = async () => undefined;

function volumes(): [string, Assignment][] {
  return [
    ['single drive, ext4', assignment('lab-d-ext4', { members: [member('HDD1', { sizeGiB: 1 })], type: 'hdd', fsType: 'ext4' })],
    ['single drive, xfs', assignment('lab-d-xfs', { members: [member('HDD2', { sizeGiB: 1 })], type: 'hdd', fsType: 'xfs' })],
    ['slice, ext4', assignment('lab-s-ext4', { members: [member('SSD1', { offsetGiB: 1, sizeGiB: 1 })], type: 'slice', kind: 'slice', fsType: 'ext4' })],
    ['slice, xfs', assignment('lab-s-xfs', { members: [member('SSD1', { offsetGiB: 3, sizeGiB: 1 })], type: 'slice', kind: 'slice', fsType: 'xfs' })],
  ];
}

describe.each(volumes())('lab backend: %s', (_name, base) => {
  test('stage, write, unstage, stage again: data intact and mkfs did not run the second time', async () => {
    const mnt = path.join(root, 'mnt', base.volumeId);
    const a: Assignment = { ...base, mountPath: mnt };
    const { runner, ctx } = ctxFor('host-a');
    const rec: VolumeRecord = { assignment: a };
    const res = await stageVolume(ctx, a, rec, noSave);
    expect(res.devicePath).toMatch(/^\/dev\/loop\d+$/);
    const attach = runner.commands.find((c) => c.file === 'losetup' && c.args.includes('--find'))!;
    if (a.placement.type === 'slice') {
      const m = a.placement.members[0];
      expect(attach.args).toEqual(['--find', '--show', '--offset', String(m.offsetGiB * 1024 ** 3), '--sizelimit', String(m.sizeGiB * 1024 ** 3), path.join(labDir, 'enc-a', `${m.serial}.img`)]);
    } else {
      expect(attach.args).toEqual(['--find', '--show', path.join(labDir, 'enc-a', `${a.placement.members[0].serial}.img`)]);
    }
    expect(runner.commands.filter((c) => c.file === `mkfs.${a.fsType}`).length).toBe(1);
    const uuid = blkidUuid(res.devicePath);
    expect(uuid).toBe(filesystemUuid(a.volumeId));
    expect(mountsUnder(root)).toEqual(expect.arrayContaining([mnt, path.join(ctx.stateDir, 'staging', a.volumeId)]));
    fs.writeFileSync(path.join(mnt, 'data.txt'), `payload of ${a.volumeId}`);
    execFileSync('sync');

    await unstageVolume(ctx, rec, noSave);
    expect(mountsUnder(root)).toEqual([]);
    expect(loopsUnder(root)).toEqual([]);
    expect(fs.existsSync(path.join(mnt, 'data.txt'))).toBe(false);

    runner.clear();
    const rec2: VolumeRecord = { assignment: a };
    const res2 = await stageVolume(ctx, a, rec2, noSave);
    expect(runner.commands.some((c) => c.file.startsWith('mkfs'))).toBe(false);
    expect(blkidUuid(res2.devicePath)).toBe(uuid);
    expect(fs.readFileSync(path.join(mnt, 'data.txt'), 'utf8')).toBe(`payload of ${a.volumeId}`);

    // Converged: a third run changes nothing on the host.
    runner.clear();
    await stageVolume(ctx, a, rec2, noSave);
    expect(runner.commands.filter((c) => ['losetup --find', 'mkfs', 'mount -t', 'mount --bind'].some((p) => `${c.file} ${c.args.join(' ')}`.startsWith(p)))).toEqual([]);
    await unstageVolume(ctx, rec2, noSave);
  });
});

test('lab: moving a volume between two agents (two servers) keeps its data', async () => {
  const a1: Assignment = { ...assignment('lab-move', { members: [member('SSD1', { offsetGiB: 5, sizeGiB: 1 })], type: 'slice', kind: 'slice' }), mountPath: path.join(root, 'srv-a', 'app') };
  const A = ctxFor('server-a');
  const B = ctxFor('server-b');
  const recA: VolumeRecord = { assignment: a1 };
  await stageVolume(A.ctx, a1, recA, noSave);
  fs.writeFileSync(path.join(a1.mountPath!, 'state.db'), 'moved bytes');
  await unstageVolume(A.ctx, recA, noSave);
  const a2: Assignment = { ...a1, generation: 2, mountPath: path.join(root, 'srv-b', 'app') };
  const recB: VolumeRecord = { assignment: a2 };
  await stageVolume(B.ctx, a2, recB, noSave);
  expect(B.runner.commands.some((c) => c.file.startsWith('mkfs'))).toBe(false);
  expect(fs.readFileSync(path.join(a2.mountPath!, 'state.db'), 'utf8')).toBe('moved bytes');
  await unstageVolume(B.ctx, recB, noSave);
});

test('lab: a grown slice cannot be grown online (clear error); after unstage, staging grows the filesystem', async () => {
  const m = member('SSD1', { offsetGiB: 6, sizeGiB: 1 });
  const a1: Assignment = { ...assignment('lab-grow', { members: [m], type: 'slice', kind: 'slice', fsType: 'ext4' }), mountPath: path.join(root, 'mnt', 'grow') };
  const { runner, ctx } = ctxFor('grow');
  const rec: VolumeRecord = { assignment: a1 };
  await stageVolume(ctx, a1, rec, noSave);
  fs.writeFileSync(path.join(a1.mountPath!, 'f'), 'before growth');
  const size = () => fs.statfsSync(a1.mountPath!).blocks * fs.statfsSync(a1.mountPath!).bsize;
  const before = size();
  const a2: Assignment = { ...a1, generation: 2, placement: { ...a1.placement, members: [{ ...m, sizeGiB: 2 }], capacityGiB: 2 } };
  rec.assignment = a2;
  const err = (await stageVolume(ctx, a2, rec, noSave).catch((e) => e)) as StepError;
  expect(err).toBeInstanceOf(StepError);
  expect(err.message).toMatch(/cannot change its --sizelimit online: unstage the volume and stage it again/);
  await unstageVolume(ctx, { ...rec, assignment: a1 }, noSave);
  runner.clear();
  await stageVolume(ctx, a2, rec, noSave);
  expect(runner.lines().some((l) => l.startsWith('resize2fs /dev/loop'))).toBe(true);
  expect(size()).toBeGreaterThan(before * 1.8);
  expect(fs.readFileSync(path.join(a1.mountPath!, 'f'), 'utf8')).toBe('before growth');
  await unstageVolume(ctx, rec, noSave);
});

describe.each([
  ['ext4 slice', assignment('lab-crash-e', { members: [member('SSD1', { offsetGiB: 0, sizeGiB: 1 })], type: 'slice', kind: 'slice', fsType: 'ext4' })],
  ['xfs drive', assignment('lab-crash-x', { members: [member('HDD2', { sizeGiB: 1 })], type: 'hdd', fsType: 'xfs' })],
])('lab: crash at every step (%s)', (_n, base) => {
  test('staging: after a restart the agent converges; the filesystem is made exactly once', async () => {
    const a: Assignment = { ...base, mountPath: path.join(root, 'crash', base.volumeId) };
    const m = a.placement.members[0];
    const file = path.join(labDir, 'enc-a', `${m.serial}.img`);
    // Blank the member's first MiBs, where ext4 and xfs keep their primary superblocks.
    const blank = () => {
      const zero = Buffer.alloc(4 * 1024 * 1024);
      const fd = fs.openSync(file, 'r+');
      fs.writeSync(fd, zero, 0, zero.length, m.offsetGiB * 1024 ** 3);
      fs.closeSync(fd);
    };
    blank();
    let total = 0;
    {
      const { ctx } = ctxFor('count');
      const rec: VolumeRecord = { assignment: a };
      total = (await stageVolume(ctx, a, rec, noSave)).steps.length;
      await unstageVolume(ctx, rec, noSave);
    }
    expect(total).toBe(6); // connect, wait, mkfs, grow filesystem, mount staging, bind-mount
    for (let n = 1; n <= total + 1; n++) {
      for (const when of ['before', 'after'] as const) {
        blank();
        // A crashed agent keeps its records on disk: the same record object models that here.
        const rec: VolumeRecord = { assignment: a };
        const crashing = ctxFor('crash', new FaultInjector([{ mode: 'crash', step: n, when }]));
        const first = await stageVolume(crashing.ctx, a, rec, noSave).then(() => 'completed', (e) => e);
        if (n <= total) expect(first).toBeInstanceOf(AgentCrash);
        else expect(first).toBe('completed');
        const restarted = ctxFor('crash');
        const res = await stageVolume(restarted.ctx, a, rec, noSave);
        const mkfs = [...crashing.runner.commands, ...restarted.runner.commands].filter((c) => c.file.startsWith('mkfs')).length;
        expect({ n, when, mkfs }).toEqual({ n, when, mkfs: 1 });
        expect(mountsUnder(root)).toContain(a.mountPath);
        expect(blkidUuid(res.devicePath)).not.toBe('');
        fs.writeFileSync(path.join(a.mountPath!, 'f'), String(n));
        // Unstage with a crash at the same step number, then finish it.
        const un = ctxFor('crash', new FaultInjector([{ mode: 'crash', step: n, when, op: 'unstage' }]));
        await unstageVolume(un.ctx, rec, noSave).catch((e) => {
          if (!(e instanceof AgentCrash)) throw e;
        });
        await unstageVolume(ctxFor('crash').ctx, rec, noSave);
        expect(mountsUnder(root)).toEqual([]);
        expect(loopsUnder(root)).toEqual([]);
        // And staging once more finds the data: no format.
        const again = ctxFor('crash');
        await stageVolume(again.ctx, a, rec, noSave);
        expect(again.runner.commands.some((c) => c.file.startsWith('mkfs'))).toBe(false);
        expect(fs.readFileSync(path.join(a.mountPath!, 'f'), 'utf8')).toBe(String(n));
        await unstageVolume(again.ctx, rec, noSave);
      }
    }
  }, 300_000);
});

test('lab: a drive reused after a delete is wiped (real wipefs); a filesystem not made by Tessera is refused', async () => {
  const { runner, ctx } = ctxFor('reuse');
  const a1: Assignment = { ...assignment('lab-reuse-a', { members: [member('HDD1', { sizeGiB: 1 })], type: 'hdd' }), mountPath: path.join(root, 'mnt', 'reuse-a') };
  const rec1: VolumeRecord = { assignment: a1 };
  const r1 = await stageVolume(ctx, a1, rec1, noSave);
  expect(execFileSync('blkid', ['-p', '-o', 'value', '-s', 'LABEL', r1.devicePath], { encoding: 'utf8' }).trim()).toBe('tessera');
  fs.writeFileSync(path.join(a1.mountPath!, 'secret'), 'tenant A');
  await unstageVolume(ctx, rec1, noSave);
  const a2: Assignment = { ...assignment('lab-reuse-b', { members: [member('HDD1', { sizeGiB: 1 })], type: 'hdd' }), mountPath: path.join(root, 'mnt', 'reuse-b') };
  const rec2: VolumeRecord = { assignment: a2 };
  runner.clear();
  const r2 = await stageVolume(ctx, a2, rec2, noSave);
  expect(runner.lines().filter((l) => /^(wipefs|mkfs)/.test(l)).map((l) => l.split(' ')[0])).toEqual(['wipefs', 'mkfs.ext4']);
  expect(blkidUuid(r2.devicePath)).toBe(filesystemUuid('lab-reuse-b'));
  expect(fs.existsSync(path.join(a2.mountPath!, 'secret'))).toBe(false);
  await unstageVolume(ctx, rec2, noSave);

  // Hand-made data on a slice: no tessera label, so the agent will not format, wipe or mount it.
  const m = member('SSD1', { offsetGiB: 7, sizeGiB: 1 });
  const file = path.join(labDir, 'enc-a', 'SSD1.img');
  const loop = execFileSync('losetup', ['--find', '--show', '--offset', String(7 * 1024 ** 3), '--sizelimit', String(1024 ** 3), file], { encoding: 'utf8' }).trim();
  execFileSync('mkfs.ext4', ['-q', loop]);
  execFileSync('losetup', ['--detach', loop]);
  const a3: Assignment = { ...assignment('lab-foreign', { members: [m], type: 'slice', kind: 'slice' }), mountPath: path.join(root, 'mnt', 'foreign') };
  runner.clear();
  const err = (await stageVolume(ctx, a3, { assignment: a3 }, noSave).catch((e) => e)) as StepError;
  expect(err.step).toBe('mkfs.ext4 if blank');
  expect(err.message).toMatch(/not made by Tessera: refusing to make a ext4 filesystem over data/);
  expect(runner.lines().some((l) => /^(wipefs|mkfs)/.test(l))).toBe(false);
  await unstageVolume(ctx, { assignment: a3 }, noSave);
});

describe('lab: mountPath where it really leads (real symlinks in the test dir)', () => {
  let allowed: string;
  let outside: string;
  beforeAll(() => {
    allowed = path.join(root, 'allowed');
    outside = path.join(root, 'outside');
    fs.mkdirSync(allowed, { recursive: true });
    fs.mkdirSync(outside, { recursive: true });
    fs.symlinkSync(outside, path.join(allowed, 'link'));
    fs.symlinkSync('/etc', path.join(allowed, 'etc-link'));
    fs.symlinkSync(path.join(root, 'missing'), path.join(allowed, 'dangling'));
  });
  const policy = () => ({ stateDir: path.join(root, 'links', 'state'), roots: [allowed] });

  test('the real location: deepest existing ancestor resolved, the rest appended', async () => {
    expect(await realLocation(path.join(allowed, 'link', 'a', 'b'))).toBe(path.join(outside, 'a', 'b'));
    expect(await realLocation(path.join(allowed, 'plain', 'x'))).toBe(path.join(allowed, 'plain', 'x'));
    expect(await assertRealMountPath(path.join(allowed, 'plain'), policy())).toBe(path.join(allowed, 'plain'));
  });

  test('a symlinked parent into /etc is refused as /etc (only read: nothing is created)', async () => {
    await expect(assertRealMountPath(path.join(allowed, 'etc-link', 'tessera-x'), policy())).rejects.toThrow(
      /^mountPath: ".*\/etc-link\/tessera-x" leads to "\/etc\/tessera-x" on this host, which is refused: "\/etc\/tessera-x" is inside \/etc, a system directory$/,
    );
    await expect(assertRealMountPath(path.join(allowed, 'dangling', 'x'), policy())).rejects.toThrow(/is a symbolic link to a missing target/);
  });

  test('a root that is itself a link is compared where it leads', async () => {
    const linkedRoot = path.join(root, 'data-link');
    fs.symlinkSync(allowed, linkedRoot);
    expect(await assertRealMountPath(path.join(linkedRoot, 'v1'), { ...policy(), roots: [linkedRoot] })).toBe(path.join(allowed, 'v1'));
    await expect(assertRealMountPath(path.join(linkedRoot, 'link', 'v1'), { ...policy(), roots: [linkedRoot] })).rejects.toThrow(/outside the allowed mount roots/);
  });

  test('staging through a symlinked parent is refused before anything runs on the host', async () => {
    const a: Assignment = { ...assignment('lab-link', { members: [member('HDD1', { sizeGiB: 1 })], type: 'hdd' }), mountPath: path.join(allowed, 'link', 'app') };
    const { runner, ctx } = ctxFor('links', undefined, [allowed]);
    await expect(stageVolume(ctx, a, { assignment: a }, noSave)).rejects.toThrow(/^mountPath: .* leads to ".*\/outside\/app" on this host, which is refused: .* is outside the allowed mount roots/);
    expect(runner.commands).toEqual([]);
    expect(fs.existsSync(path.join(outside, 'app'))).toBe(false);
    expect(mountsUnder(root)).toEqual([]);
    expect(loopsUnder(root)).toEqual([]);
  });

  test('a parent swapped for a symlink while the step runs: mkdir follows it, the bind mount does not happen', async () => {
    const parent = path.join(allowed, 'race');
    fs.mkdirSync(parent, { recursive: true });
    const a: Assignment = { ...assignment('lab-race', { members: [member('HDD2', { sizeGiB: 1 })], type: 'hdd' }), mountPath: path.join(parent, 'app') };
    // Stands in for someone racing the agent: the parent becomes a link just before mkdir -p.
    class Swapping implements Runner {
      constructor(private readonly inner: Runner) {}
      async run(c: HostCommand): Promise<CommandResult> {
        if (c.file === 'mkdir' && c.args.includes(a.mountPath!) && !fs.lstatSync(parent).isSymbolicLink()) {
          fs.rmSync(parent, { recursive: true });
          fs.symlinkSync(outside, parent);
        }
        return this.inner.run(c);
      }
    }
    const { runner, ctx } = ctxFor('race', undefined, [allowed], new Swapping(new LinuxRunner({ timeoutMs: 120_000 })));
    const rec: VolumeRecord = { assignment: a };
    const err = (await stageVolume(ctx, a, rec, noSave).catch((e) => e)) as StepError;
    expect(err).toBeInstanceOf(StepError);
    expect(err.step).toBe(`bind-mount at ${a.mountPath}`);
    expect(err.message).toMatch(/leads to ".*\/outside\/app" on this host, which is refused/);
    expect(runner.lines().some((l) => l.startsWith('mount --bind'))).toBe(false);
    expect(mountsUnder(outside)).toEqual([]);
    // Unstaging refuses to unmount through the link too; with the link gone it finishes.
    await expect(unstageVolume(ctx, rec, noSave)).rejects.toThrow(/remove bind mount: mountPath: .* leads to/);
    fs.unlinkSync(parent);
    await unstageVolume(ctx, rec, noSave);
    expect(mountsUnder(root)).toEqual([]);
    expect(loopsUnder(root)).toEqual([]);
  });
});
