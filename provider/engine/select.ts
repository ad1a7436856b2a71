// The placement search (docs/allocation.md). Per usable transport, most performant first, it tries:
//   1. one drive / one slice (no redundancy), or a RAID1 pair (redundancy);
//   2. when that fails, striping is on and the request is for whole drives: RAID10 over 2k
//      drives, k = the fewest mirrored pairs whose members can hold the size, up to raidMaxDrives.
// Each member is chosen by the preference order, in this order of precedence:
//   a. the server's bandwidth domain (the only choice when softDomains is false);
//   b. the enclosure least utilised for the drive kind once it gives the member (counting
//      members already chosen for this request), among the least-loaded enclosures with room;
//      ties broken by inventory order;
//   c. within that enclosure, the best fit: for slices the smallest free extent on an SSD that
//      already holds slices, else the smallest whole free SSD; for whole drives the smallest
//      free drive that holds the member. Large extents and whole drives stay free.
// Mirror halves are separated as the resiliency flags demand: strict flags are filters, false
// flags are preferences (another storage group, else another enclosure, else another drive).
// Everything is driven by sorted indexes (pool.ts): enclosures in load order and by the room
// they have left, and per enclosure free drives by size and free extents by length. A member
// choice looks at a bounded number of enclosures (the least loaded with room, or the few with
// room at all) and binary-searches inside each; it never scans every drive.
import { TRANSPORTS, type Transport } from '../model/inventory';
import type { RaidLevel } from '../model/placement';
import type { Ctx } from './request';
import { extKey, extOff, orderEnc, orderKey, roomKey, wholeKey, wholeSize, type Pool } from './pool';
import { lowerBound } from './sorted';

/** One chosen member: drive, extent, enclosure. */
export interface Pick {
  d: number;
  off: number;
  len: number;
  e: number;
}

export interface Selection {
  picks: Pick[];
  raidLevel: RaidLevel;
  transport: Transport;
}

/** Which enclosures a member may not share with its mirror partner. */
interface Separation {
  sgNot: number;
  encNot: number;
}

const NO_SEPARATION: Separation = { sgNot: -1, encNot: -1 };

/** How many enclosures with room a member choice compares at most when many have room. */
const LOOKAHEAD = 16;


export class Selector {
  /** GiB tentatively taken by the request being decided, per enclosure. */
  private readonly pending: Float64Array;
  private readonly touched: number[] = [];
  private chosen: number[] = [];
  private ctx!: Ctx;
  private tbit = 0;
  private scope: number[] = [];
  /** Union of transports offered by enclosures of each kind. */
  private readonly kindTmask: [number, number];

  /** `unusable`: drives that take no new extent (failed, draining, removed), kept by the engine. */
  constructor(
    private readonly pool: Pool,
    private readonly unusable: ReadonlySet<number> = new Set(),
  ) {
    this.pending = new Float64Array(pool.encName.length);
    this.kindTmask = [0, 0];
    for (const k of [0, 1] as const) for (const e of pool.encOfKind[k]) this.kindTmask[k] |= pool.encTmask[e];
  }

  select(ctx: Ctx): Selection | null {
    this.ctx = ctx;
    const pool = this.pool;
    const usable = ctx.tmask & this.kindTmask[ctx.kind];
    this.scope = ctx.strictDomain ? pool.encOfKindInBd[ctx.server!.bd][ctx.kind] : pool.encOfKind[ctx.kind];
    for (let t = 0; t < TRANSPORTS.length; t++) {
      this.tbit = 1 << t;
      if ((usable & this.tbit) === 0) continue;
      const found = this.selectForTransport();
      this.reset();
      if (found) return { ...found, transport: TRANSPORTS[t] };
    }
    return null;
  }

  private reset(): void {
    for (const e of this.touched) this.pending[e] = 0;
    this.touched.length = 0;
    this.chosen = [];
  }

  private selectForTransport(): Omit<Selection, 'transport'> | null {
    const ctx = this.ctx;
    if (ctx.slice) {
      // A slice is exactly its size: it must itself sit within [minVolumeSize, maxVolumeSize].
      if (ctx.lower !== ctx.req.sizeGiB || ctx.lower > ctx.upper) return null;
      return this.singleOrMirror(ctx.lower, ctx.lower);
    }
    const direct = this.singleOrMirror(ctx.lower, ctx.upper);
    if (direct) return direct;
    if (!ctx.req.striping || ctx.req.raidMaxDrives < 4) return null;
    return this.raid10();
  }

