// Operation type "volume-delete" (volumes and slices). With reclaimPolicy Retain: one transaction
// keeps the drives reserved, frees the name and marks the volume `retained` (`done`). Otherwise
// the drives are released in two phases: the first transaction marks the object `deleting`,
// removes its name and assignment (so the agent unstages) and journals a `pending` entry whose
// roll-forward recipe frees the allocation and the object; the recipe runs at once, or once the
// live agent that has the members connected reports the volume unstaged, goes silent or the wait
// passes (docs/api.md "Journal, reservations and recovery"). After a crash the reconciler rolls
// the entry forward.
import type { OperationKind, VolumeState } from '../../api/contract';
import type { ComposerContext } from '../context';
import { VOLUME_KINDS, type VolumeKind } from '../kinds';
import { keys } from '../layout';
import type { Mut, StoredVolume } from '../state';
import { finished, newOp } from './lifecycle';
import type { OperationType, Plan } from './registry';

const now = () => new Date().toISOString();

export interface VolumeDeleteParams {
  kind: VolumeKind;
  /** The object, neither retained nor already deleting. */
  cur: StoredVolume;
}

export const volumeDelete: OperationType<VolumeDeleteParams, void> = {
  name: 'volume-delete',
  resources: ['volumes', 'slices'],
  kind: 'delete',
  build(ctx, { kind, cur }) {
    const id = cur.id;
    const nameKey = keys.name(kind, cur.cluster, cur.name);
    const unassign: Mut[] = cur.server ? [{ key: keys.assign(cur.server, id) }] : [];
    if (VOLUME_KINDS[kind].retainable && cur.reclaimPolicy === 'Retain') {
      // Retain: the drives (and data) stay reserved until purged; the name is free again.
      const retained = { ...cur, state: 'retained' as VolumeState, updatedAt: now() };
      return { op: newOp('delete', kind, id, { retained: true }), muts: [...unassign, { key: nameKey }, { key: keys.object(kind, id), value: retained }], result: undefined };
    }
    // A live agent still has the members connected: the drives are freed once it reports the
    // volume unstaged (or stops heartbeating, or the wait times out), not before.
    const attachedTo = cur.moving?.from ?? cur.server;
    const awaitServer = attachedTo && ctx.agents.health(attachedTo) === 'up' ? attachedTo : undefined;
    const moveOp = cur.moving ? ctx.state.ops.get(cur.moving.op) : undefined;
    const supersede: Mut[] = moveOp && moveOp.state === 'pending' ? [{ key: keys.op(moveOp.id), value: finished(moveOp, 'done', 'superseded by delete') }] : [];
    return releasePlan(ctx, 'delete', kind, cur, [...unassign, ...supersede, { key: nameKey }], awaitServer);
  },
};

/**
 * The two-phase release of a volume's drives: the first transaction (`extra`, the object
 * `deleting`, the pending entry with its roll-forward recipe); the recipe is the second.
 */
export function releasePlan(ctx: ComposerContext, kind: OperationKind, resource: VolumeKind, cur: StoredVolume, extra: Mut[], awaitServer?: string): Plan<void> {
  const id = cur.id;
  const detail: Record<string, unknown> = { allocation: id, capacityGiB: cur.capacityGiB };
  if (awaitServer) Object.assign(detail, { awaitUnstageOn: awaitServer, deadline: new Date(Date.now() + ctx.opts.unstageWaitMs).toISOString() });
  const op = newOp(kind, resource, id, detail);
  op.recovery = { action: 'rollforward', muts: [{ key: keys.allocation(id) }, { key: keys.object(resource, id) }] };
  return { op, pending: true, muts: [...extra, { key: keys.object(resource, id), value: { ...cur, state: 'deleting', updatedAt: now() } }], result: undefined };
}
