// The benchmark's baseline: a naive first-fit allocator that scans every drive, in inventory
// order, for every member it needs. Same rules as the engine for what the workload asks
// (type, size, bandwidth domain, transport, RAID1 / RAID10 with storage-group separation),
// none of its indexes or preferences.
import { TRANSPORTS, type Inventory } from '../../provider/model/inventory';
import type { PlacementRequest } from '../../provider/model/placement';

interface NDrive {
  ssd: boolean;
  size: number;
  sg: number;
  enc: number;
  bd: string;
  tmask: number;
  /** Free extents [off, len, ...] in offset order. */
  free: number[];
}

interface Taken {
  d: number;
  off: number;
  len: number;
}

function mask(ts: readonly string[]): number {
  let m = 0;
  for (const t of ts) m |= 1 << TRANSPORTS.indexOf(t as (typeof TRANSPORTS)[number]);
  return m;
}

export class NaiveAllocator {
  private readonly drives: NDrive[] = [];
  private readonly servers = new Map<string, { bd: string; tmask: number }>();
  private readonly held = new Map<string, Taken[]>();

  constructor(inv: Inventory) {
    let enc = 0;
    inv.storageGroups.forEach((g, sg) => {
      for (const e of g.enclosures) {
        for (const d of e.drives) {
          this.drives.push({ ssd: d.type === 'ssd', size: d.sizeGiB, sg, enc, bd: e.bandwidthDomain, tmask: mask(e.transports), free: [0, d.sizeGiB] });
        }
        enc++;
      }
    });
    for (const s of inv.servers) this.servers.set(s.name, { bd: s.bandwidthDomain, tmask: mask(s.transports) });
  }

  place(id: string, req: PlacementRequest): boolean {
    const server = req.server ? this.servers.get(req.server) : undefined;
    const tmask = (req.networkTransportsAllowed.length ? mask(req.networkTransportsAllowed) : 7) & (server ? server.tmask : 7);
    for (let t = 0; t < TRANSPORTS.length; t++) {
      if ((tmask & (1 << t)) === 0) continue;
      const got = this.attempt(req, 1 << t, server && !req.softDomains ? server.bd : undefined);
      if (got) {
        for (const x of got) this.take(x);
        this.held.set(id, got);
        return true;
      }
    }
    return false;
  }

  release(id: string): boolean {
    const got = this.held.get(id);
    if (!got) return false;
    for (const x of got) this.give(x);
    this.held.delete(id);
    return true;
  }

  /**
   * The floor of the capacity benchmark: one scan over every drive, in inventory order, for the
   * free capacity a query matches and the largest single member (mirrored: the largest seen on
   * another storage group than the running best, in the same pass). No indexes, no RAID10 search:
   * about the least an exhaustive answer has to do, so it is the capacity query's floor.
   */
  largest(req: Omit<PlacementRequest, 'sizeGiB'>): { availableGiB: number; maximumGiB: number } {
    const server = req.server ? this.servers.get(req.server) : undefined;
    const tmask = (req.networkTransportsAllowed.length ? mask(req.networkTransportsAllowed) : 7) & (server ? server.tmask : 7);
    const bd = server && !req.softDomains ? server.bd : undefined;
    const slice = req.type === 'slice';
    const ssd = req.type !== 'hdd';
    let availableGiB = 0;
    let maximumGiB = 0;
    for (let t = 0; t < TRANSPORTS.length; t++) {
      const tbit = 1 << t;
      if ((tmask & tbit) === 0) continue;
      // Best and second best with a storage group other than the best's (the mirrored answer).
      let best = 0;
      let bestSg = -1;
      let other = 0;
      for (let d = 0; d < this.drives.length; d++) {
        const x = this.drives[d];
        if (x.ssd !== ssd || (x.tmask & tbit) === 0 || (bd !== undefined && x.bd !== bd)) continue;
        let size = 0;
        if (slice) {
          for (let i = 1; i < x.free.length; i += 2) {
            if (t === 0) availableGiB += x.free[i];
            if (x.free[i] > size) size = x.free[i];
          }
        } else if (x.free.length === 2 && x.free[1] === x.size) {
          size = x.size;
          if (t === 0) availableGiB += size;
        }
        if (size > best) {
          if (x.sg !== bestSg) other = best;
          best = size;
          bestSg = x.sg;
        } else if (size > other && x.sg !== bestSg) other = size;
      }
      maximumGiB = Math.max(maximumGiB, req.redundancy ? other : best);
    }
    return { availableGiB, maximumGiB };
  }

