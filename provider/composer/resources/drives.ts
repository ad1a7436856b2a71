// Drives (docs/failure.md): the health records (/tessera/drives/<serial>: stored, not journaled,
// like agent registrations) fed by enclosure reports and agent reports, the list of drives that
// are not ok, and rebuilds: by hand (`tessera volumes rebuild ID`) or from sweep() on every
// reconciler tick for every degraded volume with autoRebuild. The health of a volume is derived
// from these records in ../health.ts; the rebuild itself is ../operations/volume-rebuild.ts.
import { PROBLEM } from '../../api/wire.generated';
import type { DriveHealth, DriveHealthState, DriveStatus, ListPage, ObservedState } from '../../api/contract';
import { memberLabel } from '../../model/naming';
import { type Caller, seesCluster, SYSTEM } from '../callers';
import type { ComposerContext } from '../context';
import { volumeHealth } from '../health';
import { VOLUME_KINDS, type VolumeKind } from '../kinds';
import { keys } from '../layout';
import { findCluster } from '../lookups';
import { type Operations, volumeRebuild } from '../operations';
import { rebuildDone } from '../operations/volume-rebuild';
import { type PageRequest, takePage } from '../paging';
import { HttpProblem, problems } from '../problem';
import { storeUnavailable } from '../writes';
import type { DriveRecord, StoredVolume } from '../state';
import type { Body } from './common';
import { placementRequest } from './volumes';

const now = () => new Date().toISOString();

export class Drives {
  /** Volumes whose automatic move found no target, with the reason last logged. */
  private readonly noTarget = new Map<string, string>();
  /** Volumes on a draining drive whose move found no placement, with the reason (shown by the drive's status). */
  private readonly drainBlocked = new Map<string, string>();

  constructor(
    private readonly ctx: ComposerContext,
    private readonly ops: Operations,
    /** Move a volume to another server: the ordinary update (../resources/volumes.ts), fenced when the old server is down. */
    private readonly move: (volumeId: string, server: string) => Promise<unknown>,
  ) {}

  /** One page of the drives whose health is not ok. */
  drives(page: PageRequest): ListPage<DriveStatus> {
    const s = this.ctx.state;
    const sorted = [...s.drives.values()].sort((a, b) => (a.serial < b.serial ? -1 : 1)).map((d) => [d.serial, d] as const);
    return takePage(sorted, page, () => true, (d) => this.status(d));
  }

  private status(d: DriveRecord): DriveStatus {
    const s = this.ctx.state;
    const enclosure = (s.inventory?.storageGroups ?? []).flatMap((g) => g.enclosures).find((e) => e.drives.some((x) => x.serial === d.serial))?.name ?? '';
    const volumes = [...s.allocations].filter(([, p]) => p.members.some((m) => m.serial === d.serial)).map(([id]) => id);
    const blocked = d.health === 'draining' ? volumes.flatMap((id) => this.cannotMove(id)) : [];
    return { serial: d.serial, enclosure, health: d.health, reason: d.reason, since: d.since, volumes, ...(blocked.length ? { blocked } : {}) };
  }

  /** Why a volume or slice with a member on a draining drive cannot be moved online (empty: it can, or it is moving). */
  private cannotMove(id: string): string[] {
    const s = this.ctx.state;
    if (s.slices.has(id)) return [`slice ${id}: a slice is one extent used without an md array, so it cannot be moved online; delete it (its data with it) to empty the drive`];
    const v = s.volumes.get(id);
    if (!v) return [];
    const raid = s.allocations.get(id)?.raidLevel ?? v.raidLevel ?? 'none';
    if (raid === 'none') return [`volume ${id}: a single-drive volume (raidLevel none) is not an md array, so it cannot be moved online; copy its data to a new volume and delete it to empty the drive`];
    if (v.state === 'retained' || v.state === 'deleting') return [`volume ${id} is ${v.state}: purge it to free the drive`];
    const h = volumeHealth(s, 'volumes', v);
    if (h.health === 'failed') return [`volume ${id}: ${h.reason}`];
    const why = this.drainBlocked.get(id);
    return why ? [`volume ${id}: no new placement: ${why}`] : [];
  }

