// CSI GetCapacity: free capacity matching a query, and the largest size place() would accept now.
// Exhaustive over the drives in scope (a query, not the placement path).
import { TRANSPORTS } from '../model/inventory';
import type { CapacityAnswer } from '../model/placement';
import type { Ctx } from './request';
import type { Pool } from './pool';
import { filterDrives, largestExtent, scopeEnclosures } from './scope';

interface Item {
  size: number;
  sg: number;
  enc: number;
  tmask: number;
}

/** The best min(a, b) over two items on different drives whose colours differ (strict) or preferably differ. */
function bestPair(sortedDesc: Item[], color: ((x: Item) => number) | null): number {
  if (sortedDesc.length < 2) return 0;
  if (!color) return sortedDesc[1].size;
  const top = color(sortedDesc[0]);
  for (let i = 1; i < sortedDesc.length; i++) if (color(sortedDesc[i]) !== top) return sortedDesc[i].size;
  return 0;
}

/**
 * The largest RAID10 capacity over 2k members (2 <= k <= kMax), members capped at upper / k:
 * walking drives from the largest, the first prefix that can form k separated pairs fixes the
 * smallest member. Colour counts are kept incrementally (linear per k).
 */
function bestRaid10(sortedDesc: Item[], kMax: number, upper: number, color: ((x: Item) => number) | null): number {
  let best = 0;
  for (let k = 2; k <= kMax; k++) {
    const cap = upper === Infinity ? Infinity : Math.floor(upper / k);
    const counts = new Map<number, number>();
    let n = 0;
    let top = 0;
    for (const x of sortedDesc) {
      if (x.size > cap) continue;
      n++;
      if (color) {
        const c = (counts.get(color(x)) ?? 0) + 1;
        counts.set(color(x), c);
        if (c > top) top = c;
      }
      const pairs = color ? Math.min(Math.floor(n / 2), n - top) : Math.floor(n / 2);
      if (pairs >= k) {
        best = Math.max(best, k * x.size);
        break;
      }
    }
  }
  return best;
}

/**
 * `unusable`: the drives that take no new extent (failed, draining, removed; kept by the engine):
 * their free space is neither available nor part of the largest feasible answer, as place() would
 * not use it either.
 */
export function capacity(pool: Pool, ctx: Ctx, unusable: ReadonlySet<number> = new Set()): CapacityAnswer {
  const req = ctx.req;
  const byStorageGroup: Record<string, number> = {};
  let availableGiB = 0;
  let maximum = 0;
  const scope = scopeEnclosures(pool, ctx, ctx.tmask);
  if (!scope.ok) return { availableGiB: 0, maximumVolumeSizeGiB: 0, byStorageGroup };
  const filtered = filterDrives(pool, ctx, scope.enclosures);
  if (!filtered.ok) return { availableGiB: 0, maximumVolumeSizeGiB: 0, byStorageGroup };
  const items: Item[] = [];
  for (const d of filtered.drives) {
    if (unusable.has(d)) continue;
    const free = ctx.slice ? pool.freeGiB[d] : pool.isWholeFree(d) ? pool.size[d] : 0;
    if (free === 0) continue;
    availableGiB += free;
    const e = pool.enc[d];
    const sg = pool.sgNames[pool.encSg[e]];
    byStorageGroup[sg] = (byStorageGroup[sg] ?? 0) + free;
    items.push({ size: ctx.slice ? largestExtent(pool, d) : free, sg: pool.encSg[e], enc: e, tmask: pool.encTmask[e] });
  }
  items.sort((a, b) => b.size - a.size);
  const color = req.sgResiliency ? (x: Item) => x.sg : req.jbodResiliency ? (x: Item) => x.enc : null;
  // Placements use one transport for all members: answer per transport, keep the best.
  for (let t = 0; t < TRANSPORTS.length; t++) {
    const bit = 1 << t;
    if ((ctx.tmask & bit) === 0) continue;
    const usable = items.filter((x) => (x.tmask & bit) !== 0);
    if (usable.length === 0) continue;
    const bounded = ctx.slice ? usable : usable.filter((x) => x.size <= ctx.upper);
    let best = ctx.mirrored ? bestPair(bounded, color) : bounded.length ? bounded[0].size : 0;
    if (ctx.slice) best = Math.min(best, ctx.upper);
    else if (req.striping && req.raidMaxDrives >= 4) best = Math.max(best, bestRaid10(usable, Math.floor(req.raidMaxDrives / 2), ctx.upper, color));
    maximum = Math.max(maximum, best);
  }
  if (req.minVolumeSize !== undefined && maximum < req.minVolumeSize) maximum = 0;
  return { availableGiB, maximumVolumeSizeGiB: maximum, byStorageGroup };
}
