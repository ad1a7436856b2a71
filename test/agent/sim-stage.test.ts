// Staging flows on the simulated host (md and dm-crypt are not in this kernel: the simulated host
// stands in for them, see docs/agent.md), with the exact argv the Linux runner would run.
import type { VolumeRecord } from '../../provider/agent/state';
import { SimulatedFabric } from '../../provider/agent/sim/fabric';
import { SimulatedHost } from '../../provider/agent/sim/host';
import { RecordingRunner } from '../../provider/agent/runner';
import { HostContext, StepError, stageVolume, unstageVolume } from '../../provider/agent/steps';
import { AgentCrash, FaultInjector } from '../../provider/agent/faults';
import { filesystemUuid, hostId, hostNqn, initiatorIqn, iscsiIface, iscsiIqn, nvmeLink, nvmeNqn } from '../../provider/agent/names';
import { DerivedKeys, assignment, member } from './helpers';
import type { Assignment } from '../../provider/api/contract';

const STATE = '/var/lib/tessera-agent';

function setup(a: Assignment) {
  const fabric = new SimulatedFabric();
  fabric.exportMembers(a.placement.members, a.placement.type === 'slice');
  const host = new SimulatedHost(fabric);
  const runner = new RecordingRunner(host);
  const keys = new DerivedKeys();
  const ctx: HostContext = { runner, backend: 'simulated', stateDir: STATE, keys, portalOf: () => '10.0.0.5:4420', pollMs: 1, degradedGraceMs: 50 };
  return { fabric, host, runner, keys, ctx };
}

async function stage(ctx: HostContext, a: Assignment, rec?: VolumeRecord) {
  const r = rec ?? { assignment: a };
  r.assignment = a;
  const res = await stageVolume(ctx, a, r, async () => undefined);
  return { res, rec: r };
}