  private driveOf(serial: string) {
    for (const g of this.ctx.state.inventory?.storageGroups ?? []) for (const e of g.enclosures) if (e.drives.some((d) => d.serial === serial)) return e.name;
    return undefined;
  }

  /**
   * `tessera drives drain SERIAL`: no new extents on the drive, and sweep() moves each mirror
   * member on it to a new placement, one at a time, online (docs/failure.md, Drain and removal).
   * Draining a failed drive adds nothing (its members are rebuilt) and a removed one is gone: 409.
   */
  async drain(serial: string): Promise<DriveStatus> {
    if (!this.driveOf(serial)) throw problems.notFound('drive', serial);
    const cur = this.ctx.state.drives.get(serial);
    if (cur?.health === 'removed' || cur?.health === 'failed') throw new HttpProblem(409, PROBLEM.conflict, `drive ${serial} is ${cur.health}: nothing to drain${cur.health === 'failed' ? ' (its members are rebuilt elsewhere)' : ''}`);
    await this.setDrive(serial, 'draining', 'an operator drains it', false);
    return this.status(this.ctx.state.drives.get(serial)!);
  }

  /** `tessera enclosures drain NAME`: drain every drive of the enclosure that is neither failed nor removed. */
  async drainEnclosure(enclosure: string): Promise<ListPage<DriveStatus>> {
    const e = (this.ctx.state.inventory?.storageGroups ?? []).flatMap((g) => g.enclosures).find((x) => x.name === enclosure);
    if (!e) throw problems.notFound('enclosure', enclosure);
    const items: DriveStatus[] = [];
    for (const d of e.drives) {
      const h = this.ctx.state.drives.get(d.serial)?.health;
      if (h !== 'failed' && h !== 'removed') await this.setDrive(d.serial, 'draining', `an operator drains enclosure ${enclosure}`, false);
      const rec = this.ctx.state.drives.get(d.serial);
      if (rec) items.push(this.status(rec));
    }
    return { items };
  }

  /** `tessera drives remove SERIAL`: a drive that holds nothing is taken out of service (removed); one that holds members is refused, naming them. */
  async remove(serial: string): Promise<DriveStatus> {
    if (!this.driveOf(serial)) throw problems.notFound('drive', serial);
    const s = this.ctx.state;
    const used = [...s.allocations].filter(([, p]) => p.members.some((m) => m.serial === serial)).map(([id]) => id);
    if (used.length > 0)
      throw problems.inUse(
        `drive ${serial} still holds members of ${used.join(', ')}: drain it first (\`tessera drives drain ${serial}\`)`,
        used.map((id) => ({ field: `volumes.${id}`, reason: `has a member on drive ${serial}` })),
      );
    await this.setDrive(serial, 'removed', 'an operator removed it', false);
    return this.status(s.drives.get(serial)!);
  }

