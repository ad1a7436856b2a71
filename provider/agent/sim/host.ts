// The simulated host: an in-memory model of one server's block devices (NVMe and iSCSI
// namespaces from the fabric, md arrays, dm-crypt mappings), filesystems and mounts. It answers
// the same argv the Linux runner runs (see ../commands.ts) and refuses what the kernel or the
// tools would refuse: mkfs on a device in use or holding data, assembling with a member missing,
// opening LUKS with a wrong key, unmounting a busy mount, stopping an array that is still held...
import * as crypto from 'node:crypto';
import * as path from 'node:path';
import type { CommandResult, HostCommand, Runner } from '../runner';
import { Content, FsContent, Holder, LUKS_HEADER, MD_DATA_OFFSET, SimArray, SimExport, SimulatedFabric, keyDigest } from './fabric';

interface SimDevice {
  path: string;
  kind: 'nvme' | 'iscsi' | 'md' | 'dm';
  sizeBytes: number;
  holder: Holder;
  export?: SimExport;
  controller?: string;
  portal?: string;
  array?: SimArray;
  dmName?: string;
  lower?: string;
  /** Fabric extent key for NVMe/iSCSI devices (identifies the member across hosts). */
  holderKey?: string;
}

interface SimMount {
  source: string;
  target: string;
  fsType: string;
  fs?: FsContent;
  bind: boolean;
}

interface Parsed {
  flags: Map<string, string | true>;
  pos: string[];
}

const VALUED = new Set([
  '--output', '--mountpoint', '-o', '-t', '-E', '--transport', '--traddr', '--trsvcid', '--nqn', '--mode', '--type',
  '--portal', '--targetname', '--cipher', '--key-size', '--pbkdf', '--pbkdf-force-iterations', '--offset', '--sizelimit',
  '--keyfile-size', '--new-keyfile-size', '-U', '-m', '-L', '--label', '--hostnqn', '--hostid', '--interface', '--op', '--name', '--value',
]);

function parse(args: string[]): Parsed {
  const flags = new Map<string, string | true>();
  const pos: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a.startsWith('-') && a.length > 1) {
      const eq = a.indexOf('=');
      if (a.startsWith('--') && eq > 0) flags.set(a.slice(0, eq), a.slice(eq + 1));
      else if (VALUED.has(a) && i + 1 < args.length) flags.set(a, args[++i]);
      else flags.set(a, true);
    } else pos.push(a);
  }
  return { flags, pos };
}

const ok = (stdout = ''): CommandResult => ({ exitCode: 0, stdout, stderr: '' });
const fail = (exitCode: number, stderr: string): CommandResult => ({ exitCode, stdout: '', stderr: stderr.endsWith('\n') ? stderr : `${stderr}\n` });

export interface SimulatedHostOptions {
  /** Devices of a new NVMe/iSCSI connection appear this many ms after connect (tests the wait step). */
  deviceDelayMs?: number;
  /** A member added to a running array (`mdadm --add`) resyncs for this long (default 0: at once). */
  resyncMs?: number;
}

export class SimulatedHost implements Runner {
  readonly devices = new Map<string, SimDevice>();
  readonly links = new Map<string, { target: string; readyAt: number }>();
  readonly dirs = new Set<string>(['/']);
  readonly plainFiles = new Set<string>();
  readonly mounts: SimMount[] = [];
  /** Mount targets a process holds open: umount fails with "target is busy". */
  readonly busy = new Set<string>();
  /** Every command this host ran, in order (argv only). */
  readonly log: string[][] = [];
  /** open-iscsi interface records: name -> initiator IQN. */
  readonly ifaces = new Map<string, string>();
  private nextNvme = 0;
  private nextSd = 0;

  constructor(readonly fabric: SimulatedFabric, private readonly opts: SimulatedHostOptions = {}) {}

  async run(cmd: HostCommand): Promise<CommandResult> {
    this.log.push([cmd.file, ...cmd.args]);
    const p = parse(cmd.args);
    switch (cmd.file) {
      case 'readlink': return this.readlink(p);
      case 'blockdev': return this.blockdev(p);
      case 'mkdir': return this.mkdir(p);
      case 'touch': return this.touch(p);
      case 'findmnt': return this.findmnt(p);
      case 'blkid': return this.blkid(p);
      case 'wipefs': return this.wipefs(p);
      case 'nvme': return this.nvme(p);
      case 'iscsiadm': return this.iscsiadm(p);
      case 'mdadm': return this.mdadm(p);
      case 'cryptsetup': return this.cryptsetup(p, cmd);
      case 'mkfs.ext4': return this.mkfs('ext4', p);
      case 'mkfs.xfs': return this.mkfs('xfs', p);
      case 'mount': return this.mount(p);
      case 'umount': return this.umount(p);
      case 'resize2fs': return this.resize2fs(p);
      case 'xfs_growfs': return this.xfsGrowfs(p);
      case 'dumpe2fs': return this.dumpe2fs(p);
      case 'xfs_info': return this.xfsInfo(p);
      case 'xfs_db': return this.xfsDb(p);
      case 'e2fsck': return this.e2fsck(p);
      default: return fail(127, `${cmd.file}: command not found on the simulated host`);
    }
  }

  // ---------------------------------------------------------------- helpers for tests and demo

  /** Write a file inside a mounted filesystem. */
  writeFile(file: string, data: string): void {
    const { fs, rel } = this.resolveFile(file);
    fs.files.set(rel, data);
    this.countIo();
  }

  readFile(file: string): string | undefined {
    const { fs, rel } = this.resolveFile(file);
    this.countIo();
    return fs.files.get(rel);
  }

