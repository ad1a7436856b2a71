// Explains why no placement exists: walks the constraints in a fixed order and reports the
// first one that empties (or starves) the candidate set, with the numbers.
import type { PlacementConstraint, PlacementFailure } from '../model/placement';
import type { Ctx } from './request';
import type { Pool } from './pool';
import { filterDrives, largestExtent, maxPairs, scopeEnclosures, whereText } from './scope';

function failure(constraint: PlacementConstraint, message: string): PlacementFailure {
  return { constraint, message: `${constraint}: ${message}` };
}

function names(list: string[], max = 3): string {
  return list.length <= max ? list.join(', ') : `${list.slice(0, max).join(', ')}, ...`;
}

export function explain(pool: Pool, ctx: Ctx): PlacementFailure {
  const req = ctx.req;
  const kw = ctx.kindWord;
  if (ctx.slice && req.sizeGiB > ctx.upper) return failure('maxVolumeSize', `${req.sizeGiB} GiB requested, maxVolumeSize is ${ctx.upper} GiB`);
  if (ctx.slice && req.minVolumeSize !== undefined && req.sizeGiB < req.minVolumeSize) {
    return failure('minVolumeSize', `${req.sizeGiB} GiB requested, minVolumeSize is ${req.minVolumeSize} GiB (a slice is exactly its size)`);
  }
  if (!ctx.slice && ctx.lower > ctx.upper) return failure('maxVolumeSize', `${ctx.lower} GiB requested, maxVolumeSize is ${ctx.upper} GiB`);
  const scope = scopeEnclosures(pool, ctx, ctx.tmask);
  if (!scope.ok) return failure(scope.constraint, scope.message);
  const filtered = filterDrives(pool, ctx, scope.enclosures);
  if (!filtered.ok) return failure(filtered.constraint, filtered.message);
  const where = whereText(pool, ctx);
  const drives = filtered.drives;
  const need = ctx.lower;
  const strictSg = req.sgResiliency;
  const strictJbod = req.jbodResiliency;

  // Candidates for one drive / one slice per member.
  const free = ctx.slice
    ? drives.map((d) => ({ d, size: largestExtent(pool, d) }))
    : drives.filter((d) => pool.isWholeFree(d)).map((d) => ({ d, size: pool.size[d] }));
  const largest = free.reduce((m, x) => Math.max(m, x.size), 0);
  const fits = free.filter((x) => x.size >= need);
  const fitsBounded = ctx.slice ? fits : fits.filter((x) => x.size <= ctx.upper);
  const what = ctx.slice ? `ssd with a free extent >= ${need} GiB` : `free ${kw} >= ${need} GiB`;
  const noStriping = ctx.slice ? '; slices are never striped' : !req.striping ? '; striping is false' : '';

  let single: PlacementFailure | null = null;
  if (fits.length === 0) {
    single = ctx.slice
      ? failure('sizeGiB', `no ssd${where} has a free extent >= ${need} GiB (largest free extent: ${largest} GiB)${noStriping}`)
      : failure('sizeGiB', `no free ${kw} >= ${need} GiB${where} (largest free: ${largest} GiB)${noStriping}`);
  } else if (fitsBounded.length === 0) {
    single = failure('maxVolumeSize', `every ${what}${where} is larger than maxVolumeSize ${ctx.upper} GiB${noStriping}`);
  } else if (ctx.mirrored) {
    const sgs = [...new Set(fitsBounded.map((x) => pool.encSg[pool.enc[x.d]]))];
    const encs = [...new Set(fitsBounded.map((x) => pool.enc[x.d]))];
    if (fitsBounded.length < 2) single = failure('redundancy', `only 1 ${what}${where} (${pool.serial[fitsBounded[0].d]}), 2 needed for RAID1${noStriping}`);
    else if (strictSg && sgs.length < 2) {
      single = failure('sgResiliency', `only 1 storage group (${pool.sgNames[sgs[0]]}) has ${ctx.slice ? 'an' : 'a'} ${what}${where}, 2 needed${noStriping}`);
    } else if (strictJbod && encs.length < 2) {
      single = failure('jbodResiliency', `only 1 enclosure (${pool.encName[encs[0]]}) in ${pool.sgNames[pool.encSg[encs[0]]]} has ${ctx.slice ? 'an' : 'a'} ${what}${where}, 2 needed${noStriping}`);
    }
  }
  // Striping only helps when no single drive is big enough; separation failures stay as they are.
  if (single && (ctx.slice || !req.striping || fitsBounded.length > 0 || free.length === 0)) return single;
  if (!single) {
    // Enough candidates overall, but not behind one common transport.
    return failure('networkTransportsAllowed', `the ${what}${where} do not share one transport with each other and the server`);
  }

  // Whole drives, striping on: explain the largest RAID10 the request may use.
  if (req.raidMaxDrives < 4) return failure('raidMaxDrives', `${single.message.replace(/^[a-zA-Z]+: /, '')}; raidMaxDrives ${req.raidMaxDrives} leaves no room for RAID10 (4 drives at least)`);
  const kMax = Math.floor(req.raidMaxDrives / 2);
  const sgOf = (x: { d: number }) => pool.encSg[pool.enc[x.d]];
  const encOf = (x: { d: number }) => pool.enc[x.d];
  const poolFor = (k: number) => {
    const memberNeed = Math.ceil(need / k);
    const memberUpper = ctx.upper === Infinity ? Infinity : Math.floor(ctx.upper / k);
    return { memberNeed, memberUpper, drives: free.filter((x) => x.size >= memberNeed && x.size <= memberUpper) };
  };
  const text = (k: number, memberNeed: number) =>
    `${need} GiB in RAID10 needs ${k} mirrored pairs of free ${kw} >= ${memberNeed} GiB (raidMaxDrives ${req.raidMaxDrives})${where}`;
  // The fewest pairs for which enough drives are big enough: the separation rules decide.
  for (let k = 2; k <= kMax; k++) {
    const { memberNeed, drives: pk } = poolFor(k);
    if (maxPairs(pk.map(() => 0), false) < k) continue;
    if (strictSg) {
      const p = maxPairs(pk.map(sgOf), true);
      if (p < k) {
        const sgs = [...new Set(pk.map((x) => pool.sgNames[sgOf(x)]))];
        return failure('sgResiliency', `${text(k, memberNeed)}; only ${p} such pair${p === 1 ? '' : 's'} can span 2 storage groups (free drives in ${names(sgs)})`);
      }
    }
    if (strictJbod) {
      const p = maxPairs(pk.map(encOf), true);
      if (p < k) {
        const encs = [...new Set(pk.map((x) => pool.encName[encOf(x)]))];
        return failure('jbodResiliency', `${text(k, memberNeed)}; only ${p} such pair${p === 1 ? '' : 's'} can span 2 enclosures (free drives in ${names(encs)})`);
      }
    }
    return failure('networkTransportsAllowed', `${text(k, memberNeed)}; the free drives do not share one transport with each other and the server`);
  }
  const { memberNeed, memberUpper, drives: pool10 } = poolFor(kMax);
  if (pool10.length === 0 && single.constraint === 'maxVolumeSize') return single;
  if (memberNeed > memberUpper) return failure('maxVolumeSize', `${text(kMax, memberNeed)}, but maxVolumeSize ${ctx.upper} GiB caps members at ${memberUpper} GiB`);
  return failure('raidMaxDrives', `${text(kMax, memberNeed)}; only ${pool10.length} such drive${pool10.length === 1 ? ' is' : 's are'} free`);
}
