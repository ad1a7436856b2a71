// The exact command lines the agent runs. Pure builders: the steps, `tessera agent plan`, the
// simulated host and the argv tests all use these, so what is planned is what runs.
// No builder ever takes key material: keys go on stdin (--key-file=-); when cryptsetup needs two
// keys (luksAddKey), both go on stdin, the old one first, split by their (non-secret) sizes.
import type { HostCommand } from './runner';

type Cmd = Pick<HostCommand, 'file' | 'args' | 'timeoutMs'>;
const c = (file: string, ...args: string[]): Cmd => ({ file, args });

/** LUKS keyslots are unlocked by full-entropy derived keys, so a slow PBKDF adds nothing but
 * minutes per stage; PBKDF2 at its minimum keeps the header valid and opening fast. */
const PBKDF = ['--pbkdf', 'pbkdf2', '--pbkdf-force-iterations', '1000'];

export const cmd = {
  // --- probes shared by every backend
  readlinkExisting: (p: string) => c('readlink', '--canonicalize-existing', p),
  blockdevSize: (dev: string) => c('blockdev', '--getsize64', dev),
  mkdirP: (p: string) => c('mkdir', '-p', p),
  touch: (p: string) => c('touch', p),
  findmnt: (target: string) => c('findmnt', '--json', '--output', 'SOURCE,TARGET,FSTYPE', '--mountpoint', target),
  blkid: (dev: string) => c('blkid', '-p', '-o', 'export', dev),
  /** Erase every signature blkid sees (used only on a deleted volume's leftovers, see steps.ts). */
  wipefs: (dev: string) => c('wipefs', '--all', dev),

  // --- lab: loop devices over the enclosure's drive files
  losetupList: () => c('losetup', '--list', '--json', '--output', 'NAME,BACK-FILE,OFFSET,SIZELIMIT'),
  losetupAttach: (file: string, offsetBytes?: number, sizeBytes?: number) =>
    c(
      'losetup', '--find', '--show',
      ...(offsetBytes === undefined ? [] : ['--offset', String(offsetBytes)]),
      ...(sizeBytes === undefined ? [] : ['--sizelimit', String(sizeBytes)]),
      file,
    ),
  losetupDetach: (dev: string) => c('losetup', '--detach', dev),

  // --- NVMe over fabrics (tcp for nvmetcp, rdma for roce)
  /** With `host`: this server's host NQN and host ID, the identity the enclosure's ACL admits. */
  nvmeConnect: (transport: 'tcp' | 'rdma', addr: string, port: string, nqn: string, host?: { nqn: string; id: string }) =>
    c(
      'nvme', 'connect', '--transport', transport, '--traddr', addr, '--trsvcid', port, '--nqn', nqn,
      ...(host ? ['--hostnqn', host.nqn, '--hostid', host.id] : []),
    ),
  nvmeDisconnect: (nqn: string) => c('nvme', 'disconnect', '--nqn', nqn),
  nvmeRescan: (controller: string) => c('nvme', 'ns-rescan', controller),

  // --- iSCSI. With `iface`: sessions go through an open-iscsi interface record that carries this
  // server's initiator IQN (the enclosure's ACL), whatever /etc/iscsi/initiatorname.iscsi says.
  iscsiIfaceShow: (iface: string) => c('iscsiadm', '--mode', 'iface', '--interface', iface),
  iscsiIfaceNew: (iface: string) => c('iscsiadm', '--mode', 'iface', '--interface', iface, '--op', 'new'),
  iscsiIfaceSetInitiator: (iface: string, iqn: string) =>
    c('iscsiadm', '--mode', 'iface', '--interface', iface, '--op', 'update', '--name', 'iface.initiatorname', '--value', iqn),
  iscsiDiscover: (portal: string, iface?: string) =>
    c('iscsiadm', '--mode', 'discoverydb', '--type', 'sendtargets', '--portal', portal, ...(iface ? ['--interface', iface] : []), '--discover'),
  iscsiLogin: (iqn: string, portal: string, iface?: string) =>
    c('iscsiadm', '--mode', 'node', '--targetname', iqn, '--portal', portal, ...(iface ? ['--interface', iface] : []), '--login'),
  iscsiLogout: (iqn: string, portal: string) => c('iscsiadm', '--mode', 'node', '--targetname', iqn, '--portal', portal, '--logout'),
  iscsiRescan: (iqn: string, portal: string) => c('iscsiadm', '--mode', 'node', '--targetname', iqn, '--portal', portal, '--rescan'),

  // --- md RAID
  mdDetail: (md: string) => c('mdadm', '--detail', '--export', md),
  mdExamine: (dev: string) => c('mdadm', '--examine', '--export', dev),
  /** --run: start the array even when a member is missing (degraded, reported as such: steps.ts). */
  mdAssemble: (md: string, devs: string[]) => c('mdadm', '--assemble', '--run', md, ...devs),
  mdCreate: (md: string, name: string, level: 'raid1' | 'raid10', devs: string[]) =>
    c(
      'mdadm', '--create', md, '--run', '--metadata=1.2', '--homehost=tessera', `--name=${name}`,
      ...(level === 'raid1' ? ['--level=1'] : ['--level=10', '--layout=n2']),
      `--raid-devices=${devs.length}`, ...devs,
    ),
  mdGrow: (md: string) => c('mdadm', '--grow', md, '--size=max'),
  /** A replacement member joins the running array; md resyncs onto it (docs/failure.md). */
  mdAdd: (md: string, dev: string) => c('mdadm', '--manage', md, '--add', dev),
  /** md copies onto SPARE while OLD keeps serving, then marks OLD faulty (mdadm(8) --replace/--with; SPARE must already be a spare). */
  mdReplace: (md: string, old: string, spare: string) => c('mdadm', '--manage', md, '--replace', old, '--with', spare),
  /** Faulty members (their drive died, or a finished --replace let them go) leave the array, so their device can be disconnected. */
  mdRemoveFailed: (md: string) => c('mdadm', '--manage', md, '--remove', 'failed'),
  /** Members whose device node is gone (disconnected) are failed and leave the array (mdadm(8) "detached"). */
  mdRemoveDetached: (md: string) => c('mdadm', '--manage', md, '--fail', 'detached', '--remove', 'detached'),
  /** The human form of --detail: "Rebuild Status : N% complete" while md resyncs onto a member. */
  mdDetailText: (md: string) => c('mdadm', '--detail', md),
  mdStop: (md: string) => c('mdadm', '--stop', md),

  // --- dm-crypt / LUKS2: keys are on stdin (--key-file=-)
  cryptStatus: (name: string) => c('cryptsetup', 'status', name),
  cryptIsLuks: (dev: string) => c('cryptsetup', 'isLuks', dev),
  cryptFormat: (dev: string, cipher: string, keySizeBits: number, label: string) =>
    c('cryptsetup', 'luksFormat', '--batch-mode', '--type', 'luks2', '--cipher', cipher, '--key-size', String(keySizeBits), ...PBKDF, '--label', label, '--key-file=-', dev),
  cryptOpen: (dev: string, name: string) => c('cryptsetup', 'open', '--type', 'luks2', '--key-file=-', dev, name),
  cryptClose: (name: string) => c('cryptsetup', 'close', name),
  cryptResize: (name: string) => c('cryptsetup', 'resize', '--key-file=-', name),
  /** Exit 0 and "Key slot N unlocked." when the key on stdin opens a slot. */
  cryptTestKey: (dev: string) => c('cryptsetup', 'open', '--test-passphrase', '--verbose', '--key-file=-', dev),
  /** Both keys on stdin: the existing key (oldBytes long), then the new key (newBytes long). */
  cryptAddKey: (dev: string, oldBytes: number, newBytes: number) =>
    c('cryptsetup', 'luksAddKey', '--batch-mode', ...PBKDF, '--key-file=-', '--keyfile-size', String(oldBytes), dev, '-', '--new-keyfile-size', String(newBytes)),
  /** A key that stays valid on stdin authorises the removal. */
  cryptKillSlot: (dev: string, slot: number) => c('cryptsetup', 'luksKillSlot', '--batch-mode', '--key-file=-', dev, String(slot)),

  // --- lab stand-ins for md and dm on a kernel without either (./lab-standin.ts)
  /** One 4 KiB block at `offsetBlocks` (an md superblock), from stdin, flushed before exit. */
  ddBlock: (dev: string, offsetBlocks: number) =>
    c('dd', `of=${dev}`, 'bs=4096', `seek=${offsetBlocks}`, 'count=1', 'iflag=fullblock', 'conv=notrunc,fsync', 'status=none'),
  findmntSource: (dev: string) => c('findmnt', '--noheadings', '--output', 'TARGET', '--source', dev),
  losetupCapacity: (dev: string) => c('losetup', '--set-capacity', dev),
  luksDump: (dev: string) => c('cryptsetup', 'luksDump', dev),

  // --- filesystems
  mkfs: (fsType: 'ext4' | 'xfs', dev: string, uuid: string): Cmd =>
    fsType === 'ext4'
      ? { ...c('mkfs.ext4', '-q', '-E', 'nodiscard', '-L', 'tessera', '-U', uuid, dev), timeoutMs: 600_000 }
      : { ...c('mkfs.xfs', '-q', '-K', '-L', 'tessera', '-m', `uuid=${uuid}`, dev), timeoutMs: 600_000 },
  mount: (fsType: string, dev: string, target: string) => c('mount', '-t', fsType, dev, target),
  bindMount: (source: string, target: string) => c('mount', '--bind', source, target),
  umount: (target: string) => c('umount', target),
  /** Filesystem size probes: ext4 by device, xfs by mount point. */
  dumpe2fs: (dev: string) => c('dumpe2fs', '-h', dev),
  xfsInfo: (mountpoint: string) => c('xfs_info', mountpoint),
  /** "inprogress = 1": mkfs.xfs set the flag first and did not get to clear it (a torn mkfs). */
  xfsInProgress: (dev: string) => c('xfs_db', '-r', '-c', 'sb 0', '-c', 'p inprogress', dev),
  /** resize2fs refuses to grow an unmounted ext4 that was not checked since it was last mounted. */
  e2fsck: (dev: string): Cmd => ({ ...c('e2fsck', '-f', '-p', dev), timeoutMs: 600_000 }),
  growfs: (fsType: 'ext4' | 'xfs', dev: string, mountpoint: string): Cmd =>
    fsType === 'ext4' ? { ...c('resize2fs', dev), timeoutMs: 600_000 } : { ...c('xfs_growfs', mountpoint), timeoutMs: 600_000 },
};

export type BuiltCommand = Cmd;
