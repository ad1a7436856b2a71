// The engine's indexed view of the inventory and of what is free. Drives and enclosures are
// numbered; per enclosure two sorted indexes answer every placement question without scanning
// drives:
//   whole[type]  fully free drives, packed as size * 2^12 + local index  (best fit = lower bound)
//   extents      free SSD extents, packed as length * 2^32 + local * 2^20 + offset
// Every drive also keeps its own free list (offset-sorted [offset, length] pairs), the truth the
// indexes are derived from. Drive sizes are < 2^20 GiB and enclosures hold <= 4096 drives
// (enforced by the inventory validator), so packed keys stay below 2^53 and exact.
import { TRANSPORTS, type DriveType, type Inventory, type Transport } from '../model/inventory';
import { insertSorted, moveKey, removeSorted } from './sorted';

export const HDD = 0;
export const SSD = 1;
export type Kind = typeof HDD | typeof SSD;

export const LOCAL_BITS = 4096; // 2^12
const EXT_LEN = 4294967296; // 2^32
const EXT_LOCAL = 1048576; // 2^20

export function kindOf(t: DriveType): Kind {
  return t === 'hdd' ? HDD : SSD;
}

export function transportBit(t: Transport): number {
  return 1 << TRANSPORTS.indexOf(t);
}

export function transportMask(ts: readonly Transport[]): number {
  let m = 0;
  for (const t of ts) m |= transportBit(t);
  return m;
}

export function extKey(len: number, local: number, off: number): number {
  return len * EXT_LEN + local * EXT_LOCAL + off;
}

export function extLen(key: number): number {
  return Math.floor(key / EXT_LEN);
}

export function extLocal(key: number): number {
  return (key % EXT_LEN) >>> 20;
}

export function extOff(key: number): number {
  return key % EXT_LOCAL;
}

const ORDER_ENC = 1048576; // 2^20 enclosures at most
const UTIL_SCALE = 4294967296; // utilisation quantised to 2^-32

/** Load-order key: utilisation first, then enclosure index (deterministic ties). */
export function orderKey(util: number, e: number): number {
  return Math.floor(util * UTIL_SCALE) * ORDER_ENC + e;
}

export function orderEnc(key: number): number {
  return key % ORDER_ENC;
}

/** Room key: the largest free size an enclosure offers, then the enclosure. */
export function roomKey(size: number, e: number): number {
  return size * ORDER_ENC + e;
}

export function wholeKey(size: number, local: number): number {
  return size * LOCAL_BITS + local;
}

export function wholeSize(key: number): number {
  return Math.floor(key / LOCAL_BITS);
}

export function wholeLocal(key: number): number {
  return key % LOCAL_BITS;
}

export interface ServerInfo {
  name: string;
  bd: number;
  tmask: number;
}

export class Pool {
  // Drives, by global index.
  readonly serial: string[] = [];
  readonly kind: Kind[] = [];
  readonly size: number[] = [];
  readonly rpm: number[] = [];
  readonly tags: string[][] = [];
  readonly enc: number[] = [];
  readonly local: number[] = [];
  /** Free extents, offset-sorted [off, len, off, len, ...]. */
  readonly free: number[][] = [];
  readonly freeGiB: number[] = [];
  readonly driveBySerial = new Map<string, number>();

  // Enclosures.
  readonly encName: string[] = [];
  readonly encSg: number[] = [];
  readonly encBd: number[] = [];
  readonly encTmask: number[] = [];
  readonly encDrives: number[][] = [];
  readonly encWhole: [number[], number[]][] = [];
  readonly encExtents: number[][] = [];
  readonly encTotal: [number, number][] = [];
  readonly encUsed: [number, number][] = [];
  readonly encByName = new Map<string, number>();

  readonly sgNames: string[] = [];
  readonly sgByName = new Map<string, number>();
  readonly bdNames: string[] = [];
  readonly bdByName = new Map<string, number>();
  readonly servers = new Map<string, ServerInfo>();

