// CSI GetCapacity: free capacity matching a query, and the largest size place() would accept now.
// Exhaustive over the drives in scope (a query, not the placement path), but linear: one pass
// collects every candidate into typed arrays, single and mirrored answers are running maxima, and
// the RAID10 answer walks only each colour's largest candidates (docs/allocation.md "Growing,
// moving, capacity"). At 1,000,000 drives a full sort of the candidates was most of the query's
// time (bench/RESULTS-alloc.md).
import { TRANSPORTS } from '../model/inventory';
import type { CapacityAnswer } from '../model/placement';
import type { Ctx } from './request';
import type { Pool } from './pool';
import { filterDrives, largestExtent, scopeEnclosures } from './scope';

/** The candidates of one query: size (largest extent, or the whole drive), colour, transports. */
export interface Candidates {
  n: number;
  size: Float64Array;
  /** The separation colour (storage group or enclosure), or 0 for all when partners need not differ. */
  color: Int32Array;
  tmask: Uint8Array;
  /** Colours are 0 .. colours - 1. */
  colours: number;
}

/** The largest candidate on transport `bit` no larger than `max` (0 if none). */
function largest(c: Candidates, bit: number, max: number): number {
  let best = 0;
  for (let i = 0; i < c.n; i++) if ((c.tmask[i] & bit) !== 0 && c.size[i] <= max && c.size[i] > best) best = c.size[i];
  return best;
}

/**
 * The best min(a, b) over two candidates on different drives whose colours differ: the largest
 * candidate fixes one colour, the answer is the largest candidate of any other colour (with every
 * colour equal to 0, the second largest).
 */
export function bestPair(c: Candidates, bit: number, max: number, strict: boolean): number {
  let top = -1;
  for (let i = 0; i < c.n; i++) if ((c.tmask[i] & bit) !== 0 && c.size[i] <= max && (top < 0 || c.size[i] > c.size[top])) top = i;
  if (top < 0) return 0;
  let best = 0;
  for (let i = 0; i < c.n; i++) {
    if (i === top || (c.tmask[i] & bit) === 0 || c.size[i] > max || (strict && c.color[i] === c.color[top])) continue;
    if (c.size[i] > best) best = c.size[i];
  }
  return best;
}

/**
 * Each colour's `keep` largest candidates on transport `bit` no larger than `max`, in one pass
 * (a colour's list is a small sorted array; most candidates lose one comparison), merged in
 * descending order.
 */
function largestPerColour(c: Candidates, bit: number, max: number, keep: number): Float64Array[] {
  const vals = new Float64Array(c.colours * keep);
  const count = new Int32Array(c.colours);
  for (let i = 0; i < c.n; i++) {
    const s = c.size[i];
    if ((c.tmask[i] & bit) === 0 || s > max) continue;
    const col = c.color[i];
    const base = col * keep;
    let at = count[col];
    if (at === keep) {
      if (s <= vals[base + keep - 1]) continue;
      at = keep - 1;
    } else count[col]++;
    while (at > 0 && vals[base + at - 1] < s) {
      vals[base + at] = vals[base + at - 1];
      at--;
    }
    vals[base + at] = s;
  }
  const out: Float64Array[] = [];
  for (let col = 0; col < c.colours; col++) if (count[col] > 0) out.push(vals.subarray(col * keep, col * keep + count[col]));
  return out;
}

/**
 * The largest RAID10 capacity over 2k members (2 <= k <= kMax), members capped at upper / k:
 * walking candidates from the largest, the first prefix that can form k separated pairs fixes the
 * smallest member. A prefix forms k pairs when it holds 2k candidates and k outside its largest
 * colour; counting at most 2k per colour decides that the same way (a colour past 2k either is the
 * only one, or the others alone make k), so the walk reads each colour's 2k largest only.
 */
export function bestRaid10(c: Candidates, bit: number, kMax: number, upper: number, strict: boolean): number {
  let best = 0;
  let shared: { colour: number; size: number }[] | undefined;
  for (let k = 2; k <= kMax; k++) {
    const cap = upper === Infinity ? Infinity : Math.floor(upper / k);
    // Without a size bound one list of 2·kMax per colour serves every k.
    let merged = cap === Infinity ? shared : undefined;
    if (!merged) {
      const lists = largestPerColour(c, bit, cap, 2 * (cap === Infinity ? kMax : k));
      merged = lists.flatMap((l, colour) => Array.from(l, (size) => ({ colour, size }))).sort((a, b) => b.size - a.size);
      if (cap === Infinity) shared = merged;
    }
    const counts = new Map<number, number>();
    let n = 0;
    let top = 0;
    for (const x of merged) {
      const v = Math.min((counts.get(x.colour) ?? 0) + 1, 2 * k);
      if (v > (counts.get(x.colour) ?? 0)) n++;
      else continue;
      counts.set(x.colour, v);
      if (v > top) top = v;
      const pairs = strict ? Math.min(Math.floor(n / 2), n - top) : Math.floor(n / 2);
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
  const empty = { availableGiB: 0, maximumVolumeSizeGiB: 0, byStorageGroup };
  const scope = scopeEnclosures(pool, ctx, ctx.tmask);
  if (!scope.ok) return empty;
  const filtered = filterDrives(pool, ctx, scope.enclosures);
  if (!filtered.ok) return empty;
  const strict = req.sgResiliency || req.jbodResiliency;
  const drives = filtered.drives;
  const colours = req.sgResiliency ? pool.sgNames.length : req.jbodResiliency ? pool.encName.length : 1;
  const c: Candidates = { n: 0, size: new Float64Array(drives.length), color: new Int32Array(drives.length), tmask: new Uint8Array(drives.length), colours };
  const freeBySg = new Float64Array(pool.sgNames.length);
  let availableGiB = 0;
  for (const d of drives) {
    if (unusable.has(d)) continue;
    const free = ctx.slice ? pool.freeGiB[d] : pool.isWholeFree(d) ? pool.size[d] : 0;
    if (free === 0) continue;
    availableGiB += free;
    const e = pool.enc[d];
    freeBySg[pool.encSg[e]] += free;
    c.size[c.n] = ctx.slice ? largestExtent(pool, d) : free;
    c.color[c.n] = req.sgResiliency ? pool.encSg[e] : req.jbodResiliency ? e : 0;
    c.tmask[c.n] = pool.encTmask[e];
    c.n++;
  }
  freeBySg.forEach((free, sg) => {
    if (free > 0) byStorageGroup[pool.sgNames[sg]] = free;
  });
  let maximum = 0;
  // Placements use one transport for all members: answer per transport, keep the best.
  for (let t = 0; t < TRANSPORTS.length; t++) {
    const bit = 1 << t;
    if ((ctx.tmask & bit) === 0) continue;
    const max = ctx.slice ? Infinity : ctx.upper;
    let best = ctx.mirrored ? bestPair(c, bit, max, strict) : largest(c, bit, max);
    if (ctx.slice) best = Math.min(best, ctx.upper);
    else if (req.striping && req.raidMaxDrives >= 4) best = Math.max(best, bestRaid10(c, bit, Math.floor(req.raidMaxDrives / 2), ctx.upper, strict));
    maximum = Math.max(maximum, best);
  }
  if (req.minVolumeSize !== undefined && maximum < req.minVolumeSize) maximum = 0;
  return { availableGiB, maximumVolumeSizeGiB: maximum, byStorageGroup };
}