describe('simulated host: single member volume', () => {
  test('stages with the exact argv, is idempotent, and unstages in reverse', async () => {
    const a = assignment('vol-1', { mountPath: '/srv/data' });
    const { host, runner, ctx } = setup(a);
    const { res, rec } = await stage(ctx, a);
    const m = a.placement.members[0];
    expect(res.devicePath).toBe('/dev/disk/by-id/' + nvmeLink(m, false).split('/').pop());
    const mutating = runner.lines().filter((l) => !/^(readlink|blockdev|findmnt|blkid|dumpe2fs|xfs_info|mdadm --detail|mdadm --examine|cryptsetup status|cryptsetup isLuks)/.test(l));
    expect(mutating).toEqual([
      `nvme connect --transport tcp --traddr 10.0.0.5 --trsvcid 4420 --nqn ${nvmeNqn(m, false)}`,
      `mkfs.ext4 -q -E nodiscard -L tessera -U ${filesystemUuid('vol-1')} ${nvmeLink(m, false)}`,
      `mkdir -p ${STATE}/staging/vol-1`,
      `mount -t ext4 ${nvmeLink(m, false)} ${STATE}/staging/vol-1`,
      `mkdir -p /srv/data`,
      `mount --bind ${STATE}/staging/vol-1 /srv/data`,
    ]);
    host.writeFile('/srv/data/hello.txt', 'hi');

    runner.clear();
    await stage(ctx, a, rec);
    expect(runner.lines().filter((l) => /^(nvme connect|mkfs|mount )/.test(l))).toEqual([]);

    runner.clear();
    await unstageVolume(ctx, rec, async () => undefined);
    expect(runner.lines().filter((l) => /^(umount|nvme disconnect)/.test(l))).toEqual([
      'umount /srv/data',
      `umount ${STATE}/staging/vol-1`,
      `nvme disconnect --nqn ${nvmeNqn(m, false)}`,
    ]);
    expect(host.mounts).toEqual([]);
    expect(host.devices.size).toBe(0);

    // Stage again: the data is there and mkfs does not run.
    runner.clear();
    await stage(ctx, a, { assignment: a });
    expect(runner.lines().some((l) => l.startsWith('mkfs'))).toBe(false);
    expect(host.readFile('/srv/data/hello.txt')).toBe('hi');
  });

  test('iSCSI members use discovery + login, and logout on unstage', async () => {
    const a = assignment('vol-i', { transport: 'iscsi', mountPath: '/srv/i' });
    const { runner, ctx } = setup(a);
    ctx.portalOf = () => '10.0.0.7';
    const { rec } = await stage(ctx, a);
    const iqn = 'iqn.2026-01.io.tessera:enc-a.s-vol-i';
    expect(runner.lines()).toContain(`iscsiadm --mode discoverydb --type sendtargets --portal 10.0.0.7:3260 --discover`);
    expect(runner.lines()).toContain(`iscsiadm --mode node --targetname ${iqn} --portal 10.0.0.7:3260 --login`);
    await unstageVolume(ctx, rec, async () => undefined);
    expect(runner.lines()).toContain(`iscsiadm --mode node --targetname ${iqn} --portal 10.0.0.7:3260 --logout`);
  });

  test('a device that appears late is waited for', async () => {
    const a = assignment('vol-late');
    const fabric = new SimulatedFabric();
    fabric.exportMembers(a.placement.members, false);
    const host = new SimulatedHost(fabric, { deviceDelayMs: 50 });
    const ctx: HostContext = { runner: host, backend: 'simulated', stateDir: STATE, portalOf: () => '10.0.0.5', pollMs: 5 };
    await stage(ctx, a);
    const probes = host.log.filter((c) => c[0] === 'readlink').length;
    expect(probes).toBeGreaterThan(2);
  });

  test('a member the enclosure does not export fails at connect with the tool stderr', async () => {
    const a = assignment('vol-x');
    const host = new SimulatedHost(new SimulatedFabric());
    const ctx: HostContext = { runner: host, backend: 'simulated', stateDir: STATE, portalOf: () => '10.0.0.5', pollMs: 1 };
    const err = (await stage(ctx, a).catch((e) => e)) as StepError;
    expect(err).toBeInstanceOf(StepError);
    expect(err.step).toBe(`connect S-vol-x`);
    expect(err.stderr).toMatch(/could not add new controller/);
    expect(err.message).toMatch(/nvme connect --transport tcp/);
  });

  test('a busy mount fails unstage with umount stderr; converges once released', async () => {
    const a = assignment('vol-b', { mountPath: '/srv/b' });
    const { host, ctx } = setup(a);
    const { rec } = await stage(ctx, a);
    host.busy.add('/srv/b');
    const err = (await unstageVolume(ctx, rec, async () => undefined).catch((e) => e)) as StepError;
    expect(err.step).toBe('remove bind mount');
    expect(err.stderr).toMatch(/target is busy/);
    host.busy.delete('/srv/b');
    await unstageVolume(ctx, rec, async () => undefined);
    expect(host.mounts).toEqual([]);
  });

  test('mkfs never formats a device that holds another filesystem', async () => {
    const a = assignment('vol-f', { fsType: 'ext4' });
    const { host, ctx } = setup(a);
    const { rec } = await stage(ctx, a);
    await unstageVolume(ctx, rec, async () => undefined);
    const err = (await stage(ctx, { ...a, fsType: 'xfs' }).catch((e) => e)) as StepError;
    expect(err.step).toBe('mkfs.xfs if blank');
    expect(err.message).toMatch(/holds ext4 labelled "tessera" \(UUID [0-9a-f-]+\), not xfs: refusing to format data/);
    expect(host.log.filter((c) => c[0].startsWith('mkfs')).length).toBe(1);
  });

  test('a drive reused after a delete: the old Tessera volume\'s filesystem is wiped, never mounted', async () => {
    const first = assignment('vol-old', { members: [member('REUSED')], mountPath: '/srv/old' });
    const { host, fabric, runner, ctx } = setup(first);
    const { rec } = await stage(ctx, first);
    host.writeFile('/srv/old/private', 'tenant A');
    await unstageVolume(ctx, rec, async () => undefined);
    // The composer deleted vol-old and gave the same drive to vol-new.
    const next = assignment('vol-new', { members: [member('REUSED')], mountPath: '/srv/new' });
    fabric.exportMembers(next.placement.members, false);
    runner.clear();
    await stage(ctx, next);
    const dev = nvmeLink(next.placement.members[0], false);
    expect(runner.lines().filter((l) => /^(wipefs|mkfs)/.test(l))).toEqual([`wipefs --all ${dev}`, `mkfs.ext4 -q -E nodiscard -L tessera -U ${filesystemUuid('vol-new')} ${dev}`]);
    expect(host.readFile('/srv/new/private')).toBeUndefined();
  });

  test('data not made by Tessera is never formatted, wiped or mounted', async () => {
    const a = assignment('vol-foreign', { mountPath: '/srv/f' });
    const { host, ctx } = setup(a);
    const dev = nvmeLink(a.placement.members[0], false);
    // Someone made a filesystem on the drive by hand (no tessera label).
    await host.run({ file: 'nvme', args: ['connect', '--transport', 'tcp', '--traddr', '10.0.0.5', '--trsvcid', '4420', '--nqn', nvmeNqn(a.placement.members[0], false)] });
    await host.run({ file: 'mkfs.xfs', args: ['-q', dev] });
    const err = (await stage(ctx, a).catch((e) => e)) as StepError;
    expect(err.step).toBe('mkfs.ext4 if blank');
    expect(err.message).toMatch(/holds xfs \(UUID [0-9a-f-]+\), not made by Tessera: refusing to make a ext4 filesystem over data/);
    expect(host.log.filter((c) => c[0] === 'wipefs' || c[0] === 'mkfs.ext4')).toEqual([]);
    expect(host.isMounted('/srv/f')).toBe(false);
  });

  test('an old RAID1 (and its LUKS header) on reused members is wiped before the new array is made', async () => {
    const ms = [member('M1'), member('M2', { mirror: 1, enclosure: 'enc-b' })];
    const old = assignment('vol-oldr', { members: ms, raidLevel: 'raid1', encrypt: true, keyVersion: 1 });
    const { fabric, runner, ctx } = setup(old);
    const { rec } = await stage(ctx, old);
    await unstageVolume(ctx, rec, async () => undefined);
    const next = assignment('vol-newr', { members: ms, raidLevel: 'raid1' });
    fabric.exportMembers(ms, false);
    runner.clear();
    await stage(ctx, next);
    const [d0, d1] = ms.map((m) => nvmeLink(m, false));
    const lines = runner.lines().filter((l) => /^(wipefs|mdadm --create|mkfs)/.test(l));
    expect(lines[0]).toBe(`wipefs --all ${d0}`);
    expect(lines[1]).toBe(`wipefs --all ${d1}`);
    expect(lines[2]).toMatch(/^mdadm --create \/dev\/md\/vol-newr /);
    expect(lines[lines.length - 1]).toMatch(/^mkfs\.ext4 .* \/dev\/md\/vol-newr$/);
  });

  test('raw block (fsType none) binds the device onto a file at mountPath', async () => {
    const a = assignment('vol-raw', { fsType: 'none', mountPath: '/srv/raw/dev0' });
    const { runner, ctx } = setup(a);
    await stage(ctx, a);
    const link = nvmeLink(a.placement.members[0], false);
    expect(runner.lines()).toEqual(expect.arrayContaining(['mkdir -p /srv/raw', 'touch /srv/raw/dev0', `mount --bind ${link} /srv/raw/dev0`]));
    expect(runner.lines().some((l) => l.startsWith('mkfs'))).toBe(false);
  });
});

