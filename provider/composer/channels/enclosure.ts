// The enclosure channel: which member of which volume each enclosure exports to which host
// (derived from the volumes, slices and allocations, never stored), the long poll on it, and what
// enclosure services say about themselves (facts, heartbeats, drive health and export states: the
// leader's memory, like agent heartbeats). Messages and routes: provider/api/wire.json; docs/api.md
// "Enclosure channel"; the service that speaks it: docs/agent.md "Enclosure service".
import * as crypto from 'node:crypto';
import {
  PROBLEM,
  validateEnclosureFacts,
  validateEnclosureReport,
  type EnclosureAssignments,
  type EnclosureExport,
  type EnclosureFacts,
  type EnclosureReport,
  type EnclosureReported,
  type EnclosureStatus,
  type ListPage,
} from '../../api/contract';
import type { Enclosure } from '../../model/inventory';
import { hostNqn, initiatorIqn, iscsiIqn, nvmeNamespaceUuid, nvmeNqn } from '../../model/naming';
import type { FieldFailure } from '../../schema';
import type { ComposerContext } from '../context';
import { type PageRequest, takePage } from '../paging';
import { HttpProblem, problems } from '../problem';
import { rebuildDone } from '../operations/volume-rebuild';
import type { ComposerState, StoredVolume } from '../state';
import type { Drives } from '../resources/drives';
import { Heartbeats, requireKnown } from './channel';

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
      // A fenced move: exported to nobody until every enclosure confirmed the revocation (docs/failure.md).
      if (v.moving?.fence) continue;
      const server = v.moving?.from ?? v.server;
      const placement = state.allocations.get(v.id);
      if (!server || !placement) continue;
      const slice = kind === 'slice' || placement.type === 'slice';
      // A drain's old members too, until its rebuild is done: md copies from them online, and an
      // export no longer listed is released (wiped) by its enclosure (docs/failure.md).
      const draining = v.rebuilding?.drain && !rebuildDone(v) ? v.rebuilding.replaced.flatMap((r) => (r.old && !placement.members.some((m) => m.serial === r.old!.serial && m.offsetGiB === r.old!.offsetGiB) ? [r.old] : [])) : [];
      for (const m of [...placement.members, ...draining]) {
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

/**
 * Per enclosure, the targets of a fenced move's members (docs/failure.md, "Fencing"): exported to
 * nobody while the move waits, yet not released, so the enclosure takes the export down without
 * wiping the extent (it would otherwise read an export no longer listed as a deleted volume's).
 */
export function heldByEnclosure(state: ComposerState): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const tables: ['volume' | 'slice', Map<string, StoredVolume>][] = [
    ['volume', state.volumes],
    ['slice', state.slices as Map<string, StoredVolume>],
  ];
  for (const [kind, table] of tables) {
    for (const v of table.values()) {
      const placement = state.allocations.get(v.id);
      if (!v.moving?.fence || v.state === 'retained' || !placement) continue;
      const slice = kind === 'slice' || placement.type === 'slice';
      for (const m of placement.members) {
        let list = out.get(m.enclosure);
        if (!list) out.set(m.enclosure, (list = []));
        list.push(placement.transport === 'iscsi' ? iscsiIqn(m, slice) : nvmeNqn(m, slice));
      }
    }
  }
  for (const list of out.values()) list.sort();
  return out;
}

export class EnclosureChannel {
  /** Services' liveness; facts and last reports beside it, in the leader's memory only. */
  private readonly beats: Heartbeats;
  private readonly facts = new Map<string, EnclosureFacts>();
  private readonly reports = new Map<string, EnclosureReported>();
  /** Per export (enclosure, volume, extent, server): the last I/O count reported; per server: when a count last grew. Leader's memory. */
  private readonly ioCounts = new Map<string, number>();
  private readonly ioAt = new Map<string, number>();
  /** The last computed export sets, valid while the state object and its revision are unchanged. */
  private cache?: { state: ComposerState; revision: number; sets: Map<string, EnclosureExport[]>; held: Map<string, string[]> };
  /** Per enclosure: the digest of its last answer and the revision it first appeared at. */
  private readonly seen = new Map<string, { digest: string; revision: number }>();

  constructor(
    private readonly ctx: ComposerContext,
    private readonly drives: Drives,
  ) {
    this.beats = new Heartbeats(ctx.opts.heartbeatGraceMs);
    ctx.fenceWaitingOn = (id) => this.unconfirmed(id);
    ctx.ioSeenAt = (server) => this.ioAt.get(server);
  }

  /**
   * The fence of a move (docs/failure.md): the enclosures holding a member of the volume whose
   * last report does not yet say they applied the export set without it (appliedRevision at or
   * after the revision that set first appeared at). In the leader's memory: after a restart or a
   * take-over every enclosure must report again before a fenced move goes on.
   */
  private unconfirmed(volumeId: string): string[] {
    const s = this.ctx.state;
    const placement = s.allocations.get(volumeId);
    const encs = [...new Set((placement?.members ?? []).map((m) => m.enclosure))];
    return encs.filter((name) => {
      const want = this.current(name).revision;
      const r = this.reports.get(name);
      return r?.appliedRevision === undefined || r.appliedRevision < want;
    });
  }

  private enclosures(): Enclosure[] {
    return (this.ctx.state.inventory?.storageGroups ?? []).flatMap((sg) => sg.enclosures);
  }

  private enclosure(name: string): Enclosure {
    const all = this.enclosures();
    requireKnown('enclosure', name, all);
    return all.find((e) => e.name === name)!;
  }

