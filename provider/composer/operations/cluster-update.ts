// Operation type "cluster-update": a cluster's new spec in one transaction, conditional on the
// object being unchanged since it was read, journaled `done` with the changed fields.
import type { Cluster } from '../../api/contract';
import { keys } from '../layout';
import { newOp } from './lifecycle';
import type { OperationType } from './registry';

export interface ClusterUpdateParams {
  /** The cluster as it will be stored (checked against the volumes it holds). */
  updated: Cluster;
  changed: string[];
}

export const clusterUpdate: OperationType<ClusterUpdateParams, Cluster> = {
  name: 'cluster-update',
  resources: ['clusters'],
  kind: 'update',
  build(ctx, { updated, changed }) {
    const key = keys.object('clusters', updated.id);
    return {
      op: newOp('update', 'clusters', updated.id, { changed }),
      muts: [{ key, value: updated }],
      compares: [ctx.writes.unchanged(key)],
      result: updated,
    };
  },
};
