// How a member (a drive or an SSD extent in an enclosure) becomes a block device on this host:
// NVMe/TCP or NVMe/RDMA (`nvme connect`), iSCSI (`iscsiadm`), or, in the lab, a loop device over
// the drive's sparse file (`losetup`, a slice = --offset/--sizelimit). Each access checks the host
// before it acts, so connecting twice is a no-op.
import * as fs from 'node:fs';
import type { Transport } from '../model/inventory';
import type { Member } from '../model/placement';
import { cmd, BuiltCommand } from './commands';
import { CommandError, Runner, commandLine, mustRun } from './runner';
import { portalAddresses } from '../model/naming';
import { GiB, hostId, hostNqn, initiatorIqn, iscsiIface, iscsiIqn, iscsiLink, labDriveFile, memberLabel, nvmeLink, nvmeNqn } from './names';

export type BackendKind = 'linux' | 'lab' | 'simulated';

export interface MemberAccess {
  readonly label: string;
  readonly expectedBytes: number;
  /** The device when connected, else undefined. */
  probe(runner: Runner): Promise<string | undefined>;
  /** Connect when not connected; returns the device path (which may appear later). */
  connect(runner: Runner): Promise<string>;
  /** Make the kernel re-read the member's size (slice growth). */
  rescan(runner: Runner, device: string): Promise<void>;
  disconnect(runner: Runner): Promise<void>;
  /** Command lines for `tessera agent plan`. */
  planConnect(): string[];
  planDisconnect(): string[];
}

export interface AccessOptions {
  backend: BackendKind;
  transport: Transport;
  slice: boolean;
  labDir?: string;
  portalOf(enclosure: string): string | undefined;
  /** This server's inventory name: connects use its host NQN / initiator IQN (the enclosure's ACL). */
  server?: string;
}

export function memberAccess(m: Member, o: AccessOptions): MemberAccess {
  if (o.backend === 'lab') {
    if (!o.labDir) throw new Error('labDir: required for the lab backend');
    return new LoopAccess(m, o.slice, o.labDir);
  }
  if (o.transport === 'iscsi') return new IscsiAccess(m, o.slice, o.portalOf(m.enclosure), o.server);
  return new NvmeAccess(m, o.slice, o.transport === 'roce' ? 'rdma' : 'tcp', o.portalOf(m.enclosure), o.server);
}

function needPortal(m: Member, portal: string | undefined): string {
  if (!portal) throw new Error(`members[${m.serial}].enclosure: no portal known for enclosure "${m.enclosure}"`);
  return portal;
}

async function readlinkExisting(runner: Runner, p: string): Promise<string | undefined> {
  const r = await runner.run(cmd.readlinkExisting(p));
  return r.exitCode === 0 ? r.stdout.trim() : undefined;
}

class NvmeAccess implements MemberAccess {
  readonly label: string;
  readonly expectedBytes: number;
  private readonly nqn: string;
  private readonly link: string;
  private readonly host?: { nqn: string; id: string };
  constructor(private readonly m: Member, slice: boolean, private readonly trtype: 'tcp' | 'rdma', private readonly portal?: string, server?: string) {
    this.label = memberLabel(m, slice);
    this.expectedBytes = m.sizeGiB * GiB;
    this.nqn = nvmeNqn(m, slice);
    this.link = nvmeLink(m, slice);
    if (server !== undefined) this.host = { nqn: hostNqn(server), id: hostId(server) };
  }
  private connectCmd(): BuiltCommand {
    const { host, nvmePort } = portalAddresses(needPortal(this.m, this.portal));
    return cmd.nvmeConnect(this.trtype, host, String(nvmePort), this.nqn, this.host);
  }
  async probe(runner: Runner) {
    return (await readlinkExisting(runner, this.link)) ? this.link : undefined;
  }
  async connect(runner: Runner) {
    if (!(await this.probe(runner))) await mustRun(runner, this.connectCmd());
    return this.link;
  }
  async rescan(runner: Runner, device: string) {
    const real = (await readlinkExisting(runner, device)) ?? device;
    await mustRun(runner, cmd.nvmeRescan(real.replace(/n\d+$/, '')));
  }
  /** By NQN whether or not the device is there: a namespace pulled at the target leaves its
   * controller connected (and reconnecting) with no block device to find. */
  async disconnect(runner: Runner) {
    const r = await runner.run(cmd.nvmeDisconnect(this.nqn));
    if (r.exitCode !== 0 && (await this.probe(runner))) throw new CommandError(commandLine(cmd.nvmeDisconnect(this.nqn)), r.exitCode, r.stderr);
  }
  planConnect() {
    let connect: string;
    try {
      connect = commandLine(this.connectCmd());
    } catch {
      connect = commandLine(cmd.nvmeConnect(this.trtype, `<portal of ${this.m.enclosure}>`, '4420', this.nqn, this.host));
    }
    return [`check: ${commandLine(cmd.readlinkExisting(this.link))}`, `if absent: ${connect}`];
  }
  planDisconnect() {
    return [`${commandLine(cmd.nvmeDisconnect(this.nqn))}  (also when the device is gone: its controller may still be connected)`];
  }
}

