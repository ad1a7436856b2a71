// The enclosure service's planner, pure: from the composer's exports, the drives this service
// manages and what configfs and device-mapper hold now, the ordered actions that make the kernel
// export exactly the assigned members, each only to its one host — and nothing it did not create
// is ever removed or changed. ./configfs.ts reads the observed state and applies the actions;
// docs/agent.md "Enclosure service" explains the objects and the ACL model.
import type { EnclosureExport, ExportState } from '../api/contract';
import type { Transport } from '../model/inventory';
import { IQN_PREFIX, enclosureIqnPrefix, enclosureNqnPrefix, portalAddresses } from '../model/naming';

export const GiB = 1024 ** 3;
const SECTOR = 512;

/** What this service created (its state file): the only objects it ever removes. */
export interface Owned {
  subsystems: string[];
  hosts: string[];
  /** nvmet port ids, each for one transport type. */
  ports: { id: number; trtype: NvmeTrtype }[];
  targets: string[];
  /** LIO iblock HBA index holding this service's backstores. */
  hba?: number;
  backstores: string[];
  dm: string[];
}

export const emptyOwned = (): Owned => ({ subsystems: [], hosts: [], ports: [], targets: [], backstores: [], dm: [] });

export type NvmeTrtype = 'tcp' | 'rdma';

/** A managed drive as the adapter found it. */
export type DriveFact = { serial: string; device: string; present: true; sizeBytes: number } | { serial: string; device: string; present: false; reason: string };

export interface DmTable {
  /** Length and start on the drive, in 512-byte sectors. */
  sectors: number;
  device: string;
  offsetSectors: number;
}

export interface ObservedNamespace {
  devicePath: string;
  uuid: string;
  enabled: boolean;
}
export interface ObservedSubsystem {
  allowAnyHost: boolean;
  allowedHosts: string[];
  namespaces: Record<string, ObservedNamespace>;
}
export interface ObservedPort {
  trtype: string;
  adrfam: string;
  traddr: string;
  trsvcid: string;
  subsystems: string[];
}
export interface ObservedTpg {
  enabled: boolean;
  generateNodeAcls: boolean;
  portals: string[];
  /** lun_0's backstore (configfs-relative path), undefined when lun_0 is absent or unlinked. */
  lun0?: string;
  lun0Present: boolean;
  /** initiator IQN -> whether its mapped lun_0 is linked to the TPG's lun_0. */
  acls: Record<string, { mapped: boolean; mappedDir: boolean }>;
}
export interface ObservedTarget {
  tpg?: ObservedTpg;
}
export interface ObservedBackstore {
  udevPath: string;
  enabled: boolean;
}

/** The kernel's state, as far as this service looks. */
export interface Observed {
  nvmetLoaded: boolean;
  subsystems: Record<string, ObservedSubsystem>;
  hosts: string[];
  ports: Record<string, ObservedPort>;
  lioLoaded: boolean;
  iscsiLoaded: boolean;
  /** HBA directory names under target/core (iblock_0, fileio_1, ...). */
  hbas: string[];
  /** Backstores in this service's HBA, by name. */
  backstores: Record<string, ObservedBackstore>;
  targets: Record<string, ObservedTarget>;
  /** device-mapper maps this service owns or wants, by name (absent: no such map). */
  dm: Record<string, DmTable | null>;
}

export interface Listen {
  /** nvmet and LIO want an IP address: the portal's host unless configured otherwise. */
  host: string;
  nvmePort: number;
  iscsiPort: number;
}

export interface PlanInput {
  enclosure: string;
  exports: EnclosureExport[];
  /** Targets exported to nobody but not released: a fenced move's members (never wiped). */
  held?: string[];
  portal: string;
  transports: Transport[];
  drives: DriveFact[];
  observed: Observed;
  owned: Owned;
  /** Overrides of the portal's addresses (docs/agent.md "Enclosure service"). */
  listen?: Partial<Listen>;
}

export type OwnedKind = 'subsystems' | 'hosts' | 'ports' | 'targets' | 'hba' | 'backstores' | 'dm';