  /** A file's I/O reaches the enclosures: every export this host has connected counts one (a coarse model of md spreading I/O over its members). */
  private countIo(): void {
    for (const d of this.devices.values()) if (d.export && !this.fabric.isFailed(d.export)) d.export.ioCount++;
  }

  isMounted(target: string): boolean {
    return this.mounts.some((m) => m.target === target);
  }

  private resolveFile(file: string): { fs: FsContent; rel: string } {
    const m = [...this.mounts].reverse().find((x) => file === x.target || file.startsWith(x.target.endsWith('/') ? x.target : `${x.target}/`));
    if (!m || !m.fs) throw new Error(`simulated host: ${file} is not inside a mounted filesystem`);
    return { fs: m.fs, rel: path.relative(m.target, file) };
  }

  private resolve(p: string): string | undefined {
    let cur = p;
    for (let i = 0; i < 8; i++) {
      const l = this.links.get(cur);
      if (!l) break;
      if (l.readyAt > Date.now()) return undefined;
      cur = l.target;
    }
    return cur;
  }

  private dev(p: string): SimDevice | undefined {
    const r = this.resolve(p);
    return r ? this.devices.get(r) : undefined;
  }

  /** Why a device cannot be taken exclusively, or undefined when it is free. */
  private holderOf(d: SimDevice): string | undefined {
    const m = this.mounts.find((x) => x.source === d.path);
    if (m) return `mounted on ${m.target}`;
    for (const o of this.devices.values()) {
      if (o.kind === 'md' && this.mdMemberDevices(o).includes(d.path)) return `a member of ${o.path}`;
      if (o.kind === 'dm' && o.lower === d.path) return `held by ${o.path}`;
    }
    return undefined;
  }

  private mdMembers = new Map<string, string[]>();
  private mdMemberDevices(md: SimDevice): string[] {
    return this.mdMembers.get(md.path) ?? [];
  }

  private exists(p: string): boolean {
    return this.dirs.has(p) || this.plainFiles.has(p) || this.dev(p) !== undefined;
  }

  // ---------------------------------------------------------------- probes

  private readlink(p: Parsed): CommandResult {
    const target = p.pos[0];
    const r = this.resolve(target);
    if (r && (this.devices.has(r) || this.dirs.has(r) || this.plainFiles.has(r))) return ok(`${r}\n`);
    return fail(1, '');
  }

  private blockdev(p: Parsed): CommandResult {
    const d = this.dev(p.pos[0]);
    if (!d) return fail(1, `blockdev: cannot open ${p.pos[0]}: No such file or directory`);
    return ok(`${d.sizeBytes}\n`);
  }

  private mkdir(p: Parsed): CommandResult {
    let cur = p.pos[0];
    const chain: string[] = [];
    while (cur !== '/' && cur !== '.') {
      chain.push(cur);
      cur = path.dirname(cur);
    }
    for (const d of chain) {
      if (this.plainFiles.has(d) || this.dev(d)) return fail(1, `mkdir: cannot create directory '${d}': File exists`);
      this.dirs.add(d);
    }
    return ok();
  }

  private touch(p: Parsed): CommandResult {
    const f = p.pos[0];
    if (!this.dirs.has(path.dirname(f))) return fail(1, `touch: cannot touch '${f}': No such file or directory`);
    if (!this.exists(f)) this.plainFiles.add(f);
    return ok();
  }

  private findmnt(p: Parsed): CommandResult {
    const target = p.flags.get('--mountpoint') as string;
    const found = this.mounts.filter((m) => m.target === target);
    if (found.length === 0) return fail(1, '');
    const fsList = found.map((m) => ({ source: m.source, target: m.target, fstype: m.fsType }));
    return ok(JSON.stringify({ filesystems: fsList }, null, 3));
  }

  private blkid(p: Parsed): CommandResult {
    const dev = p.pos[0];
    const d = this.dev(dev);
    if (!d) return fail(2, '');
    const c = d.holder.content;
    if (!c) return fail(2, '');
    const lines = [`DEVNAME=${dev}`];
    if (c.kind === 'fs') lines.push(...(c.label ? [`LABEL=${c.label}`] : []), `UUID=${c.uuid}`, `TYPE=${c.fsType}`, 'USAGE=filesystem');
    else if (c.kind === 'luks') lines.push('VERSION=2', ...(c.label ? [`LABEL=${c.label}`] : []), `UUID=${c.uuid}`, 'TYPE=crypto_LUKS', 'USAGE=crypto');
    else {
      const a = this.fabric.arrays.get(c.arrayUuid);
      lines.push(`UUID=${c.arrayUuid}`, `LABEL=${a?.name ?? ''}`, 'TYPE=linux_raid_member', 'USAGE=raid');
    }
    return ok(`${lines.join('\n')}\n`);
  }

  private wipefs(p: Parsed): CommandResult {
    const dev = p.pos[0];
    const d = this.dev(dev);
    if (!d) return fail(1, `wipefs: error: ${dev}: probing initialization failed: No such file or directory`);
    if (!p.flags.has('--all')) return fail(1, 'wipefs: the simulated host models --all only');
    const h = this.holderOf(d);
    if (h) return fail(1, `wipefs: error: ${dev}: probing initialization failed: Device or resource busy (${h})`);
    const c = d.holder.content;
    d.holder.content = undefined;
    return ok(c ? `${dev}: signature erased (${describe(c)})\n` : '');
  }

  // ---------------------------------------------------------------- transports

