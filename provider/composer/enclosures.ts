// The composer's enclosure channel: which member of which volume each enclosure exports to which
// host (derived from the volumes, slices and allocations, never stored), the long poll on it,
// and what enclosure services say about themselves (facts, heartbeats, drive health and export
// states: the leader's memory, like agent heartbeats). docs/api.md "Enclosure channel".
import * as crypto from 'node:crypto';
import type { ListPage } from '../api/contract';
import {
  EXPORT_STATES,
  type DriveHealth,
  type EnclosureAssignments,
  type EnclosureExport,
  type EnclosureFacts,
  type EnclosureReport,
  type EnclosureStatus,
  type ExportState,
} from '../api/enclosure';
import { TRANSPORTS, type Enclosure, type Transport } from '../model/inventory';
import { hostNqn, initiatorIqn, iscsiIqn, nvmeNamespaceUuid, nvmeNqn } from '../model/naming';
import type { FieldFailure } from '../schema';
import type { Logger } from './log';
import { type PageRequest, takePage } from './paging';
import { HttpProblem, problems } from './problem';
import type { ComposerState, StoredVolume } from './state';

/**
 * Every export of every enclosure in one pass over the volumes and slices. A volume is exported
 * to the server that has (or may still have) it staged: while a move waits for the old server to
 * unstage, and while a delete waits for it, that is the old server; a retained volume and one
 * without a server are exported nowhere.
 */
export function exportsByEnclosure(state: ComposerState): Map<string, EnclosureExport[]> {
  const out = new Map<string, EnclosureExport[]>();
  const tables: ['volume' | 'slice', Map<string, StoredVolume>][] = [
    ['volume', state.volumes],
    ['slice', state.slices as Map<string, StoredVolume>],
  ];
  for (const [kind, table] of tables) {
    for (const v of table.values()) {
      if (v.state === 'retained') continue;
      const server = v.moving?.from ?? v.server;
      const placement = state.allocations.get(v.id);
      if (!server || !placement) continue;
      const slice = kind === 'slice' || placement.type === 'slice';
      for (const m of placement.members) {
        const e: EnclosureExport = { volumeId: v.id, kind, serial: m.serial, slice, offsetGiB: m.offsetGiB, sizeGiB: m.sizeGiB, transport: placement.transport, server };
        if (placement.transport === 'iscsi') Object.assign(e, { iqn: iscsiIqn(m, slice), initiatorIqn: initiatorIqn(server) });
        else {
          const nqn = nvmeNqn(m, slice);
          Object.assign(e, { nqn, nsUuid: nvmeNamespaceUuid(nqn), hostNqn: hostNqn(server) });
        }
        let list = out.get(m.enclosure);
        if (!list) out.set(m.enclosure, (list = []));
        list.push(e);
      }
    }
  }
  for (const list of out.values()) list.sort((a, b) => (a.volumeId < b.volumeId ? -1 : a.volumeId > b.volumeId ? 1 : a.serial < b.serial ? -1 : a.serial > b.serial ? 1 : a.offsetGiB - b.offsetGiB));
  return out;
}

interface Live {
  facts?: EnclosureFacts;
  heartbeat?: number;
  report?: EnclosureReport & { reportedAt: string };
}

type Body = Record<string, unknown>;

export class EnclosureChannel {
  private readonly live = new Map<string, Live>();
  /** The last computed export sets, valid while the state object and its revision are unchanged. */
  private cache?: { state: ComposerState; revision: number; sets: Map<string, EnclosureExport[]> };
  /** Per enclosure: the digest of its last answer and the revision it first appeared at. */
  private readonly seen = new Map<string, { digest: string; revision: number }>();

  constructor(private readonly state: () => ComposerState, private readonly opts: { heartbeatGraceMs: number; log: Logger }) {}

  private enclosure(name: string): Enclosure {
    for (const sg of this.state().inventory?.storageGroups ?? []) for (const e of sg.enclosures) if (e.name === name) return e;
    throw problems.notFound('enclosure', `${name} (not in the inventory)`);
  }

  private sets(): Map<string, EnclosureExport[]> {
    const s = this.state();
    if (this.cache?.state !== s || this.cache.revision !== s.revision) this.cache = { state: s, revision: s.revision, sets: exportsByEnclosure(s) };
    return this.cache.sets;
  }