  /**
   * One drain step per pass, for the whole composer (one at a time: each move resyncs a whole
   * member): when no drain rebuild is running, the first mirrored volume, ok otherwise, with a
   * member on a draining drive gets a rebuild of that member with drain set; the agent adds the
   * new member and replaces the old one online (\`mdadm --replace\`) before it lets the old go.
   */
  private async drainStep(): Promise<number> {
    const s = this.ctx.state;
    if (![...s.drives.values()].some((d) => d.health === 'draining')) return 0;
    for (const v of s.volumes.values()) if (v.rebuilding?.drain && !rebuildDone(v)) return 0;
    const ids = [...s.volumes.keys()].sort();
    for (const id of ids) {
      const v = s.volumes.get(id)!;
      if (v.state === 'retained' || v.state === 'deleting' || v.moving) continue;
      const h = volumeHealth(s, 'volumes', v);
      if (h.health !== 'ok' || h.draining.length === 0) continue;
      const cluster = findCluster(s, v.cluster);
      const request = placementRequest('volumes', v as unknown as Body, cluster?.networkTransportsAllowed ?? []);
      try {
        await this.ctx.writes.mutate(keys.object('volumes', id), 'rebuild', 'volumes', async () => {
          const cur = s.volumes.get(id);
          if (!cur) return;
          await this.ops.start(volumeRebuild, { kind: 'volumes', cur, failed: [h.draining[0]], request, drain: true }, { caller: SYSTEM, cluster: cur.cluster });
        });
        this.drainBlocked.delete(id);
        this.ctx.log.info('drain: moving a member off a draining drive', { volumeId: id, serial: v.members[h.draining[0]]?.serial });
        return 1;
      } catch (e) {
        const why = (e as Error).message;
        if (this.drainBlocked.get(id) !== why) this.ctx.log.warn('drain: no new placement for a member', { volumeId: id, reason: why });
        this.drainBlocked.set(id, why);
      }
    }
    return 0;
  }

  /** Set a drive's health (undefined/ok: remove the record). Operator states (draining, removed) are not overridden by reports. */
  private async setDrive(serial: string, health: DriveHealthState, reason: string, fromReport: boolean): Promise<void> {
    const cur = this.ctx.state.drives.get(serial);
    if (fromReport && cur && (cur.health === 'draining' || cur.health === 'removed')) return;
    if (health === 'ok' ? !cur : cur?.health === health && cur.reason === reason) return;
    await this.ctx.writes.mutate(keys.drive(serial), 'update', 'inventory', async () => {
      const value: DriveRecord | undefined = health === 'ok' ? undefined : { serial, health, reason, since: cur?.health === health ? cur.since : now() };
      await this.ctx.writes.commit([{ key: keys.drive(serial), value }]);
    });
    if (health !== 'ok') this.ctx.log.warn('drive health changed', { serial, health, reason });
    else this.ctx.log.info('drive health ok again', { serial });
  }

  /**
   * What an enclosure service sees of its drives: gone or offline → failed; back → ok (when a
   * report had failed it). Every change of one report is one transaction, so no rebuild ever
   * sees half of it (and places a replacement on a drive of the same dying enclosure).
   */
  async enclosureDrives(enclosure: string, drives: DriveHealth[]): Promise<void> {
    const s = this.ctx.state;
    const changes: { serial: string; health: DriveHealthState; reason: string }[] = [];
    for (const d of drives) {
      const cur = s.drives.get(d.serial);
      if (cur && (cur.health === 'draining' || cur.health === 'removed')) continue;
      let want: { health: DriveHealthState; reason: string } | undefined;
      if (!d.present) want = { health: 'failed', reason: `enclosure ${enclosure} reports the drive not present` };
      else if (d.deviceState === 'offline') want = { health: 'failed', reason: `enclosure ${enclosure} reports the device offline` };
      else if (cur?.health === 'failed' && cur.reason.startsWith(`enclosure ${enclosure} `)) want = { health: 'ok', reason: '' };
      if (want && !(want.health === 'ok' ? !cur : cur?.health === want.health && cur.reason === want.reason)) changes.push({ serial: d.serial, ...want });
    }
    if (changes.length === 0) return;
    // Transactions hold at most 100 writes (etcd's limit is 128): a large enclosure's report is
    // several, written under the exclusive gate so that no rebuild starts between them.
    this.ctx.writes.requireLeader();
    const t = now();
    const muts = changes.map((c) => {
      const cur = s.drives.get(c.serial);
      const value: DriveRecord | undefined = c.health === 'ok' ? undefined : { serial: c.serial, health: c.health, reason: c.reason, since: cur?.health === c.health ? cur.since : t };
      return { key: keys.drive(c.serial), value };
    });
    await this.ctx.gate.exclusive(async () => {
      try {
        for (let i = 0; i < muts.length; i += 100) await this.ctx.writes.commit(muts.slice(i, i + 100));
      } catch (e) {
        throw storeUnavailable(e);
      }
    });
    this.ctx.log.warn('drive health changed', { enclosure, drives: changes.map((c) => `${c.serial}: ${c.health}`) });
  }