describe('simulated host: RAID', () => {
  test('RAID1 creates the md array named after the volume id, assembles it on the next stage', async () => {
    const ms = [member('A1', { mirror: 0 }), member('B1', { enclosure: 'enc-b', storageGroup: 'sg-b', mirror: 1 })];
    const a = assignment('vol-r1', { members: ms, raidLevel: 'raid1', mountPath: '/srv/r1' });
    const { host, runner, ctx } = setup(a);
    const { rec } = await stage(ctx, a);
    const [d0, d1] = ms.map((m) => nvmeLink(m, false));
    expect(runner.lines()).toContain(`mdadm --create /dev/md/vol-r1 --run --metadata=1.2 --homehost=tessera --name=vol-r1 --level=1 --raid-devices=2 ${d0} ${d1}`);
    expect(runner.lines()).toContain(`mkfs.ext4 -q -E nodiscard -L tessera -U ${filesystemUuid('vol-r1')} /dev/md/vol-r1`);
    host.writeFile('/srv/r1/f', 'mirrored');
    await unstageVolume(ctx, rec, async () => undefined);
    expect(runner.lines()).toContain('mdadm --stop /dev/md/vol-r1');
    runner.clear();
    await stage(ctx, a, { assignment: a });
    expect(runner.lines()).toContain(`mdadm --assemble --run /dev/md/vol-r1 ${d0} ${d1}`);
    expect(runner.lines().some((l) => l.startsWith('mdadm --create') || l.startsWith('mkfs'))).toBe(false);
    expect(host.readFile('/srv/r1/f')).toBe('mirrored');
  });

  test('RAID10 orders members stripe by stripe, mirror halves adjacent (near-2)', async () => {
    const ms = [
      member('S1M1', { stripe: 1, mirror: 1, enclosure: 'e2' }),
      member('S0M0', { stripe: 0, mirror: 0, enclosure: 'e1' }),
      member('S1M0', { stripe: 1, mirror: 0, enclosure: 'e1' }),
      member('S0M1', { stripe: 0, mirror: 1, enclosure: 'e2' }),
    ];
    const a = assignment('vol-r10', { members: ms, raidLevel: 'raid10', fsType: 'xfs' });
    const { runner, ctx } = setup(a);
    await stage(ctx, a);
    const order = ['S0M0', 'S0M1', 'S1M0', 'S1M1'].map((s) => nvmeLink(ms.find((m) => m.serial === s)!, false));
    expect(runner.lines()).toContain(`mdadm --create /dev/md/vol-r10 --run --metadata=1.2 --homehost=tessera --name=vol-r10 --level=10 --layout=n2 --raid-devices=4 ${order.join(' ')}`);
    expect(runner.lines()).toContain(`mkfs.xfs -q -K -L tessera -m uuid=${filesystemUuid('vol-r10')} /dev/md/vol-r10`);
  });

  test('a blank member beside this array\'s member is a replacement: assembled without it, then added (docs/failure.md); the host refuses a subset without --run', async () => {
    const ms = [member('A2'), member('B2', { mirror: 1, enclosure: 'enc-b' })];
    const a = assignment('vol-r2', { members: ms, raidLevel: 'raid1' });
    const { fabric, ctx } = setup(a);
    const { rec } = await stage(ctx, a);
    await unstageVolume(ctx, rec, async () => undefined);
    // Another host sees only one half: it carries the superblock, the other half is a fresh blank extent.
    const host2 = new SimulatedHost(fabric);
    fabric.extents.set('B2@0', {});
    const runner2 = new RecordingRunner(host2);
    const r2 = await stage({ ...ctx, runner: runner2 }, a);
    expect(r2.res.degraded).toBeUndefined();
    expect(runner2.lines()).toContain(`mdadm --assemble --run /dev/md/vol-r2 ${nvmeLink(ms[0], false)}`);
    expect(runner2.lines()).toContain(`mdadm --manage /dev/md/vol-r2 --add ${nvmeLink(ms[1], false)}`);
    expect(fabric.extents.get('B2@0')?.content?.kind).toBe('md-member');
    await unstageVolume({ ...ctx, runner: runner2 }, r2.rec, async () => undefined);
    // And a host refuses to start an array from a subset of its members without --run.
    const host3 = new SimulatedHost(fabric);
    const link = nvmeLink(ms[0], false);
    const nqn = nvmeNqn(ms[0], false);
    expect((await host3.run({ file: 'nvme', args: ['connect', '--transport', 'tcp', '--traddr', '10.0.0.1', '--trsvcid', '4420', '--nqn', nqn] })).exitCode).toBe(0);
    const r = await host3.run({ file: 'mdadm', args: ['--assemble', '/dev/md/vol-r2', link] });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/assembled from 1 drive - not enough to start the array/);
  });

  test('a RAID1 half whose export is gone: assembled degraded with --run, data served, reported degraded', async () => {
    const ms = [member('D1'), member('D2', { mirror: 1, enclosure: 'enc-b' })];
    const a = assignment('vol-dg', { members: ms, raidLevel: 'raid1', mountPath: '/srv/dg' });
    const { fabric, host, runner, ctx } = setup(a);
    const { rec } = await stage(ctx, a);
    host.writeFile('/srv/dg/f', 'kept');
    await unstageVolume(ctx, rec, async () => undefined);
    fabric.exports.delete(nvmeNqn(ms[1], false));
    runner.clear();
    const { res } = await stage(ctx, a, rec);
    expect(res.degraded).toEqual(['D2']);
    expect(runner.lines()).toContain(`mdadm --assemble --run /dev/md/vol-dg ${nvmeLink(ms[0], false)}`);
    expect(runner.lines().some((l) => /^(mdadm --create|mkfs|wipefs)/.test(l))).toBe(false);
    expect(host.readFile('/srv/dg/f')).toBe('kept');
    // Both halves back: the next stage reports nothing missing.
    fabric.exportMember(ms[1], false);
    await unstageVolume(ctx, rec, async () => undefined);
    expect((await stage(ctx, a, rec)).res.degraded).toBeUndefined();
  });

  test('a first stage with a member missing creates no array (all members or none)', async () => {
    const ms = [member('N1'), member('N2', { mirror: 1, enclosure: 'enc-b' })];
    const a = assignment('vol-dn', { members: ms, raidLevel: 'raid1' });
    const { fabric, runner, ctx } = setup(a);
    fabric.exports.delete(nvmeNqn(ms[1], false));
    const err = (await stage(ctx, a).catch((e) => e)) as StepError;
    expect(err.step).toBe('assemble or create /dev/md/vol-dn');
    expect(err.message).toMatch(/N2 cannot be connected and no member holds this volume's array yet: refusing to create it without all members/);
    expect(runner.lines().some((l) => /^(mdadm --create|mkfs|wipefs)/.test(l))).toBe(false);
  });

  test('a member refused for a moment (a move\'s ACL not re-pointed yet) is tried again: the array is assembled whole, not degraded', async () => {
    const ms = [member('M1'), member('M2', { mirror: 1, enclosure: 'enc-b' })];
    const a = assignment('vol-dm', { members: ms, raidLevel: 'raid1' });
    const { fabric, runner, ctx } = setup(a);
    const first = await stage(ctx, a);
    expect(first.res.degraded).toBeUndefined();
    await unstageVolume(ctx, first.rec, async () => undefined);
    // On the next stage, M2's export is back only after the first connect attempt was refused.
    const nqn = nvmeNqn(ms[1], false);
    const held = fabric.exports.get(nqn)!;
    fabric.exports.delete(nqn);
    setTimeout(() => fabric.exports.set(nqn, held), 500);
    const { res } = await stage({ ...ctx, degradedGraceMs: 10_000 }, a, first.rec);
    expect(res.degraded).toBeUndefined();
    expect(runner.lines().filter((l) => l.startsWith('nvme connect') && l.includes(nqn)).length).toBeGreaterThanOrEqual(3);
  });

  test('both halves of a RAID1 missing: the connect step fails', async () => {
    const ms = [member('B1'), member('B2', { mirror: 1, enclosure: 'enc-b' })];
    const a = assignment('vol-db', { members: ms, raidLevel: 'raid1' });
    const { fabric, ctx } = setup(a);
    ms.forEach((m) => fabric.exports.delete(nvmeNqn(m, false)));
    const err = (await stage(ctx, a).catch((e) => e)) as StepError;
    expect(err.step).toBe('connect B2');
  });
});