  /** The enclosure's answer now, with the revision at which this replica first saw it. */
  private current(name: string): EnclosureAssignments {
    const enc = this.enclosure(name);
    const exports = this.sets().get(name) ?? [];
    const digest = crypto.createHash('sha256').update(JSON.stringify([enc.portal, enc.transports, exports])).digest('hex');
    let seen = this.seen.get(name);
    if (seen?.digest !== digest) this.seen.set(name, (seen = { digest, revision: this.state().revision }));
    return { revision: seen.revision, portal: enc.portal, transports: enc.transports, exports };
  }

  /**
   * Long poll: with `since`, waits until the enclosure's set differs from the one answered at that
   * revision (woken by writes to volumes, slices, allocations or the inventory), or waitSeconds.
   */
  async assignments(name: string, since: number | undefined, waitSeconds: number): Promise<EnclosureAssignments> {
    const deadline = Date.now() + waitSeconds * 1000;
    for (;;) {
      const now = this.current(name);
      const left = deadline - Date.now();
      if (since === undefined || now.revision > since || left <= 0) return now;
      await this.state().waitExportChange(left);
    }
  }

  register(name: string, body: unknown): EnclosureStatus {
    const enc = this.enclosure(name);
    const facts = checkFacts(body, enc);
    const l = this.entry(name);
    l.facts = facts;
    l.heartbeat = Date.now();
    this.opts.log.info('enclosure registered', { enclosure: name, drives: facts.drives.length, version: facts.version });
    return this.status(name);
  }

  /** 404 not_registered when this replica has no registration (a new leader): register again. */
  heartbeat(name: string): void {
    this.enclosure(name);
    const l = this.live.get(name);
    if (!l?.facts) throw new HttpProblem(404, 'not_registered', `enclosure ${name} has not registered with this composer: register again`);
    l.heartbeat = Date.now();
  }

  report(name: string, body: unknown): void {
    const enc = this.enclosure(name);
    const report = checkReport(body, enc);
    const l = this.entry(name);
    const failed = report.exports.filter((e) => e.state === 'failed');
    if (failed.length > 0) this.opts.log.warn('enclosure reports failed exports', { enclosure: name, failed: failed.map((e) => `${e.target}: ${e.error ?? ''}`) });
    const missing = report.drives.filter((d) => !d.present).map((d) => d.serial);
    if (missing.length > 0) this.opts.log.warn('enclosure reports missing drives', { enclosure: name, drives: missing });
    l.report = { ...report, reportedAt: new Date().toISOString() };
    l.heartbeat = Date.now();
  }

  list(page: PageRequest): ListPage<EnclosureStatus> {
    const names = (this.state().inventory?.storageGroups ?? []).flatMap((sg) => sg.enclosures.map((e) => [e.name, e.name] as const));
    return takePage(names, page, () => true, (n) => this.status(n));
  }

  private entry(name: string): Live {
    let l = this.live.get(name);
    if (!l) this.live.set(name, (l = {}));
    return l;
  }

  private status(name: string): EnclosureStatus {
    const l = this.live.get(name);
    const hb = l?.heartbeat;
    const health: EnclosureStatus['health'] = hb === undefined ? 'unknown' : Date.now() - hb <= this.opts.heartbeatGraceMs ? 'up' : 'down';
    const out: EnclosureStatus = { name, health };
    if (hb !== undefined) out.lastHeartbeat = new Date(hb).toISOString();
    if (l?.facts) out.facts = l.facts;
    if (l?.report) out.report = l.report;
    return out;
  }
}

const isObject = (v: unknown): v is Body => typeof v === 'object' && v !== null && !Array.isArray(v);
const text = (v: unknown, max = 1024) => typeof v === 'string' && v.length > 0 && v.length <= max;
const count = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0;

