// The pool as the dashboard draws it (docs/ui.md): a summary by storage group (one pass over the
// inventory, no drive lists) and a paged list of drives in storage group → enclosure → serial
// order, each with its health and its extents (whole-drive members and slices at their offsets).
// A scoped caller sees where other clusters' extents are, never what they are (./callers.ts).
import type { ListPage, PoolDrive, PoolExtent, PoolSummary, PoolTypeTotals } from '../../api/contract';
import type { Drive } from '../../model/inventory';
import { type Caller, seesObject } from '../callers';
import type { ComposerContext } from '../context';
import { requireEngine } from '../lookups';
import { type PageRequest, takePage } from '../paging';
import type { ComposerState } from '../state';

export interface PoolFilter {
  storageGroup?: string;
  enclosure?: string;
  search?: string;
}

interface Used {
  extent: PoolExtent;
  /** What a search matches besides the serial: the object's id, name and owner, lower case. */
  text: string;
}

/** Every drive's extents, by serial, from the allocations (one pass; a page costs this plus the inventory walk). */
function extentsBySerial(s: ComposerState, caller: Caller): Map<string, Used[]> {
  const out = new Map<string, Used[]>();
  for (const [id, placement] of s.allocations) {
    const kind = s.slices.has(id) ? 'slices' : 'volumes';
    const obj = kind === 'slices' ? s.slices.get(id) : s.volumes.get(id);
    const visible = !obj || seesObject(s, caller, kind, obj);
    for (const m of placement.members) {
      const extent: PoolExtent = { offsetGiB: m.offsetGiB, sizeGiB: m.sizeGiB };
      let text = '';
      if (visible) {
        Object.assign(extent, { id, kind, mirror: m.mirror, stripe: m.stripe });
        if (obj?.name !== undefined) extent.name = obj.name;
        if (obj?.cluster !== undefined) extent.cluster = obj.cluster;
        text = [id, obj?.name, obj?.owner].filter((x) => typeof x === 'string').join('\n').toLowerCase();
      }
      const list = out.get(m.serial);
      if (list) list.push({ extent, text });
      else out.set(m.serial, [{ extent, text }]);
    }
  }
  for (const list of out.values()) list.sort((a, b) => a.extent.offsetGiB - b.extent.offsetGiB);
  return out;
}

/** Free GiB and the largest free run of a drive of `sizeGiB` with these extents (sorted by offset). */
function freeRuns(sizeGiB: number, extents: readonly PoolExtent[]): { free: number; largest: number } {
  let at = 0;
  let free = 0;
  let largest = 0;
  for (const e of extents) {
    const gap = Math.max(0, e.offsetGiB - at);
    free += gap;
    largest = Math.max(largest, gap);
    at = Math.max(at, e.offsetGiB + e.sizeGiB);
  }
  const tail = Math.max(0, sizeGiB - at);
  return { free: free + tail, largest: Math.max(largest, tail) };
}

/** Drive-list keys sort by storage group, then enclosure, then serial (NUL sorts below every name character). */
const keyOf = (group: string, enclosure: string, serial: string) => `${group}\u0000${enclosure}\u0000${serial}`;

export class PoolResource {
  constructor(private readonly ctx: ComposerContext) {}

  summary(caller: Caller): PoolSummary {
    const s = this.ctx.state;
    requireEngine(s);
    const used = extentsBySerial(s, caller);
    let drives = 0;
    const storageGroups = s.inventory!.storageGroups.map((g) => {
      const health: Record<string, number> = {};
      const domains = new Set<string>();
      const types: Record<string, PoolTypeTotals & { runs: number }> = {};
      let count = 0;
      for (const e of g.enclosures) {
        domains.add(e.bandwidthDomain);
        for (const d of e.drives) {
          count++;
          const h = s.drives.get(d.serial)?.health ?? 'ok';
          health[h] = (health[h] ?? 0) + 1;
          const t = (types[d.type] ??= { drives: 0, sizeGiB: 0, freeGiB: 0, largestFreeGiB: 0, fragmentation: 0, runs: 0 });
          t.drives++;
          t.sizeGiB += d.sizeGiB;
          // Only a drive that takes new extents has free capacity (state.ts driveUsable).
          if (h !== 'ok') continue;
          const { free, largest } = freeRuns(d.sizeGiB, (used.get(d.serial) ?? []).map((u) => u.extent));
          t.freeGiB += free;
          t.runs += largest;
          t.largestFreeGiB = Math.max(t.largestFreeGiB, largest);
        }
      }
      drives += count;
      const totals = Object.fromEntries(
        Object.entries(types).map(([k, { runs, ...t }]) => [k, { ...t, fragmentation: t.freeGiB === 0 ? 0 : Math.round((1 - runs / t.freeGiB) * 1000) / 1000 }]),
      );
      return { name: g.name, enclosures: g.enclosures.length, drives: count, health, bandwidthDomains: [...domains].sort(), types: totals };
    });
    return { storageGroups, drives, revision: s.revision };
  }

  drives(filter: PoolFilter, page: PageRequest, caller: Caller): ListPage<PoolDrive> {
    const s = this.ctx.state;
    requireEngine(s);
    const used = extentsBySerial(s, caller);
    const needle = filter.search?.toLowerCase();
    type Entry = { group: string; enclosure: string; drive: Drive };
    function* entries(): Generator<readonly [string, Entry]> {
      for (const g of s.inventory!.storageGroups) {
        if (filter.storageGroup !== undefined && g.name !== filter.storageGroup) continue;
        for (const e of g.enclosures) {
          if (filter.enclosure !== undefined && e.name !== filter.enclosure) continue;
          for (const d of e.drives) yield [keyOf(g.name, e.name, d.serial), { group: g.name, enclosure: e.name, drive: d }] as const;
        }
      }
    }
    const matches = (x: Entry) =>
      needle === undefined || needle === '' || x.drive.serial.toLowerCase().includes(needle) || (used.get(x.drive.serial) ?? []).some((u) => u.text.includes(needle));
    return takePage(entries(), page, matches, (x) => {
      const extents = (used.get(x.drive.serial) ?? []).map((u) => u.extent);
      const rec = s.drives.get(x.drive.serial);
      const out: PoolDrive = {
        serial: x.drive.serial,
        storageGroup: x.group,
        enclosure: x.enclosure,
        type: x.drive.type,
        sizeGiB: x.drive.sizeGiB,
        freeGiB: freeRuns(x.drive.sizeGiB, extents).free,
        health: rec?.health ?? 'ok',
        extents,
      };
      if (rec) out.reason = rec.reason;
      return out;
    });
  }
}
