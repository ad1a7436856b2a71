// Operation type "volume-update" (volumes and slices): a changed spec in one transaction,
// conditional on the object being unchanged. A grow extends the reservation in the engine first
// (given back if the transaction is not applied, or if it passes the cluster's quota: ../quotas.ts). A move away from a live agent is the one update
// that stays `pending`: the old assignment goes at once, the new server's assignment only once the
// old agent has unstaged, so a filesystem is never mounted on two servers. When it cannot say so
// (it is not up, went silent, or the wait passed) the move is fenced first: the volume is exported
// to nobody until every enclosure holding a member confirms it applied that (docs/failure.md);
// complete() writes the new assignment only then, after a crash too.
import type { VolumeAttribute } from '../../schema';
import type { ComposerContext } from '../context';
import { VOLUME_KINDS, type VolumeKind } from '../kinds';
import { keys } from '../layout';
import { assignmentFor, requireEngine, table } from '../lookups';
import { problems } from '../problem';
import { checkQuota, growthOf } from '../quotas';
import type { Mut, StoredOperation, StoredVolume } from '../state';
import { completeByRecipe, finished, newOp, recipeWaiting } from './lifecycle';
import type { OperationType } from './registry';

const now = () => new Date().toISOString();

export interface VolumeUpdateParams {
  kind: VolumeKind;
  cur: StoredVolume;
  /** Inputs before and after the patch, and what changed (schema diff, no replace, no shrink). */
  olds: Record<string, unknown>;
  news: Record<string, unknown>;
  changed: VolumeAttribute[];
  /** Attributes the patch unset (null). */
  unset: VolumeAttribute[];
  /** The key policy in force after the patch (volumes). */
  keyPolicyId?: string;
}