describe('simulated host: the server\'s fabric identity', () => {
  test('NVMe connects with the host NQN and host ID; iSCSI logs in through an interface carrying the initiator IQN', async () => {
    const a = assignment('vol-id', { members: [member('I1')] });
    const { runner, ctx } = setup(a);
    await stage({ ...ctx, server: 'k1' }, a);
    expect(runner.lines()).toContain(
      `nvme connect --transport tcp --traddr 10.0.0.5 --trsvcid 4420 --nqn ${nvmeNqn(a.placement.members[0], false)} --hostnqn ${hostNqn('k1')} --hostid ${hostId('k1')}`,
    );
    const b = assignment('vol-is', { transport: 'iscsi', members: [member('I2')] });
    const s = setup(b);
    await stage({ ...s.ctx, server: 'k1' }, b);
    const iface = iscsiIface('k1');
    expect(s.runner.lines().filter((l) => l.startsWith('iscsiadm'))).toEqual([
      `iscsiadm --mode iface --interface ${iface}`,
      `iscsiadm --mode iface --interface ${iface} --op new`,
      `iscsiadm --mode iface --interface ${iface} --op update --name iface.initiatorname --value ${initiatorIqn('k1')}`,
      `iscsiadm --mode discoverydb --type sendtargets --portal 10.0.0.5:3260 --interface ${iface} --discover`,
      `iscsiadm --mode node --targetname ${iscsiIqn(b.placement.members[0], false)} --portal 10.0.0.5:3260 --interface ${iface} --login`,
    ]);
    expect(s.host.ifaces.get(iface)).toBe(initiatorIqn('k1'));
  });
});