  private singleOrMirror(need: number, upper: number): Omit<Selection, 'transport'> | null {
    this.reset();
    const a = this.pickBest(need, upper, NO_SEPARATION);
    if (!a) return null;
    if (!this.ctx.mirrored) return { picks: [a], raidLevel: 'none' };
    const b = this.pickPartner(a, need, upper);
    if (!b) return null;
    return { picks: [a, b], raidLevel: 'raid1' };
  }

  /** The mirror partner of `a`: strict flags filter, false flags only order the tries. */
  private pickPartner(a: Pick, need: number, upper: number): Pick | null {
    const req = this.ctx.req;
    const sg = this.pool.encSg[a.e];
    const tiers: Separation[] = [{ sgNot: sg, encNot: -1 }];
    if (!req.sgResiliency) {
      tiers.push({ sgNot: -1, encNot: a.e });
      if (!req.jbodResiliency) tiers.push(NO_SEPARATION);
    }
    for (const sep of tiers) {
      const b = this.pickBest(need, upper, sep);
      if (b) return b;
    }
    return null;
  }

  private raid10(): Omit<Selection, 'transport'> | null {
    const ctx = this.ctx;
    const pool = this.pool;
    const encs: number[] = [];
    let maxFree = 0;
    for (const e of this.scope) {
      if (!this.encOk(e)) continue;
      const m = pool.maxWhole(e, ctx.kind);
      if (m === 0) continue;
      encs.push(e);
      if (m > maxFree) maxFree = m;
    }
    if (maxFree === 0) return null;
    const kMax = Math.floor(ctx.req.raidMaxDrives / 2);
    const strict = ctx.req.sgResiliency || ctx.req.jbodResiliency;
    const kStart = Math.max(2, Math.ceil(ctx.lower / maxFree));
    for (let k = kStart; k <= kMax; k++) {
      const need = Math.ceil(ctx.lower / k);
      const upper = ctx.upper === Infinity ? Infinity : Math.floor(ctx.upper / k);
      if (need > upper) break;
      // The fewest pairs usually work at once; past that, count before walking (cheap, and
      // near exhaustion it spares the walks for pair counts that cannot be formed).
      if (k > kStart && this.pairsAvailable(encs, need, upper) < k) continue;
      const greedy = this.raid10Greedy(k, need, upper);
      if (greedy) return { picks: greedy, raidLevel: 'raid10' };
      if (strict && (k > kStart || this.pairsAvailable(encs, need, upper) >= k)) {
        const counted = this.raid10ByCounts(k, need, upper);
        if (counted) return { picks: counted, raidLevel: 'raid10' };
      }
    }
    return null;
  }

  /**
   * An upper bound on the mirrored pairs of free drives sized [need, upper] (drive filters are
   * not applied), honouring strict separation: min(n / 2, n - the largest failure domain).
   */
  private pairsAvailable(encs: number[], need: number, upper: number): number {
    const pool = this.pool;
    const ctx = this.ctx;
    const bySg = ctx.req.sgResiliency ? new Float64Array(pool.sgNames.length) : null;
    let n = 0;
    let top = 0;
    for (const e of encs) {
      const arr = pool.encWhole[e][ctx.kind];
      const lo = lowerBound(arr, wholeKey(need, 0));
      const hi = upper === Infinity ? arr.length : lowerBound(arr, wholeKey(upper + 1, 0));
      const c = hi - lo;
      if (c <= 0) continue;
      n += c;
      if (bySg) {
        const v = (bySg[pool.encSg[e]] += c);
        if (v > top) top = v;
      } else if (ctx.req.jbodResiliency && c > top) top = c;
    }
    return bySg || ctx.req.jbodResiliency ? Math.min(Math.floor(n / 2), n - top) : Math.floor(n / 2);
  }