  private addFabricDevice(kind: 'nvme' | 'iscsi', e: SimExport, link: string, portal?: string): void {
    let devPath: string;
    let controller: string | undefined;
    if (kind === 'nvme') {
      const n = this.nextNvme++;
      controller = `/dev/nvme${n}`;
      devPath = `${controller}n1`;
    } else {
      const n = this.nextSd++;
      devPath = `/dev/sd${String.fromCharCode(97 + (n % 26))}${n >= 26 ? Math.floor(n / 26) : ''}`;
    }
    const holder = this.fabric.extent(e.extentKey);
    const d: SimDevice = { path: devPath, kind, sizeBytes: e.sizeBytes, holder, export: e, controller, portal, holderKey: e.extentKey };
    this.devices.set(devPath, d);
    this.links.set(link, { target: devPath, readyAt: Date.now() + (this.opts.deviceDelayMs ?? 0) });
  }

  private removeDevice(d: SimDevice): void {
    this.devices.delete(d.path);
    for (const [l, t] of this.links) if (t.target === d.path) this.links.delete(l);
  }

  private nvme(p: Parsed): CommandResult {
    const sub = p.pos[0];
    if (sub === 'connect') {
      const nqn = p.flags.get('--nqn') as string;
      const e = this.fabric.byNqn(nqn);
      if (e && this.fabric.isFailed(e)) return fail(1, 'Failed to write to /dev/nvme-fabrics: Connection refused\ncould not add new controller: failed to write to nvme-fabrics device');
      if (!e || !p.flags.get('--traddr')) return fail(1, 'Failed to write to /dev/nvme-fabrics: Input/output error\ncould not add new controller: failed to write to nvme-fabrics device');
      if ([...this.devices.values()].some((d) => d.kind === 'nvme' && d.export === e)) {
        return fail(114, 'Failed to write to /dev/nvme-fabrics: Operation already in progress\ncould not add new controller: already connected');
      }
      this.addFabricDevice('nvme', e, `/dev/disk/by-id/nvme-uuid.${e.nsUuid}`);
      return ok();
    }
    if (sub === 'disconnect') {
      const nqn = p.flags.get('--nqn') as string;
      const ds = [...this.devices.values()].filter((d) => d.kind === 'nvme' && d.export?.nqn === nqn);
      for (const d of ds) {
        const h = this.holderOf(d);
        if (h) return fail(1, `Failed to disconnect ${nqn}: ${d.path} is ${h} (the simulated host refuses to pull a device in use)`);
      }
      ds.forEach((d) => this.removeDevice(d));
      return ok(`NQN:${nqn} disconnected ${ds.length} controller(s)\n`);
    }
    if (sub === 'ns-rescan') {
      const ctrl = p.pos[1];
      const ds = [...this.devices.values()].filter((d) => d.controller === ctrl);
      if (ds.length === 0) return fail(1, `Failed to open ${ctrl}: No such file or directory`);
      for (const d of ds) d.sizeBytes = d.export!.sizeBytes;
      return ok();
    }
    return fail(1, `nvme: unknown subcommand ${sub}`);
  }

  private iscsiadm(p: Parsed): CommandResult {
    const iqn = p.flags.get('--targetname') as string | undefined;
    const portal = p.flags.get('--portal') as string;
    const iface = p.flags.get('--interface') as string | undefined;
    if (p.flags.get('--mode') === 'iface') {
      if (!iface) return fail(7, 'iscsiadm: iface mode needs --interface on the simulated host');
      const op = p.flags.get('--op');
      if (op === 'new') {
        if (this.ifaces.has(iface)) return fail(15, `iscsiadm: Could not create new interface ${iface}.`);
        this.ifaces.set(iface, '<empty>');
        return ok(`New interface ${iface} added\n`);
      }
      if (!this.ifaces.has(iface)) return fail(21, `iscsiadm: Could not read iface ${iface} (2).`);
      if (op === 'update' && p.flags.get('--name') === 'iface.initiatorname') {
        this.ifaces.set(iface, String(p.flags.get('--value')));
        return ok(`${iface} updated.\n`);
      }
      if (op === undefined) return ok(`# BEGIN RECORD\niface.iscsi_ifacename = ${iface}\niface.initiatorname = ${this.ifaces.get(iface)}\n# END RECORD\n`);
      return fail(7, 'iscsiadm: unsupported iface invocation on the simulated host');
    }
    if (iface && !this.ifaces.has(iface)) return fail(21, `iscsiadm: Could not read iface ${iface} (2).`);
    if (p.flags.has('--discover')) {
      const lines = [...this.fabric.exports.values()].map((e) => `${portal},1 ${e.iqn}`);
      return ok(`${lines.join('\n')}\n`);
    }
    const current = [...this.devices.values()].filter((d) => d.kind === 'iscsi' && d.export?.iqn === iqn && d.portal === portal);
    if (p.flags.has('--login')) {
      const e = iqn ? this.fabric.byIqn(iqn) : undefined;
      if (!e) return fail(21, `iscsiadm: No records found`);
      if (current.length > 0) return fail(15, `iscsiadm: default: 1 session requested, but 1 already present.\niscsiadm: Could not log into all portals`);
      this.addFabricDevice('iscsi', e, `/dev/disk/by-path/ip-${portal}-iscsi-${iqn}-lun-0`, portal);
      return ok(`Logging in to [iface: default, target: ${iqn}, portal: ${portal}]\nLogin to [iface: default, target: ${iqn}, portal: ${portal}] successful.\n`);
    }
    if (p.flags.has('--logout')) {
      if (current.length === 0) return fail(21, 'iscsiadm: No matching sessions found');
      for (const d of current) {
        const h = this.holderOf(d);
        if (h) return fail(1, `iscsiadm: ${d.path} is ${h}: the simulated host refuses to log out of a device in use`);
      }
      current.forEach((d) => this.removeDevice(d));
      return ok(`Logout of [sid: 1, target: ${iqn}, portal: ${portal}] successful.\n`);
    }
    if (p.flags.has('--rescan')) {
      if (current.length === 0) return fail(21, 'iscsiadm: No session found.');
      for (const d of current) d.sizeBytes = d.export!.sizeBytes;
      return ok(`Rescanning session [sid: 1, target: ${iqn}, portal: ${portal}]\n`);
    }
    return fail(7, 'iscsiadm: unsupported invocation on the simulated host');
  }

