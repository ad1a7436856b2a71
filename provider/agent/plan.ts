// `tessera agent plan VOLUME`: the steps and the exact command lines the agent would run to stage
// and unstage a volume, without running anything. Built from the same command builders and the
// same step order as ./steps.ts. `<key on stdin>` marks where key material is piped, never argv.
import type { Assignment, Volume } from '../api/contract';
import { cmd } from './commands';
import { BackendKind, memberAccess } from './members';
import { dmName, dmPath, filesystemUuid, mdMemberOrder, mdPath, ownerLabel, ownerTag, stagingPath } from './names';
import { commandLine } from './runner';
import { checkAssignment } from './steps';

export interface PlanStep {
  step: number;
  name: string;
  lines: string[];
}

export interface VolumePlan {
  volumeId: string;
  stage: PlanStep[];
  unstage: PlanStep[];
}

export interface PlanOptions {
  backend: BackendKind;
  stateDir: string;
  /** Trees a mountPath must be in (default /mnt, /srv, /data, /var/lib/tessera). */
  mountRoots?: readonly string[];
  labDir?: string;
  portalOf?: (enclosure: string) => string | undefined;
  /** The server the plan is for: its host NQN / initiator IQN appear in the connects. */
  server?: string;
}

const L = (c: Parameters<typeof commandLine>[0]) => commandLine(c);

/** An Assignment from a Volume as the composer returns it (for planning from the resource API). */
export function assignmentFromVolume(v: Volume): Assignment {
  return {
    volumeId: v.id,
    kind: 'volume',
    cluster: v.cluster,
    name: v.name,
    placement: { type: v.type, raidLevel: v.raidLevel, transport: v.transport, capacityGiB: v.capacityGiB, members: v.members },
    fsType: v.fsType,
    encrypt: v.encrypt,
    keyPolicy: v.keyPolicy,
    mountPath: v.mountPath,
    generation: v.observed?.generation ?? 1,
  };
}