describe('simulated host: LUKS2', () => {
  test('formats with the key on stdin only and opens it; exact argv', async () => {
    const a = assignment('vol-e', { encrypt: true, keyVersion: 1, mountPath: '/srv/e' });
    const { host, runner, ctx } = setup(a);
    const { res, rec } = await stage(ctx, a);
    const dev = nvmeLink(a.placement.members[0], false);
    const fmt = runner.commands.find((c) => c.args[0] === 'luksFormat')!;
    expect([fmt.file, ...fmt.args].join(' ')).toBe(
      `cryptsetup luksFormat --batch-mode --type luks2 --cipher aes-xts-plain64 --key-size 512 --pbkdf pbkdf2 --pbkdf-force-iterations 1000 --label tessera:vol-e --key-file=- ${dev}`,
    );
    expect(fmt.stdinBytes).toBe(64);
    const open = runner.commands.find((c) => c.args[0] === 'open')!;
    expect([open.file, ...open.args].join(' ')).toBe(`cryptsetup open --type luks2 --key-file=- ${dev} tessera-vol-e`);
    expect(open.stdinBytes).toBe(64);
    expect(runner.lines()).toContain(`mkfs.ext4 -q -E nodiscard -L tessera -U ${filesystemUuid('vol-e')} /dev/mapper/tessera-vol-e`);
    expect(res.devicePath).toBe('/dev/mapper/tessera-vol-e');
    expect(res.keyVersion).toBe(1);
    // No key bytes in any argv.
    const key = (await new DerivedKeys().get('vol-e', 1)).key;
    for (const c of runner.commands) for (const arg of c.args) {
      expect(arg).not.toContain(key.toString('base64'));
      expect(arg).not.toContain(key.toString('hex'));
      expect(arg).not.toContain(key.toString('latin1'));
    }
    host.writeFile('/srv/e/secret.txt', 'x');
    await unstageVolume(ctx, rec, async () => undefined);
    expect(runner.lines()).toContain('cryptsetup close tessera-vol-e');
  });

  test('a wrong key is refused by the host (no format over an existing header)', async () => {
    const a = assignment('vol-w', { encrypt: true, keyVersion: 1 });
    const { runner, ctx, keys } = setup(a);
    const { rec } = await stage(ctx, a);
    await unstageVolume(ctx, rec, async () => undefined);
    keys.secret = 'a different secret';
    const err = (await stage(ctx, a, { assignment: a }).catch((e) => e)) as StepError;
    expect(err.step).toBe('open or format LUKS2 tessera-vol-w');
    expect(err.stderr).toMatch(/No key available with this passphrase/);
    expect(runner.lines().filter((l) => l.includes('luksFormat')).length).toBe(1);
  });

  test('refuses to encrypt over a device that already holds a filesystem', async () => {
    const a = assignment('vol-p', { encrypt: false });
    const { ctx } = setup(a);
    const { rec } = await stage(ctx, a);
    await unstageVolume(ctx, rec, async () => undefined);
    const err = (await stage(ctx, { ...a, encrypt: true, keyVersion: 1 }).catch((e) => e)) as StepError;
    expect(err.message).toMatch(/holds ext4 .* of this volume and no LUKS header: refusing to encrypt over data/);
  });

  test('key rotation: luksAddKey (old then new key on stdin), then luksKillSlot of the old slot', async () => {
    const a = assignment('vol-rot', { encrypt: true, keyVersion: 1, mountPath: '/srv/rot' });
    const { host, fabric, runner, ctx, keys } = setup(a);
    const { rec } = await stage(ctx, a);
    host.writeFile('/srv/rot/f', 'kept');
    runner.clear();
    keys.currentVersion = 2;
    const a2 = { ...a, keyVersion: 2, generation: 2 };
    const { res } = await stage(ctx, a2, rec);
    const dev = nvmeLink(a.placement.members[0], false);
    const add = runner.commands.find((c) => c.args[0] === 'luksAddKey')!;
    expect([add.file, ...add.args].join(' ')).toBe(
      `cryptsetup luksAddKey --batch-mode --pbkdf pbkdf2 --pbkdf-force-iterations 1000 --key-file=- --keyfile-size 64 ${dev} - --new-keyfile-size 64`,
    );
    expect(add.stdinBytes).toBe(128);
    const kill = runner.commands.find((c) => c.args[0] === 'luksKillSlot')!;
    expect([kill.file, ...kill.args].join(' ')).toBe(`cryptsetup luksKillSlot --batch-mode --key-file=- ${dev} 0`);
    expect(res.keyVersion).toBe(2);
    // Still mounted: rotation is online.
    expect(host.readFile('/srv/rot/f')).toBe('kept');
    expect(runner.lines().some((l) => /^(umount|cryptsetup close)/.test(l))).toBe(false);
    const luks = [...fabric.extents.values()].find((h) => h.content?.kind === 'luks')!.content as { slots: (string | null)[] };
    expect(luks.slots.filter(Boolean).length).toBe(1);
  });
});

