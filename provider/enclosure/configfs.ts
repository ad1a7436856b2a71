// The enclosure service's only I/O: reading what nvmet, LIO (configfs) and device-mapper hold,
// applying the planner's actions to them, the managed drives' facts from sysfs, and the
// ownership record (the state file). Every configfs path is checked component by component and
// resolved under the configfs root; device-mapper runs through `dmsetup` with an argv, no shell.
// docs/agent.md "Enclosure service".
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DriveHealth } from '../api/contract';
import { LinuxRunner } from '../agent/linux-runner';
import { CommandError, commandLine, type HostCommand, type Runner } from '../agent/runner';
import { Action, DmTable, DriveFact, emptyOwned, Observed, ObservedTpg, Owned } from './plan';

export const DEFAULT_CONFIGFS = '/sys/kernel/config';

/** A path component configfs objects of this service (and the ones it reads) may have. */
const COMPONENT = /^[A-Za-z0-9_@:[\]-][A-Za-z0-9._@:[\]-]*$/;

/** `rel` (slash-separated, under nvmet/ or target/) as an absolute path under `root`; throws otherwise. */
export function configfsPath(root: string, rel: string): string {
  const parts = rel.split('/');
  if (parts[0] !== 'nvmet' && parts[0] !== 'target') throw new Error(`configfs path ${JSON.stringify(rel)}: outside nvmet/ and target/`);
  for (const c of parts) if (!COMPONENT.test(c) || c === '.' || c === '..') throw new Error(`configfs path ${JSON.stringify(rel)}: component ${JSON.stringify(c)} is not allowed`);
  const abs = path.resolve(root, ...parts);
  if (!abs.startsWith(path.resolve(root) + path.sep)) throw new Error(`configfs path ${JSON.stringify(rel)}: resolves outside ${root}`);
  return abs;
}

const errno = (e: unknown) => (e as NodeJS.ErrnoException).code;

function readText(p: string): string | undefined {
  try {
    return fs.readFileSync(p, 'utf8').trim();
  } catch {
    return undefined;
  }
}

function dirs(p: string): string[] {
  try {
    return fs
      .readdirSync(p, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name);
  } catch {
    return [];
  }
}

function links(p: string): string[] {
  try {
    return fs
      .readdirSync(p, { withFileTypes: true })
      .filter((d) => d.isSymbolicLink())
      .map((d) => d.name);
  } catch {
    return [];
  }
}

const exists = (p: string) => {
  try {
    fs.lstatSync(p);
    return true;
  } catch {
    return false;
  }
};

/** A dm-linear table line: `0 <sectors> linear <major:minor> <offset>`. */
export function parseDmTable(text: string, deviceOf: (majMin: string) => string | undefined): DmTable | undefined {
  const m = /^0 (\d+) linear (\S+) (\d+)$/.exec(text.trim());
  if (!m) return undefined;
  return { sectors: Number(m[1]), device: deviceOf(m[2]) ?? m[2], offsetSectors: Number(m[3]) };
}

export interface ConfigfsOptions {
  root?: string;
  /** Runs dmsetup (default: a LinuxRunner, argv only). */
  runner?: Runner;
}

export class KernelTargets {
  readonly root: string;
  private readonly runner: Runner;
  constructor(o: ConfigfsOptions = {}) {
    this.root = path.resolve(o.root ?? DEFAULT_CONFIGFS);
    this.runner = o.runner ?? new LinuxRunner({ timeoutMs: 30_000 });
  }

  private p(rel: string): string {
    return configfsPath(this.root, rel);
  }

  private async dmsetup(args: string[], okCodes: number[] = [0]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
    const cmd: HostCommand = { file: 'dmsetup', args };
    const r = await this.runner.run(cmd);
    if (!okCodes.includes(r.exitCode)) throw new CommandError(commandLine(cmd), r.exitCode, r.stderr);
    return r;
  }