/** One step. Paths are relative to the configfs root; the adapter validates and resolves them. */
export type Action =
  | { op: 'own'; kind: OwnedKind; name: string; trtype?: NvmeTrtype }
  | { op: 'disown'; kind: OwnedKind; name: string }
  | { op: 'mkdir'; path: string }
  | { op: 'rmdir'; path: string }
  | { op: 'write'; path: string; value: string; optional?: boolean }
  | { op: 'symlink'; path: string; target: string }
  | { op: 'unlink'; path: string }
  | { op: 'dmCreate'; name: string; table: DmTable }
  | { op: 'dmReload'; name: string; table: DmTable }
  | { op: 'dmRemove'; name: string }
  /**
   * Zero a released extent's headers (the md superblock, the LUKS header, filesystem superblocks)
   * once no host can reach it and before its export goes: `bytes` is the extent's size.
   */
  | { op: 'wipe'; device: string; bytes: number; target: string };

export interface Plan {
  actions: Action[];
  /** Exports that cannot be made, with why (reported as failed; nothing is done for them). */
  refused: ExportState[];
  /** Exports the plan makes (reported exported once the actions ran). */
  wanted: ExportState[];
}

/** What one assigned export becomes on this host. */
interface Want {
  e: EnclosureExport;
  target: string;
  device: string;
  dm?: { name: string; table: DmTable };
}

const NAME_OK = /^[a-z0-9][a-z0-9.:-]{0,222}$/;
const HOST_OK = /^[A-Za-z0-9][A-Za-z0-9.:_-]{0,222}$/;
const UUID_OK = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The device-mapper name of a slice: readable, within DM_NAME_LEN (128). */
export function dmName(enclosure: string, serial: string, offsetGiB: number): string {
  const safe = (s: string) => s.toLowerCase().replace(/[^a-z0-9.-]/g, '-');
  return `tessera-enc-${safe(enclosure)}-${safe(serial)}-o${offsetGiB}`.slice(0, 127);
}

/** The LIO backstore name of a target: its IQN without the common prefix. */
export function backstoreName(iqn: string): string {
  return iqn.slice(IQN_PREFIX.length).replace(/[^a-z0-9.-]/g, '-').slice(0, 200);
}

export const trtypeOf = (t: Transport): NvmeTrtype | 'iscsi' => (t === 'iscsi' ? 'iscsi' : t === 'roce' ? 'rdma' : 'tcp');
const isIPv6 = (h: string) => h.includes(':');
const np = (l: Listen) => (isIPv6(l.host) ? `[${l.host}]:${l.iscsiPort}` : `${l.host}:${l.iscsiPort}`);

const sub = (nqn: string) => `nvmet/subsystems/${nqn}`;
const ns1 = (nqn: string) => `${sub(nqn)}/namespaces/1`;
const hostDir = (h: string) => `nvmet/hosts/${h}`;
const portDir = (id: number | string) => `nvmet/ports/${id}`;

/** nvmet port ids are 16-bit (the discovery log's portid). */
const MAX_PORT_ID = 65535;

/** A stable first choice of nvmet port id for an enclosure and transport type (FNV-1a). */
export function preferredPortId(enclosure: string, trtype: NvmeTrtype): number {
  let h = 0x811c9dc5;
  for (const ch of Buffer.from(`${enclosure}/${trtype}`, 'utf8')) h = Math.imul(h ^ ch, 0x01000193) >>> 0;
  return (h % MAX_PORT_ID) + 1;
}
const tgt = (iqn: string) => `target/iscsi/${iqn}`;
const tpg = (iqn: string) => `${tgt(iqn)}/tpgt_1`;
const hbaDir = (n: number) => `target/core/iblock_${n}`;
const LUN_LINK = 'tessera';

function exportState(w: { e: EnclosureExport; target: string }, state: ExportState['state'], error?: string): ExportState {
  const s: ExportState = { volumeId: w.e.volumeId, serial: w.e.serial, offsetGiB: w.e.offsetGiB, transport: w.e.transport, target: w.target, server: w.e.server, state };
  if (error) s.error = error;
  return s;
}