  /** Enclosures holding drives of a kind: all, and per bandwidth domain. */
  readonly encOfKind: [number[], number[]] = [[], []];
  readonly encOfKindInBd: [number[], number[]][] = [];
  /**
   * The same enclosures ordered by utilisation of that kind (packed orderKey), kept current on
   * every take/give: the least-loaded enclosure with room is found by walking from the front.
   */
  readonly loadOrder: [number[], number[]] = [[], []];
  readonly loadOrderInBd: [number[], number[]][] = [];
  /**
   * Room indexes: enclosures by their largest free whole drive of a kind, and (SSD) by their
   * largest free extent (packed roomKey), globally and per bandwidth domain. When few enclosures
   * can hold a member, the selector reads them here instead of walking the load order.
   */
  readonly roomWhole: [number[], number[]] = [[], []];
  readonly roomWholeInBd: [number[], number[]][] = [];
  readonly roomExtent: number[] = [];
  readonly roomExtentInBd: number[][] = [];

  constructor(inv: Inventory) {
    inv.bandwidthDomains.forEach((b, i) => {
      this.bdNames.push(b.name);
      this.bdByName.set(b.name, i);
      this.encOfKindInBd.push([[], []]);
      this.loadOrderInBd.push([[], []]);
      this.roomWholeInBd.push([[], []]);
      this.roomExtentInBd.push([]);
    });
    for (const g of inv.storageGroups) {
      const sg = this.sgNames.length;
      this.sgNames.push(g.name);
      this.sgByName.set(g.name, sg);
      for (const e of g.enclosures) {
        const ei = this.encName.length;
        if (this.encByName.has(e.name)) throw new Error(`enclosure ${e.name}: duplicate name`);
        const bd = this.bdByName.get(e.bandwidthDomain);
        if (bd === undefined) throw new Error(`enclosure ${e.name}: unknown bandwidth domain ${e.bandwidthDomain}`);
        this.encName.push(e.name);
        this.encByName.set(e.name, ei);
        this.encSg.push(sg);
        this.encBd.push(bd);
        this.encTmask.push(transportMask(e.transports));
        const drives: number[] = [];
        const whole: [number[], number[]] = [[], []];
        const extents: number[] = [];
        const total: [number, number] = [0, 0];
        // The packed keys need these bounds; validated inventories always meet them.
        if (e.drives.length > LOCAL_BITS) throw new Error(`enclosure ${e.name}: more than ${LOCAL_BITS} drives`);
        e.drives.forEach((d, local) => {
          const di = this.serial.length;
          if (!Number.isInteger(d.sizeGiB) || d.sizeGiB <= 0 || d.sizeGiB >= EXT_LOCAL) throw new Error(`drive ${d.serial}: sizeGiB must be an integer from 1 to ${EXT_LOCAL - 1}`);
          if (this.driveBySerial.has(d.serial)) throw new Error(`drive ${d.serial}: duplicate serial`);
          const k = kindOf(d.type);
          this.serial.push(d.serial);
          this.driveBySerial.set(d.serial, di);
          this.kind.push(k);
          this.size.push(d.sizeGiB);
          this.rpm.push(d.rpm ?? 0);
          this.tags.push(d.tags);
          this.enc.push(ei);
          this.local.push(local);
          this.free.push([0, d.sizeGiB]);
          this.freeGiB.push(d.sizeGiB);
          drives.push(di);
          whole[k].push(wholeKey(d.sizeGiB, local));
          if (k === SSD) extents.push(extKey(d.sizeGiB, local, 0));
          total[k] += d.sizeGiB;
        });
        whole[0].sort((a, b) => a - b);
        whole[1].sort((a, b) => a - b);
        extents.sort((a, b) => a - b);
        this.encDrives.push(drives);
        this.encWhole.push(whole);
        this.encExtents.push(extents);
        this.encTotal.push(total);
        this.encUsed.push([0, 0]);
        for (const k of [HDD, SSD] as Kind[]) {
          if (total[k] > 0) {
            this.encOfKind[k].push(ei);
            this.encOfKindInBd[bd][k].push(ei);
            this.loadOrder[k].push(orderKey(0, ei));
            this.loadOrderInBd[bd][k].push(orderKey(0, ei));
            this.roomWhole[k].push(roomKey(this.maxWhole(ei, k), ei));
            this.roomWholeInBd[bd][k].push(roomKey(this.maxWhole(ei, k), ei));
          }
        }
        if (total[SSD] > 0) {
          this.roomExtent.push(roomKey(this.maxExtent(ei), ei));
          this.roomExtentInBd[bd].push(roomKey(this.maxExtent(ei), ei));
        }
      }
    }
    const byKey = (a: number, b: number) => a - b;
    for (const k of [HDD, SSD] as Kind[]) {
      this.roomWhole[k].sort(byKey);
      for (const r of this.roomWholeInBd) r[k].sort(byKey);
    }
    this.roomExtent.sort(byKey);
    for (const r of this.roomExtentInBd) r.sort(byKey);
    for (const s of inv.servers) {
      const bd = this.bdByName.get(s.bandwidthDomain);
      if (bd === undefined) throw new Error(`server ${s.name}: unknown bandwidth domain ${s.bandwidthDomain}`);
      this.servers.set(s.name, { name: s.name, bd, tmask: transportMask(s.transports) });
    }
  }