export const volumeUpdate: OperationType<VolumeUpdateParams, StoredVolume> = {
  name: 'volume-update',
  resources: ['volumes', 'slices'],
  kind: 'update',
  build(ctx, { kind, cur, olds, news, changed, unset, keyPolicyId }) {
    const id = cur.id;
    const keyed = VOLUME_KINDS[kind].keyed;
    const engine = requireEngine(ctx.state);
    const op = newOp('update', kind, id, { changed });
    const muts: Mut[] = [];
    let placement = ctx.state.allocations.get(id)!;
    let grown = false;
    const undoExtend = () => {
      const stored = ctx.state.allocations.get(id);
      engine.release(id);
      if (stored) engine.restore(id, stored);
    };
    if (changed.includes('sizeGiB')) {
      const before = engine.get(id);
      const r = engine.extend(id, news.sizeGiB as number);
      if (!r.ok) throw problems.capacity(r.failure.constraint, r.failure.message);
      placement = r.placement;
      grown = true;
      const cluster = ctx.state.clusters.get(cur.cluster);
      try {
        if (cluster) checkQuota(ctx.state, cluster, growthOf(before, placement), `growing ${id} from ${String(olds.sizeGiB)} to ${String(news.sizeGiB)} GiB`);
      } catch (e) {
        undoExtend();
        throw e;
      }
      muts.push({ key: keys.allocation(id), value: placement });
      op.detail = { ...op.detail, fromGiB: olds.sizeGiB, toGiB: news.sizeGiB, fromCapacityGiB: before?.capacityGiB };
    }
    if (changed.includes('server') && typeof news.server === 'string') {
      const ok = engine.checkServer(placement, news.server, cur.softDomains);
      if (!ok.ok) {
        if (grown) undoExtend();
        throw problems.field('server' satisfies VolumeAttribute, ok.failure.message);
      }
    }
    const updated: StoredVolume = {
      ...cur,
      ...(news as unknown as StoredVolume),
      id,
      keyPolicyId: keyed ? (changed.includes('keyPolicy') ? keyPolicyId : cur.keyPolicyId) : undefined,
      members: placement.members,
      capacityGiB: placement.capacityGiB,
      updatedAt: now(),
    };
    for (const f of unset) delete (updated as unknown as Record<string, unknown>)[f];
    if (!keyed) delete updated.keyPolicyId;
    if (keyed && updated.keyPolicyId && updated.keyPolicyId !== cur.keyPolicyId) {
      // A new policy: a new key epoch; the previous epochs stay derivable until the agent confirms.
      const p = ctx.state.policies.get(updated.keyPolicyId)!;
      const epochs = cur.keyEpochs ?? [];
      updated.keyEpochs = [...epochs, { epoch: (epochs[epochs.length - 1]?.epoch ?? 0) + 1, policy: p.id, version: p.version }];
    }
    // Assignment: moved, re-keyed, remounted or grown -> the agent sees a new generation. A change
    // the agent has nothing to do for (reclaimPolicy) leaves the assignment alone.
    const oldAssign = cur.server ? ctx.state.assigns.get(cur.server)?.get(id) : undefined;
    const generation = (oldAssign?.generation ?? 0) + 1;
    const agentRelevant = changed.some((f) => f === 'server' || f === 'mountPath' || f === 'keyPolicy' || f === 'sizeGiB');
    if (cur.server && cur.server !== updated.server) muts.push({ key: keys.assign(cur.server, id) });
    // A move away from a live agent: the new server stages only once the old one has unstaged
    // (a filesystem must never be mounted on two servers), or the old agent goes silent.
    const movingAway = !!cur.server && !!updated.server && cur.server !== updated.server && !!oldAssign;
    const moveFrom = movingAway && ctx.agents.health(cur.server!) === 'up' ? cur.server : undefined;
    // Away from an agent that is not up (down, or not heard from since this replica leads): it
    // cannot confirm an unstage, so the enclosures revoke its access first (docs/failure.md). A
    // server whose agent never registered never polled its assignments: nothing to fence.
    const fenceFrom = movingAway && !moveFrom && ctx.state.servers.has(cur.server!) ? cur.server : undefined;
    if (moveFrom) {
      updated.state = 'pending';
      updated.moving = { from: moveFrom, op: op.id, generation };
      op.detail = { ...op.detail, moveFrom, moveTo: updated.server, awaitUnstageOn: moveFrom, deadline: new Date(Date.now() + ctx.opts.unstageWaitMs).toISOString(), finish: 'move' };
    } else if (fenceFrom) {
      updated.state = 'pending';
      updated.moving = { from: fenceFrom, op: op.id, generation, fence: { since: now() } };
      op.detail = { ...op.detail, moveFrom: fenceFrom, moveTo: updated.server, fence: true, finish: 'move' };
    } else {
      if (!agentRelevant) updated.state = cur.state;
      else if (updated.server) {
        updated.state = cur.server === updated.server && cur.state === 'staged' && !grown && !changed.some((f) => f === 'mountPath' || f === 'keyPolicy') ? cur.state : 'pending';
        // allocations map is updated by the commit; build the assignment from the new placement.
        const a = assignmentFor(ctx.state, kind, updated, generation);
        a.placement = placement;
        muts.push({ key: keys.assign(updated.server, id), value: a });
      } else updated.state = 'unstaged';
    }
    muts.push({ key: keys.object(kind, id), value: updated });
    return { op, pending: !!moveFrom || !!fenceFrom, muts, compares: [ctx.writes.unchanged(keys.object(kind, id))], result: updated, undo: grown ? undoExtend : undefined };
  },
  waiting(ctx, op) {
    if (!isMove(op)) return recipeWaiting(ctx, op);
    const cur = table(ctx.state, op.resource as VolumeKind).get(op.objectId) as StoredVolume | undefined;
    if (cur?.moving?.op === op.id && cur.moving.fence) return ctx.fenceWaitingOn(cur.id).length > 0;
    return ctx.awaitingUnstage(op);
  },
  async complete(ctx, op) {
    if (!isMove(op)) return completeByRecipe(ctx, op);
    const kind = op.resource as VolumeKind;
    const cur = table(ctx.state, kind).get(op.objectId) as StoredVolume | undefined;
    if (cur?.moving?.op === op.id && !cur.moving.fence) {
      // The wait for the old agent ended without its unstage (silent, or the deadline passed):
      // it may still have the volume attached, so fence it before the new server stages.
      const fenced: StoredVolume = { ...cur, moving: { ...cur.moving, fence: { since: now() } }, updatedAt: now() };
      await ctx.writes.commit([
        { key: keys.object(kind, cur.id), value: fenced },
        { key: keys.op(op.id), value: { ...op, detail: { ...op.detail, fence: true } } },
      ]);
      ctx.log.warn('move: the old server did not confirm the unstage; fencing it first', { volumeId: cur.id, from: cur.moving.from, to: cur.server });
      return false;
    }
    return finishMove(ctx, kind, op.objectId, op.id);
  },
};

const isMove = (op: StoredOperation) => op.detail?.finish === 'move';

/**
 * The old server has unstaged (its agent said so: `agentUnstaged`) or is fenced (every enclosure
 * confirmed its access revoked): the new server may stage the volume now. Clears the object's
 * move and ends the entry `opId`; either may already be gone. Answers false, writing nothing,
 * while a fence is not confirmed: this precondition is checked here, on every path, also after a
 * crash (docs/failure.md). Caller holds the lock.
 */
export async function finishMove(ctx: ComposerContext, kind: VolumeKind, volumeId: string, opId: string, agentUnstaged = false): Promise<boolean> {
  const op = ctx.state.ops.get(opId);
  const cur = table(ctx.state, kind).get(volumeId) as StoredVolume | undefined;
  if (cur?.moving?.op === opId && !agentUnstaged && (!cur.moving.fence || ctx.fenceWaitingOn(volumeId).length > 0)) return false;
  const muts: Mut[] = [];
  if (cur?.moving && cur.moving.op === opId) {
    const { moving, ...rest } = cur;
    const updated: StoredVolume = { ...rest, state: 'pending', updatedAt: now() };
    if (updated.server) muts.push({ key: keys.assign(updated.server, volumeId), value: assignmentFor(ctx.state, kind, updated, moving.generation) });
    muts.push({ key: keys.object(kind, volumeId), value: updated });
  }
  if (op && op.state === 'pending') muts.push({ key: keys.op(op.id), value: finished(op, 'done') });
  if (muts.length > 0) await ctx.writes.commit(muts);
  return true;
}