/** Which exports can be made here, each with its device; the others with the reason. */
function wants(i: PlanInput): { wants: Want[]; refused: ExportState[] } {
  const drives = new Map(i.drives.map((d) => [d.serial, d]));
  const out: Want[] = [];
  const refused: ExportState[] = [];
  const seen = new Set<string>();
  for (const e of i.exports) {
    const target = (e.transport === 'iscsi' ? e.iqn : e.nqn) ?? '';
    const refuse = (why: string) => refused.push(exportState({ e, target }, 'failed', why));
    const d = drives.get(e.serial);
    if (!i.transports.includes(e.transport)) refuse(`transport ${e.transport} is not one of this enclosure's (${i.transports.join(', ')})`);
    else if (e.transport === 'iscsi' ? !e.iqn?.startsWith(enclosureIqnPrefix(i.enclosure)) : !e.nqn?.startsWith(enclosureNqnPrefix(i.enclosure)))
      refuse(`target name ${JSON.stringify(target)} is not under this enclosure's prefix ${e.transport === 'iscsi' ? enclosureIqnPrefix(i.enclosure) : enclosureNqnPrefix(i.enclosure)}`);
    else if (!NAME_OK.test(target) || target.includes('..')) refuse(`target name ${JSON.stringify(target)} is not a valid NQN/IQN`);
    else if (e.transport === 'iscsi' ? !HOST_OK.test(e.initiatorIqn ?? '') : !HOST_OK.test(e.hostNqn ?? '') || !UUID_OK.test(e.nsUuid ?? ''))
      refuse(`the host name or namespace UUID of ${target} is missing or not valid`);
    else if (seen.has(target)) refuse(`${target} is assigned twice`);
    else if (!d) refuse(`drive ${e.serial} is not managed by this enclosure service (not in its drives file)`);
    else if (!d.present) refuse(`drive ${e.serial}: ${d.reason}`);
    else if (!Number.isSafeInteger(e.offsetGiB) || !Number.isSafeInteger(e.sizeGiB) || e.offsetGiB < 0 || e.sizeGiB < 1) refuse(`extent ${e.offsetGiB}+${e.sizeGiB} GiB is not whole GiB`);
    else if ((e.offsetGiB + e.sizeGiB) * GiB > d.sizeBytes) refuse(`extent ${e.offsetGiB}+${e.sizeGiB} GiB is past the end of ${d.device} (${d.sizeBytes} bytes)`);
    else if (!e.slice && e.offsetGiB !== 0) refuse(`a whole-drive export at offset ${e.offsetGiB} GiB`);
    else {
      seen.add(target);
      if (e.slice) {
        const name = dmName(i.enclosure, e.serial, e.offsetGiB);
        const table = { sectors: (e.sizeGiB * GiB) / SECTOR, device: d.device, offsetSectors: (e.offsetGiB * GiB) / SECTOR };
        out.push({ e, target, device: `/dev/mapper/${name}`, dm: { name, table } });
      } else out.push({ e, target, device: d.device });
    }
  }
  return { wants: out, refused };
}

const sameTable = (a: DmTable | null | undefined, b: DmTable) => !!a && a.sectors === b.sectors && a.device === b.device && a.offsetSectors === b.offsetSectors;

export function listenOf(i: PlanInput): Listen {
  const p = portalAddresses(i.portal);
  return { host: i.listen?.host ?? p.host, nvmePort: i.listen?.nvmePort ?? p.nvmePort, iscsiPort: i.listen?.iscsiPort ?? p.iscsiPort };
}

