// Slow, exhaustive views of the drives a request may use: for failure explanations and capacity
// answers, never on the placement path.
import type { PlacementConstraint } from '../model/placement';
import type { Ctx } from './request';
import { maskNames } from './request';
import type { Pool } from './pool';

/** Words naming the scope in messages, e.g. ` in bandwidth domain rack-a (server k1)`. */
export function whereText(pool: Pool, ctx: Ctx): string {
  const parts: string[] = [];
  if (ctx.strictDomain) parts.push(`in bandwidth domain ${pool.bdNames[ctx.server!.bd]} (server ${ctx.server!.name})`);
  if (ctx.sgAllowed) parts.push(`in storageGroup [${ctx.req.storageGroup.join(', ')}]`);
  return parts.length ? ' ' + parts.join(' ') : '';
}

export type ScopeStep =
  | { ok: true; enclosures: number[] }
  | { ok: false; constraint: PlacementConstraint; message: string };

/** Enclosures of the right kind passing storage group, domain and transport filters (any of `tmask`). */
export function scopeEnclosures(pool: Pool, ctx: Ctx, tmask: number): ScopeStep {
  const kw = ctx.kindWord;
  let encs = pool.encOfKind[ctx.kind];
  if (encs.length === 0) return { ok: false, constraint: 'type', message: `the inventory has no ${kw} drives` };
  if (ctx.sgAllowed) {
    encs = encs.filter((e) => ctx.sgAllowed![pool.encSg[e]] === 1);
    if (encs.length === 0) return { ok: false, constraint: 'storageGroup', message: `no ${kw} drives in storage group [${ctx.req.storageGroup.join(', ')}]` };
  }
  if (ctx.strictDomain) {
    const bd = ctx.server!.bd;
    encs = encs.filter((e) => pool.encBd[e] === bd);
    if (encs.length === 0) {
      return {
        ok: false,
        constraint: 'softDomains',
        message: `no enclosure with ${kw} drives${whereText(pool, ctx)}, and softDomains is false`,
      };
    }
  }
  const byTransport = encs.filter((e) => (pool.encTmask[e] & tmask) !== 0);
  if (byTransport.length === 0) {
    const offered = encs.reduce((m, e) => m | pool.encTmask[e], 0);
    const server = ctx.server ? ` (server ${ctx.server.name} supports ${maskNames(ctx.server.tmask).join(', ')})` : '';
    return {
      ok: false,
      constraint: 'networkTransportsAllowed',
      message: `enclosures with ${kw} drives${whereText(pool, ctx)} offer ${maskNames(offered).join(', ')}; usable: ${maskNames(tmask).join(', ')}${server}`,
    };
  }
  return { ok: true, enclosures: byTransport };
}

/** Drives of the right kind in `encs` passing rpm and tag filters, or the filter that emptied them. */
export function filterDrives(pool: Pool, ctx: Ctx, encs: number[]): { ok: true; drives: number[] } | { ok: false; constraint: PlacementConstraint; message: string } {
  const kw = ctx.kindWord;
  const where = whereText(pool, ctx);
  let drives: number[] = [];
  for (const e of encs) for (const d of pool.encDrives[e]) if (pool.kind[d] === ctx.kind) drives.push(d);
  const req = ctx.req;
  if (ctx.kind === 0 && req.rpm !== undefined) {
    const fastest = drives.reduce((m, d) => Math.max(m, pool.rpm[d]), 0);
    drives = drives.filter((d) => pool.rpm[d] >= req.rpm!);
    if (drives.length === 0) return { ok: false, constraint: 'rpm', message: `no hdd of >= ${req.rpm} rpm${where} (fastest: ${fastest} rpm)` };
  }
  if (req.requiredTags.length > 0) {
    drives = drives.filter((d) => req.requiredTags.every((t) => pool.tags[d].includes(t)));
    if (drives.length === 0) return { ok: false, constraint: 'requiredTags', message: `no ${kw}${where} carries all of [${req.requiredTags.join(', ')}]` };
  }
  if (req.excludedTags.length > 0) {
    drives = drives.filter((d) => !req.excludedTags.some((t) => pool.tags[d].includes(t)));
    if (drives.length === 0) return { ok: false, constraint: 'excludedTags', message: `every ${kw}${where} carries one of [${req.excludedTags.join(', ')}]` };
  }
  return { ok: true, drives };
}

/** Largest free extent of a drive. */
export function largestExtent(pool: Pool, d: number): number {
  const f = pool.free[d];
  let m = 0;
  for (let i = 1; i < f.length; i += 2) if (f[i] > m) m = f[i];
  return m;
}

/** How many mirrored pairs `items` can form when partners must differ in `color` (null: any two items). */
export function maxPairs(colors: number[], strict: boolean): number {
  const n = colors.length;
  if (!strict) return Math.floor(n / 2);
  const counts = new Map<number, number>();
  let top = 0;
  for (const c of colors) {
    const v = (counts.get(c) ?? 0) + 1;
    counts.set(c, v);
    if (v > top) top = v;
  }
  return Math.min(Math.floor(n / 2), n - top);
}
