// Operation type "cluster-create": a new cluster, its object and its name in one transaction
// journaled `done` (a crash leaves all of it or none of it: nothing to resume).
import type { Cluster } from '../../api/contract';
import type { Transport } from '../../model/inventory';
import { keys, newId } from '../layout';
import { absent } from '../writes';
import { newOp } from './lifecycle';
import type { OperationType } from './registry';

export interface ClusterCreateParams {
  /** The validated create body (defaults applied, references checked). */
  v: Record<string, unknown>;
}

export const clusterCreate: OperationType<ClusterCreateParams, Cluster> = {
  name: 'cluster-create',
  resources: ['clusters'],
  kind: 'create',
  build(_ctx, { v }) {
    const t = new Date().toISOString();
    const cluster: Cluster = {
      id: newId('clusters'),
      owner: v.owner as string | undefined,
      name: v.name as string,
      servers: v.servers as string[],
      keyPolicy: v.keyPolicy as string | undefined,
      networkTransportsAllowed: v.networkTransportsAllowed as Transport[],
      labels: v.labels as string[],
      quotaHddGiB: v.quotaHddGiB as number | undefined,
      quotaSsdGiB: v.quotaSsdGiB as number | undefined,
      quotaVolumes: v.quotaVolumes as number | undefined,
      quotaSlices: v.quotaSlices as number | undefined,
      createdAt: t,
      updatedAt: t,
    };
    const nameKey = keys.name('clusters', undefined, cluster.name);
    return {
      op: newOp('create', 'clusters', cluster.id),
      muts: [
        { key: keys.object('clusters', cluster.id), value: cluster },
        { key: nameKey, value: cluster.id },
      ],
      compares: [absent(nameKey)],
      result: cluster,
    };
  },
};