export function plan(i: PlanInput): Plan {
  const { wants: all, refused } = wants(i);
  const o = i.observed;
  const owned = i.owned;
  const acts: Action[] = [];
  const a = (x: Action) => acts.push(x);
  const ownedSubs = new Set(owned.subsystems);
  const ownedTargets = new Set(owned.targets);
  const ownedDm = new Set(owned.dm);
  const listen = listenOf(i);

  // An export whose name already exists but was not made by this service is someone else's.
  const wanted: Want[] = [];
  for (const w of all) {
    const foreign = w.e.transport === 'iscsi' ? o.targets[w.target] !== undefined && !ownedTargets.has(w.target) : o.subsystems[w.target] !== undefined && !ownedSubs.has(w.target);
    if (foreign) refused.push(exportState(w, 'failed', `${w.target} exists in configfs and was not created by this service: left alone`));
    else if (w.dm && o.dm[w.dm.name] !== null && o.dm[w.dm.name] !== undefined && !ownedDm.has(w.dm.name))
      refused.push(exportState(w, 'failed', `device-mapper map ${w.dm.name} exists and was not created by this service: left alone`));
    else wanted.push(w);
  }
  const nvme = wanted.filter((w) => w.e.transport !== 'iscsi');
  const iscsi = wanted.filter((w) => w.e.transport === 'iscsi');
  const wantSub = new Map(nvme.map((w) => [w.target, w]));
  const wantTgt = new Map(iscsi.map((w) => [w.target, w]));
  const wantDm = new Map(wanted.filter((w) => w.dm).map((w) => [w.dm!.name, w.dm!]));
  const wantBs = new Map(iscsi.map((w) => [backstoreName(w.target), w]));
  /** Is the backstore there, on the export's device, enabled (in this service's HBA)? */
  const bsOk = (name: string, w: Want) => {
    const b = owned.hba === undefined ? undefined : o.backstores[name];
    return !!b && b.udevPath === w.device && b.enabled;
  };
  const rebuilt = new Set<string>();
  for (const w of iscsi) {
    const g = o.targets[w.target]?.tpg;
    const bs = `${hbaDir(owned.hba ?? -1)}/${backstoreName(w.target)}`;
    if (o.targets[w.target] && (!bsOk(backstoreName(w.target), w) || (g?.lun0 !== undefined && g.lun0 !== bs))) rebuilt.add(w.target);
  }

  // Ports this service will use, by transport type (existing owned ones keep their id).
  const trtypes = new Set(nvme.map((w) => trtypeOf(w.e.transport) as NvmeTrtype));
  const portOk = (p: ObservedPort | undefined, t: NvmeTrtype) =>
    !!p && p.trtype === t && p.traddr === listen.host && p.trsvcid === String(listen.nvmePort) && p.adrfam === (isIPv6(listen.host) ? 'ipv6' : 'ipv4');
  const portFor = new Map<NvmeTrtype, number>();
  const takenIds = new Set(Object.keys(o.ports).map(Number));
  for (const p of owned.ports) takenIds.add(p.id);
  const newPorts: { id: number; trtype: NvmeTrtype }[] = [];
  for (const t of trtypes) {
    const mine = owned.ports.find((p) => p.trtype === t && portOk(o.ports[String(p.id)], t));
    // A port in the state file the kernel does not have (killed between recording and mkdir): made again.
    const lost = owned.ports.find((p) => p.trtype === t && !o.ports[String(p.id)]);
    if (mine) portFor.set(t, mine.id);
    else if (lost) {
      portFor.set(t, lost.id);
      newPorts.push(lost);
    } else {
      // Start from an id derived from the enclosure's name: configfs is one per kernel, so
      // services sharing a kernel (a lab's network namespaces) planning at the same moment would
      // otherwise all pick the lowest free id and refuse each other's port writes.
      let id = preferredPortId(i.enclosure, t);
      while (takenIds.has(id)) id = (id % MAX_PORT_ID) + 1;
      takenIds.add(id);
      portFor.set(t, id);
      newPorts.push({ id, trtype: t });
    }
  }

  // An export the composer no longer lists at all is released (its volume deleted): its extent is
  // wiped before the export goes. One it still lists but cannot make here (refused, rebuilt, a
  // drive no longer managed) is not released, nor is one it holds (a fenced move's member, taken
  // down for now and exported again to the new server: docs/failure.md "Fencing"), and a device
  // this service does not manage is never written (docs/agent.md "Enclosure service", "Release wipes").
  const assigned = new Set([...i.exports.map((e) => (e.transport === 'iscsi' ? e.iqn : e.nqn)), ...(i.held ?? [])]);
  const drivesByDevice = new Map(i.drives.filter((d) => d.present).map((d) => [d.device, d as DriveFact & { present: true }]));
  const extentBytes = (device: string): number | undefined => {
    const d = drivesByDevice.get(device);
    if (d) return d.sizeBytes;
    const m = /^\/dev\/mapper\/(.+)$/.exec(device);
    const t = m && ownedDm.has(m[1]) ? o.dm[m[1]] : undefined;
    return t && drivesByDevice.has(t.device) ? t.sectors * SECTOR : undefined;
  };
  const wipe = (target: string, device: string) => {
    const bytes = extentBytes(device);
    if (!assigned.has(target) && bytes !== undefined) a({ op: 'wipe', device, bytes, target });
  };

  // ---------------------------------------------------------------- take down what is not wanted
  // NVMe subsystems: gone, or re-pointed (unlinking from the port drops the old host's controllers).
  for (const nqn of owned.subsystems) {
    const s = o.subsystems[nqn];
    const w = wantSub.get(nqn);
    if (!s) {
      if (!w) a({ op: 'disown', kind: 'subsystems', name: nqn });
      continue;
    }
    const wantHosts = w ? [w.e.hostNqn!] : [];
    const wantPort = w ? portFor.get(trtypeOf(w.e.transport) as NvmeTrtype) : undefined;
    const hostsChange = s.allowedHosts.some((h) => !wantHosts.includes(h));
    for (const [id, p] of Object.entries(o.ports)) {
      if (!p.subsystems.includes(nqn)) continue;
      if (!w || hostsChange || Number(id) !== wantPort || !portOk(p, trtypeOf(w.e.transport) as NvmeTrtype)) a({ op: 'unlink', path: `${portDir(id)}/subsystems/${nqn}` });
    }
    for (const h of s.allowedHosts) if (!wantHosts.includes(h)) a({ op: 'unlink', path: `${sub(nqn)}/allowed_hosts/${h}` });
    for (const [nsid, n] of Object.entries(s.namespaces)) {
      const keep = w && nsid === '1' && n.devicePath === w.device && n.uuid === w.e.nsUuid;
      if (!w || nsid !== '1') {
        if (n.enabled) a({ op: 'write', path: `${sub(nqn)}/namespaces/${nsid}/enable`, value: '0' });
        if (!w) wipe(nqn, n.devicePath);
        a({ op: 'rmdir', path: `${sub(nqn)}/namespaces/${nsid}` });
      } else if (!keep && n.enabled) a({ op: 'write', path: `${ns1(nqn)}/enable`, value: '0' });
    }
    if (!w) {
      a({ op: 'rmdir', path: sub(nqn) });
      a({ op: 'disown', kind: 'subsystems', name: nqn });
    }
  }
  // Owned ports that are wrong (address) or no longer needed.
  for (const p of owned.ports) {
    const obs = o.ports[String(p.id)];
    const needed = portFor.get(p.trtype) === p.id;
    if (needed) continue;
    if (obs) {
      // A subsystem of another service linked to this port keeps it: removing would cut its hosts off.
      // (This service's own subsystems were unlinked from it above.)
      if (obs.subsystems.some((s) => !ownedSubs.has(s))) continue;
      a({ op: 'rmdir', path: portDir(p.id) });
    }
    a({ op: 'disown', kind: 'ports', name: String(p.id) });
  }

  // iSCSI targets: gone, ACL re-pointed (removing an ACL ends that initiator's sessions), or
  // rebuilt from scratch when their backstore must change (a device under a LUN cannot be swapped).
  for (const iqn of owned.targets) {
    const t = o.targets[iqn];
    const w = rebuilt.has(iqn) ? undefined : wantTgt.get(iqn);
    if (!t) {
      if (!w) a({ op: 'disown', kind: 'targets', name: iqn });
      continue;
    }
    const g = t.tpg;
    if (g) {
      if (!w && g.enabled) a({ op: 'write', path: `${tpg(iqn)}/enable`, value: '0' });
      for (const [init, acl] of Object.entries(g.acls)) {
        if (w && init === w.e.initiatorIqn) continue;
        if (acl.mapped) a({ op: 'unlink', path: `${tpg(iqn)}/acls/${init}/lun_0/${LUN_LINK}` });
        if (acl.mappedDir) a({ op: 'rmdir', path: `${tpg(iqn)}/acls/${init}/lun_0` });
        a({ op: 'rmdir', path: `${tpg(iqn)}/acls/${init}` });
      }
      if (!w) {
        const b = o.backstores[backstoreName(iqn)];
        if (b && owned.hba !== undefined && g.lun0 === `${hbaDir(owned.hba)}/${backstoreName(iqn)}`) wipe(iqn, b.udevPath);
        if (g.lun0 !== undefined) a({ op: 'unlink', path: `${tpg(iqn)}/lun/lun_0/${LUN_LINK}` });
        if (g.lun0Present) a({ op: 'rmdir', path: `${tpg(iqn)}/lun/lun_0` });
      }
      for (const p of g.portals) if (!w || p !== np(listen)) a({ op: 'rmdir', path: `${tpg(iqn)}/np/${p}` });
      if (!w) a({ op: 'rmdir', path: tpg(iqn) });
    }
    if (!w) {
      a({ op: 'rmdir', path: tgt(iqn) });
      a({ op: 'disown', kind: 'targets', name: iqn });
    }
  }
  // Backstores whose target is gone or whose device changed (their LUN went with the target above).
  for (const name of owned.backstores) {
    const b = o.backstores[name];
    const w = wantBs.get(name);
    if (w && bsOk(name, w)) continue;
    if (b) a({ op: 'rmdir', path: `${hbaDir(owned.hba!)}/${name}` });
    a({ op: 'disown', kind: 'backstores', name });
  }
  // device-mapper maps no longer wanted.
  for (const name of owned.dm) {
    if (wantDm.has(name)) continue;
    if (o.dm[name]) a({ op: 'dmRemove', name });
    a({ op: 'disown', kind: 'dm', name });
  }
  // Hosts this service created that no subsystem (its own or another's) will still allow.
  const stillAllowed = new Set<string>();
  for (const [nqn, s] of Object.entries(o.subsystems)) if (!ownedSubs.has(nqn)) s.allowedHosts.forEach((h) => stillAllowed.add(h));
  for (const w of nvme) stillAllowed.add(w.e.hostNqn!);
  for (const h of owned.hosts) {
    if (stillAllowed.has(h)) continue;
    if (o.hosts.includes(h)) a({ op: 'rmdir', path: hostDir(h) });
    a({ op: 'disown', kind: 'hosts', name: h });
  }
  if (owned.hba !== undefined && iscsi.length === 0 && owned.backstores.every((b) => !wantBs.has(b))) {
    if (o.hbas.includes(`iblock_${owned.hba}`)) a({ op: 'rmdir', path: hbaDir(owned.hba) });
    a({ op: 'disown', kind: 'hba', name: String(owned.hba) });
  }

  // ---------------------------------------------------------------- bring up what is wanted
  for (const [name, d] of wantDm) {
    const cur = o.dm[name];
    if (!cur) {
      if (!ownedDm.has(name)) a({ op: 'own', kind: 'dm', name });
      a({ op: 'dmCreate', name, table: d.table });
    } else if (!sameTable(cur, d.table)) a({ op: 'dmReload', name, table: d.table });
  }

  if (nvme.length > 0) {
    const hostsMade = new Set(o.hosts);
    const ownedHosts = new Set(owned.hosts);
    for (const w of nvme) {
      const h = w.e.hostNqn!;
      if (hostsMade.has(h)) continue;
      hostsMade.add(h);
      if (!ownedHosts.has(h)) a({ op: 'own', kind: 'hosts', name: h });
      a({ op: 'mkdir', path: hostDir(h) });
    }
    for (const w of nvme) {
      const nqn = w.target;
      const s = o.subsystems[nqn];
      if (!s) {
        if (!ownedSubs.has(nqn)) a({ op: 'own', kind: 'subsystems', name: nqn });
        a({ op: 'mkdir', path: sub(nqn) });
      }
      if (!s || s.allowAnyHost) a({ op: 'write', path: `${sub(nqn)}/attr_allow_any_host`, value: '0' });
      if (!s || !s.allowedHosts.includes(w.e.hostNqn!)) a({ op: 'symlink', path: `${sub(nqn)}/allowed_hosts/${w.e.hostNqn}`, target: hostDir(w.e.hostNqn!) });
      const n = s?.namespaces['1'];
      if (!n) a({ op: 'mkdir', path: ns1(nqn) });
      if (!n || n.devicePath !== w.device || n.uuid !== w.e.nsUuid) {
        a({ op: 'write', path: `${ns1(nqn)}/device_path`, value: w.device });
        a({ op: 'write', path: `${ns1(nqn)}/device_uuid`, value: w.e.nsUuid! });
        a({ op: 'write', path: `${ns1(nqn)}/enable`, value: '1' });
      } else if (!n.enabled) a({ op: 'write', path: `${ns1(nqn)}/enable`, value: '1' });
      else if (w.dm && o.dm[w.dm.name] && !sameTable(o.dm[w.dm.name], w.dm.table)) {
        // A grown slice: the namespace picks up the new size of its device (kernels that have it).
        a({ op: 'write', path: `${ns1(nqn)}/revalidate_size`, value: '1', optional: true });
      }
    }
    for (const p of newPorts) {
      a({ op: 'own', kind: 'ports', name: String(p.id), trtype: p.trtype });
      a({ op: 'mkdir', path: portDir(p.id) });
      a({ op: 'write', path: `${portDir(p.id)}/addr_trtype`, value: p.trtype });
      a({ op: 'write', path: `${portDir(p.id)}/addr_adrfam`, value: isIPv6(listen.host) ? 'ipv6' : 'ipv4' });
      a({ op: 'write', path: `${portDir(p.id)}/addr_traddr`, value: listen.host });
      a({ op: 'write', path: `${portDir(p.id)}/addr_trsvcid`, value: String(listen.nvmePort) });
    }
    for (const w of nvme) {
      const id = portFor.get(trtypeOf(w.e.transport) as NvmeTrtype)!;
      const p = o.ports[String(id)];
      const s = o.subsystems[w.target];
      const hostsChange = !!s && s.allowedHosts.some((h) => h !== w.e.hostNqn);
      const fresh = newPorts.some((n) => n.id === id);
      if (fresh || !p || !p.subsystems.includes(w.target) || hostsChange) a({ op: 'symlink', path: `${portDir(id)}/subsystems/${w.target}`, target: sub(w.target) });
    }
  }

  if (iscsi.length > 0) {
    let hba = owned.hba;
    if (hba === undefined) {
      hba = 0;
      while (o.hbas.includes(`iblock_${hba}`)) hba++;
      a({ op: 'own', kind: 'hba', name: String(hba) });
    }
    if (!o.lioLoaded) a({ op: 'mkdir', path: 'target' });
    if (!o.hbas.includes(`iblock_${hba}`)) a({ op: 'mkdir', path: hbaDir(hba) });
    if (!o.iscsiLoaded) a({ op: 'mkdir', path: 'target/iscsi' });
    for (const w of iscsi) {
      const iqn = w.target;
      const name = backstoreName(iqn);
      const bs = `${hbaDir(hba)}/${name}`;
      if (owned.hba === undefined || !bsOk(name, w)) {
        a({ op: 'own', kind: 'backstores', name });
        a({ op: 'mkdir', path: bs });
        a({ op: 'write', path: `${bs}/control`, value: `udev_path=${w.device}` });
        // The control line configures iblock; the udev_path attribute is what the kernel shows
        // back (it stays empty otherwise), so the next pass can tell the backstore is right.
        a({ op: 'write', path: `${bs}/udev_path`, value: w.device });
        a({ op: 'write', path: `${bs}/enable`, value: '1' });
      }
      const t = rebuilt.has(iqn) ? undefined : o.targets[iqn];
      const g = t?.tpg;
      if (!t) {
        a({ op: 'own', kind: 'targets', name: iqn });
        a({ op: 'mkdir', path: tgt(iqn) });
      }
      if (!g) a({ op: 'mkdir', path: tpg(iqn) });
      if (!g || g.generateNodeAcls) {
        a({ op: 'write', path: `${tpg(iqn)}/attrib/generate_node_acls`, value: '0' });
        a({ op: 'write', path: `${tpg(iqn)}/attrib/demo_mode_write_protect`, value: '1' });
        a({ op: 'write', path: `${tpg(iqn)}/attrib/authentication`, value: '0' });
      }
      if (!g?.lun0Present) a({ op: 'mkdir', path: `${tpg(iqn)}/lun/lun_0` });
      if (g?.lun0 === undefined) a({ op: 'symlink', path: `${tpg(iqn)}/lun/lun_0/${LUN_LINK}`, target: bs });
      if (!g || !g.portals.includes(np(listen))) a({ op: 'mkdir', path: `${tpg(iqn)}/np/${np(listen)}` });
      const init = w.e.initiatorIqn!;
      const acl = g?.acls[init];
      if (!acl) a({ op: 'mkdir', path: `${tpg(iqn)}/acls/${init}` });
      if (!acl?.mappedDir) a({ op: 'mkdir', path: `${tpg(iqn)}/acls/${init}/lun_0` });
      if (!acl?.mapped) a({ op: 'symlink', path: `${tpg(iqn)}/acls/${init}/lun_0/${LUN_LINK}`, target: `${tpg(iqn)}/lun/lun_0` });
      if (!g?.enabled) a({ op: 'write', path: `${tpg(iqn)}/enable`, value: '1' });
    }
  }
  return { actions: dedupe(acts), refused, wanted: wanted.map((w) => exportState(w, 'exported')) };
}