  get driveCount(): number {
    return this.serial.length;
  }

  /** Utilisation of an enclosure's drives of one kind, 0..1. */
  util(e: number, k: Kind): number {
    const t = this.encTotal[e][k];
    return t === 0 ? 1 : this.encUsed[e][k] / t;
  }

  /** Largest fully free drive of a kind in an enclosure (0 if none). */
  maxWhole(e: number, k: Kind): number {
    const w = this.encWhole[e][k];
    return w.length === 0 ? 0 : wholeSize(w[w.length - 1]);
  }

  /** Largest free SSD extent in an enclosure (0 if none). */
  maxExtent(e: number): number {
    const x = this.encExtents[e];
    return x.length === 0 ? 0 : extLen(x[x.length - 1]);
  }

  isWholeFree(d: number): boolean {
    return this.freeGiB[d] === this.size[d];
  }

  /** Is [off, off+len) inside one free extent of drive d? */
  isFree(d: number, off: number, len: number): boolean {
    const f = this.free[d];
    for (let i = 0; i < f.length; i += 2) {
      if (f[i] <= off && off + len <= f[i] + f[i + 1]) return true;
      if (f[i] > off) break;
    }
    return false;
  }

  /** Length of the free extent starting exactly at `off` (0 if none). */
  freeAt(d: number, off: number): number {
    const f = this.free[d];
    for (let i = 0; i < f.length; i += 2) {
      if (f[i] === off) return f[i + 1];
      if (f[i] > off) break;
    }
    return 0;
  }

  /** Marks [off, off+len) used. Throws (changing nothing) when it is not entirely free. */
  take(d: number, off: number, len: number): void {
    const f = this.free[d];
    let i = 0;
    while (i < f.length && !(f[i] <= off && off + len <= f[i] + f[i + 1])) i += 2;
    if (i >= f.length || len <= 0) {
      throw new Error(`extent ${off}+${len} GiB of drive ${this.serial[d]} is not free`);
    }
    const e = this.enc[d];
    const k = this.kind[d];
    const local = this.local[d];
    const fo = f[i];
    const fl = f[i + 1];
    const wholeBefore = this.maxWhole(e, k);
    const extentBefore = k === SSD ? this.maxExtent(e) : 0;
    if (this.freeGiB[d] === this.size[d]) removeSorted(this.encWhole[e][k], wholeKey(this.size[d], local));
    if (k === SSD) removeSorted(this.encExtents[e], extKey(fl, local, fo));
    const before = off > fo;
    const after = off + len < fo + fl;
    // Replace the extent by what is left of it on either side (no temporary arrays: hot path).
    if (before && after) f.splice(i, 2, fo, off - fo, off + len, fo + fl - off - len);
    else if (before) f[i + 1] = off - fo;
    else if (after) {
      f[i] = off + len;
      f[i + 1] = fo + fl - off - len;
    } else f.splice(i, 2);
    if (k === SSD) {
      if (before) insertSorted(this.encExtents[e], extKey(off - fo, local, fo));
      if (after) insertSorted(this.encExtents[e], extKey(fo + fl - off - len, local, off + len));
    }
    this.freeGiB[d] -= len;
    this.setUsed(e, k, this.encUsed[e][k] + len);
    this.updateRoom(e, k, wholeBefore, extentBefore);
  }

