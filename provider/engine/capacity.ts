// CSI GetCapacity: free capacity matching a query, and the largest size place() would accept now.
// Exhaustive over the drives in scope (a query, not the placement path).
import { TRANSPORTS } from '../model/inventory';
import type { CapacityAnswer } from '../model/placement';
import type { Ctx } from './request';
import type { Pool } from './pool';
import { filterDrives, largestExtent, maxPairs, scopeEnclosures } from './scope';

interface Item {
  size: number;
  sg: number;
  enc: number;
}

/** The best min(a, b) over two items on different drives whose colours differ (strict) or preferably differ. */
function bestPair(items: Item[], color: ((x: Item) => number) | null): number {
  const sorted = [...items].sort((a, b) => b.size - a.size);
  if (sorted.length < 2) return 0;
  if (!color) return sorted[1].size;
  const top = color(sorted[0]);
  for (let i = 1; i < sorted.length; i++) if (color(sorted[i]) !== top) return sorted[i].size;
  return 0;
}

/** The largest RAID10 capacity over 2k members (2 <= k <= kMax), members capped at upper/k. */
function bestRaid10(items: Item[], kMax: number, upper: number, color: ((x: Item) => number) | null): number {
  const sorted = [...items].sort((a, b) => b.size - a.size);
  let best = 0;
  for (let k = 2; k <= kMax; k++) {
    const cap = upper === Infinity ? Infinity : Math.floor(upper / k);
    const colors: number[] = [];
    for (const x of sorted) {
      if (x.size > cap) continue;
      colors.push(color ? color(x) : 0);
      if (colors.length >= 2 * k && maxPairs(colors, color !== null) >= k) {
        best = Math.max(best, k * x.size);
        break;
      }
    }
  }
  return best;
}

export function capacity(pool: Pool, ctx: Ctx): CapacityAnswer {
  const req = ctx.req;
  const byStorageGroup: Record<string, number> = {};
  let availableGiB = 0;
  let maximum = 0;
  const all = scopeEnclosures(pool, ctx, ctx.tmask);
  if (!all.ok) return { availableGiB: 0, maximumVolumeSizeGiB: 0, byStorageGroup };
  const allDrives = filterDrives(pool, ctx, all.enclosures);
  if (!allDrives.ok) return { availableGiB: 0, maximumVolumeSizeGiB: 0, byStorageGroup };
  for (const d of allDrives.drives) {
    const free = ctx.slice ? pool.freeGiB[d] : pool.isWholeFree(d) ? pool.size[d] : 0;
    if (free === 0) continue;
    availableGiB += free;
    const sg = pool.sgNames[pool.encSg[pool.enc[d]]];
    byStorageGroup[sg] = (byStorageGroup[sg] ?? 0) + free;
  }
  // Placements use one transport for all members: answer per transport, keep the best.
  for (let t = 0; t < TRANSPORTS.length; t++) {
    const bit = 1 << t;
    if ((ctx.tmask & bit) === 0) continue;
    const scope = scopeEnclosures(pool, ctx, bit);
    if (!scope.ok) continue;
    const filtered = filterDrives(pool, ctx, scope.enclosures);
    if (!filtered.ok) continue;
    const items: Item[] = [];
    for (const d of filtered.drives) {
      const size = ctx.slice ? largestExtent(pool, d) : pool.isWholeFree(d) ? pool.size[d] : 0;
      if (size === 0) continue;
      items.push({ size, sg: pool.encSg[pool.enc[d]], enc: pool.enc[d] });
    }
    const color = req.sgResiliency ? (x: Item) => x.sg : req.jbodResiliency ? (x: Item) => x.enc : null;
    const bounded = ctx.slice ? items : items.filter((x) => x.size <= ctx.upper);
    let best = ctx.mirrored ? bestPair(bounded, color) : bounded.reduce((m, x) => Math.max(m, x.size), 0);
    if (ctx.slice) best = Math.min(best, ctx.upper);
    else if (req.striping && req.raidMaxDrives >= 4) best = Math.max(best, bestRaid10(items, Math.floor(req.raidMaxDrives / 2), ctx.upper, color));
    maximum = Math.max(maximum, best);
  }
  if (req.minVolumeSize !== undefined && maximum < req.minVolumeSize) maximum = 0;
  return { availableGiB, maximumVolumeSizeGiB: maximum, byStorageGroup };
}