describe('simulated host: expand (slice growth)', () => {
  test('rescan, mdadm --grow, cryptsetup resize and resize2fs, online', async () => {
    const ms = [member('SL1', { offsetGiB: 10, sizeGiB: 2 }), member('SL2', { offsetGiB: 4, sizeGiB: 2, mirror: 1, enclosure: 'enc-b' })];
    const a = assignment('vol-g', { type: 'slice', kind: 'slice', members: ms, raidLevel: 'raid1', encrypt: true, keyVersion: 1, mountPath: '/srv/g' });
    const { host, fabric, runner, ctx } = setup(a);
    const { rec } = await stage(ctx, a);
    host.writeFile('/srv/g/f', 'x');
    const grown = ms.map((m) => ({ ...m, sizeGiB: 5 }));
    fabric.exportMembers(grown, true);
    runner.clear();
    const a2: Assignment = { ...a, generation: 2, placement: { ...a.placement, members: grown, capacityGiB: 5 } };
    await stage(ctx, a2, rec);
    const lines = runner.lines();
    expect(lines.filter((l) => l.startsWith('nvme ns-rescan')).length).toBe(2);
    expect(lines).toContain('mdadm --grow /dev/md/vol-g --size=max');
    expect(lines).toContain('cryptsetup resize --key-file=- tessera-vol-g');
    expect(lines).toContain('resize2fs /dev/mapper/tessera-vol-g');
    const fs = fabric.filesystems()[0];
    expect(fs.sizeBytes).toBeGreaterThan(4.9 * 1024 ** 3);
    expect(host.readFile('/srv/g/f')).toBe('x');
    // Converged: running again changes nothing.
    runner.clear();
    await stage(ctx, a2, rec);
    expect(runner.lines().some((l) => /^(nvme ns-rescan|mdadm --grow|cryptsetup resize|resize2fs)/.test(l))).toBe(false);
  });

  test('xfs grows with xfs_growfs on the staging mount point', async () => {
    const ms = [member('SX', { offsetGiB: 0, sizeGiB: 1 })];
    const a = assignment('vol-gx', { type: 'slice', members: ms, fsType: 'xfs' });
    const { fabric, runner, ctx } = setup(a);
    const { rec } = await stage(ctx, a);
    const grown = [{ ...ms[0], sizeGiB: 3 }];
    fabric.exportMembers(grown, true);
    runner.clear();
    await stage(ctx, { ...a, generation: 2, placement: { ...a.placement, members: grown } }, rec);
    expect(runner.lines()).toContain(`xfs_growfs ${STATE}/staging/vol-gx`);
  });
});