class IscsiAccess implements MemberAccess {
  readonly label: string;
  readonly expectedBytes: number;
  private readonly iqn: string;
  /** The open-iscsi interface record carrying this server's initiator IQN (none: the host's default). */
  private readonly iface?: { name: string; initiator: string };
  constructor(private readonly m: Member, private readonly slice: boolean, private readonly portal?: string, server?: string) {
    this.label = memberLabel(m, slice);
    this.expectedBytes = m.sizeGiB * GiB;
    this.iqn = iscsiIqn(m, slice);
    if (server !== undefined) this.iface = { name: iscsiIface(server), initiator: initiatorIqn(server) };
  }
  /** The enclosure's iSCSI listener: the portal's host at the iSCSI port (../model/naming.ts). */
  private portalAddr(): string {
    const { host, iscsiPort } = portalAddresses(needPortal(this.m, this.portal));
    return `${host.includes(':') ? `[${host}]` : host}:${iscsiPort}`;
  }
  /** Create or update the interface record so it logs in as this server (idempotent). */
  private async ensureIface(runner: Runner): Promise<string | undefined> {
    if (!this.iface) return undefined;
    const { name, initiator } = this.iface;
    const shown = await runner.run(cmd.iscsiIfaceShow(name));
    if (shown.exitCode !== 0) await mustRun(runner, cmd.iscsiIfaceNew(name));
    if (!shown.stdout.split('\n').some((l) => l.trim() === `iface.initiatorname = ${initiator}`)) {
      await mustRun(runner, cmd.iscsiIfaceSetInitiator(name, initiator));
    }
    return name;
  }
  private link(): string {
    return iscsiLink(this.m, this.slice, this.portalAddr());
  }
  async probe(runner: Runner) {
    return (await readlinkExisting(runner, this.link())) ? this.link() : undefined;
  }
  async connect(runner: Runner) {
    if (!(await this.probe(runner))) {
      const iface = await this.ensureIface(runner);
      await mustRun(runner, cmd.iscsiDiscover(this.portalAddr(), iface));
      await mustRun(runner, cmd.iscsiLogin(this.iqn, this.portalAddr(), iface));
    }
    return this.link();
  }
  async rescan(runner: Runner) {
    await mustRun(runner, cmd.iscsiRescan(this.iqn, this.portalAddr()));
  }
  async disconnect(runner: Runner) {
    if (await this.probe(runner)) await mustRun(runner, cmd.iscsiLogout(this.iqn, this.portalAddr()));
  }
  planConnect() {
    const portal = this.portal ? this.portalAddr() : `<portal of ${this.m.enclosure}>:3260`;
    const link = iscsiLink(this.m, this.slice, portal);
    const iface = this.iface?.name;
    return [
      `check: ${commandLine(cmd.readlinkExisting(link))}`,
      ...(this.iface
        ? [
            `if absent: ${commandLine(cmd.iscsiIfaceShow(this.iface.name))}; if missing: ${commandLine(cmd.iscsiIfaceNew(this.iface.name))}`,
            `           unless it says so already: ${commandLine(cmd.iscsiIfaceSetInitiator(this.iface.name, this.iface.initiator))}`,
          ]
        : []),
      `${this.iface ? '          ' : 'if absent:'} ${commandLine(cmd.iscsiDiscover(portal, iface))}`,
      `           ${commandLine(cmd.iscsiLogin(this.iqn, portal, iface))}`,
    ];
  }
  planDisconnect() {
    const portal = this.portal ? this.portalAddr() : `<portal of ${this.m.enclosure}>:3260`;
    return [`if present: ${commandLine(cmd.iscsiLogout(this.iqn, portal))}`];
  }
}