  /**
   * What the kernel holds: every nvmet subsystem, host and port (another service's too: a host it
   * made is removed only while nobody links it, a port id is taken only when free); LIO's HBAs,
   * this service's HBA's backstores and the iSCSI targets it owns or is about to make; the
   * device-mapper maps `dmNames`.
   */
  async observe(owned: Owned, targetNames: string[], dmNames: string[], drives: DriveFact[]): Promise<Observed> {
    const o: Observed = {
      nvmetLoaded: exists(path.join(this.root, 'nvmet')),
      subsystems: {},
      hosts: [],
      ports: {},
      lioLoaded: exists(path.join(this.root, 'target')),
      iscsiLoaded: exists(path.join(this.root, 'target', 'iscsi')),
      hbas: [],
      backstores: {},
      targets: {},
      dm: {},
    };
    const nv = path.join(this.root, 'nvmet');
    for (const nqn of dirs(path.join(nv, 'subsystems'))) {
      const s = path.join(nv, 'subsystems', nqn);
      const namespaces: Observed['subsystems'][string]['namespaces'] = {};
      for (const id of dirs(path.join(s, 'namespaces'))) {
        const n = path.join(s, 'namespaces', id);
        namespaces[id] = { devicePath: readText(path.join(n, 'device_path')) ?? '', uuid: readText(path.join(n, 'device_uuid')) ?? '', enabled: readText(path.join(n, 'enable')) === '1' };
      }
      o.subsystems[nqn] = { allowAnyHost: readText(path.join(s, 'attr_allow_any_host')) !== '0', allowedHosts: links(path.join(s, 'allowed_hosts')), namespaces };
    }
    o.hosts = dirs(path.join(nv, 'hosts'));
    for (const id of dirs(path.join(nv, 'ports'))) {
      const p = path.join(nv, 'ports', id);
      o.ports[id] = {
        trtype: readText(path.join(p, 'addr_trtype')) ?? '',
        adrfam: readText(path.join(p, 'addr_adrfam')) ?? '',
        traddr: readText(path.join(p, 'addr_traddr')) ?? '',
        trsvcid: readText(path.join(p, 'addr_trsvcid')) ?? '',
        subsystems: links(path.join(p, 'subsystems')),
      };
    }
    const core = path.join(this.root, 'target', 'core');
    o.hbas = dirs(core).filter((d) => /^[a-z]+_\d+$/.test(d));
    if (owned.hba !== undefined) {
      const hba = path.join(core, `iblock_${owned.hba}`);
      for (const name of dirs(hba)) {
        const d = path.join(hba, name);
        // `enable` reads back on current kernels; `info` says ACTIVATED on all of them.
        const enabled = readText(path.join(d, 'enable')) === '1' || /Status: ACTIVATED/.test(readText(path.join(d, 'info')) ?? '');
        o.backstores[name] = { udevPath: readText(path.join(d, 'udev_path')) ?? '', enabled };
      }
    }
    const iscsi = path.join(this.root, 'target', 'iscsi');
    const present = new Set(dirs(iscsi));
    for (const iqn of new Set([...owned.targets, ...targetNames])) {
      if (!present.has(iqn)) continue;
      const t = path.join(iscsi, iqn);
      const g = path.join(t, 'tpgt_1');
      if (!exists(g)) {
        o.targets[iqn] = {};
        continue;
      }
      const lun0 = path.join(g, 'lun', 'lun_0');
      const tpg: ObservedTpg = {
        enabled: readText(path.join(g, 'enable')) === '1',
        generateNodeAcls: readText(path.join(g, 'attrib', 'generate_node_acls')) === '1',
        portals: dirs(path.join(g, 'np')),
        lun0Present: exists(lun0),
        acls: {},
      };
      if (exists(path.join(lun0, 'tessera'))) tpg.lun0 = path.relative(this.root, path.resolve(lun0, fs.readlinkSync(path.join(lun0, 'tessera'))));
      for (const init of dirs(path.join(g, 'acls'))) {
        const m = path.join(g, 'acls', init, 'lun_0');
        tpg.acls[init] = { mappedDir: exists(m), mapped: exists(path.join(m, 'tessera')) };
      }
      o.targets[iqn] = { tpg };
    }
    // dmsetup shows the device as major:minor; the managed drives say which is which.
    const byDev = new Map<string, string>();
    for (const d of drives) {
      const dev = d.present ? readText(path.join('/sys/class/block', path.basename(d.device), 'dev')) : undefined;
      if (dev) byDev.set(dev, d.device);
    }
    for (const name of new Set([...owned.dm, ...dmNames])) {
      const r = await this.dmsetup(['table', name], [0, 1]);
      o.dm[name] = r.exitCode === 0 ? (parseDmTable(r.stdout, (mm) => byDev.get(mm)) ?? null) : null;
    }
    return o;
  }