  /** Moves the enclosure in the room indexes when its largest free drive / extent changed. */
  private updateRoom(e: number, k: Kind, wholeBefore: number, extentBefore: number): void {
    const bd = this.encBd[e];
    const whole = this.maxWhole(e, k);
    if (whole !== wholeBefore) {
      moveKey(this.roomWhole[k], roomKey(wholeBefore, e), roomKey(whole, e));
      moveKey(this.roomWholeInBd[bd][k], roomKey(wholeBefore, e), roomKey(whole, e));
    }
    if (k === SSD) {
      const ext = this.maxExtent(e);
      if (ext !== extentBefore) {
        moveKey(this.roomExtent, roomKey(extentBefore, e), roomKey(ext, e));
        moveKey(this.roomExtentInBd[bd], roomKey(extentBefore, e), roomKey(ext, e));
      }
    }
  }

  private setUsed(e: number, k: Kind, used: number): void {
    const before = orderKey(this.util(e, k), e);
    this.encUsed[e][k] = used;
    const after = orderKey(this.util(e, k), e);
    if (before === after) return;
    moveKey(this.loadOrder[k], before, after);
    moveKey(this.loadOrderInBd[this.encBd[e]][k], before, after);
  }

  /** Marks [off, off+len) free again, merging with neighbours. Throws (changing nothing) on overlap. */
  give(d: number, off: number, len: number): void {
    const f = this.free[d];
    if (len <= 0 || off < 0 || off + len > this.size[d]) throw new Error(`extent ${off}+${len} GiB is outside drive ${this.serial[d]}`);
    let i = 0;
    while (i < f.length && f[i] < off) i += 2;
    const prevEnd = i > 0 ? f[i - 2] + f[i - 1] : -1;
    if (prevEnd > off || (i < f.length && f[i] < off + len)) {
      throw new Error(`extent ${off}+${len} GiB of drive ${this.serial[d]} is already free`);
    }
    const e = this.enc[d];
    const k = this.kind[d];
    const local = this.local[d];
    const wholeBefore = this.maxWhole(e, k);
    const extentBefore = k === SSD ? this.maxExtent(e) : 0;
    let start = off;
    let end = off + len;
    let from = i;
    let count = 0;
    if (i > 0 && prevEnd === off) {
      from = i - 2;
      start = f[i - 2];
      count += 2;
      if (k === SSD) removeSorted(this.encExtents[e], extKey(f[i - 1], local, f[i - 2]));
    }
    if (i < f.length && f[i] === end) {
      end = f[i] + f[i + 1];
      count += 2;
      if (k === SSD) removeSorted(this.encExtents[e], extKey(f[i + 1], local, f[i]));
    }
    f.splice(from, count, start, end - start);
    if (k === SSD) insertSorted(this.encExtents[e], extKey(end - start, local, start));
    this.freeGiB[d] += len;
    this.setUsed(e, k, this.encUsed[e][k] - len);
    if (this.freeGiB[d] === this.size[d]) insertSorted(this.encWhole[e][k], wholeKey(this.size[d], local));
    this.updateRoom(e, k, wholeBefore, extentBefore);
  }