  /** An agent reports a volume's array running without some members: their drives are degraded (no new extents). */
  async agentDegraded(server: string, v: StoredVolume, kind: VolumeKind, observed: ObservedState): Promise<void> {
    if (!observed.degraded?.length) return;
    const placement = this.ctx.state.allocations.get(v.id);
    const slice = VOLUME_KINDS[kind].singleExtent || placement?.type === 'slice';
    for (const m of placement?.members ?? []) {
      if (!observed.degraded.includes(memberLabel(m, slice)) || v.rebuilding?.replaced.some((r) => r.to === m.serial)) continue;
      const cur = this.ctx.state.drives.get(m.serial);
      if (!cur) await this.setDrive(m.serial, 'degraded', `the agent on ${server} reports ${memberLabel(m, slice)} of ${v.id} missing from its array`, true);
    }
  }

  /**
   * A server is down when its agent missed heartbeats for heartbeatGraceMs (or was never heard
   * from for that long since this replica leads) and no enclosure saw its exports' I/O counters
   * grow for as long. Its volumes with autoMove go to another member
   * of their cluster that is up and that the placement rules allow (transport; the bandwidth
   * domain unless softDomains), the least loaded first. The move is an ordinary update, which
   * fences the down server first (../operations/volume-update.ts). Returns how many started.
   */
  private async autoMoves(): Promise<number> {
    const ctx = this.ctx;
    const s = ctx.state;
    // Down: the agent silent for heartbeatGraceMs AND no export of the server showed I/O for as
    // long (enclosure I/O counters): a dead agent on a live server is not a dead server.
    const down = (name: string) => {
      const h = ctx.agents.health(name);
      const silent = h === 'down' || (h === 'unknown' && Date.now() - ctx.leaderSince > ctx.opts.heartbeatGraceMs);
      const io = ctx.ioSeenAt(name);
      return silent && (io === undefined || Date.now() - io > ctx.opts.heartbeatGraceMs);
    };
    let n = 0;
    for (const v of [...s.volumes.values()]) {
      if (!v.autoMove || !v.server || v.moving || v.state === 'retained' || v.state === 'deleting' || !s.assigns.get(v.server)?.has(v.id) || !down(v.server)) continue;
      const placement = s.allocations.get(v.id);
      const cluster = s.clusters.get(v.cluster);
      if (!placement || !cluster) continue;
      const refused: string[] = [];
      const targets = cluster.servers.filter((name) => {
        if (name === v.server) return false;
        if (ctx.agents.health(name) !== 'up') return void refused.push(`${name}: agent ${ctx.agents.health(name)}`);
        const ok = s.engine!.checkServer(placement, name, v.softDomains);
        if (!ok.ok) return void refused.push(`${name}: ${ok.failure.message}`);
        return true;
      });
      const load = (name: string) => s.assigns.get(name)?.size ?? 0;
      targets.sort((a, b) => load(a) - load(b) || (a < b ? -1 : 1));
      if (targets.length === 0) {
        const why = `server ${v.server} is down and no member of cluster ${cluster.name} can take volume ${v.id}: ${refused.join('; ') || 'no other member'}`;
        if (this.noTarget.get(v.id) !== why) ctx.log.warn('automatic move: no target', { volumeId: v.id, reason: why });
        this.noTarget.set(v.id, why);
        continue;
      }
      this.noTarget.delete(v.id);
      try {
        await this.move(v.id, targets[0]);
        ctx.log.warn('automatic move: server down, volume moving (fenced first)', { volumeId: v.id, from: v.server, to: targets[0] });
        n++;
      } catch (e) {
        ctx.log.warn('automatic move failed', { volumeId: v.id, error: (e as Error).message });
      }
    }
    return n;
  }

