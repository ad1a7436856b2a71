// The allocation engine (docs/allocation.md): pure, synchronous, no I/O. It owns an indexed copy of
// the inventory's free space and the allocations made through it; the composer persists both.
import type { DriveType, Inventory } from '../model/inventory';
import type {
  CapacityAnswer,
  CapacityQuery,
  Member,
  Placement,
  PlacementFailure,
  PlacementRequest,
  PlacementResult,
} from '../model/placement';
import type { Allocator } from './api';
import { capacity } from './capacity';
import { explain } from './diagnose';
import { HDD, Pool, SSD, transportBit, type Kind } from './pool';
import { chooseReplacement } from './replace';
import { fail, normalizeRequest, resolve } from './request';
import { Selector, type Pick } from './select';

interface Range {
  d: number;
  off: number;
  len: number;
}

interface Allocation {
  placement: Placement;
  ranges: Range[];
  /** The request it was placed for (absent for restored allocations). */
  request?: PlacementRequest;
}

export interface KindStats {
  drives: number;
  totalGiB: number;
  usedGiB: number;
  freeGiB: number;
}

export interface EngineStats {
  allocations: number;
  byType: Record<DriveType, KindStats>;
  byStorageGroup: Record<string, Record<DriveType, KindStats>>;
}

function copyPlacement(p: Placement): Placement {
  return { ...p, members: p.members.map((m) => ({ ...m })) };
}

export class AllocationEngine implements Allocator {
  readonly inventory: Inventory;
  private readonly pool: Pool;
  private readonly selector: Selector;
  private readonly allocations = new Map<string, Allocation>();
  /** Drives that take no new extent (failed, draining, removed: the composer says which). */
  private readonly unusable = new Set<number>();

  constructor(inventory: Inventory) {
    this.inventory = inventory;
    this.pool = new Pool(inventory);
    this.selector = new Selector(this.pool, this.unusable);
  }

  plan(request: PlacementRequest): PlacementResult {
    const decided = this.decide(request);
    return decided.ok ? { ok: true, placement: decided.placement } : decided;
  }

  place(allocationId: string, request: PlacementRequest): PlacementResult {
    if (this.allocations.has(allocationId)) throw new Error(`allocation ${allocationId} already exists`);
    const decided = this.decide(request);
    if (!decided.ok) return decided;
    for (const r of decided.ranges) this.pool.take(r.d, r.off, r.len);
    this.allocations.set(allocationId, { placement: decided.placement, ranges: decided.ranges, request: decided.request });
    return { ok: true, placement: copyPlacement(decided.placement) };
  }

  restore(allocationId: string, placement: Placement): void {
    if (this.allocations.has(allocationId)) throw new Error(`allocation ${allocationId} already exists`);
    const ranges: Range[] = placement.members.map((m, i) => {
      const d = this.pool.driveBySerial.get(m.serial);
      if (d === undefined) throw new Error(`allocation ${allocationId}: members[${i}].serial: unknown drive "${m.serial}"`);
      if (!Number.isInteger(m.offsetGiB) || !Number.isInteger(m.sizeGiB) || m.sizeGiB <= 0 || m.offsetGiB < 0) {
        throw new Error(`allocation ${allocationId}: members[${i}]: offset and size must be whole GiB`);
      }
      return { d, off: m.offsetGiB, len: m.sizeGiB };
    });
    const taken: Range[] = [];
    try {
      for (const r of ranges) {
        this.pool.take(r.d, r.off, r.len);
        taken.push(r);
      }
    } catch (err) {
      for (const r of taken) this.pool.give(r.d, r.off, r.len);
      throw new Error(`allocation ${allocationId}: ${(err as Error).message}`);
    }
    this.allocations.set(allocationId, { placement: copyPlacement(placement), ranges });
  }

  release(allocationId: string): boolean {
    const a = this.allocations.get(allocationId);
    if (!a) return false;
    for (const r of a.ranges) this.pool.give(r.d, r.off, r.len);
    this.allocations.delete(allocationId);
    return true;
  }