  /** One action (own/disown are the daemon's). mkdir of what exists and removal of what is gone are no-ops. */
  async apply(x: Action): Promise<void> {
    switch (x.op) {
      case 'own':
      case 'disown':
        return;
      case 'mkdir':
        try {
          fs.mkdirSync(this.p(x.path));
        } catch (e) {
          if (errno(e) !== 'EEXIST') throw withPath(e, 'mkdir', x.path);
        }
        return;
      case 'rmdir':
        try {
          fs.rmdirSync(this.p(x.path));
        } catch (e) {
          if (errno(e) !== 'ENOENT') throw withPath(e, 'rmdir', x.path);
        }
        return;
      case 'unlink':
        try {
          fs.unlinkSync(this.p(x.path));
        } catch (e) {
          if (errno(e) !== 'ENOENT') throw withPath(e, 'unlink', x.path);
        }
        return;
      case 'symlink':
        try {
          fs.symlinkSync(this.p(x.target), this.p(x.path));
        } catch (e) {
          if (errno(e) !== 'EEXIST') throw withPath(e, 'symlink', x.path);
        }
        return;
      case 'write': {
        const file = this.p(x.path);
        if (x.optional && !exists(file)) return;
        try {
          // One write() of the whole value: configfs attributes take a value per write.
          const fd = fs.openSync(file, 'w');
          try {
            fs.writeSync(fd, x.value);
          } finally {
            fs.closeSync(fd);
          }
        } catch (e) {
          throw withPath(e, `write ${JSON.stringify(x.value)} to`, x.path);
        }
        return;
      }
      case 'dmCreate':
        await this.dmsetup(['create', x.name, '--uuid', `TESSERA-${x.name}`, '--noudevsync', '--table', tableLine(x.table)]);
        // Without udev in charge the node may lag: make it now, so the export finds its device.
        await this.dmsetup(['mknodes', x.name]);
        return;
      case 'dmReload':
        await this.dmsetup(['reload', x.name, '--table', tableLine(x.table)]);
        await this.dmsetup(['resume', x.name, '--noudevsync']);
        return;
      case 'dmRemove':
        await this.dmsetup(['remove', x.name, '--noudevsync']);
        return;
      case 'wipe':
        wipeExtent(x.device, x.bytes);
        return;
    }
  }
}

const MiB = 1024 * 1024;
/** The md v1.x superblock magic, at 4 KiB (v1.2) or 0 (v1.1); data_offset (sectors) is at byte 128 of it. */
const MD_MAGIC = 0xa92b4efc;
/** What is zeroed past an md array's data start: LUKS2's header area (16 MiB) and more. */
const HEAD_BYTES = 32 * MiB;

/**
 * Zero what Tessera's staging wrote at the edges of a released extent: the md superblock, and past
 * the array's data offset the LUKS2 header or the filesystem's primary superblock; the last MiB
 * too (md v1.0 and backup GPT headers sit at the end). Data blocks in between are not erased (an
 * encrypted volume's are unreadable without its header; docs/agent.md "Release wipes").
 */