/** The same own/disown twice (a port both re-made and kept) collapses to the last word. */
function dedupe(acts: Action[]): Action[] {
  const out: Action[] = [];
  for (const x of acts) {
    if (x.op === 'own' && out.some((y) => y.op === 'own' && y.kind === x.kind && y.name === x.name)) continue;
    out.push(x);
  }
  return out;
}

/** The state file after the actions ran (own adds, disown removes): what the daemon records. */
export function applyOwnership(owned: Owned, x: Action): Owned {
  if (x.op !== 'own' && x.op !== 'disown') return owned;
  const next: Owned = structuredClone(owned);
  const add = x.op === 'own';
  switch (x.kind) {
    case 'hba':
      next.hba = add ? Number(x.name) : next.hba === Number(x.name) ? undefined : next.hba;
      return next;
    case 'ports':
      next.ports = next.ports.filter((p) => p.id !== Number(x.name));
      if (add) next.ports.push({ id: Number(x.name), trtype: (x as { trtype?: NvmeTrtype }).trtype ?? 'tcp' });
      return next;
    default: {
      const list = next[x.kind].filter((n) => n !== x.name);
      if (add) list.push(x.name);
      next[x.kind] = list;
      return next;
    }
  }
}

/**
 * The object an action belongs to (`kind:name`, the kinds of Owned; `lio` for loading the
 * target fabric). After a failed action the daemon skips the rest of that object's actions
 * (never disowning what it could not remove) and reports the exports that need it as failed.
 */
