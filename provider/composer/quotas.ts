// Cluster quotas (schema.json's quota attributes of a cluster, set by admin tokens): the GiB of
// each drive type its volumes and slices hold, and how many of each it has. A create or growth
// that would pass a limit is refused before anything is stored, naming the limit, the usage and
// the request; the capacity a scoped caller is answered is capped by what its cluster has left
// (docs/api.md "Quotas"). Usage is what the objects hold of the pool: every member extent, so a
// mirror counts twice and a whole drive counts whole.
import { PROBLEM } from '../api/wire.generated';
import type { Cluster } from '../api/contract';
import type { Placement } from '../model/placement';
import type { ClusterAttribute } from '../schema';
import type { VolumeKind } from './kinds';
import { HttpProblem } from './problem';
import type { KeyedMutex } from './mutex';
import type { ComposerState } from './state';

/** The drive types quotas count: slice extents are carved from ssds. */
export type QuotaDriveType = 'hdd' | 'ssd';

export interface Usage {
  hddGiB: number;
  ssdGiB: number;
  volumes: number;
  slices: number;
}

/** The cluster attribute limiting each usage figure. */
const LIMIT: Readonly<Record<keyof Usage, ClusterAttribute & keyof Cluster>> = { hddGiB: 'quotaHddGiB', ssdGiB: 'quotaSsdGiB', volumes: 'quotaVolumes', slices: 'quotaSlices' };
/** The cluster attributes that are quotas: only admin tokens set or change them. */
export const QUOTA_ATTRIBUTES: readonly ClusterAttribute[] = Object.values(LIMIT);
const UNIT: Readonly<Record<keyof Usage, string>> = { hddGiB: 'GiB of hdd', ssdGiB: 'GiB of ssd', volumes: 'volumes', slices: 'slices' };

export const driveTypeOf = (p: Pick<Placement, 'type'>): QuotaDriveType => (p.type === 'hdd' ? 'hdd' : 'ssd');

/** What a placement holds of the pool, GiB (every member). */
export const heldGiB = (p: Pick<Placement, 'members'>): number => p.members.reduce((n, m) => n + m.sizeGiB, 0);

/** What a placement adds to the usage of its cluster (a new object counts one). */
export function usageOf(kind: VolumeKind | undefined, p: Placement): Usage {
  const gib = heldGiB(p);
  const t = driveTypeOf(p);
  return { hddGiB: t === 'hdd' ? gib : 0, ssdGiB: t === 'ssd' ? gib : 0, volumes: kind === 'volumes' ? 1 : 0, slices: kind === 'slices' ? 1 : 0 };
}

/** What a growth adds: the GiB its placement holds more, no new object. */
export function growthOf(before: Placement | undefined, after: Placement): Usage {
  const more = heldGiB(after) - (before ? heldGiB(before) : 0);
  const t = driveTypeOf(after);
  return { hddGiB: t === 'hdd' ? more : 0, ssdGiB: t === 'ssd' ? more : 0, volumes: 0, slices: 0 };
}

/** A cluster's usage now: every volume and slice of it that holds drives (retained ones too). */
export function clusterUsage(s: ComposerState, clusterId: string): Usage {
  const u: Usage = { hddGiB: 0, ssdGiB: 0, volumes: 0, slices: 0 };
  for (const [kind, tbl] of [['volumes', s.volumes], ['slices', s.slices]] as const)
    for (const v of tbl.values()) {
      if (v.cluster !== clusterId) continue;
      const p = s.allocations.get(v.id);
      if (!p) continue;
      const add = usageOf(kind, p);
      for (const k of Object.keys(u) as (keyof Usage)[]) u[k] += add[k];
    }
  return u;
}

/** The cluster's limit on one figure, or undefined. */
export const limitOf = (c: Cluster, figure: keyof Usage): number | undefined => c[LIMIT[figure]] as number | undefined;

/**
 * Refuse `delta` when it would take the cluster past a limit: 409 quota_exceeded with the quota,
 * the usage and the request, for the first figure passed. A figure the request does not raise is
 * never refused (a cluster over a lowered quota may still shrink, move or delete).
 */
export function checkQuota(s: ComposerState, cluster: Cluster, delta: Usage, what: string): void {
  // The usage is a scan of every volume and slice: counted only when a limit applies, so a cluster
  // without quotas pays nothing per create (a create into a cluster of 100,000 volumes spent most
  // of its CPU here; bench/RESULTS-agent.md, the fleet run).
  let used: Usage | undefined;
  for (const figure of Object.keys(LIMIT) as (keyof Usage)[]) {
    const limit = limitOf(cluster, figure);
    if (limit === undefined || delta[figure] <= 0) continue;
    used ??= clusterUsage(s, cluster.id);
    if (used[figure] + delta[figure] <= limit) continue;
    const detail = `${LIMIT[figure]}: cluster ${cluster.name} may hold ${limit} ${UNIT[figure]}; it holds ${used[figure]} and ${what} needs ${delta[figure]} more (${used[figure] + delta[figure]} > ${limit})`;
    throw new HttpProblem(409, PROBLEM.quotaExceeded, detail, [{ field: LIMIT[figure], reason: detail }]);
  }
}

/** GiB of a drive type the cluster may still take (undefined: no limit). */
export function remainingGiB(s: ComposerState, cluster: Cluster, type: QuotaDriveType): number | undefined {
  const figure = type === 'hdd' ? 'hddGiB' : 'ssdGiB';
  const limit = limitOf(cluster, figure);
  if (limit === undefined) return undefined;
  return Math.max(0, limit - clusterUsage(s, cluster.id)[figure]);
}

/**
 * Run a create or growth in a cluster with a quota one at a time: the check counts what is
 * committed, so two requests checked together must not both pass on the same room. Clusters
 * without a quota are not serialised.
 */
export function underQuota<T>(locks: KeyedMutex, cluster: Cluster, fn: () => Promise<T>): Promise<T> {
  const limited = (Object.keys(LIMIT) as (keyof Usage)[]).some((f) => limitOf(cluster, f) !== undefined);
  return limited ? locks.run(`quota:${cluster.id}`, fn) : fn();
}
