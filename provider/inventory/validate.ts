// Validates a parsed topology document (docs/inventory.md) and normalises it into an Inventory.
// Every problem is reported with its path; nothing is thrown until the whole document is read.
import {
  DRIVE_TYPES,
  TRANSPORTS,
  type BandwidthDomain,
  type Drive,
  type DriveType,
  type Enclosure,
  type Inventory,
  type Server,
  type StorageGroup,
  type Transport,
} from '../model/inventory';
import { InventoryError, type InventoryProblem } from './errors';

/** Limits that keep the engine's packed indexes exact (see provider/engine/indexes.ts). */
export const MAX_DRIVE_SIZE_GIB = 1_048_575;
export const MAX_DRIVES_PER_ENCLOSURE = 4096;

/** Names of domains, groups, enclosures, drives (serials) and servers. */
export const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;
/** An enclosure portal: host:port (IPv6 in brackets). */
export const PORTAL_RE = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/;

type Obj = Record<string, unknown>;

class Collector {
  readonly problems: InventoryProblem[] = [];
  add(path: string, reason: string): void {
    this.problems.push({ path, reason });
  }
}

/** `a.b`, or just `b` at the top level. */
function at(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'string') return `"${v.length > 40 ? v.slice(0, 40) + '...' : v}"`;
  if (typeof v === 'object') return 'an object';
  return String(v);
}

function checkKeys(c: Collector, obj: Obj, path: string, allowed: string[]): void {
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k)) c.add(at(path, k), `unknown field (allowed: ${allowed.join(', ')})`);
  }
}

function name(c: Collector, obj: Obj, key: string, path: string): string | undefined {
  const v = obj[key];
  if (v === undefined) {
    c.add(at(path, key), 'is required');
    return undefined;
  }
  if (typeof v !== 'string' || v.length === 0) {
    c.add(at(path, key), `must be a non-empty string, got ${describe(v)}`);
    return undefined;
  }
  if (!NAME_RE.test(v)) {
    c.add(at(path, key), `"${v}" must start with a letter or digit and contain only letters, digits, '.', '_', ':', '-'`);
    return undefined;
  }
  return v;
}

function positiveNumber(c: Collector, obj: Obj, key: string, path: string): number | undefined {
  const v = obj[key];
  if (v === undefined) {
    c.add(at(path, key), 'is required');
    return undefined;
  }
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
    c.add(at(path, key), `must be a positive number, got ${describe(v)}`);
    return undefined;
  }
  return v;
}

function positiveInt(c: Collector, obj: Obj, key: string, path: string, max: number): number | undefined {
  const v = obj[key];
  if (v === undefined) {
    c.add(at(path, key), 'is required');
    return undefined;
  }
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
    c.add(at(path, key), `must be a positive integer, got ${describe(v)}`);
    return undefined;
  }
  if (v > max) {
    c.add(at(path, key), `must be at most ${max}, got ${v}`);
    return undefined;
  }
  return v;
}

function list(c: Collector, obj: Obj, key: string, path: string, required: boolean): unknown[] | undefined {
  const v = obj[key];
  if (v === undefined) {
    if (required) c.add(at(path, key), 'is required (a list)');
    return required ? undefined : [];
  }
  if (!Array.isArray(v)) {
    c.add(at(path, key), `must be a list, got ${describe(v)}`);
    return undefined;
  }
  return v;
}

function transports(c: Collector, obj: Obj, path: string): Transport[] {
  const items = list(c, obj, 'transports', path, true);
  if (!items) return [];
  if (items.length === 0) c.add(`${path}.transports`, `must name at least one transport (${TRANSPORTS.join(', ')})`);
  const out: Transport[] = [];
  items.forEach((t, i) => {
    if (typeof t !== 'string' || !(TRANSPORTS as readonly string[]).includes(t)) {
      c.add(`${path}.transports[${i}]`, `unknown transport ${describe(t)} (allowed: ${TRANSPORTS.join(', ')})`);
    } else if (out.includes(t as Transport)) {
      c.add(`${path}.transports[${i}]`, `duplicate transport "${t}"`);
    } else out.push(t as Transport);
  });
  return out;
}

function tags(c: Collector, obj: Obj, path: string): string[] {
  const items = list(c, obj, 'tags', path, false);
  if (!items) return [];
  const out: string[] = [];
  items.forEach((t, i) => {
    if (typeof t !== 'string' || t.length === 0 || /[\s,]/.test(t)) {
      c.add(`${path}.tags[${i}]`, `must be a non-empty string without spaces or commas, got ${describe(t)}`);
    } else if (!out.includes(t)) out.push(t);
  });
  return out;
}