interface LoopEntry {
  name: string;
  'back-file': string | null;
  offset: number | string;
  sizelimit: number | string;
}

/** Lab: loop devices over `<labDir>/<enclosure>/<serial>.img`. */
class LoopAccess implements MemberAccess {
  readonly label: string;
  readonly expectedBytes: number;
  private readonly file: string;
  private readonly offsetBytes?: number;
  private readonly sizeBytes?: number;
  constructor(m: Member, slice: boolean, labDir: string) {
    this.label = memberLabel(m, slice);
    this.expectedBytes = m.sizeGiB * GiB;
    const f = labDriveFile(labDir, m.enclosure, m.serial);
    // losetup reports the canonical path of the backing file.
    this.file = fs.existsSync(f) ? fs.realpathSync(f) : f;
    if (slice) {
      this.offsetBytes = m.offsetGiB * GiB;
      this.sizeBytes = m.sizeGiB * GiB;
    }
  }
  private async entries(runner: Runner): Promise<LoopEntry[]> {
    const r = await mustRun(runner, cmd.losetupList());
    if (!r.stdout.trim()) return [];
    const all = (JSON.parse(r.stdout) as { loopdevices: LoopEntry[] }).loopdevices ?? [];
    return all.filter((e) => e['back-file'] === this.file && Number(e.offset) === (this.offsetBytes ?? 0));
  }
  async probe(runner: Runner) {
    const [e] = await this.entries(runner);
    if (!e) return undefined;
    const limit = Number(e.sizelimit);
    if (this.sizeBytes !== undefined && limit !== this.sizeBytes) {
      throw new CommandError(
        commandLine(cmd.losetupList()), 0, '',
        `lab: ${e.name} maps ${limit} bytes of ${this.file} at offset ${this.offsetBytes}, the slice is now ${this.sizeBytes} bytes; ` +
          'a loop device cannot change its --sizelimit online: unstage the volume and stage it again',
      );
    }
    return e.name;
  }
  async connect(runner: Runner) {
    const existing = await this.probe(runner);
    if (existing) return existing;
    if (!fs.existsSync(this.file)) throw new Error(`lab: drive file ${this.file} does not exist (provision the lab enclosure first)`);
    const r = await mustRun(runner, cmd.losetupAttach(this.file, this.offsetBytes, this.sizeBytes));
    return r.stdout.trim();
  }
  async rescan(runner: Runner, device: string) {
    // Only reached when the device is smaller than the member: probe() explains why.
    await this.probe(runner);
    throw new Error(`lab: ${device} is smaller than ${this.expectedBytes} bytes and loop devices cannot be rescanned to a larger --sizelimit`);
  }
  async disconnect(runner: Runner) {
    for (const e of await this.entries(runner)) await mustRun(runner, cmd.losetupDetach(e.name));
  }
  planConnect() {
    return [
      `check: ${commandLine(cmd.losetupList())}  (a loop device over ${this.file}${this.offsetBytes !== undefined ? ` at offset ${this.offsetBytes}` : ''})`,
      `if absent: ${commandLine(cmd.losetupAttach(this.file, this.offsetBytes, this.sizeBytes))}`,
    ];
  }
  planDisconnect() {
    return [`if present: ${commandLine(cmd.losetupDetach(`<loop device over ${this.file}>`))}`];
  }
}