describe('mountPath changes', () => {
  test('moving the bind mount to a new mountPath unbinds the old one', async () => {
    const a = assignment('vol-mp', { mountPath: '/srv/old' });
    const { host, ctx } = setup(a);
    const { rec } = await stage(ctx, a);
    await stage(ctx, { ...a, mountPath: '/srv/new', generation: 2 }, rec);
    expect(host.isMounted('/srv/old')).toBe(false);
    expect(host.isMounted('/srv/new')).toBe(true);
    expect(rec.boundPath).toBe('/srv/new');
  });

  test.each([
    ['relative', 'srv/x', /must be an absolute path/],
    ['not normalised', '/srv/../etc', /must be normalised/],
    ['trailing slash', '/srv/x/', /must be normalised/],
    ['/proc', '/proc/self', /inside \/proc/],
    ['/sys', '/sys', /inside \/sys/],
    ['/dev', '/dev/sda', /inside \/dev/],
    ['/boot', '/boot/efi', /inside \/boot/],
    ['state dir', `${STATE}/staging/x`, /overlaps the agent's state directory/],
    ['ancestor of state dir', '/var/lib', /overlaps the agent's state directory/],
    ['/etc', '/etc', /inside \/etc, a system directory/],
    ['/usr/bin', '/usr/bin', /inside \/usr, a system directory/],
    ['/run', '/run/app', /inside \/run, a system directory/],
    ['/var/lib/<other app>', '/var/lib/dpkg', /outside the allowed mount roots \(\/mnt, \/srv, \/data, \/var\/lib\/tessera\)/],
    ['outside the roots', '/opt/app', /outside the allowed mount roots/],
    ['newline', '/srv/a\nb', /control character U\+000A/],
    ['tab', '/srv/a\tb', /control character U\+0009/],
    ['component over 255 bytes', `/srv/${'x'.repeat(256)}`, /is 256 bytes long; at most 255 bytes \(NAME_MAX\)/],
    ['over 4095 bytes', `/srv${'/abcdefgh'.repeat(460)}`, /is 4144 bytes long; at most 4095 bytes \(PATH_MAX\)/],
  ])('mountPath %s is refused before any step runs', async (_n, mountPath, re) => {
    const a = assignment('vol-bad', { mountPath });
    const { host, ctx } = setup(a);
    await expect(stage(ctx, a)).rejects.toThrow(re);
    await expect(stage(ctx, a)).rejects.toThrow(/^mountPath: /);
    expect(host.log).toEqual([]);
  });

  test('an agent with its own mount roots stages there and refuses the default ones', async () => {
    const a = assignment('vol-roots', { mountPath: '/export/tenant/a' });
    const { host, ctx } = setup(a);
    await expect(stage(ctx, a)).rejects.toThrow(/^mountPath: "\/export\/tenant\/a" is outside the allowed mount roots/);
    const custom = { ...ctx, mountRoots: ['/export'] };
    await stage(custom, a);
    expect(host.isMounted('/export/tenant/a')).toBe(true);
    const b = assignment('vol-roots-b', { mountPath: '/srv/b' });
    await expect(stage(custom, b)).rejects.toThrow(/outside the allowed mount roots \(\/export\)/);
  });
});

describe('simulated host: crash at every step (RAID1 + LUKS2 + xfs)', () => {
  test('after a restart the host converges; mdadm --create, luksFormat and mkfs each ran exactly once', async () => {
    const ms = [member('CA'), member('CB', { mirror: 1, enclosure: 'enc-b' })];
    const a = assignment('vol-cr', { members: ms, raidLevel: 'raid1', fsType: 'xfs', encrypt: true, keyVersion: 1, mountPath: '/srv/cr' });
    const count = setup(a);
    const total = (await stage(count.ctx, a)).res.steps.length;
    expect(total).toBe(11); // connect x2, wait, md, LUKS, rotate, resize, mkfs, mount, grow, bind
    for (let n = 1; n <= total; n++) {
      for (const when of ['before', 'after'] as const) {
        const { host, ctx } = setup(a);
        const rec: VolumeRecord = { assignment: a };
        const crashing = { ...ctx, faults: new FaultInjector([{ mode: 'crash', step: n, when }]) };
        await expect(stageVolume(crashing, a, rec, async () => undefined)).rejects.toBeInstanceOf(AgentCrash);
        await stageVolume(ctx, a, rec, async () => undefined);
        const ran = (file: string, sub?: string) => host.log.filter((c) => c[0] === file && (!sub || c[1] === sub)).length;
        expect({ n, when, create: ran('mdadm', '--create'), format: ran('cryptsetup', 'luksFormat'), mkfs: ran('mkfs.xfs') }).toEqual({ n, when, create: 1, format: 1, mkfs: 1 });
        expect(host.isMounted('/srv/cr')).toBe(true);
        host.writeFile('/srv/cr/f', `n=${n}`);
        // Unstage, crashing at the same step number, then finish; stage again: the data is there.
        await unstageVolume({ ...ctx, faults: new FaultInjector([{ mode: 'crash', step: n, when, op: 'unstage' }]) }, rec, async () => undefined).catch((e) => {
          if (!(e instanceof AgentCrash)) throw e;
        });
        await unstageVolume(ctx, rec, async () => undefined);
        expect(host.mounts).toEqual([]);
        expect(host.devices.size).toBe(0);
        await stageVolume(ctx, a, { assignment: a }, async () => undefined);
        expect(host.readFile('/srv/cr/f')).toBe(`n=${n}`);
        expect(ran('mkfs.xfs') + ran('cryptsetup', 'luksFormat') + ran('mdadm', '--create')).toBe(3);
      }
    }
  });
});