  // ---------------------------------------------------------------- md

  private mdSize(a: SimArray): number {
    return a.level === 'raid1' ? a.componentBytes : (a.componentBytes * a.members.length) / 2;
  }

  private mdadm(p: Parsed): CommandResult {
    const md = p.pos[0];
    if (p.flags.has('--detail')) {
      const d = this.devices.get(md);
      if (!d || d.kind !== 'md') return fail(1, `mdadm: cannot open ${md}: No such file or directory`);
      const a = d.array!;
      // As mdadm 4.2 --detail --export prints them: each working member's role and node (no MD_DEGRADED).
      const present = this.mdMemberDevices(d);
      this.endRecovery(a);
      if (!p.flags.has('--export')) {
        // The human form: only what the agent reads from it (the resync's progress).
        const r = a.recovery;
        const pct = r ? Math.floor((100 * (Date.now() - r.startedMs)) / Math.max(1, r.untilMs - r.startedMs)) : undefined;
        return ok([`${md}:`, `        Raid Level : ${a.level}`, `      Raid Devices : ${a.members.length}`, ...(pct !== undefined ? [`    Rebuild Status : ${pct}% complete`] : [])].join('\n') + '\n');
      }
      const members = present.flatMap((dv) => {
        const k = `MD_DEVICE_${dv.slice(1).replace(/\//g, '_')}`;
        const dev = this.devices.get(dv);
        // A member whose drive died is marked faulty by md at its first failed I/O.
        const key = dev?.holderKey ?? dv;
        const slot = a.replacing?.newKey === key ? a.members.indexOf(a.replacing.oldKey) : a.members.indexOf(key);
        // A device in no slot is a spare (added to a whole array); a replacement reads its target's slot, as md reports it.
        const role = (dev?.export && this.fabric.isFailed(dev.export)) || a.faulty?.includes(key) ? 'faulty' : slot < 0 ? 'spare' : String(slot);
        return [`${k}_ROLE=${role}`, `${k}_DEV=${dv}`];
      });
      return ok([`MD_LEVEL=${a.level}`, `MD_DEVICES=${a.members.length}`, `MD_NAME=${a.name}`, `MD_UUID=${a.uuid}`, `MD_METADATA=1.2`, ...members].join('\n') + '\n');
    }
    if (p.flags.has('--examine')) {
      const d = this.dev(md);
      if (!d) return fail(2, `mdadm: cannot open ${md}: No such file or directory`);
      const c = d.holder.content;
      if (c?.kind !== 'md-member') return fail(1, `mdadm: No md superblock detected on ${md}.`);
      const a = this.fabric.arrays.get(c.arrayUuid)!;
      return ok([`MD_LEVEL=${a.level}`, `MD_DEVICES=${a.members.length}`, `MD_NAME=${a.name}`, `MD_UUID=${a.uuid}`].join('\n') + '\n');
    }
    if (p.flags.has('--manage')) return this.mdManage(p, md);
    if (p.flags.has('--create')) return this.mdCreate(p, md);
    if (p.flags.has('--assemble')) return this.mdAssemble(p, md);
    if (p.flags.has('--grow')) {
      const d = this.devices.get(md);
      if (!d || d.kind !== 'md') return fail(1, `mdadm: cannot open ${md}: No such file or directory`);
      const members = this.mdMemberDevices(d).map((m) => this.devices.get(m)!);
      d.array!.componentBytes = Math.min(...members.map((m) => m.sizeBytes)) - MD_DATA_OFFSET;
      d.sizeBytes = this.mdSize(d.array!);
      return ok();
    }
    if (p.flags.has('--stop')) {
      const d = this.devices.get(md);
      if (!d || d.kind !== 'md') return fail(1, `mdadm: error opening ${md}: No such file or directory`);
      if (this.holderOf(d)) return fail(1, `mdadm: Cannot get exclusive access to ${md}:Perhaps a running process, mounted filesystem or active volume group?`);
      this.devices.delete(md);
      this.mdMembers.delete(md);
      return ok(`mdadm: stopped ${md}\n`);
    }
    return fail(1, 'mdadm: unsupported invocation on the simulated host');
  }

  private endRecovery(a: SimArray): void {
    if (a.recovery && Date.now() >= a.recovery.untilMs) {
      a.recovery = undefined;
      const r = a.replacing;
      if (r) {
        a.members[a.members.indexOf(r.oldKey)] = r.newKey;
        a.faulty = [...(a.faulty ?? []), r.oldKey];
        a.replacing = undefined;
      }
    }
  }

