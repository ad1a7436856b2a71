// Operation type "cluster-delete": an empty cluster's object and name go in one transaction,
// journaled `done`.
import type { Cluster } from '../../api/contract';
import { keys } from '../layout';
import { newOp } from './lifecycle';
import type { OperationType } from './registry';

export interface ClusterDeleteParams {
  /** The cluster, checked to hold no volume or slice. */
  cluster: Cluster;
}

export const clusterDelete: OperationType<ClusterDeleteParams, void> = {
  name: 'cluster-delete',
  resources: ['clusters'],
  kind: 'delete',
  build(_ctx, { cluster }) {
    return {
      op: newOp('delete', 'clusters', cluster.id),
      muts: [{ key: keys.object('clusters', cluster.id) }, { key: keys.name('clusters', undefined, cluster.name) }],
      result: undefined,
    };
  },
};