/** Remembers the first path of each unique name so duplicates can point at both. */
class UniqueNames {
  private readonly seen = new Map<string, string>();
  constructor(private readonly what: string) {}
  claim(c: Collector, value: string | undefined, path: string): void {
    if (value === undefined) return;
    const first = this.seen.get(value);
    if (first !== undefined) c.add(path, `duplicate ${this.what} "${value}" (first at ${first})`);
    else this.seen.set(value, path);
  }
}

function validateDrive(c: Collector, raw: unknown, path: string, serials: UniqueNames): Drive | undefined {
  if (!isObj(raw)) {
    c.add(path, `must be an object, got ${describe(raw)}`);
    return undefined;
  }
  checkKeys(c, raw, path, ['serial', 'type', 'sizeGiB', 'rpm', 'tags']);
  const serial = name(c, raw, 'serial', path);
  serials.claim(c, serial, `${path}.serial`);
  let type: DriveType | undefined;
  if (raw.type === undefined) c.add(`${path}.type`, `is required (${DRIVE_TYPES.join(' | ')})`);
  else if (typeof raw.type !== 'string' || !(DRIVE_TYPES as readonly string[]).includes(raw.type)) {
    c.add(`${path}.type`, `must be one of ${DRIVE_TYPES.join(', ')}, got ${describe(raw.type)}`);
  } else type = raw.type as DriveType;
  const sizeGiB = positiveInt(c, raw, 'sizeGiB', path, MAX_DRIVE_SIZE_GIB);
  let rpm: number | undefined;
  if (type === 'hdd') {
    if (raw.rpm === undefined) c.add(`${path}.rpm`, 'is required for hdd drives');
    else rpm = positiveInt(c, raw, 'rpm', path, 100_000);
  }
  else if (type === 'ssd' && raw.rpm !== undefined) c.add(`${path}.rpm`, 'only allowed for hdd drives');
  const driveTags = tags(c, raw, path);
  if (serial === undefined || type === undefined || sizeGiB === undefined || (type === 'hdd' && rpm === undefined)) return undefined;
  const d: Drive = { serial, type, sizeGiB, tags: driveTags };
  if (rpm !== undefined) d.rpm = rpm;
  return d;
}

function validateEnclosure(
  c: Collector,
  raw: unknown,
  path: string,
  domains: Set<string>,
  enclosureNames: UniqueNames,
  serials: UniqueNames,
): Enclosure | undefined {
  if (!isObj(raw)) {
    c.add(path, `must be an object, got ${describe(raw)}`);
    return undefined;
  }
  checkKeys(c, raw, path, ['name', 'transports', 'portal', 'uplinkGbps', 'bandwidthDomain', 'drives']);
  const encName = name(c, raw, 'name', path);
  enclosureNames.claim(c, encName, `${path}.name`);
  const ts = transports(c, raw, path);
  let portal: string | undefined;
  if (raw.portal === undefined) c.add(`${path}.portal`, 'is required (host:port)');
  else if (typeof raw.portal !== 'string' || !PORTAL_RE.test(raw.portal) || Number(raw.portal.slice(raw.portal.lastIndexOf(':') + 1)) > 65535) {
    c.add(`${path}.portal`, `must be host:port, got ${describe(raw.portal)}`);
  } else portal = raw.portal;
  const uplinkGbps = positiveNumber(c, raw, 'uplinkGbps', path);
  const bandwidthDomain = domainRef(c, raw, path, domains);
  const rawDrives = list(c, raw, 'drives', path, true);
  const drives: Drive[] = [];
  if (rawDrives) {
    if (rawDrives.length > MAX_DRIVES_PER_ENCLOSURE) {
      c.add(`${path}.drives`, `at most ${MAX_DRIVES_PER_ENCLOSURE} drives per enclosure, got ${rawDrives.length}`);
    }
    rawDrives.forEach((d, i) => {
      const drive = validateDrive(c, d, `${path}.drives[${i}]`, serials);
      if (drive) drives.push(drive);
    });
  }
  if (encName === undefined || portal === undefined || uplinkGbps === undefined || bandwidthDomain === undefined) return undefined;
  return { name: encName, transports: ts, portal, uplinkGbps, bandwidthDomain, drives };
}

