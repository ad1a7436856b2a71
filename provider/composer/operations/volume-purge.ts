// Operation type "volume-purge": a retained volume's drives are released in the same two phases
// as a delete (./volume-delete.ts), without waiting for an agent (a retained volume has none).
import type { StoredVolume } from '../state';
import { releasePlan } from './volume-delete';
import type { OperationType } from './registry';

export interface VolumePurgeParams {
  /** The volume, checked to be retained. */
  cur: StoredVolume;
}

export const volumePurge: OperationType<VolumePurgeParams, void> = {
  name: 'volume-purge',
  resources: ['volumes'],
  kind: 'purge',
  build(ctx, { cur }) {
    return releasePlan(ctx, 'purge', 'volumes', cur, []);
  },
};