  /**
   * `mdadm --manage MD --add DEV`: a blank device (or one holding this array's superblock) takes
   * the first slot whose member is missing or faulty, and the array resyncs onto it (resyncMs).
   * A whole array takes it as a spare; `mdadm --manage MD --replace OLD --with SPARE` copies onto
   * the spare while OLD keeps serving, then OLD is faulty (as md's want_replacement does).
   * `mdadm --manage MD --remove failed`: faulty members leave the array (their device is free);
   * `--fail detached --remove detached`: so do members whose device is gone.
   */
  private mdManage(p: Parsed, md: string): CommandResult {
    const d = this.devices.get(md);
    if (!d || d.kind !== 'md') return fail(1, `mdadm: error opening ${md}: No such file or directory`);
    const a = d.array!;
    const present = this.mdMemberDevices(d);
    this.endRecovery(a);
    const faulty = (dv: string) => {
      const x = this.devices.get(dv);
      return !x || (x.export !== undefined && this.fabric.isFailed(x.export)) || !!a.faulty?.includes(x.holderKey ?? x.path);
    };
    if (p.flags.get('--remove') === 'failed' || (p.flags.has('--remove') && p.pos[1] === 'failed')) {
      const gone = present.filter(faulty).map((dv) => this.devices.get(dv)?.holderKey ?? dv);
      this.mdMembers.set(md, present.filter((dv) => !faulty(dv)));
      if (a.faulty) a.faulty = a.faulty.filter((k) => !gone.includes(k));
      return ok();
    }
    if (p.flags.has('--remove') && p.pos[1] === 'detached') {
      // --fail detached --remove detached: members whose device node is gone leave the array.
      this.mdMembers.set(md, present.filter((dv) => this.devices.has(dv)));
      return ok();
    }
    if (p.flags.has('--replace')) {
      // md copies onto the spare given with --with while the old member keeps serving (both copies stay).
      const [oldDv, newDv] = [p.pos[1], p.pos[2]];
      const o = oldDv ? this.dev(oldDv) : undefined;
      const n = newDv && p.flags.has('--with') ? this.dev(newDv) : undefined;
      if (!o || !n) return fail(1, 'mdadm: the simulated host models --replace OLD --with NEW only');
      const oKey = o.holderKey ?? o.path;
      const nKey = n.holderKey ?? n.path;
      if (!present.includes(o.path) || !a.members.includes(oKey) || faulty(o.path)) return fail(1, `mdadm: ${oldDv} is not an active member of ${md}`);
      if (!present.includes(n.path) || a.members.includes(nKey)) return fail(1, `mdadm: ${newDv} is not a spare of ${md}`);
      if (a.replacing) return fail(1, `mdadm: Cannot replace ${oldDv}: Device or resource busy`);
      a.replacing = { oldKey: oKey, newKey: nKey };
      const ms = this.opts.resyncMs ?? 0;
      a.recovery = { key: nKey, startedMs: Date.now(), untilMs: Date.now() + ms };
      this.endRecovery(a);
      return ok(`mdadm: Marked ${oldDv} (device ${a.members.indexOf(oKey)} in ${md}) for replacement\nmdadm: Marked ${newDv} in ${md} as replacement for device ${a.members.indexOf(oKey)}\n`);
    }
    if (!p.flags.has('--add')) return fail(1, 'mdadm: the simulated host models --manage --add DEV, --replace OLD --with NEW, --remove failed and --fail detached --remove detached only');
    const dv = p.pos[1];
    const x = this.dev(dv);
    if (!x) return fail(1, `mdadm: cannot find ${dv}: No such file or directory`);
    if (present.includes(x.path)) return fail(1, `mdadm: Cannot open ${dv}: Device or resource busy`);
    const h = this.holderOf(x);
    if (h) return fail(1, `mdadm: Cannot open ${dv}: Device or resource busy (${h})`);
    const c = x.holder.content;
    if (c && !(c.kind === 'md-member' && c.arrayUuid === a.uuid)) return fail(1, `mdadm: ${dv} appears to contain ${describe(c)}: refusing to add it in the simulated host`);
    this.endRecovery(a);
    const working = new Set(present.filter((m) => !faulty(m)).map((m) => this.devices.get(m)!.holderKey));
    const slot = a.members.findIndex((k) => !working.has(k));
    if (slot < 0) {
      // A whole array: the device becomes a spare (for --replace ... --with it).
      x.holder.content = { kind: 'md-member', arrayUuid: a.uuid };
      this.mdMembers.set(md, [...present, x.path]);
      return ok(`mdadm: added ${dv}\n`);
    }
    a.members[slot] = x.holderKey ?? x.path;
    x.holder.content = { kind: 'md-member', arrayUuid: a.uuid };
    this.mdMembers.set(md, [...present, x.path]);
    const ms = this.opts.resyncMs ?? 0;
    // md recovers one member after the other: a second add lengthens the resync.
    if (ms > 0) a.recovery = a.recovery ? { ...a.recovery, untilMs: a.recovery.untilMs + ms } : { key: a.members[slot], startedMs: Date.now(), untilMs: Date.now() + ms };
    return ok(`mdadm: added ${dv}\n`);
  }

  private mdCreate(p: Parsed, md: string): CommandResult {
    if (this.devices.has(md)) return fail(1, `mdadm: ${md} is already in use.`);
    const levelFlag = p.flags.get('--level');
    const level = levelFlag === '1' ? 'raid1' : levelFlag === '10' ? 'raid10' : undefined;
    if (!level) return fail(2, `mdadm: invalid raid level: ${String(levelFlag)}`);
    if (level === 'raid10' && p.flags.get('--layout') !== 'n2') return fail(2, 'mdadm: the simulated host models RAID10 near-2 only');
    const n = Number(p.flags.get('--raid-devices'));
    const devs = p.pos.slice(1);
    if (devs.length !== n) return fail(2, `mdadm: ${n} devices requested, ${devs.length} given`);
    if (!p.flags.has('--run')) return fail(1, 'mdadm: would ask "Continue creating array?" (no tty): pass --run');
    const members: SimDevice[] = [];
    for (const dv of devs) {
      const d = this.dev(dv);
      if (!d) return fail(1, `mdadm: cannot open ${dv}: No such file or directory`);
      const h = this.holderOf(d);
      if (h) return fail(1, `mdadm: cannot open ${dv}: Device or resource busy (${h})`);
      if (d.holder.content) return fail(1, `mdadm: ${dv} appears to contain ${describe(d.holder.content)}: refusing in the simulated host`);
      members.push(d);
    }
    // homehost:name, as mdadm stores it (32 bytes at most).
    const name = `${String(p.flags.get('--homehost') ?? 'any')}:${String(p.flags.get('--name') ?? path.basename(md))}`.slice(0, 32);
    const a: SimArray = {
      uuid: crypto.randomUUID(),
      name,
      level,
      members: members.map((m) => m.holderKey ?? m.path),
      componentBytes: Math.min(...members.map((m) => m.sizeBytes)) - MD_DATA_OFFSET,
      data: {},
    };
    this.fabric.arrays.set(a.uuid, a);
    for (const m of members) m.holder.content = { kind: 'md-member', arrayUuid: a.uuid };
    this.activateArray(md, a, members);
    return ok();
  }