  private attempt(req: PlacementRequest, tbit: number, bd: string | undefined): Taken[] | null {
    const slice = req.type === 'slice';
    const ssd = req.type !== 'hdd';
    const pairs = (need: number, k: number): Taken[] | null => {
      const out: Taken[] = [];
      for (let i = 0; i < k; i++) {
        const a = this.first(ssd, slice, need, tbit, bd, out, -1, -1);
        if (!a) return null;
        out.push(a);
        const b = this.first(ssd, slice, need, tbit, bd, out, req.sgResiliency ? this.drives[a.d].sg : -1, req.jbodResiliency ? this.drives[a.d].enc : -1);
        if (!b) return null;
        out.push(b);
      }
      return out;
    };
    if (req.redundancy) {
      const p = pairs(req.sizeGiB, 1);
      if (p) return p;
    } else {
      const one = this.first(ssd, slice, req.sizeGiB, tbit, bd, [], -1, -1);
      if (one) return [one];
    }
    if (slice || !req.striping) return null;
    for (let k = 2; k <= Math.floor(req.raidMaxDrives / 2); k++) {
      const p = pairs(Math.ceil(req.sizeGiB / k), k);
      if (p) return p;
    }
    return null;
  }

  /** First drive, scanning all of them, that can hold `need`. */
  private first(ssd: boolean, slice: boolean, need: number, tbit: number, bd: string | undefined, chosen: Taken[], sgNot: number, encNot: number): Taken | null {
    for (let d = 0; d < this.drives.length; d++) {
      const x = this.drives[d];
      if (x.ssd !== ssd || (x.tmask & tbit) === 0 || (bd !== undefined && x.bd !== bd)) continue;
      if (x.sg === sgNot || x.enc === encNot || chosen.some((c) => c.d === d)) continue;
      if (slice) {
        for (let i = 0; i < x.free.length; i += 2) if (x.free[i + 1] >= need) return { d, off: x.free[i], len: need };
      } else if (x.free.length === 2 && x.free[1] === x.size && x.size >= need) return { d, off: 0, len: x.size };
    }
    return null;
  }

  private take(t: Taken): void {
    const f = this.drives[t.d].free;
    for (let i = 0; i < f.length; i += 2) {
      if (f[i] <= t.off && t.off + t.len <= f[i] + f[i + 1]) {
        const pieces: number[] = [];
        if (t.off > f[i]) pieces.push(f[i], t.off - f[i]);
        if (t.off + t.len < f[i] + f[i + 1]) pieces.push(t.off + t.len, f[i] + f[i + 1] - t.off - t.len);
        f.splice(i, 2, ...pieces);
        return;
      }
    }
    throw new Error('naive: extent not free');
  }

  private give(t: Taken): void {
    const f = this.drives[t.d].free;
    f.push(t.off, t.len);
    const pairs: [number, number][] = [];
    for (let i = 0; i < f.length; i += 2) pairs.push([f[i], f[i + 1]]);
    pairs.sort((a, b) => a[0] - b[0]);
    f.length = 0;
    for (const [o, l] of pairs) {
      if (f.length && f[f.length - 2] + f[f.length - 1] === o) f[f.length - 1] += l;
      else f.push(o, l);
    }
  }
}
