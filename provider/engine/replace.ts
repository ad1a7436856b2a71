// Replacement placement (docs/allocation.md "Replacing a member", docs/failure.md): a new extent
// for one member of an existing allocation, chosen with the rules of the original request (drive
// type, size, rpm, tags, storage groups, transport, bandwidth domain) and the resiliency flags
// against the members that survive: the member's mirror partner must sit in another storage group
// / enclosure when sgResiliency / jbodResiliency are strict (preferred when they are not). The
// member's transport is the placement's: an array never mixes transports. Among the candidates
// the least utilised enclosure wins, then the best fit inside it, as for a first placement.
//
// A replacement is rare (a failure or a drain), so it scans the drives of the enclosures in scope
// instead of keeping indexes of its own: O(drives in scope) per member.
import type { Member, Placement, PlacementConstraint, PlacementFailure, PlacementRequest } from '../model/placement';
import { transportBit, type Pool } from './pool';
import type { Ctx } from './request';
import { whereText } from './scope';

/** One chosen extent. */
export interface Replacement {
  d: number;
  off: number;
  len: number;
  e: number;
}

interface Candidate extends Replacement {
  /** Separation from the partner kept: 2 other storage group, 1 other enclosure, 0 neither. */
  sep: number;
  util: number;
}

/**
 * The best extent to replace `placement.members[index]`, or why none exists. `usable(d)` says
 * whether drive d may take new extents (not failed, draining or removed); `held` are the drives the
 * allocation already uses (never two members on one drive).
 */
export function chooseReplacement(
  pool: Pool,
  ctx: Ctx,
  placement: Placement,
  index: number,
  usable: (d: number) => boolean,
  held: ReadonlySet<number>,
): { ok: true; pick: Replacement } | { ok: false; failure: PlacementFailure } {
  const req: PlacementRequest = ctx.req;
  const old = placement.members[index];
  // What the array needs of the member: the extent for a slice; for a whole drive the component
  // size md uses (a smaller drive cannot join, a larger one may).
  const need = ctx.slice ? old.sizeGiB : placement.raidLevel === 'raid10' ? placement.capacityGiB / (placement.members.length / 2) : placement.capacityGiB;
  const tbit = transportBit(placement.transport);
  // The partner: the other half of the same mirror pair (RAID1: the other member; RAID10: same stripe).
  const partner = placement.raidLevel === 'none' ? undefined : placement.members.find((m, i) => i !== index && m.stripe === old.stripe && m.mirror !== old.mirror);
  const partnerEnc = partner ? pool.encByName.get(partner.enclosure) : undefined;
  const partnerSg = partnerEnc !== undefined ? pool.encSg[partnerEnc] : undefined;
  const counts = { inScope: 0, usable: 0, room: 0 };
  const candidates: Candidate[] = [];
  for (let e = 0; e < pool.encName.length; e++) {
    if ((pool.encTmask[e] & tbit) === 0) continue;
    if (ctx.sgAllowed && ctx.sgAllowed[pool.encSg[e]] !== 1) continue;
    if (ctx.strictDomain && pool.encBd[e] !== ctx.server!.bd) continue;
    let best: Replacement | undefined;
    let bestFit = Infinity;
    for (const d of pool.encDrives[e]) {
      if (pool.kind[d] !== ctx.kind || (ctx.drivePred && !ctx.drivePred(d))) continue;
      counts.inScope++;
      if (!usable(d) || held.has(d)) continue;
      counts.usable++;
      if (ctx.slice) {
        const f = pool.free[d];
        for (let i = 0; i < f.length; i += 2) {
          // Best fit: the smallest free extent that holds the member.
          if (f[i + 1] >= need && f[i + 1] < bestFit) {
            best = { d, off: f[i], len: need, e };
            bestFit = f[i + 1];
          }
        }
      } else if (pool.isWholeFree(d) && pool.size[d] >= need && pool.size[d] < bestFit) {
        best = { d, off: 0, len: pool.size[d], e };
        bestFit = pool.size[d];
      }
    }
    if (!best) continue;
    counts.room++;
    const sep = partnerEnc === undefined ? 2 : pool.encSg[e] !== partnerSg ? 2 : e !== partnerEnc ? 1 : 0;
    candidates.push({ ...best, sep, util: pool.util(e, ctx.kind) });
  }
  const minSep = !partner ? 0 : req.sgResiliency ? 2 : req.jbodResiliency ? 1 : 0;
  const allowed = candidates.filter((c) => c.sep >= minSep);
  if (allowed.length === 0) return { ok: false, failure: explainNone(pool, ctx, placement, index, partner, minSep, counts, candidates.length) };
  // Strict flags are filters; within them (and for false flags) more separation is preferred,
  // then the least utilised enclosure, then inventory order.
  allowed.sort((a, b) => b.sep - a.sep || a.util - b.util || a.e - b.e);
  const { d, off, len, e } = allowed[0];
  return { ok: true, pick: { d, off, len, e } };
}

function explainNone(
  pool: Pool,
  ctx: Ctx,
  placement: Placement,
  index: number,
  partner: Member | undefined,
  minSep: number,
  counts: { inScope: number; usable: number; room: number },
  withRoom: number,
): PlacementFailure {
  const old = placement.members[index];
  const component = placement.raidLevel === 'raid10' ? placement.capacityGiB / (placement.members.length / 2) : placement.capacityGiB;
  const what = `${ctx.slice ? `a ${old.sizeGiB} GiB ssd extent` : `a free ${ctx.kindWord} >= ${component} GiB`} over ${placement.transport}${whereText(pool, ctx)}`;
  const head = `no replacement for member ${index} (${old.serial} in ${old.enclosure}): ${what}`;
  const numbers = `${counts.inScope} ${ctx.kindWord} drives in scope, ${counts.usable} usable (not failed, draining, removed or already in the volume), ${counts.room} with room`;
  if (withRoom > 0 && partner) {
    const flag: PlacementConstraint = minSep === 2 ? 'sgResiliency' : 'jbodResiliency';
    const domain = minSep === 2 ? `storage group ${partner.storageGroup}` : `enclosure ${partner.enclosure}`;
    return { constraint: flag, message: `${flag}: ${head}; ${numbers}, every one in ${domain} with the surviving mirror partner ${partner.serial}` };
  }
  return { constraint: 'sizeGiB', message: `sizeGiB: ${head}; ${numbers}` };
}