  private activateArray(md: string, a: SimArray, members: SimDevice[]): void {
    this.devices.set(md, { path: md, kind: 'md', sizeBytes: this.mdSize(a), holder: a.data, array: a });
    this.mdMembers.set(md, members.map((m) => m.path));
  }

  private mdAssemble(p: Parsed, md: string): CommandResult {
    if (this.devices.has(md)) return fail(1, `mdadm: ${md} is already in use.`);
    const devs = p.pos.slice(1);
    const members: SimDevice[] = [];
    let array: SimArray | undefined;
    for (const dv of devs) {
      const d = this.dev(dv);
      if (!d) return fail(1, `mdadm: cannot open device ${dv}: No such file or directory\nmdadm: ${dv} has no superblock - assembly aborted`);
      const c = d.holder.content;
      if (c?.kind !== 'md-member') return fail(1, `mdadm: no RAID superblock on ${dv}\nmdadm: ${dv} has no superblock - assembly aborted`);
      const a = this.fabric.arrays.get(c.arrayUuid)!;
      if (array && a !== array) return fail(1, `mdadm: superblock on ${dv} doesn't match others - assembly aborted`);
      array = a;
      const h = this.holderOf(d);
      if (h) return fail(1, `mdadm: ${dv} is busy (${h}) - skipping`);
      members.push(d);
    }
    if (!array) return fail(1, 'mdadm: no devices found');
    const keys = members.map((m) => m.holderKey);
    const present = array.members.filter((k) => keys.includes(k));
    // RAID1 runs on one member; RAID10 near-2 on one of each adjacent pair.
    const runnable = array.level === 'raid1' ? present.length > 0 : array.members.every((k, i) => i % 2 === 1 || present.includes(k) || present.includes(array.members[i + 1]));
    if (present.length < array.members.length && (!p.flags.has('--run') || !runnable)) {
      return fail(1, `mdadm: ${md} assembled from ${present.length} drive${present.length === 1 ? '' : 's'} - not enough to start the array${runnable ? ' (pass --run to start it degraded)' : ''}.`);
    }
    // Device order follows the superblocks, not the command line.
    const ordered = array.members.flatMap((k) => members.filter((m) => m.holderKey === k));
    this.activateArray(md, array, ordered);
    const of = present.length < array.members.length ? ` (out of ${array.members.length})` : '';
    return ok(`mdadm: ${md} has been started with ${members.length} drive${members.length === 1 ? '' : 's'}${of}.\n`);
  }

  // ---------------------------------------------------------------- dm-crypt / LUKS2

  private dmByName(name: string): SimDevice | undefined {
    return this.devices.get(`/dev/mapper/${name}`);
  }