function domainRef(c: Collector, raw: Obj, path: string, domains: Set<string>): string | undefined {
  const v = raw.bandwidthDomain;
  if (v === undefined) {
    c.add(`${path}.bandwidthDomain`, 'is required');
    return undefined;
  }
  if (typeof v !== 'string' || !domains.has(v)) {
    const known = [...domains].slice(0, 10).join(', ');
    c.add(`${path}.bandwidthDomain`, `unknown bandwidth domain ${describe(v)} (declared: ${known || 'none'}${domains.size > 10 ? ', ...' : ''})`);
    return undefined;
  }
  return v;
}

function validateServer(c: Collector, raw: unknown, path: string, domains: Set<string>, names: UniqueNames): Server | undefined {
  if (!isObj(raw)) {
    c.add(path, `must be an object, got ${describe(raw)}`);
    return undefined;
  }
  checkKeys(c, raw, path, ['name', 'transports', 'nicGbps', 'bandwidthDomain', 'tags']);
  const serverName = name(c, raw, 'name', path);
  names.claim(c, serverName, `${path}.name`);
  const ts = transports(c, raw, path);
  const nicGbps = positiveNumber(c, raw, 'nicGbps', path);
  const bandwidthDomain = domainRef(c, raw, path, domains);
  const serverTags = tags(c, raw, path);
  if (serverName === undefined || nicGbps === undefined || bandwidthDomain === undefined) return undefined;
  return { name: serverName, transports: ts, nicGbps, bandwidthDomain, tags: serverTags };
}

/** Collects every problem of a parsed topology document; returns the normalised inventory and the problems. */
export function checkInventory(doc: unknown): { inventory: Inventory; problems: InventoryProblem[] } {
  const c = new Collector();
  const inventory: Inventory = { bandwidthDomains: [], storageGroups: [], servers: [] };
  if (!isObj(doc)) {
    c.add('', `the inventory must be an object with bandwidthDomains, storageGroups and servers, got ${describe(doc)}`);
    return { inventory, problems: c.problems };
  }
  checkKeys(c, doc, '', ['bandwidthDomains', 'storageGroups', 'servers']);

  const domains = new Set<string>();
  const domainNames = new UniqueNames('bandwidth domain');
  const rawDomains = list(c, doc, 'bandwidthDomains', '', true);
  rawDomains?.forEach((d, i) => {
    const path = `bandwidthDomains[${i}]`;
    // A domain is `{name: rack-a}` or just `rack-a`.
    const obj: Obj | undefined = typeof d === 'string' ? { name: d } : isObj(d) ? d : undefined;
    if (!obj) {
      c.add(path, `must be a name or an object with a name, got ${describe(d)}`);
      return;
    }
    checkKeys(c, obj, path, ['name']);
    const n = name(c, obj, 'name', path);
    domainNames.claim(c, n, `${path}.name`);
    if (n !== undefined && !domains.has(n)) {
      domains.add(n);
      inventory.bandwidthDomains.push({ name: n } as BandwidthDomain);
    }
  });

  const sgNames = new UniqueNames('storage group');
  const enclosureNames = new UniqueNames('enclosure');
  const serials = new UniqueNames('drive serial');
  const rawGroups = list(c, doc, 'storageGroups', '', true);
  rawGroups?.forEach((g, i) => {
    const path = `storageGroups[${i}]`;
    if (!isObj(g)) {
      c.add(path, `must be an object, got ${describe(g)}`);
      return;
    }
    checkKeys(c, g, path, ['name', 'enclosures']);
    const n = name(c, g, 'name', path);
    sgNames.claim(c, n, `${path}.name`);
    const rawEnclosures = list(c, g, 'enclosures', path, true);
    const enclosures: Enclosure[] = [];
    rawEnclosures?.forEach((e, j) => {
      const enc = validateEnclosure(c, e, `${path}.enclosures[${j}]`, domains, enclosureNames, serials);
      if (enc) enclosures.push(enc);
    });
    if (n !== undefined) inventory.storageGroups.push({ name: n, enclosures } as StorageGroup);
  });

  const serverNames = new UniqueNames('server');
  const rawServers = list(c, doc, 'servers', '', false);
  rawServers?.forEach((s, i) => {
    const server = validateServer(c, s, `servers[${i}]`, domains, serverNames);
    if (server) inventory.servers.push(server);
  });
  return { inventory, problems: c.problems };
}

/** Validates a parsed document; throws InventoryError listing every problem. */
export function validateInventory(doc: unknown, source?: string): Inventory {
  const { inventory, problems } = checkInventory(doc);
  if (problems.length > 0) throw new InventoryError(problems, source);
  return inventory;
}