function checkFacts(body: unknown, enc: Enclosure): EnclosureFacts {
  if (!isObject(body)) throw problems.field('(body)', 'must be a JSON object');
  const f: FieldFailure[] = [];
  if (!text(body.hostname, 255)) f.push({ field: 'hostname', reason: 'must be a non-empty string (at most 255 characters)' });
  if (typeof body.version !== 'string' || body.version.length > 64) f.push({ field: 'version', reason: 'must be a string (at most 64 characters)' });
  const serials = new Set(enc.drives.map((d) => d.serial));
  if (!Array.isArray(body.drives)) f.push({ field: 'drives', reason: 'must be a list of drive serials' });
  else {
    const dup = new Set<string>();
    body.drives.forEach((s, i) => {
      if (typeof s !== 'string' || !serials.has(s)) f.push({ field: `drives[${i}]`, reason: `${JSON.stringify(s)} is not a drive of enclosure ${enc.name} in the inventory` });
      else if (dup.has(s)) f.push({ field: `drives[${i}]`, reason: `${s} is listed twice` });
      else dup.add(s);
    });
  }
  const unknown = Object.keys(body).filter((k) => !['hostname', 'version', 'drives'].includes(k));
  for (const k of unknown) f.push({ field: k, reason: 'unknown attribute' });
  if (f.length > 0) throw problems.validation(f);
  return { hostname: body.hostname as string, version: body.version as string, drives: body.drives as string[] };
}

function checkReport(body: unknown, enc: Enclosure): EnclosureReport {
  if (!isObject(body)) throw problems.field('(body)', 'must be a JSON object');
  const f: FieldFailure[] = [];
  const serials = new Set(enc.drives.map((d) => d.serial));
  const drives: DriveHealth[] = [];
  const exports: ExportState[] = [];
  if (!Array.isArray(body.drives) || body.drives.length > 4096) f.push({ field: 'drives', reason: 'must be a list (at most 4096 entries)' });
  else
    body.drives.forEach((d, i) => {
      const at = `drives[${i}]`;
      if (!isObject(d)) return f.push({ field: at, reason: 'must be an object' });
      if (typeof d.serial !== 'string' || !serials.has(d.serial)) f.push({ field: `${at}.serial`, reason: `${JSON.stringify(d.serial)} is not a drive of enclosure ${enc.name}` });
      if (typeof d.present !== 'boolean') f.push({ field: `${at}.present`, reason: 'must be true or false' });
      if (d.device !== undefined && !text(d.device, 4096)) f.push({ field: `${at}.device`, reason: 'must be a non-empty string' });
      if (d.deviceState !== undefined && !text(d.deviceState, 64)) f.push({ field: `${at}.deviceState`, reason: 'must be a non-empty string (at most 64 characters)' });
      for (const k of ['sizeBytes', 'ioErrors'] as const) if (d[k] !== undefined && !count(d[k])) f.push({ field: `${at}.${k}`, reason: 'must be an integer >= 0' });
      const h: DriveHealth = { serial: d.serial as string, present: d.present as boolean };
      for (const k of ['device', 'deviceState'] as const) if (d[k] !== undefined) h[k] = d[k] as string;
      for (const k of ['sizeBytes', 'ioErrors'] as const) if (d[k] !== undefined) h[k] = d[k] as number;
      drives.push(h);
    });
  if (!Array.isArray(body.exports) || body.exports.length > 65536) f.push({ field: 'exports', reason: 'must be a list (at most 65536 entries)' });
  else
    body.exports.forEach((e, i) => {
      const at = `exports[${i}]`;
      if (!isObject(e)) return f.push({ field: at, reason: 'must be an object' });
      for (const k of ['volumeId', 'serial', 'target', 'server'] as const) if (!text(e[k], 256)) f.push({ field: `${at}.${k}`, reason: 'must be a non-empty string (at most 256 characters)' });
      if (!count(e.offsetGiB)) f.push({ field: `${at}.offsetGiB`, reason: 'must be an integer >= 0' });
      if (!(TRANSPORTS as readonly unknown[]).includes(e.transport)) f.push({ field: `${at}.transport`, reason: `must be one of ${TRANSPORTS.join(', ')}` });
      if (!(EXPORT_STATES as readonly unknown[]).includes(e.state)) f.push({ field: `${at}.state`, reason: `must be one of ${EXPORT_STATES.join(', ')}` });
      if (e.error !== undefined && (typeof e.error !== 'string' || e.error.length > 8192)) f.push({ field: `${at}.error`, reason: 'must be a string (at most 8192 characters)' });
      const s: ExportState = {
        volumeId: e.volumeId as string,
        serial: e.serial as string,
        offsetGiB: e.offsetGiB as number,
        transport: e.transport as Transport,
        target: e.target as string,
        server: e.server as string,
        state: e.state as ExportState['state'],
      };
      if (e.error !== undefined) s.error = e.error as string;
      exports.push(s);
    });
  if (f.length > 0) throw problems.validation(f);
  return { drives, exports };
}