export function objectOf(x: Action): string {
  if (x.op === 'own' || x.op === 'disown') return `${x.kind}:${x.name}`;
  if (x.op === 'dmCreate' || x.op === 'dmReload' || x.op === 'dmRemove') return `dm:${x.name}`;
  // A failed wipe keeps the export (disabled) and everything after it: the extent is not let go unwiped.
  if (x.op === 'wipe') return x.target.startsWith(IQN_PREFIX) ? `targets:${x.target}` : `subsystems:${x.target}`;
  const p = x.path.split('/');
  if (p[0] === 'nvmet') {
    if (p[1] === 'subsystems') return `subsystems:${p[2]}`;
    if (p[1] === 'hosts') return `hosts:${p[2]}`;
    // A subsystem's link into a port is the subsystem's: a refused listen fails that export.
    if (p[1] === 'ports') return p[3] === 'subsystems' && p[4] ? `subsystems:${p[4]}` : `ports:${p[2]}`;
  }
  if (p[0] === 'target' && p[1] === 'core' && p[2]) return p[3] ? `backstores:${p[3]}` : `hba:${p[2].slice('iblock_'.length)}`;
  if (p[0] === 'target' && p[1] === 'iscsi' && p[2]) return `targets:${p[2]}`;
  return 'lio';
}

/** Does a failure of `object` (objectOf) fail this export? Any port or HBA counts: they are shared. */
export function exportNeeds(e: EnclosureExport, enclosure: string, object: string): boolean {
  if (e.slice && object === `dm:${dmName(enclosure, e.serial, e.offsetGiB)}`) return true;
  if (e.transport === 'iscsi') return object === `targets:${e.iqn}` || object === `backstores:${backstoreName(e.iqn ?? '')}` || object.startsWith('hba:') || object === 'lio';
  return object === `subsystems:${e.nqn}` || object === `hosts:${e.hostNqn}` || object.startsWith('ports:');
}
