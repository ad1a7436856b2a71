// Normalises and checks a placement request, then resolves it against the pool into a context
// the selector works from (kind, scope, filters, size bounds).
import { TRANSPORTS, type Transport } from '../model/inventory';
import { PLACEMENT_DEFAULTS, VOLUME_TYPES, type PlacementConstraint, type PlacementFailure, type PlacementRequest } from '../model/placement';
import { HDD, SSD, transportMask, type Kind, type Pool, type ServerInfo } from './pool';

export type Checked<T> = { ok: true; value: T } | { ok: false; failure: PlacementFailure };

export function fail(constraint: PlacementConstraint, message: string): { ok: false; failure: PlacementFailure } {
  return { ok: false, failure: { constraint, message: `${constraint}: ${message}` } };
}

function isPosInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v > 0;
}

function stringList(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string' && x.length > 0);
}

/** Applies the seed's defaults to missing fields and checks every field's type and range. */
export function normalizeRequest(raw: Partial<PlacementRequest>, withSize = true): Checked<PlacementRequest> {
  const r = { ...PLACEMENT_DEFAULTS, ...raw } as PlacementRequest;
  for (const k of Object.keys(PLACEMENT_DEFAULTS) as (keyof typeof PLACEMENT_DEFAULTS)[]) {
    if ((raw as Record<string, unknown>)[k] === undefined) (r as unknown as Record<string, unknown>)[k] = PLACEMENT_DEFAULTS[k];
  }
  if (!(VOLUME_TYPES as readonly string[]).includes(r.type)) return fail('type', `must be one of ${VOLUME_TYPES.join(', ')}, got ${JSON.stringify(r.type)}`);
  if (withSize && !isPosInt(r.sizeGiB)) return fail('sizeGiB', `must be a positive integer, got ${JSON.stringify(r.sizeGiB)}`);
  if (r.rpm !== undefined && !isPosInt(r.rpm)) return fail('rpm', `must be a positive integer, got ${JSON.stringify(r.rpm)}`);
  for (const b of ['striping', 'redundancy', 'sgResiliency', 'jbodResiliency', 'softDomains'] as const satisfies readonly (keyof PlacementRequest)[]) {
    if (typeof r[b] !== 'boolean') return fail(b, `must be true or false, got ${JSON.stringify(r[b])}`);
  }
  if (!Number.isInteger(r.raidMaxDrives) || r.raidMaxDrives < 2 || r.raidMaxDrives > 256) {
    return fail('raidMaxDrives', `must be an integer from 2 to 256, got ${JSON.stringify(r.raidMaxDrives)}`);
  }
  for (const l of ['requiredTags', 'excludedTags', 'storageGroup'] as const satisfies readonly (keyof PlacementRequest)[]) {
    if (!stringList(r[l])) return fail(l, `must be a list of non-empty strings, got ${JSON.stringify(r[l])}`);
  }
  const both = r.requiredTags.filter((t) => r.excludedTags.includes(t));
  if (both.length > 0) return fail('excludedTags', `tag${both.length > 1 ? 's' : ''} ${both.join(', ')} also in requiredTags`);
  if (!Array.isArray(r.networkTransportsAllowed) || r.networkTransportsAllowed.some((t) => !(TRANSPORTS as readonly string[]).includes(t))) {
    return fail('networkTransportsAllowed', `must be a list of ${TRANSPORTS.join(', ')}, got ${JSON.stringify(r.networkTransportsAllowed)}`);
  }
  for (const b of ['minVolumeSize', 'maxVolumeSize'] as const satisfies readonly (keyof PlacementRequest)[]) {
    if (r[b] !== undefined && !isPosInt(r[b])) return fail(b, `must be a positive integer, got ${JSON.stringify(r[b])}`);
  }
  if (r.minVolumeSize !== undefined && r.maxVolumeSize !== undefined && r.minVolumeSize > r.maxVolumeSize) {
    return fail('minVolumeSize', `${r.minVolumeSize} GiB is above maxVolumeSize ${r.maxVolumeSize} GiB`);
  }
  if (r.server !== undefined && (typeof r.server !== 'string' || r.server.length === 0)) return fail('server', `must be a server name, got ${JSON.stringify(r.server)}`);
  return { ok: true, value: r };
}

