// Operation type "volume-rebuild" (volumes): replace failed members (docs/failure.md). build()
// asks the engine for a replacement extent per failed member, with the rules of the original
// placement and the resiliency flags against the surviving members, and ONE transaction writes
// the new allocation, the object (its members, `rebuilding`) and the server's assignment at a new
// generation, with the entry `pending`. The agent connects the new member and adds it to the
// running array (`mdadm --add`), then reports the resync's progress; the entry ends when the agent
// reports the new generation staged with every member working and no resync running. An unstaged
// volume ends at once: the agent adds the member the next time it stages the volume. A crash
// before the commit leaves nothing (the engine is rebuilt from the store); after it, the
// reconciler resumes the pending entry, which only waits.
import type { ComposerContext } from '../context';
import type { VolumeKind } from '../kinds';
import { keys } from '../layout';
import { assignmentFor, requireEngine, table } from '../lookups';
import { HttpProblem, problems } from '../problem';
import { PROBLEM } from '../../api/wire.generated';
import type { PlacementRequest } from '../../model/placement';
import type { Mut, StoredOperation, StoredVolume } from '../state';
import { finished, newOp } from './lifecycle';
import type { OperationType } from './registry';

const now = () => new Date().toISOString();

export interface VolumeRebuildParams {
  kind: VolumeKind;
  cur: StoredVolume;
  /** Indexes of the failed members to replace (each with a surviving mirror partner). */
  failed: number[];
  /** The volume's placement request (resources/volumes.ts placementRequest), server included. */
  request: PlacementRequest;
  /** A drain (docs/failure.md): the member at `failed` works and moves off a draining drive; the agent replaces it online. */
  drain?: boolean;
}

export const volumeRebuild: OperationType<VolumeRebuildParams, StoredVolume> = {
  name: 'volume-rebuild',
  resources: ['volumes'],
  kind: 'rebuild',
  build(ctx, { kind, cur, failed, request, drain }) {
    const id = cur.id;
    const engine = requireEngine(ctx.state);
    const stored = ctx.state.allocations.get(id);
    if (!stored) throw new HttpProblem(409, PROBLEM.conflict, `volume ${id} has no allocation to rebuild`);
    const undo = () => {
      engine.release(id);
      engine.restore(id, stored);
    };
    let placement = stored;
    for (const index of failed) {
      const r = engine.replaceMember(id, request, index);
      if (!r.ok) {
        undo();
        throw problems.capacity(r.failure.constraint, r.failure.message);
      }
      placement = r.placement;
    }
    // A drain's old member still serves until md's copy ends: its extent is kept exported (../channels/enclosure.ts).
    const replaced = failed.map((index) => ({ index, from: stored.members[index].serial, to: placement.members[index].serial, ...(drain ? { old: stored.members[index] } : {}) }));
    const op = newOp('rebuild', kind, id, { replaced, ...(drain ? { drain: true } : {}) });
    const oldAssign = cur.server ? ctx.state.assigns.get(cur.server)?.get(id) : undefined;
    const generation = (oldAssign?.generation ?? 0) + 1;
    const updated: StoredVolume = { ...cur, members: placement.members, updatedAt: now() };
    delete updated.rebuildBlocked;
    delete updated.rebuilding;
    const muts: Mut[] = [{ key: keys.allocation(id), value: placement }];
    // A rebuild still running when another member failed (its replacement, even) is superseded:
    // this one waits for the whole array, the earlier replacements included.
    const earlier = cur.rebuilding ? ctx.state.ops.get(cur.rebuilding.op) : undefined;
    if (earlier?.state === 'pending') muts.push({ key: keys.op(earlier.id), value: finished(earlier, 'done', `superseded by rebuild ${op.id}`) });
    const staged = !!cur.server && !!oldAssign;
    if (staged) {
      updated.rebuilding = { op: op.id, generation, replaced: [...(cur.rebuilding?.replaced ?? []).filter((r) => !replaced.some((x) => x.from === r.to)), ...replaced], ...(drain ? { drain: true } : {}) };
      op.detail = { ...op.detail, generation, server: cur.server };
      const a = assignmentFor(ctx.state, kind, updated, generation);
      a.placement = placement;
      muts.push({ key: keys.assign(cur.server!, id), value: a });
    }
    muts.push({ key: keys.object(kind, id), value: updated });
    return { op, pending: staged, muts, compares: [ctx.writes.unchanged(keys.object(kind, id))], result: updated, undo };
  },
  waiting(ctx, op) {
    const v = table(ctx.state, op.resource as VolumeKind).get(op.objectId) as StoredVolume | undefined;
    return !!v && v.rebuilding?.op === op.id && !rebuildDone(v);
  },
  async complete(ctx, op) {
    await finishRebuild(ctx, op);
    return true;
  },
};

/** The agent reports the rebuild's generation staged with every member working and no resync left. */
export function rebuildDone(v: StoredVolume): boolean {
  const r = v.rebuilding;
  if (!r) return true;
  // Unstaged since (no server): the agent adds the member the next time it stages the volume.
  if (!v.server) return true;
  const o = v.observed;
  return !!o && o.generation >= r.generation && o.state === 'staged' && !o.degraded?.length && o.resyncPercent === undefined;
}

/** End the rebuild entry: clear the object's `rebuilding` (if it is still this one's) and journal it done. Caller holds the lock. */
export async function finishRebuild(ctx: ComposerContext, op: StoredOperation): Promise<void> {
  const kind = op.resource as VolumeKind;
  const cur = table(ctx.state, kind).get(op.objectId) as StoredVolume | undefined;
  const muts: Mut[] = [];
  if (cur?.rebuilding?.op === op.id) {
    const { rebuilding: _r, ...rest } = cur;
    muts.push({ key: keys.object(kind, cur.id), value: { ...rest, updatedAt: now() } });
  }
  const latest = ctx.state.ops.get(op.id);
  if (latest?.state === 'pending') muts.push({ key: keys.op(op.id), value: finished(latest, 'done', cur ? undefined : 'the volume is gone') });
  if (muts.length > 0) await ctx.writes.commit(muts);
}