  extend(allocationId: string, newSizeGiB: number): PlacementResult {
    const a = this.allocations.get(allocationId);
    if (!a) return fail('allocation', `unknown allocation "${allocationId}"`);
    const p = a.placement;
    if (p.type !== 'slice') return fail('type', `only slice allocations grow in place; ${allocationId} is ${p.type} (${p.raidLevel})`);
    if (!Number.isInteger(newSizeGiB) || newSizeGiB <= 0) return fail('sizeGiB', `must be a positive integer, got ${newSizeGiB}`);
    const current = a.ranges[0].len;
    if (newSizeGiB < current) return fail('sizeGiB', `shrinking is refused: ${allocationId} is ${current} GiB, ${newSizeGiB} GiB requested`);
    if (newSizeGiB === current) return { ok: true, placement: copyPlacement(p) };
    const max = a.request?.maxVolumeSize;
    if (max !== undefined && newSizeGiB > max) return fail('maxVolumeSize', `${newSizeGiB} GiB requested, maxVolumeSize is ${max} GiB`);
    const delta = newSizeGiB - current;
    for (const r of a.ranges) {
      const next = this.pool.freeAt(r.d, r.off + r.len);
      if (next < delta) {
        return fail(
          'sizeGiB',
          `cannot grow ${allocationId} from ${current} to ${newSizeGiB} GiB in place: drive ${this.pool.serial[r.d]} has ${next} GiB free after the extent at ${r.off} GiB, ${delta} GiB needed`,
        );
      }
    }
    for (const r of a.ranges) {
      this.pool.take(r.d, r.off + r.len, delta);
      r.len = newSizeGiB;
    }
    for (const m of p.members) m.sizeGiB = newSizeGiB;
    p.capacityGiB = newSizeGiB;
    if (a.request) a.request = { ...a.request, sizeGiB: newSizeGiB };
    return { ok: true, placement: copyPlacement(p) };
  }

  replaceMember(allocationId: string, request: PlacementRequest, index: number): PlacementResult {
    const a = this.allocations.get(allocationId);
    if (!a) return fail('allocation', `unknown allocation "${allocationId}"`);
    const p = a.placement;
    if (!Number.isInteger(index) || index < 0 || index >= p.members.length) return fail('members', `member ${index} does not exist (the placement has ${p.members.length})`);
    const norm = normalizeRequest({ ...request, sizeGiB: p.members[index].sizeGiB, type: p.type });
    if (!norm.ok) return norm;
    const resolved = resolve(this.pool, norm.value);
    if (!resolved.ok) return resolved;
    const held = new Set(a.ranges.map((r) => r.d));
    const chosen = chooseReplacement(this.pool, resolved.value, p, index, (d) => !this.unusable.has(d), held);
    if (!chosen.ok) return chosen;
    const { d, off, len, e } = chosen.pick;
    this.pool.take(d, off, len);
    const old = a.ranges[index];
    this.pool.give(old.d, old.off, old.len);
    a.ranges[index] = { d, off, len };
    const m = p.members[index];
    p.members[index] = { ...m, serial: this.pool.serial[d], enclosure: this.pool.encName[e], storageGroup: this.pool.sgNames[this.pool.encSg[e]], offsetGiB: off, sizeGiB: len };
    return { ok: true, placement: copyPlacement(p) };
  }

  setDriveUsable(serial: string, usable: boolean): void {
    const d = this.pool.driveBySerial.get(serial);
    if (d === undefined) throw new Error(`unknown drive "${serial}"`);
    if (usable) this.unusable.delete(d);
    else this.unusable.add(d);
  }

  hasDrive(serial: string): boolean {
    return this.pool.driveBySerial.has(serial);
  }

  checkServer(placement: Placement, server: string, softDomains: boolean): { ok: true } | { ok: false; failure: PlacementFailure } {
    const s = this.pool.servers.get(server);
    if (!s) return fail('server', `unknown server "${server}"`);
    if ((s.tmask & transportBit(placement.transport)) === 0) {
      return fail('networkTransportsAllowed', `server ${server} does not support ${placement.transport}, the volume's transport`);
    }
    if (!softDomains) {
      for (const m of placement.members) {
        const e = this.pool.encByName.get(m.enclosure);
        if (e === undefined) return fail('members', `unknown enclosure "${m.enclosure}"`);
        if (this.pool.encBd[e] !== s.bd) {
          return fail(
            'softDomains',
            `member ${m.serial} sits in ${m.enclosure} in bandwidth domain ${this.pool.bdNames[this.pool.encBd[e]]}, server ${server} is in ${this.pool.bdNames[s.bd]}, and softDomains is false`,
          );
        }
      }
    }
    return { ok: true };
  }

  /** Throws on a malformed query (bad option, unknown server or storage group). */
  capacity(query: CapacityQuery): CapacityAnswer {
    const norm = normalizeRequest({ ...query, sizeGiB: 1 });
    if (!norm.ok) throw new Error(norm.failure.message);
    const ctx = resolve(this.pool, norm.value);
    if (!ctx.ok) {
      // No transport in common is an empty answer, not a malformed query.
      if (ctx.failure.constraint === 'networkTransportsAllowed') return { availableGiB: 0, maximumVolumeSizeGiB: 0, byStorageGroup: {} };
      throw new Error(ctx.failure.message);
    }
    return capacity(this.pool, ctx.value, this.unusable);
  }

  get(allocationId: string): Placement | undefined {
    const a = this.allocations.get(allocationId);
    return a ? copyPlacement(a.placement) : undefined;
  }

  /** Ids of every allocation held, in insertion order. */
  allocationIds(): string[] {
    return [...this.allocations.keys()];
  }