  private cryptsetup(p: Parsed, cmd: HostCommand): CommandResult {
    const action = p.pos[0];
    const key = cmd.stdin && p.flags.get('--key-file') === '-' ? cmd.stdin : undefined;
    const luksOf = (dv: string): { d?: SimDevice; luks?: Extract<Content, { kind: 'luks' }>; err?: CommandResult } => {
      const d = this.dev(dv);
      if (!d) return { err: fail(4, `Device ${dv} does not exist or access denied.`) };
      const c = d.holder.content;
      if (c?.kind !== 'luks') return { d, err: fail(1, `Device ${dv} is not a valid LUKS device.`) };
      return { d, luks: c };
    };
    const slotOf = (luks: Extract<Content, { kind: 'luks' }>, k: Buffer | undefined) =>
      k && k.length > 0 ? luks.slots.findIndex((s) => s === keyDigest(k)) : -1;

    switch (action) {
      case 'status': {
        const d = this.dmByName(p.pos[1]);
        if (!d) return fail(4, `/dev/mapper/${p.pos[1]} is inactive.`);
        return ok(`/dev/mapper/${p.pos[1]} is active.\n  type:    LUKS2\n  device:  ${d.lower}\n  size:    ${d.sizeBytes / 512} sectors\n`);
      }
      case 'isLuks': {
        const r = luksOf(p.pos[1]);
        return r.luks ? ok() : fail(1, '');
      }
      case 'luksFormat': {
        const dv = p.pos[1];
        const d = this.dev(dv);
        if (!d) return fail(4, `Device ${dv} does not exist or access denied.`);
        if (!key) return fail(1, 'Nothing to read on input.');
        if (!p.flags.has('--batch-mode')) return fail(1, 'WARNING: Device will be overwritten. Are you sure? (Type uppercase yes): (no tty)');
        const h = this.holderOf(d);
        if (h) return fail(5, `Cannot format device ${dv} in use (${h}).`);
        d.holder.content = {
          kind: 'luks',
          uuid: crypto.randomUUID(),
          cipher: String(p.flags.get('--cipher') ?? 'aes-xts-plain64'),
          keySizeBits: Number(p.flags.get('--key-size') ?? 512),
          slots: [keyDigest(key)],
          label: typeof p.flags.get('--label') === 'string' ? (p.flags.get('--label') as string) : undefined,
          payload: {},
        };
        return ok();
      }
      case 'open': {
        const dv = p.pos[1];
        const r = luksOf(dv);
        if (r.err) return r.err;
        const slot = slotOf(r.luks!, key);
        if (p.flags.has('--test-passphrase')) {
          if (slot < 0) return fail(2, 'No key available with this passphrase.');
          return ok(`Key slot ${slot} unlocked.\nCommand successful.\n`);
        }
        const name = p.pos[2];
        if (this.dmByName(name)) return fail(5, `Device ${name} already exists.`);
        if (slot < 0) return fail(2, 'No key available with this passphrase.');
        const h = this.holderOf(r.d!);
        if (h) return fail(5, `Cannot use device ${dv} which is in use (${h}).`);
        this.devices.set(`/dev/mapper/${name}`, {
          path: `/dev/mapper/${name}`,
          kind: 'dm',
          sizeBytes: r.d!.sizeBytes - LUKS_HEADER,
          holder: r.luks!.payload,
          dmName: name,
          lower: r.d!.path,
        });
        return ok();
      }
      case 'luksAddKey': {
        const r = luksOf(p.pos[1]);
        if (r.err) return r.err;
        // Both keys on stdin: --keyfile-size bytes of the old key, then --new-keyfile-size of the new one.
        const oldLen = Number(p.flags.get('--keyfile-size'));
        const newLen = Number(p.flags.get('--new-keyfile-size'));
        if (p.pos[2] !== '-' || !key || !(oldLen > 0) || !(newLen > 0) || key.length < oldLen + newLen) return fail(1, 'Failed to read new key file.');
        if (slotOf(r.luks!, key.subarray(0, oldLen)) < 0) return fail(2, 'No key available with this passphrase.');
        const free = r.luks!.slots.findIndex((s) => s === null);
        const slot = free >= 0 ? free : r.luks!.slots.length;
        if (slot >= 32) return fail(1, 'All key slots full.');
        r.luks!.slots[slot] = keyDigest(key.subarray(oldLen, oldLen + newLen));
        return ok();
      }
      case 'luksKillSlot': {
        const r = luksOf(p.pos[1]);
        if (r.err) return r.err;
        const slot = Number(p.pos[2]);
        if (!(slot >= 0) || !r.luks!.slots[slot]) return fail(1, `Keyslot ${p.pos[2]} is not active.`);
        if (slotOf(r.luks!, key) < 0) return fail(2, 'No key available with this passphrase.');
        r.luks!.slots[slot] = null;
        return ok();
      }
      case 'resize': {
        const d = this.dmByName(p.pos[1]);
        if (!d) return fail(4, `Device ${p.pos[1]} is not active.`);
        const lower = this.devices.get(d.lower!)!;
        const luks = lower.holder.content as Extract<Content, { kind: 'luks' }>;
        if (slotOf(luks, key) < 0) return fail(2, 'No key available with this passphrase.');
        d.sizeBytes = lower.sizeBytes - LUKS_HEADER;
        return ok();
      }
      case 'close': {
        const d = this.dmByName(p.pos[1]);
        if (!d) return fail(4, `Device ${p.pos[1]} is not active.`);
        if (this.holderOf(d)) return fail(5, `Device ${p.pos[1]} is still in use.`);
        this.devices.delete(d.path);
        return ok();
      }
      default:
        return fail(1, `cryptsetup: unsupported action ${action} on the simulated host`);
    }
  }

  // ---------------------------------------------------------------- filesystems and mounts

  private mkfs(fsType: 'ext4' | 'xfs', p: Parsed): CommandResult {
    const dv = p.pos[0];
    const d = this.dev(dv);
    if (!d) return fail(1, `mkfs.${fsType}: ${dv}: No such file or directory`);
    const h = this.holderOf(d);
    if (h) return fail(1, `${dv} is apparently in use by the system (${h}); will not make a filesystem here!`);
    const c = d.holder.content;
    if (c) {
      return fsType === 'ext4'
        ? fail(1, `${dv} contains ${describe(c)}\nProceed anyway? (y,N) (no tty: refused)`)
        : fail(1, `mkfs.xfs: ${dv} appears to contain an existing filesystem (${describe(c)}).\nmkfs.xfs: Use the -f option to force overwrite.`);
    }
    if (fsType === 'xfs' && d.sizeBytes < 300 * 1024 * 1024) return fail(1, 'Filesystem must be larger than 300MB.');
    const uuidFlag = fsType === 'ext4' ? p.flags.get('-U') : String(p.flags.get('-m') ?? '').replace(/^uuid=/, '');
    const uuid = typeof uuidFlag === 'string' && uuidFlag ? uuidFlag : crypto.randomUUID();
    const label = typeof p.flags.get('-L') === 'string' ? (p.flags.get('-L') as string) : undefined;
    d.holder.content = { kind: 'fs', fsType, uuid, label, sizeBytes: d.sizeBytes, files: new Map(), checked: true };
    return ok();
  }