  /** Recomputes every index from the drives' free lists; returns the differences (none when sound). */
  verify(): string[] {
    const problems: string[] = [];
    const same = (a: number[], b: number[]) => a.length === b.length && a.every((x, i) => x === b[i]);
    const order: [number[], number[]] = [[], []];
    const orderInBd = this.bdNames.map((): [number[], number[]] => [[], []]);
    for (let e = 0; e < this.encName.length; e++) {
      const whole: [number[], number[]] = [[], []];
      const extents: number[] = [];
      const used: [number, number] = [0, 0];
      for (const d of this.encDrives[e]) {
        const k = this.kind[d];
        const f = this.free[d];
        let free = 0;
        for (let i = 0; i < f.length; i += 2) {
          free += f[i + 1];
          if (k === SSD) extents.push(extKey(f[i + 1], this.local[d], f[i]));
        }
        if (free !== this.freeGiB[d]) problems.push(`drive ${this.serial[d]}: freeGiB ${this.freeGiB[d]}, free list sums to ${free}`);
        if (free === this.size[d]) whole[k].push(wholeKey(this.size[d], this.local[d]));
        used[k] += this.size[d] - free;
      }
      for (const k of [HDD, SSD] as Kind[]) {
        whole[k].sort((a, b) => a - b);
        if (!same(whole[k], this.encWhole[e][k])) problems.push(`enclosure ${this.encName[e]}: whole-drive index out of step`);
        if (used[k] !== this.encUsed[e][k]) problems.push(`enclosure ${this.encName[e]}: used ${this.encUsed[e][k]}, drives say ${used[k]}`);
        if (this.encTotal[e][k] > 0) {
          order[k].push(orderKey(this.util(e, k), e));
          orderInBd[this.encBd[e]][k].push(orderKey(this.util(e, k), e));
        }
      }
      extents.sort((a, b) => a - b);
      if (!same(extents, this.encExtents[e])) problems.push(`enclosure ${this.encName[e]}: extent index out of step`);
    }
    const room: [number[], number[]] = [[], []];
    const roomInBd = this.bdNames.map((): [number[], number[]] => [[], []]);
    const ext: number[] = [];
    const extInBd = this.bdNames.map((): number[] => []);
    for (let e = 0; e < this.encName.length; e++) {
      for (const k of [HDD, SSD] as Kind[]) {
        if (this.encTotal[e][k] === 0) continue;
        room[k].push(roomKey(this.maxWhole(e, k), e));
        roomInBd[this.encBd[e]][k].push(roomKey(this.maxWhole(e, k), e));
      }
      if (this.encTotal[e][SSD] > 0) {
        ext.push(roomKey(this.maxExtent(e), e));
        extInBd[this.encBd[e]].push(roomKey(this.maxExtent(e), e));
      }
    }
    const sorted = (a: number[]) => a.sort((x, y) => x - y);
    if (!same(sorted(ext), this.roomExtent)) problems.push('extent room index out of step');
    extInBd.forEach((a, bd) => {
      if (!same(sorted(a), this.roomExtentInBd[bd])) problems.push(`extent room index of ${this.bdNames[bd]} out of step`);
    });
    for (const k of [HDD, SSD] as Kind[]) {
      if (!same(sorted(room[k]), this.roomWhole[k])) problems.push(`whole-drive room index (kind ${k}) out of step`);
      roomInBd.forEach((a, bd) => {
        if (!same(sorted(a[k]), this.roomWholeInBd[bd][k])) problems.push(`whole-drive room index of ${this.bdNames[bd]} (kind ${k}) out of step`);
      });
    }
    for (const k of [HDD, SSD] as Kind[]) {
      if (!same(order[k].sort((a, b) => a - b), this.loadOrder[k])) problems.push(`load order (kind ${k}) out of step`);
      orderInBd.forEach((o, bd) => {
        if (!same(o[k].sort((a, b) => a - b), this.loadOrderInBd[bd][k])) problems.push(`load order of ${this.bdNames[bd]} (kind ${k}) out of step`);
      });
    }
    return problems;
  }
}