export function planVolume(a: Assignment, o: PlanOptions): VolumePlan {
  checkAssignment(a, { stateDir: o.stateDir, roots: o.mountRoots });
  const id = a.volumeId;
  const slice = a.placement.type === 'slice' || a.kind === 'slice';
  const members = a.placement.raidLevel === 'raid10' ? mdMemberOrder(a.placement.members) : a.placement.members;
  const acc = members.map((m) => memberAccess(m, { backend: o.backend, transport: a.placement.transport, slice, labDir: o.labDir, portalOf: o.portalOf ?? (() => undefined), server: o.server }));
  const devs = o.backend === 'lab' ? acc.map((m) => `<loop device of ${m.label}>`) : acc.map((m) => m.planConnect()[0].replace(/^check: readlink --canonicalize-existing /, ''));
  const stage: PlanStep[] = [];
  const unstage: PlanStep[] = [];
  const add = (list: PlanStep[], name: string, lines: string[]) => list.push({ step: list.length + 1, name, lines });

  acc.forEach((m) => add(stage, `connect ${m.label}`, m.planConnect()));
  add(stage, 'wait for devices', [
    ...devs.map((d) => `poll: ${L(cmd.blockdevSize(d))}  until it exists and is >= ${acc[devs.indexOf(d)].expectedBytes} bytes`),
    'if smaller: rescan (nvme ns-rescan <controller> | iscsiadm --rescan)',
  ]);
  let data = devs[0];
  const raid = a.placement.raidLevel;
  if (raid !== 'none') {
    const md = mdPath(id);
    data = md;
    add(stage, `assemble or create ${md}`, [
      `check: ${L(cmd.mdDetail(md))}`,
      ...devs.map((d) => `check: ${L(cmd.blkid(d))}`),
      `if a member is an md member named ${ownerLabel(id)}: ${L(cmd.mdAssemble(md, devs))}`,
      `  unless this agent's own create was interrupted (its record) and only some members have one: ${L(cmd.wipefs('<member>'))} on those, then create`,
      `else: on each member holding another (deleted) Tessera volume's signature: ${L(cmd.wipefs('<member>'))}; anything not made by Tessera: fail`,
      `      ${L(cmd.mdCreate(md, ownerTag(id), raid, devs))}`,
      `if members grew: ${L(cmd.mdGrow(md))}`,
    ]);
  }
  let fsDev = data;
  if (a.encrypt) {
    const name = dmName(id);
    fsDev = dmPath(id);
    add(stage, `open or format LUKS2 ${name}`, [
      `check: ${L(cmd.cryptStatus(name))}`,
      `check: ${L(cmd.blkid(data))}`,
      `if LUKS labelled ${ownerLabel(id)}: ${L(cmd.cryptOpen(data, name))}  < key on stdin`,
      `  after this agent's own interrupted format (its record), when ${L(cmd.cryptTestKey(data))} fails with that key: ${L(cmd.wipefs(data))}, then format`,
      `else: another (deleted) Tessera volume's signature: ${L(cmd.wipefs(data))}; anything not made by Tessera: fail`,
      `      ${L(cmd.cryptFormat(data, 'aes-xts-plain64', 512, ownerLabel(id)))}  < key on stdin`,
      `                                 ${L(cmd.cryptOpen(data, name))}  < key on stdin`,
    ]);
    add(stage, 'rotate LUKS key', [
      `when the key version changed: ${L(cmd.cryptTestKey(data))}  < new key on stdin`,
      `if the new key opens no slot: ${L(cmd.cryptAddKey(data, 64, 64))}  < old key then new key on stdin`,
      `${L(cmd.cryptTestKey(data))}  < old key on stdin  (prints the old slot N)`,
      `${L(cmd.cryptKillSlot(data, 0)).replace(/ 0$/, ' N')}  < new key on stdin`,
    ]);
    add(stage, `resize ${name}`, [`if the container grew: ${L(cmd.cryptResize(name))}  < key on stdin`]);
  }
  const staging = stagingPath(o.stateDir, id);
  let publish = fsDev;
  if (a.fsType !== 'none') {
    const fsType = a.fsType;
    add(stage, `mkfs.${fsType} if blank`, [
      `check: ${L(cmd.blkid(fsDev))}  (exit 2 = nothing there)`,
      `if a ${fsType} labelled tessera with UUID ${filesystemUuid(id)}: nothing to do`,
      ...(fsType === 'xfs' ? [`  unless this agent's own mkfs was interrupted (its record) and ${L(cmd.xfsInProgress(fsDev))} says 1: ${L(cmd.wipefs(fsDev))}, then mkfs`] : []),
      `if another (deleted) Tessera volume's signature: ${L(cmd.wipefs(fsDev))}; anything not made by Tessera: fail, never format data`,
      `if blank: ${L(cmd.mkfs(fsType, fsDev, filesystemUuid(id)))}`,
    ]);
    const grow: [string, string[]] = [
      'grow filesystem',
      fsType === 'ext4'
        ? [`check: ${L(cmd.dumpe2fs(fsDev))} vs ${L(cmd.blockdevSize(fsDev))}`, `if smaller and not mounted: ${L(cmd.e2fsck(fsDev))}`, `if smaller: ${L(cmd.growfs(fsType, fsDev, staging))}`]
        : [`check: ${L(cmd.xfsInfo(staging))} vs ${L(cmd.blockdevSize(fsDev))}`, `if smaller: ${L(cmd.growfs(fsType, fsDev, staging))}`],
    ];
    if (fsType === 'ext4') add(stage, ...grow);
    add(stage, 'mount at staging path', [L(cmd.mkdirP(staging)), `check: ${L(cmd.findmnt(staging))}`, `if not mounted: ${L(cmd.mount(fsType, fsDev, staging))}`]);
    if (fsType === 'xfs') add(stage, ...grow);
    publish = staging;
  }
  if (a.mountPath) {
    const mp = a.mountPath;
    const real = `check: ${mp} with symlinks resolved is still under the mount roots (linux, lab)`;
    add(stage, `bind-mount at ${mp}`, [
      real,
      a.fsType === 'none' ? `${L(cmd.mkdirP(mp.slice(0, mp.lastIndexOf('/')) || '/'))}; ${L(cmd.touch(mp))}` : L(cmd.mkdirP(mp)),
      `check: ${L(cmd.findmnt(mp))}`,
      `if not mounted: ${real.replace('check: ', 'check again: ')}; ${L(cmd.bindMount(publish, mp))}`,
    ]);
    add(unstage, 'remove bind mount', [real, `check: ${L(cmd.findmnt(mp))}`, `if mounted: ${L(cmd.umount(mp))}`]);
  }
  if (a.fsType !== 'none') add(unstage, 'unmount staging path', [`check: ${L(cmd.findmnt(staging))}`, `if mounted: ${L(cmd.umount(staging))}`]);
  if (a.encrypt) add(unstage, `close ${dmName(id)}`, [`check: ${L(cmd.cryptStatus(dmName(id)))}`, `if active: ${L(cmd.cryptClose(dmName(id)))}`]);
  if (raid !== 'none') add(unstage, `stop ${mdPath(id)}`, [`check: ${L(cmd.mdDetail(mdPath(id)))}`, `if active: ${L(cmd.mdStop(mdPath(id)))}`]);
  acc.forEach((m) => add(unstage, `disconnect ${m.label}`, m.planDisconnect()));
  return { volumeId: id, stage, unstage };
}

export function formatPlan(p: VolumePlan): string {
  const section = (title: string, steps: PlanStep[]) =>
    [title, ...steps.flatMap((s) => [`  ${s.step}. ${s.name}`, ...s.lines.map((l) => `       ${l}`)])].join('\n');
  return [`volume ${p.volumeId}`, section('stage:', p.stage), section('unstage:', p.unstage)].join('\n');
}