  /** Pairs chosen one after another by the preference order. */
  private raid10Greedy(k: number, need: number, upper: number): Pick[] | null {
    this.reset();
    const picks: Pick[] = [];
    for (let i = 0; i < k; i++) {
      const a = this.pickBest(need, upper, NO_SEPARATION);
      if (!a) return null;
      const b = this.pickPartner(a, need, upper);
      if (!b) return null;
      picks.push(a, b);
    }
    return picks;
  }

  /**
   * When the greedy order strands drives in one failure domain, pair from the two domains with
   * the most candidates each time: this forms k separated pairs whenever any assignment can.
   */
  private raid10ByCounts(k: number, need: number, upper: number): Pick[] | null {
    this.reset();
    const pool = this.pool;
    const ctx = this.ctx;
    const byColor = new Map<number, Pick[]>();
    for (const e of this.scope) {
      if (!this.encOk(e) || pool.maxWhole(e, ctx.kind) < need) continue;
      const color = ctx.req.sgResiliency ? pool.encSg[e] : e;
      const arr = pool.encWhole[e][ctx.kind];
      for (let i = lowerBound(arr, wholeKey(need, 0)); i < arr.length; i++) {
        const size = wholeSize(arr[i]);
        if (size > upper) break;
        const d = pool.encDrives[e][arr[i] % 4096];
        if (ctx.drivePred && !ctx.drivePred(d)) continue;
        let list = byColor.get(color);
        if (!list) byColor.set(color, (list = []));
        list.push({ d, off: 0, len: pool.size[d], e });
      }
    }
    const colors = [...byColor.entries()].map(([color, list]) => ({ color, list, next: 0 }));
    const picks: Pick[] = [];
    for (let i = 0; i < k; i++) {
      colors.sort((x, y) => y.list.length - y.next - (x.list.length - x.next) || x.color - y.color);
      if (colors.length < 2 || colors[1].next >= colors[1].list.length) return null;
      picks.push(colors[0].list[colors[0].next++], colors[1].list[colors[1].next++]);
    }
    return picks;
  }

  private encOk(e: number): boolean {
    const ctx = this.ctx;
    if ((this.pool.encTmask[e] & this.tbit) === 0) return false;
    return ctx.sgAllowed === null || ctx.sgAllowed[this.pool.encSg[e]] === 1;
  }

  /** Preference key of an enclosure counting what this request already took from it. */
  private key(e: number): number {
    const pool = this.pool;
    const k = this.ctx.kind;
    return orderKey(Math.min(1, (pool.encUsed[e][k] + this.pending[e]) / pool.encTotal[e][k]), e);
  }

  private hasRoom(e: number, need: number): boolean {
    return this.ctx.slice ? this.pool.maxExtent(e) >= need : this.pool.maxWhole(e, this.ctx.kind) >= need;
  }

  private allowed(e: number, sep: Separation): boolean {
    if (e === sep.encNot || (sep.sgNot >= 0 && this.pool.encSg[e] === sep.sgNot)) return false;
    return this.encOk(e);
  }

  /** The best member in the best enclosure, honouring `sep`; records it as chosen. */
  private pickBest(need: number, upper: number, sep: Separation): Pick | null {
    const pool = this.pool;
    const ctx = this.ctx;
    let pick: Pick | null = null;
    const k = ctx.kind;
    const roomIn = (bd: number) => (ctx.slice ? pool.roomExtentInBd[bd] : pool.roomWholeInBd[bd][k]);
    const roomAll = ctx.slice ? pool.roomExtent : pool.roomWhole[k];
    if (ctx.strictDomain) pick = this.walk(pool.loadOrderInBd[ctx.server!.bd][k], roomIn(ctx.server!.bd), -1, -1, need, upper, sep);
    else if (ctx.preferBd >= 0) {
      pick = this.walk(pool.loadOrderInBd[ctx.preferBd][k], roomIn(ctx.preferBd), ctx.preferBd, -1, need, upper, sep);
      if (!pick) pick = this.walk(pool.loadOrder[k], roomAll, -1, ctx.preferBd, need, upper, sep);
    } else pick = this.walk(pool.loadOrder[k], roomAll, -1, -1, need, upper, sep);
    if (!pick) return null;
    this.chosen.push(pick.d);
    if (this.pending[pick.e] === 0) this.touched.push(pick.e);
    this.pending[pick.e] += pick.len;
    return pick;
  }