export function wipeExtent(device: string, bytes: number): void {
  if (!path.isAbsolute(device) || !device.startsWith('/dev/')) throw new Error(`wipe ${device}: not a device path under /dev`);
  const real = fs.realpathSync(device);
  if (!fs.statSync(real).isBlockDevice()) throw new Error(`wipe ${device}: ${real} is not a block device`);
  if (!Number.isSafeInteger(bytes) || bytes <= 0) throw new Error(`wipe ${device}: extent size ${bytes} is not a positive number of bytes`);
  const fd = fs.openSync(real, 'r+');
  try {
    let dataOffset = 0;
    for (const at of [4096, 0]) {
      const sb = Buffer.alloc(136);
      if (fs.readSync(fd, sb, 0, sb.length, at) === sb.length && sb.readUInt32LE(0) === MD_MAGIC) {
        dataOffset = Math.max(dataOffset, Number(sb.readBigUInt64LE(128)) * 512);
      }
    }
    const zeros = Buffer.alloc(MiB);
    const zero = (from: number, to: number) => {
      for (let p = from; p < to; p += MiB) fs.writeSync(fd, zeros, 0, Math.min(MiB, to - p), p);
    };
    const head = Math.min(bytes, dataOffset + HEAD_BYTES);
    zero(0, head);
    zero(Math.max(head, bytes - MiB), bytes);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

const tableLine = (t: DmTable) => `0 ${t.sectors} linear ${t.device} ${t.offsetSectors}`;

function withPath(e: unknown, what: string, rel: string): Error {
  return new Error(`${what} ${rel}: ${(e as Error).message.replace(/^[A-Z]+: /, '')}`);
}

/** A managed drive: serial and its block device (a by-id link or a /dev node). */
export interface DriveConfig {
  serial: string;
  device: string;
}

/**
 * What this host can see of each managed drive: present (a block device), its canonical node
 * and size, and the error counter and state sysfs has for it (SCSI/SAS: `device/ioerr_cnt`,
 * `device/state`; NVMe: `device/state`).
 */
export function driveFacts(drives: DriveConfig[]): { facts: DriveFact[]; health: DriveHealth[] } {
  const facts: DriveFact[] = [];
  const health: DriveHealth[] = [];
  for (const d of drives) {
    let real: string;
    try {
      real = fs.realpathSync(d.device);
      if (!fs.statSync(real).isBlockDevice()) throw new Error(`${d.device} is not a block device`);
    } catch (e) {
      const reason = errno(e) === 'ENOENT' ? `${d.device} does not exist` : (e as Error).message;
      facts.push({ serial: d.serial, device: d.device, present: false, reason });
      health.push({ serial: d.serial, present: false, device: d.device });
      continue;
    }
    const sys = path.join('/sys/class/block', path.basename(real));
    const sectors = Number(readText(path.join(sys, 'size')) ?? NaN);
    const sizeBytes = Number.isSafeInteger(sectors) ? sectors * 512 : 0;
    facts.push({ serial: d.serial, device: real, present: true, sizeBytes });
    const h: DriveHealth = { serial: d.serial, present: true, device: real, sizeBytes };
    const ioerr = readText(path.join(sys, 'device', 'ioerr_cnt'));
    if (ioerr !== undefined && /^(0x)?[0-9a-f]+$/i.test(ioerr)) h.ioErrors = parseInt(ioerr, ioerr.startsWith('0x') ? 16 : 10);
    const state = readText(path.join(sys, 'device', 'state'));
    if (state && state.length <= 64) h.deviceState = state;
    health.push(h);
  }
  return { facts, health };
}

/**
 * The I/Os completed on a block device: reads + writes completed from `/sys/class/block/<dev>/stat`
 * (fields 1 and 5, Documentation/block/stat.rst). An exported drive or slice (dm-linear) is used
 * by its one host only (the ACL admits one), so a growing count is that host's I/O: the composer
 * does not declare a server down while it grows (docs/failure.md). nvmet has no per-namespace
 * counter in configfs, and LIO's (`statistics/scsi_tgt_port/in_cmds`) exists for iSCSI only: the
 * backing device's counter is the one both transports share. Undefined when unreadable.
 */
export function blockIoCount(device: string): number | undefined {
  try {
    const real = fs.realpathSync(device);
    const f = (readText(path.join('/sys/class/block', path.basename(real), 'stat')) ?? '').trim().split(/\s+/).map(Number);
    return f.length >= 5 && Number.isSafeInteger(f[0]) && Number.isSafeInteger(f[4]) ? f[0] + f[4] : undefined;
  } catch {
    return undefined;
  }
}

/** The ownership record: `<stateDir>/owned.json`, replaced atomically (write, fsync, rename). */
export class OwnedFile {
  readonly file: string;
  constructor(stateDir: string, private readonly enclosure: string) {
    this.file = path.join(path.resolve(stateDir), 'owned.json');
  }

  load(): Owned {
    let text: string;
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch (e) {
      if (errno(e) === 'ENOENT') return emptyOwned();
      throw e;
    }
    const doc = JSON.parse(text) as { enclosure?: string; owned?: Owned };
    // Another enclosure's record (a copied state directory) would hand this service its objects.
    if (doc.enclosure !== this.enclosure) throw new Error(`state file ${this.file}: belongs to enclosure ${JSON.stringify(doc.enclosure)}, not ${this.enclosure}`);
    return { ...emptyOwned(), ...doc.owned };
  }

  save(owned: Owned): void {
    fs.mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.tmp`;
    const fd = fs.openSync(tmp, 'w', 0o600);
    try {
      fs.writeSync(fd, JSON.stringify({ enclosure: this.enclosure, owned }, null, 1));
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, this.file);
  }
}
