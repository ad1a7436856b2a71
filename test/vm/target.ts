// A test stand-in for an enclosure, for the VM suite only (test/vm/, docs/vm-lab.md): a network
// namespace joined to this host by a veth pair, loop devices over sparse files, and the kernel's
// NVMe/TCP target (nvmet, configured through configfs) exporting each under the subsystem NQN and
// namespace UUID the agent derives (provider/model/naming.ts), visible only to one host NQN.
// Real kernel, real network hop; every command is an argv, no shell.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { nvmeNamespaceUuid } from '../../provider/model/naming';

const NVMET = '/sys/kernel/config/nvmet';

export function sh(file: string, args: string[], input?: string): string {
  return execFileSync(file, args, { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'] });
}

export interface TargetOptions {
  /** Network namespace of the target (created, removed by close()). */
  netns: string;
  /** Addresses of the veth pair: this host's end and the target's. */
  hostAddr: string;
  targetAddr: string;
  port?: number;
}

export class NvmetTarget {
  readonly dir: string;
  readonly port: number;
  private readonly portId: string;
  private readonly exported = new Map<string, { loop: string; file: string }>();

  constructor(readonly o: TargetOptions) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-vm-target-'));
    this.port = o.port ?? 4420;
    this.portId = String(Math.floor(Math.random() * 60000) + 1000);
  }

  get portal(): string {
    return `${this.o.targetAddr}:${this.port}`;
  }

  /** The namespace, the veth pair, and an NVMe/TCP port listening inside the namespace. */
  start(): void {
    const { netns, hostAddr, targetAddr } = this.o;
    const veth = `vt-${netns}`.slice(0, 15);
    sh('ip', ['netns', 'add', netns]);
    sh('ip', ['link', 'add', veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', netns]);
    sh('ip', ['addr', 'add', `${hostAddr}/24`, 'dev', veth]);
    sh('ip', ['link', 'set', veth, 'up']);
    this.inNs('ip', ['addr', 'add', `${targetAddr}/24`, 'dev', 'eth0']);
    this.inNs('ip', ['link', 'set', 'eth0', 'up']);
    this.inNs('ip', ['link', 'set', 'lo', 'up']);
    const port = path.join(NVMET, 'ports', this.portId);
    fs.mkdirSync(port);
    fs.writeFileSync(path.join(port, 'addr_trtype'), 'tcp');
    fs.writeFileSync(path.join(port, 'addr_adrfam'), 'ipv4');
    fs.writeFileSync(path.join(port, 'addr_traddr'), targetAddr);
    fs.writeFileSync(path.join(port, 'addr_trsvcid'), String(this.port));
  }

  /** A command in the target's network namespace only (nsenter keeps this host's /sys and configfs). */
  inNs(file: string, args: string[]): string {
    return sh('nsenter', [`--net=/run/netns/${this.o.netns}`, '--', file, ...args]);
  }

  /** Export a fresh sparse drive of `sizeGiB` as subsystem `nqn`, namespace 1, for `hostNqn` only. */
  export(nqn: string, sizeGiB: number, hostNqn: string): void {
    const file = path.join(this.dir, `${this.exported.size}.img`);
    fs.writeFileSync(file, '');
    fs.truncateSync(file, sizeGiB * 1024 ** 3);
    const loop = sh('losetup', ['--find', '--show', file]).trim();
    const sub = path.join(NVMET, 'subsystems', nqn);
    fs.mkdirSync(sub);
    fs.writeFileSync(path.join(sub, 'attr_allow_any_host'), '0');
    const host = path.join(NVMET, 'hosts', hostNqn);
    if (!fs.existsSync(host)) fs.mkdirSync(host);
    fs.symlinkSync(host, path.join(sub, 'allowed_hosts', hostNqn));
    const ns = path.join(sub, 'namespaces', '1');
    fs.mkdirSync(ns);
    fs.writeFileSync(path.join(ns, 'device_path'), loop);
    fs.writeFileSync(path.join(ns, 'device_uuid'), nvmeNamespaceUuid(nqn));
    fs.writeFileSync(path.join(ns, 'enable'), '1');
    // Linking the first subsystem opens the port's listening socket, in the caller's namespace.
    this.inNs('ln', ['-s', sub, path.join(NVMET, 'ports', this.portId, 'subsystems', nqn)]);
    this.exported.set(nqn, { loop, file });
  }

  /** Pull a drive out from under its host: the namespace goes, the host's block device fails. */
  detachNamespace(nqn: string): void {
    fs.writeFileSync(path.join(NVMET, 'subsystems', nqn, 'namespaces', '1', 'enable'), '0');
  }

  /** Remove an export entirely: a later connect to it is refused. */
  unexport(nqn: string): void {
    const sub = path.join(NVMET, 'subsystems', nqn);
    if (!fs.existsSync(sub)) return;
    fs.rmSync(path.join(NVMET, 'ports', this.portId, 'subsystems', nqn), { force: true });
    const ns = path.join(sub, 'namespaces', '1');
    if (fs.existsSync(ns)) {
      fs.writeFileSync(path.join(ns, 'enable'), '0');
      fs.rmdirSync(ns);
    }
    for (const h of fs.readdirSync(path.join(sub, 'allowed_hosts'))) fs.unlinkSync(path.join(sub, 'allowed_hosts', h));
    fs.rmdirSync(sub);
    const e = this.exported.get(nqn);
    if (e) {
      sh('losetup', ['--detach', e.loop]);
      fs.rmSync(e.file, { force: true });
      this.exported.delete(nqn);
    }
  }

  close(): void {
    for (const nqn of [...this.exported.keys()]) this.unexport(nqn);
    const port = path.join(NVMET, 'ports', this.portId);
    if (fs.existsSync(port)) fs.rmdirSync(port);
    for (const h of fs.existsSync(path.join(NVMET, 'hosts')) ? fs.readdirSync(path.join(NVMET, 'hosts')) : []) {
      try {
        fs.rmdirSync(path.join(NVMET, 'hosts', h));
      } catch {
        // still allowed by another subsystem of another target
      }
    }
    try {
      sh('ip', ['netns', 'del', this.o.netns]);
    } catch {
      // already gone
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

const LIO = '/sys/kernel/config/target';

/**
 * The kernel's iSCSI target (LIO, configfs) in the same namespace: one target per export, LUN 0
 * backed by a loop device, a portal on the namespace's address, and an ACL for one initiator IQN
 * only (no demo mode, no node ACLs generated for whoever logs in).
 */
export class LioTarget {
  /** The backstore HBA (configfs names it <plugin>_<number>). */
  static readonly HBA = 'iblock_77';
  private readonly exported = new Map<string, { loop: string; file: string; backstore: string }>();
  private n = 0;
  constructor(private readonly ns: NvmetTarget) {}

  get portal(): string {
    return `${this.ns.o.targetAddr}:3260`;
  }

  export(iqn: string, sizeGiB: number, initiatorIqn: string): void {
    const file = path.join(this.ns.dir, `lio-${this.n}.img`);
    fs.writeFileSync(file, '');
    fs.truncateSync(file, sizeGiB * 1024 ** 3);
    const loop = sh('losetup', ['--find', '--show', file]).trim();
    const backstore = path.join(LIO, 'core', LioTarget.HBA, `lun${this.n++}`);
    fs.mkdirSync(backstore, { recursive: true });
    fs.writeFileSync(path.join(backstore, 'control'), `udev_path=${loop}`);
    fs.writeFileSync(path.join(backstore, 'enable'), '1');
    const tpg = path.join(LIO, 'iscsi', iqn, 'tpgt_1');
    fs.mkdirSync(tpg, { recursive: true });
    fs.mkdirSync(path.join(tpg, 'lun', 'lun_0'));
    fs.symlinkSync(backstore, path.join(tpg, 'lun', 'lun_0', 'backstore'));
    fs.writeFileSync(path.join(tpg, 'attrib', 'authentication'), '0');
    fs.writeFileSync(path.join(tpg, 'attrib', 'generate_node_acls'), '0');
    fs.writeFileSync(path.join(tpg, 'attrib', 'demo_mode_write_protect'), '0');
    const acl = path.join(tpg, 'acls', initiatorIqn);
    fs.mkdirSync(acl);
    fs.mkdirSync(path.join(acl, 'lun_0'));
    fs.symlinkSync(path.join(tpg, 'lun', 'lun_0'), path.join(acl, 'lun_0', 'mapped'));
    // The portal's listening socket opens in the namespace of the process that makes it.
    this.ns.inNs('mkdir', [path.join(tpg, 'np', this.portal)]);
    fs.writeFileSync(path.join(tpg, 'enable'), '1');
    this.exported.set(iqn, { loop, file, backstore });
  }

  unexport(iqn: string): void {
    const e = this.exported.get(iqn);
    if (!e) return;
    const tpg = path.join(LIO, 'iscsi', iqn, 'tpgt_1');
    fs.writeFileSync(path.join(tpg, 'enable'), '0');
    fs.rmdirSync(path.join(tpg, 'np', this.portal));
    for (const acl of fs.readdirSync(path.join(tpg, 'acls'))) {
      fs.unlinkSync(path.join(tpg, 'acls', acl, 'lun_0', 'mapped'));
      fs.rmdirSync(path.join(tpg, 'acls', acl, 'lun_0'));
      fs.rmdirSync(path.join(tpg, 'acls', acl));
    }
    fs.unlinkSync(path.join(tpg, 'lun', 'lun_0', 'backstore'));
    fs.rmdirSync(path.join(tpg, 'lun', 'lun_0'));
    fs.rmdirSync(tpg);
    fs.rmdirSync(path.join(LIO, 'iscsi', iqn));
    fs.rmdirSync(e.backstore);
    sh('losetup', ['--detach', e.loop]);
    fs.rmSync(e.file, { force: true });
    this.exported.delete(iqn);
  }

  close(): void {
    for (const iqn of [...this.exported.keys()]) this.unexport(iqn);
    const hba = path.join(LIO, 'core', LioTarget.HBA);
    if (fs.existsSync(hba)) fs.rmdirSync(hba);
  }
}