/** A request resolved against the pool. */
export interface Ctx {
  req: PlacementRequest;
  kind: Kind;
  slice: boolean;
  /** Words for messages: "ssd", "hdd". */
  kindWord: string;
  server?: ServerInfo;
  /** Members must sit in the server's bandwidth domain. */
  strictDomain: boolean;
  /** The server's bandwidth domain, preferred when softDomains (-1: none). */
  preferBd: number;
  /** Allowed storage groups by index, or null for all. */
  sgAllowed: Uint8Array | null;
  /** Usable transports: allowed list (all when empty) ∩ server's. */
  tmask: number;
  /** Per-drive filter (rpm, tags), or null when there is none. */
  drivePred: ((d: number) => boolean) | null;
  /** Usable capacity bounds: lower = max(sizeGiB, minVolumeSize), upper = maxVolumeSize or Infinity. */
  lower: number;
  upper: number;
  mirrored: boolean;
}

export function resolve(pool: Pool, req: PlacementRequest): Checked<Ctx> {
  const kind: Kind = req.type === 'hdd' ? HDD : SSD;
  let server: ServerInfo | undefined;
  if (req.server !== undefined) {
    server = pool.servers.get(req.server);
    if (!server) return fail('server', `unknown server "${req.server}"`);
  }
  let sgAllowed: Uint8Array | null = null;
  if (req.storageGroup.length > 0) {
    sgAllowed = new Uint8Array(pool.sgNames.length);
    for (const g of req.storageGroup) {
      const i = pool.sgByName.get(g);
      if (i === undefined) return fail('storageGroup', `unknown storage group "${g}" (known: ${pool.sgNames.slice(0, 10).join(', ')}${pool.sgNames.length > 10 ? ', ...' : ''})`);
      sgAllowed[i] = 1;
    }
  }
  let tmask = req.networkTransportsAllowed.length > 0 ? transportMask(req.networkTransportsAllowed) : transportMask(TRANSPORTS);
  if (server) {
    const common = tmask & server.tmask;
    if (common === 0) {
      return fail(
        'networkTransportsAllowed',
        `server ${server.name} supports ${maskNames(server.tmask).join(', ')}; allowed: ${maskNames(tmask).join(', ')}; no common transport`,
      );
    }
    tmask = common;
  }
  const rpmMin = kind === HDD && req.rpm !== undefined ? req.rpm : 0;
  const required = req.requiredTags;
  const excluded = req.excludedTags;
  let drivePred: ((d: number) => boolean) | null = null;
  if (rpmMin > 0 || required.length > 0 || excluded.length > 0) {
    drivePred = (d: number) => {
      if (pool.rpm[d] < rpmMin) return false;
      const tags = pool.tags[d];
      for (const t of required) if (!tags.includes(t)) return false;
      for (const t of excluded) if (tags.includes(t)) return false;
      return true;
    };
  }
  const size = Number.isInteger(req.sizeGiB) ? req.sizeGiB : 1;
  return {
    ok: true,
    value: {
      req,
      kind,
      slice: req.type === 'slice',
      kindWord: kind === HDD ? 'hdd' : 'ssd',
      server,
      strictDomain: server !== undefined && !req.softDomains,
      preferBd: server !== undefined && req.softDomains ? server.bd : -1,
      sgAllowed,
      tmask,
      drivePred,
      lower: Math.max(size, req.minVolumeSize ?? 0),
      upper: req.maxVolumeSize ?? Infinity,
      mirrored: req.redundancy,
    },
  };
}

export function maskNames(mask: number): Transport[] {
  return TRANSPORTS.filter((_, i) => (mask & (1 << i)) !== 0);
}