  private mount(p: Parsed): CommandResult {
    const [source, target] = p.pos;
    if (!this.dirs.has(target) && !this.plainFiles.has(target)) return fail(32, `mount: ${target}: mount point does not exist.`);
    if (p.flags.has('--bind')) {
      const from = [...this.mounts].reverse().find((m) => m.target === source);
      if (from) {
        this.mounts.push({ source: from.source, target, fsType: from.fsType, fs: from.fs, bind: true });
        return ok();
      }
      const d = this.dev(source);
      if (d) {
        this.mounts.push({ source: d.path, target, fsType: 'devtmpfs', bind: true });
        return ok();
      }
      if (this.dirs.has(source)) return fail(32, `mount: ${target}: the simulated host binds only mount points and devices (${source} is a plain directory)`);
      return fail(32, `mount: ${target}: special device ${source} does not exist.`);
    }
    const d = this.dev(source);
    if (!d) return fail(32, `mount: ${target}: special device ${source} does not exist.`);
    const fsType = p.flags.get('-t');
    const c = d.holder.content;
    if (c?.kind !== 'fs' || c.fsType !== fsType) {
      return fail(32, `mount: ${target}: wrong fs type, bad option, bad superblock on ${source}, missing codepage or helper program, or other error.`);
    }
    if (this.mounts.some((m) => m.target === target && m.source === d.path)) return fail(32, `mount: ${target}: ${source} already mounted on ${target}.`);
    const h = this.holderOf(d);
    if (h && !h.startsWith('mounted on')) return fail(32, `mount: ${target}: ${source} already mounted or mount point busy.`);
    this.mounts.push({ source: d.path, target, fsType: c.fsType, fs: c, bind: false });
    c.checked = false;
    return ok();
  }

  private umount(p: Parsed): CommandResult {
    const target = p.pos[0];
    let i = -1;
    for (let j = this.mounts.length - 1; j >= 0; j--) if (this.mounts[j].target === target) { i = j; break; }
    if (i < 0) return fail(32, `umount: ${target}: not mounted.`);
    if (this.busy.has(target)) return fail(32, `umount: ${target}: target is busy.`);
    this.mounts.splice(i, 1);
    return ok();
  }

  private resize2fs(p: Parsed): CommandResult {
    const dv = p.pos[0];
    const d = this.dev(dv);
    if (!d) return fail(1, `resize2fs: No such file or directory while trying to open ${dv}`);
    const c = d.holder.content;
    if (c?.kind !== 'fs' || c.fsType !== 'ext4') return fail(1, `resize2fs: Bad magic number in super-block while trying to open ${dv}`);
    if (!this.mounts.some((m) => m.source === d.path) && !c.checked) return fail(1, `Please run 'e2fsck -f ${dv}' first.`);
    if (c.sizeBytes === d.sizeBytes) return ok(`The filesystem is already ${d.sizeBytes / 4096} (4k) blocks long.  Nothing to do!\n`);
    c.sizeBytes = d.sizeBytes;
    return ok(`The filesystem on ${dv} is now ${d.sizeBytes / 4096} (4k) blocks long.\n`);
  }

  private ext4(dv: string): { fs?: FsContent; err?: CommandResult } {
    const d = this.dev(dv);
    if (!d) return { err: fail(8, `No such file or directory while trying to open ${dv}`) };
    const c = d.holder.content;
    if (c?.kind !== 'fs' || c.fsType !== 'ext4') return { err: fail(8, `Bad magic number in super-block while trying to open ${dv}`) };
    return { fs: c };
  }

  private dumpe2fs(p: Parsed): CommandResult {
    const r = this.ext4(p.pos[0]);
    if (r.err) return r.err;
    return ok(`Filesystem UUID:          ${r.fs!.uuid}\nBlock count:              ${Math.floor(r.fs!.sizeBytes / 4096)}\nBlock size:               4096\n`);
  }

  private e2fsck(p: Parsed): CommandResult {
    const dv = p.pos[0];
    const r = this.ext4(dv);
    if (r.err) return r.err;
    const d = this.dev(dv)!;
    if (this.mounts.some((m) => m.source === d.path)) return fail(8, `${dv} is mounted.\ne2fsck: Cannot continue, aborting.`);
    r.fs!.checked = true;
    return ok(`${dv}: clean\n`);
  }

  private xfsInfo(p: Parsed): CommandResult {
    const m = this.mounts.find((x) => x.target === p.pos[0] && x.fs?.fsType === 'xfs');
    if (!m) return fail(1, `xfs_info: ${p.pos[0]} is not a mounted XFS filesystem`);
    return ok(`meta-data=${m.source} isize=512 agcount=4, agsize=1 blks\ndata     =                       bsize=4096   blocks=${Math.floor(m.fs!.sizeBytes / 4096)}, imaxpct=25\n`);
  }

  /** `xfs_db -r -c 'sb 0' -c 'p inprogress' DEV` only: the simulated mkfs is never torn. */
  private xfsDb(p: Parsed): CommandResult {
    const dv = p.pos[p.pos.length - 1];
    const c = this.dev(dv)?.holder.content;
    if (c?.kind !== 'fs' || c.fsType !== 'xfs') return fail(1, `xfs_db: ${dv} is not a valid XFS filesystem (unexpected SB magic number)`);
    return ok('inprogress = 0\n');
  }

  private xfsGrowfs(p: Parsed): CommandResult {
    const mp = p.pos[0];
    const m = this.mounts.find((x) => x.target === mp && x.fs?.fsType === 'xfs');
    if (!m) return fail(1, `xfs_growfs: ${mp} is not a mounted XFS filesystem`);
    const d = this.devices.get(m.source)!;
    m.fs!.sizeBytes = d.sizeBytes;
    return ok();
  }
}

function describe(c: Content): string {
  return c.kind === 'fs' ? `a ${c.fsType} file system` : c.kind === 'luks' ? 'a crypto_LUKS signature' : 'a linux_raid_member signature';
}