  /** The load key an enclosure would have after also giving this member. */
  private afterKey(p: Pick): number {
    const pool = this.pool;
    const k = this.ctx.kind;
    return orderKey(Math.min(1, (pool.encUsed[p.e][k] + this.pending[p.e] + p.len) / pool.encTotal[p.e][k]), p.e);
  }

  /**
   * Walks enclosures from the least loaded (only domain `onlyBd` / all but `skipBd` when >= 0)
   * and keeps the member that leaves its enclosure least utilised afterwards: a 14 TiB drive
   * raises a small enclosure's load more than a large one's. The walk stops when an enclosure's
   * load before is already above the best load after (loads only grow), or after LOOKAHEAD
   * candidates. Enclosures this request already took from are ordered by their load including
   * that tentative use, so they are compared separately.
   */
  private walk(order: number[], room: number[], onlyBd: number, skipBd: number, need: number, upper: number, sep: Separation): Pick | null {
    const pool = this.pool;
    let best: Pick | null = null;
    let bestKey = Infinity;
    const consider = (e: number) => {
      if (this.pending[e] > 0 || pool.encBd[e] === skipBd || !this.allowed(e, sep)) return false;
      const p = this.pickIn(e, need, upper);
      if (!p) return false;
      const key = this.afterKey(p);
      if (key < bestKey) {
        best = p;
        bestKey = key;
      }
      return true;
    };
    const first = lowerBound(room, roomKey(need, 0));
    if (room.length - first <= LOOKAHEAD) {
      // Few enclosures have room (a big member, or a nearly full pool): weigh each of them,
      // found through the room index rather than by walking past the full ones.
      for (let i = first; i < room.length; i++) consider(orderEnc(room[i]));
    } else {
      let seen = 0;
      for (let i = 0; i < order.length && order[i] < bestKey; i++) {
        const e = orderEnc(order[i]);
        if (this.hasRoom(e, need) && consider(e) && ++seen >= LOOKAHEAD) break;
      }
    }
    for (const e of this.touched) {
      if ((onlyBd >= 0 && pool.encBd[e] !== onlyBd) || pool.encBd[e] === skipBd) continue;
      if (!this.allowed(e, sep) || !this.hasRoom(e, need) || this.key(e) >= bestKey) continue;
      const p = this.pickIn(e, need, upper);
      if (!p) continue;
      const key = this.afterKey(p);
      if (key < bestKey) {
        best = p;
        bestKey = key;
      }
    }
    return best;
  }

  /** Best fit inside one enclosure. */
  private pickIn(e: number, need: number, upper: number): Pick | null {
    const pool = this.pool;
    const ctx = this.ctx;
    const drives = pool.encDrives[e];
    if (ctx.slice) {
      // Best fit among SSDs already sliced; open a whole free SSD (the smallest that fits) only
      // when none has room, so whole drives stay available for ssd volumes.
      const arr = pool.encExtents[e];
      let fresh = -1;
      for (let i = lowerBound(arr, extKey(need, 0, 0)); i < arr.length; i++) {
        const d = drives[(arr[i] % 4294967296) >>> 20];
        if (this.chosen.includes(d) || this.unusable.has(d) || (ctx.drivePred && !ctx.drivePred(d))) continue;
        if (pool.freeGiB[d] === pool.size[d]) {
          if (fresh < 0) fresh = i;
          continue;
        }
        return { d, off: extOff(arr[i]), len: need, e };
      }
      return fresh < 0 ? null : { d: drives[(arr[fresh] % 4294967296) >>> 20], off: 0, len: need, e };
    }
    const arr = pool.encWhole[e][ctx.kind];
    for (let i = lowerBound(arr, wholeKey(need, 0)); i < arr.length; i++) {
      if (wholeSize(arr[i]) > upper) break;
      const d = drives[arr[i] % 4096];
      if (this.chosen.includes(d) || this.unusable.has(d) || (ctx.drivePred && !ctx.drivePred(d))) continue;
      return { d, off: 0, len: pool.size[d], e };
    }
    return null;
  }
}