  /** Free extents of a drive (offset order), for inspection and tests. */
  freeExtents(serial: string): { offsetGiB: number; sizeGiB: number }[] {
    const d = this.pool.driveBySerial.get(serial);
    if (d === undefined) throw new Error(`unknown drive "${serial}"`);
    const f = this.pool.free[d];
    const out: { offsetGiB: number; sizeGiB: number }[] = [];
    for (let i = 0; i < f.length; i += 2) out.push({ offsetGiB: f[i], sizeGiB: f[i + 1] });
    return out;
  }

  /** Recomputes the engine's indexes from scratch and lists any difference (for tests and debugging). */
  verifyIndexes(): string[] {
    return this.pool.verify();
  }

  /** Free/used capacity by drive type and storage group, and the allocation count (for metrics). */
  stats(): EngineStats {
    const pool = this.pool;
    const empty = (): Record<DriveType, KindStats> => ({
      hdd: { drives: 0, totalGiB: 0, usedGiB: 0, freeGiB: 0 },
      ssd: { drives: 0, totalGiB: 0, usedGiB: 0, freeGiB: 0 },
    });
    const byType = empty();
    const byStorageGroup: Record<string, Record<DriveType, KindStats>> = {};
    for (const sg of pool.sgNames) byStorageGroup[sg] = empty();
    for (let e = 0; e < pool.encName.length; e++) {
      const sg = byStorageGroup[pool.sgNames[pool.encSg[e]]];
      for (const k of [HDD, SSD] as Kind[]) {
        const name: DriveType = k === HDD ? 'hdd' : 'ssd';
        const total = pool.encTotal[e][k];
        const used = pool.encUsed[e][k];
        let drives = 0;
        for (const d of pool.encDrives[e]) if (pool.kind[d] === k) drives++;
        for (const s of [byType[name], sg[name]]) {
          s.drives += drives;
          s.totalGiB += total;
          s.usedGiB += used;
          s.freeGiB += total - used;
        }
      }
    }
    return { allocations: this.allocations.size, byType, byStorageGroup };
  }

  /** Share of free SSD capacity in extents smaller than `minGiB` (0 when nothing is free). */
  ssdFragmentation(minGiB = 100): number {
    let free = 0;
    let small = 0;
    for (let d = 0; d < this.pool.driveCount; d++) {
      if (this.pool.kind[d] !== SSD) continue;
      const f = this.pool.free[d];
      for (let i = 1; i < f.length; i += 2) {
        free += f[i];
        if (f[i] < minGiB) small += f[i];
      }
    }
    return free === 0 ? 0 : small / free;
  }

  /**
   * Balance: for each drive type, max / mean utilisation over the enclosures holding that type;
   * the worse of the two types (1 = perfectly even; 0 when nothing is used).
   */
  enclosureBalance(): { balance: number; byType: Record<DriveType, number> } {
    const byType = { hdd: 0, ssd: 0 } as Record<DriveType, number>;
    for (const k of [HDD, SSD] as Kind[]) {
      const encs = this.pool.encOfKind[k];
      let sum = 0;
      let max = 0;
      for (const e of encs) {
        const u = this.pool.util(e, k);
        sum += u;
        if (u > max) max = u;
      }
      const mean = encs.length ? sum / encs.length : 0;
      byType[k === HDD ? 'hdd' : 'ssd'] = mean === 0 ? 0 : max / mean;
    }
    return { balance: Math.max(byType.hdd, byType.ssd), byType };
  }

  private decide(
    raw: PlacementRequest,
  ): { ok: true; placement: Placement; ranges: Range[]; request: PlacementRequest } | { ok: false; failure: PlacementFailure } {
    const norm = normalizeRequest(raw);
    if (!norm.ok) return norm;
    const resolved = resolve(this.pool, norm.value);
    if (!resolved.ok) return resolved;
    const ctx = resolved.value;
    const sel = this.selector.select(ctx);
    if (!sel) return { ok: false, failure: explain(this.pool, ctx) };
    const members: Member[] = sel.picks.map((p: Pick, i: number) => this.member(p, sel.raidLevel === 'none' ? 0 : i % 2, sel.raidLevel === 'raid10' ? i >> 1 : 0));
    const minLen = sel.picks.reduce((m, p) => Math.min(m, p.len), Infinity);
    const capacityGiB = sel.raidLevel === 'raid10' ? (sel.picks.length / 2) * minLen : minLen;
    return {
      ok: true,
      placement: { type: ctx.req.type, raidLevel: sel.raidLevel, transport: sel.transport, capacityGiB, members },
      ranges: sel.picks.map((p) => ({ d: p.d, off: p.off, len: p.len })),
      request: ctx.req,
    };
  }

  private member(p: Pick, mirror: number, stripe: number): Member {
    const pool = this.pool;
    return {
      serial: pool.serial[p.d],
      enclosure: pool.encName[p.e],
      storageGroup: pool.sgNames[pool.encSg[p.e]],
      offsetGiB: p.off,
      sizeGiB: p.len,
      mirror,
      stripe,
    };
  }
}