  /** Start the rebuild of one volume (by hand: `tessera volumes rebuild ID`, or from sweep()). */
  async rebuild(id: string, caller: Caller = SYSTEM, auto = false): Promise<StoredVolume> {
    const kind: VolumeKind = 'volumes';
    return this.ctx.writes.mutate(keys.object(kind, id), 'rebuild', kind, async () => {
      const s = this.ctx.state;
      const cur = s.volumes.get(id);
      // A scoped token sees only the volumes of its clusters (as every other volume call).
      const cl = cur ? s.clusters.get(cur.cluster) : undefined;
      if (!cur || (caller.scope && !(cl && seesCluster(caller, cl)))) throw problems.notFound('volume', id);
      if (cur.state === 'retained' || cur.state === 'deleting') throw new HttpProblem(409, PROBLEM.conflict, `volume ${id} is ${cur.state}: nothing to rebuild`);
      if (cur.moving) throw new HttpProblem(409, PROBLEM.conflict, `volume ${id} is moving from ${cur.moving.from} to ${cur.server}: rebuild once the move ended`);
      const h = volumeHealth(s, kind, cur);
      if (h.health === 'failed') throw new HttpProblem(409, PROBLEM.noSurvivingCopy, `volume ${id}: ${h.reason}`);
      // A running rebuild is superseded only when another member failed since (../operations/volume-rebuild.ts).
      if (h.replaceable.length === 0) {
        if (cur.rebuilding && !rebuildDone(cur)) throw new HttpProblem(409, PROBLEM.conflict, `volume ${id} is already rebuilding (operation ${cur.rebuilding.op})`);
        return cur;
      }
      const cluster = findCluster(s, cur.cluster);
      const request = placementRequest(kind, cur as unknown as Body, cluster?.networkTransportsAllowed ?? []);
      try {
        return await this.ops.start(volumeRebuild, { kind, cur, failed: h.replaceable, request }, { caller, cluster: cur.cluster });
      } catch (e) {
        // No spare: the volume stays degraded and says why (once per distinct reason).
        if (auto && e instanceof HttpProblem && e.code === PROBLEM.insufficientCapacity && cur.rebuildBlocked !== e.message) {
          await this.ctx.writes.commit([{ key: keys.object(kind, id), value: { ...cur, rebuildBlocked: e.message, updatedAt: now() } }], [this.ctx.writes.unchanged(keys.object(kind, id))]);
          this.ctx.log.warn('no replacement for a failed member', { volumeId: id, reason: e.message });
        }
        throw e;
      }
    });
  }

  /**
   * One pass (every reconciler tick): a rebuild for every degraded volume with autoRebuild.
   * Returns how many started. A volume whose replacement was infeasible is tried again on every
   * pass (drives may have been added or freed), without a write unless the reason changed.
   */
  async sweep(): Promise<number> {
    const s = this.ctx.state;
    if (!s.engine || this.ctx.closed) return 0;
    let started = await this.autoMoves();
    started += await this.drainStep();
    for (const v of [...s.volumes.values()]) {
      if (v.autoRebuild === false || v.state === 'retained' || v.state === 'deleting' || v.moving) continue;
      // Degraded, or rebuilding while another member (the replacement itself, even) failed.
      const h = volumeHealth(s, 'volumes', v);
      if (h.health === 'failed' || h.health === 'ok' || h.replaceable.length === 0) continue;
      try {
        await this.rebuild(v.id, SYSTEM, true);
        started++;
      } catch (e) {
        if (!(e instanceof HttpProblem)) this.ctx.log.warn('automatic rebuild failed', { volumeId: v.id, error: (e as Error).message });
      }
    }
    return started;
  }
}

