// Drive and member health (docs/failure.md). The composer keeps a record per drive that is not ok
// (/tessera/drives/<serial>: stored, not journaled, like agent registrations), fed by enclosure
// reports (a drive not present, offline) and agent reports (an md member missing or faulty). A
// volume's health is derived, never stored: its failed members are those on failed or removed
// drives and those its agent reports the array running without; a mirror pair that lost both
// halves (or a volume without a mirror that lost its member) is `failed`. On every reconciler
// tick sweep() starts a rebuild (./operations/volume-rebuild.ts) for each degraded volume with
// autoRebuild; when no replacement can be placed the volume stays degraded and says why, with
// the numbers, exactly like an infeasible create. This file is the derived view; the records,
// the reports and the rebuilds are ./resources/drives.ts.
import type { DriveHealthState } from '../api/contract';
import { memberLabel } from '../model/naming';
import type { Member } from '../model/placement';
import { VOLUME_KINDS, type VolumeKind } from './kinds';
import { rebuildDone } from './operations/volume-rebuild';
import type { ComposerState, StoredVolume } from './state';

export type VolumeHealthState = 'ok' | 'degraded' | 'rebuilding' | 'failed';

export interface VolumeHealth {
  health: VolumeHealthState;
  reason?: string;
  /** Serials of the failed members not replaced yet. */
  failedMembers: string[];
  /** Their indexes in the placement. */
  failedIndexes: number[];
  /** Failed members whose mirror partner survives: what a rebuild can replace. */
  replaceable: number[];
  /** Working members on a draining drive (a mirrored volume): what a drain moves, one at a time. */
  draining: number[];
}

/** Drives in these states hold no live member: what is on them is lost and must be replaced. */
const LOST: ReadonlySet<DriveHealthState> = new Set(['failed', 'removed']);

function memberFailure(s: ComposerState, v: StoredVolume, m: Member, slice: boolean): string | undefined {
  const d = s.drives.get(m.serial);
  if (d && LOST.has(d.health)) return `drive ${m.serial} in ${m.enclosure} is ${d.health}: ${d.reason}`;
  const o = v.observed;
  // The agent's report is about the placement it staged: a member replaced since is not its concern.
  if (o?.state === 'staged' && o.degraded?.includes(memberLabel(m, slice)) && !v.rebuilding?.replaced.some((r) => r.to === m.serial))
    return `the agent on ${v.server} reports ${memberLabel(m, slice)} missing from the array`;
  return undefined;
}

/** A volume's health from its members' drives, its agent's last report and a running rebuild. */
export function volumeHealth(s: ComposerState, kind: VolumeKind, v: StoredVolume): VolumeHealth {
  const placement = s.allocations.get(v.id);
  const members = placement?.members ?? v.members;
  const slice = VOLUME_KINDS[kind].singleExtent || placement?.type === 'slice';
  const why = new Map<number, string>();
  members.forEach((m, i) => {
    const f = memberFailure(s, v, m, slice);
    if (f) why.set(i, f);
  });
  const failedIndexes = [...why.keys()];
  const failedMembers = failedIndexes.map((i) => members[i].serial);
  const raid = placement?.raidLevel ?? v.raidLevel ?? 'none';
  const partnerOf = (i: number) => members.findIndex((m, j) => j !== i && m.stripe === members[i].stripe && m.mirror !== members[i].mirror);
  const lost = failedIndexes.filter((i) => raid === 'none' || why.has(partnerOf(i)));
  const replaceable = failedIndexes.filter((i) => !lost.includes(i));
  // Only a mirror member moves online (add the new one, resync, remove the old: docs/failure.md).
  const draining = raid === 'none' ? [] : members.flatMap((m, i) => (!why.has(i) && s.drives.get(m.serial)?.health === 'draining' ? [i] : []));
  const list = (idx: number[]) => idx.map((i) => `member ${i} ${members[i].serial}: ${why.get(i)}`).join('; ');
  if (lost.length > 0) {
    const what = raid === 'none' ? 'its only member failed' : `both halves of a mirror pair failed`;
    return { health: 'failed', reason: `no surviving copy: ${what} (${list(lost)})`, failedMembers, failedIndexes, replaceable, draining };
  }
  if (v.rebuilding && !rebuildDone(v)) {
    const pct = v.observed?.generation !== undefined && v.observed.generation >= v.rebuilding.generation ? v.observed.resyncPercent : undefined;
    const onto = v.rebuilding.replaced.map((r) => `${r.to} (replacing ${r.from})`).join(', ');
    const extra = failedIndexes.length > 0 ? `; also failed: ${list(failedIndexes)}` : '';
    return { health: 'rebuilding', reason: `rebuilding onto ${onto}${pct !== undefined ? `: ${pct}% resynced` : ''}${extra}`, failedMembers, failedIndexes, replaceable, draining };
  }
  if (failedIndexes.length > 0) {
    let reason = `serving from the surviving copy; failed: ${list(failedIndexes)}`;
    if (v.rebuildBlocked) reason += `; no replacement can be placed: ${v.rebuildBlocked}`;
    else if (v.autoRebuild === false) reason += `; autoRebuild is false: \`tessera volumes rebuild ${v.id}\` starts the rebuild`;
    return { health: 'degraded', reason, failedMembers, failedIndexes, replaceable, draining };
  }
  return { health: 'ok', failedMembers, failedIndexes, replaceable, draining };
}

/** Health attributes of a volume on the wire. */
export function healthWire(s: ComposerState, kind: VolumeKind, v: StoredVolume): { health: VolumeHealthState; healthReason?: string; failedMembers: string[] } {
  const h = volumeHealth(s, kind, v);
  return { health: h.health, ...(h.reason ? { healthReason: h.reason } : {}), failedMembers: h.failedMembers };
}
