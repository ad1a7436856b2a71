// Operation type "volume-create" (volumes and slices): the engine reserves drives in memory, then
// ONE transaction writes the reservation (allocation), the name, the object, its assignment and
// the entry `done`. A placement that would pass its cluster's quota (../quotas.ts) is given back
// and refused before that. Acknowledged means all of it is stored; a refused or lost-and-not-applied
// transaction gives the reservation back; a crash before the commit leaves nothing to resume.
import type { VolumeState } from '../../api/contract';
import type { Placement, PlacementRequest } from '../../model/placement';
import type { ComposerContext } from '../context';
import { VOLUME_KINDS, type VolumeKind, WHAT } from '../kinds';
import { keys, newId } from '../layout';
import { assignmentFor, requireEngine } from '../lookups';
import { problems } from '../problem';
import { checkQuota, driveTypeOf, heldGiB, usageOf } from '../quotas';
import { inputsOf } from '../resources/common';
import type { KeyEpoch, Mut, StoredVolume } from '../state';
import { absent } from '../writes';
import { newOp } from './lifecycle';
import type { OperationType } from './registry';

export interface VolumeCreateParams {
  kind: VolumeKind;
  /** The validated create body, `cluster` resolved to the cluster's id. */
  v: Record<string, unknown>;
  request: PlacementRequest;
  /** The key policy in force for an encrypted volume. */
  keyPolicyId?: string;
}

export const volumeCreate: OperationType<VolumeCreateParams, StoredVolume> = {
  name: 'volume-create',
  resources: ['volumes', 'slices'],
  kind: 'create',
  build(ctx, { kind, v, request, keyPolicyId }) {
    const engine = requireEngine(ctx.state);
    const id = newId(kind);
    const placed = engine.place(id, request);
    if (!placed.ok) throw problems.capacity(placed.failure.constraint, placed.failure.message);
    const placement = placed.placement;
    const cluster = ctx.state.clusters.get(v.cluster as string);
    try {
      if (cluster) checkQuota(ctx.state, cluster, usageOf(kind, placement), `this ${WHAT[kind]} (${heldGiB(placement)} GiB of ${driveTypeOf(placement)} placed for ${String(v.sizeGiB)} GiB asked)`);
    } catch (e) {
      engine.release(id);
      throw e;
    }
    const nameKey = keys.name(kind, v.cluster as string, v.name as string);
    const op = newOp('create', kind, id, {
      allocation: id,
      sizeGiB: v.sizeGiB,
      placement: { raidLevel: placement.raidLevel, members: placement.members.length, capacityGiB: placement.capacityGiB },
    });
    const obj = buildVolume(ctx, kind, id, v, placement, new Date().toISOString(), keyPolicyId);
    const muts: Mut[] = [
      { key: keys.allocation(id), value: placement },
      { key: nameKey, value: id },
      { key: keys.object(kind, id), value: obj },
    ];
    if (obj.server) muts.push({ key: keys.assign(obj.server, id), value: assignmentFor(ctx.state, kind, obj, 1) });
    return { op, muts, compares: [absent(nameKey)], result: obj, undo: () => engine.release(id) };
  },
};

function buildVolume(ctx: ComposerContext, kind: VolumeKind, id: string, v: Record<string, unknown>, placement: Placement, t: string, keyPolicyId?: string): StoredVolume {
  const base = {
    id,
    owner: v.owner as string | undefined,
    createdAt: t,
    updatedAt: t,
    state: (v.server ? 'pending' : 'unstaged') as VolumeState,
    members: placement.members,
    transport: placement.transport,
    capacityGiB: placement.capacityGiB,
  };
  const inputs = inputsOf(kind, v);
  if (VOLUME_KINDS[kind].singleExtent) return { ...inputs, ...base } as unknown as StoredVolume;
  const policy = keyPolicyId ? ctx.state.policies.get(keyPolicyId) : undefined;
  const keyEpochs: KeyEpoch[] | undefined = policy ? [{ epoch: 1, policy: policy.id, version: policy.version }] : undefined;
  return { ...inputs, ...base, raidLevel: placement.raidLevel, keyPolicyId, keyEpochs } as unknown as StoredVolume;
}