  private sets(): { sets: Map<string, EnclosureExport[]>; held: Map<string, string[]> } {
    const s = this.ctx.state;
    if (this.cache?.state !== s || this.cache.revision !== s.revision) this.cache = { state: s, revision: s.revision, sets: exportsByEnclosure(s), held: heldByEnclosure(s) };
    return this.cache;
  }

  /** The enclosure's answer now, with the revision at which this replica first saw it. */
  private current(name: string): EnclosureAssignments {
    const enc = this.enclosure(name);
    const { sets, held: holds } = this.sets();
    const exports = sets.get(name) ?? [];
    const held = holds.get(name) ?? [];
    const digest = crypto.createHash('sha256').update(JSON.stringify([enc.portal, enc.transports, exports, held])).digest('hex');
    let seen = this.seen.get(name);
    if (seen?.digest !== digest) this.seen.set(name, (seen = { digest, revision: this.ctx.state.revision }));
    return { revision: seen.revision, portal: enc.portal, transports: enc.transports, exports, ...(held.length ? { held } : {}) };
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
      // A closing composer wakes every poll (ComposerState.wakeAll): answer then, not at the deadline.
      if (since === undefined || now.revision > since || left <= 0 || this.ctx.closed) return now;
      await this.ctx.state.waitExportChange(left);
    }
  }

  register(name: string, body: unknown): EnclosureStatus {
    const enc = this.enclosure(name);
    const checked = validateEnclosureFacts(body);
    const failures = [...checked.failures, ...foreignDrives(body, enc, (d) => d, 'drives', true)];
    if (failures.length > 0) throw problems.validation(failures);
    const facts = checked.value;
    this.facts.set(name, facts);
    this.beats.beat(name);
    this.ctx.log.info('enclosure registered', { enclosure: name, drives: facts.drives.length, version: facts.version });
    return this.status(name);
  }

  /** 404 not_registered when this replica has no registration (a new leader): register again. */
  heartbeat(name: string): void {
    this.enclosure(name);
    if (!this.facts.has(name)) throw new HttpProblem(404, PROBLEM.notRegistered, `enclosure ${name} has not registered with this composer: register again`);
    this.beats.beat(name);
  }

  /** Kept in memory; what it says of the drives' health is stored (../resources/drives.ts). */
  async report(name: string, body: unknown): Promise<void> {
    const enc = this.enclosure(name);
    const checked = validateEnclosureReport(body);
    const failures = [...checked.failures, ...foreignDrives(body, enc, (d) => (isObject(d) ? d.serial : undefined), 'drives', false, 'serial')];
    if (failures.length > 0) throw problems.validation(failures);
    const report: EnclosureReport = checked.value;
    const failed = report.exports.filter((e) => e.state === 'failed');
    if (failed.length > 0) this.ctx.log.warn('enclosure reports failed exports', { enclosure: name, failed: failed.map((e) => `${e.target}: ${e.error ?? ''}`) });
    const missing = report.drives.filter((d) => !d.present).map((d) => d.serial);
    if (missing.length > 0) this.ctx.log.warn('enclosure reports missing drives', { enclosure: name, drives: missing });
    // I/O counters: a count that grew since this export's last report is I/O from its server.
    const t = Date.now();
    for (const e of report.exports) {
      if (e.ioCount === undefined) continue;
      const key = `${name}\0${e.volumeId}\0${e.serial}\0${e.offsetGiB}\0${e.server}`;
      const before = this.ioCounts.get(key);
      if (before !== undefined && e.ioCount > before) this.ioAt.set(e.server, t);
      this.ioCounts.set(key, e.ioCount);
    }
    this.reports.set(name, { ...report, reportedAt: new Date().toISOString() });
    this.beats.beat(name);
    await this.drives.enclosureDrives(name, report.drives);
  }

  list(page: PageRequest): ListPage<EnclosureStatus> {
    const names = this.enclosures().map((e) => [e.name, e.name] as const);
    return takePage(names, page, () => true, (n) => this.status(n));
  }

  private status(name: string): EnclosureStatus {
    const hb = this.beats.lastBeat(name);
    const out: EnclosureStatus = { name, health: this.beats.health(name) };
    if (hb !== undefined) out.lastHeartbeat = new Date(hb).toISOString();
    const facts = this.facts.get(name);
    if (facts) out.facts = facts;
    const report = this.reports.get(name);
    if (report) out.report = report;
    return out;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * What the message's schema cannot know: every drive named in `body[list]` must be one of the
 * enclosure's drives in the inventory (and, with `once`, named once). `serialOf` picks the serial
 * from an element; `sub` names the element's serial field in a failure.
 */
function foreignDrives(body: unknown, enc: Enclosure, serialOf: (d: unknown) => unknown, list: string, once: boolean, sub?: string): FieldFailure[] {
  const items = isObject(body) ? body[list] : undefined;
  if (!Array.isArray(items)) return [];
  const serials = new Set(enc.drives.map((d) => d.serial));
  const seen = new Set<string>();
  const out: FieldFailure[] = [];
  items.forEach((d, i) => {
    const s = serialOf(d);
    const field = sub ? `${list}[${i}].${sub}` : `${list}[${i}]`;
    if (typeof s === 'string' && !serials.has(s)) out.push({ field, reason: `${JSON.stringify(s)} is not a drive of enclosure ${enc.name} in the inventory` });
    else if (once && typeof s === 'string' && seen.has(s)) out.push({ field, reason: `${s} is listed twice` });
    if (typeof s === 'string') seen.add(s);
  });
  return out;
}
