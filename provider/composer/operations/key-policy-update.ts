// Operation type "key-policy-update": a change of a key policy that is not a rotation (its
// owner), in one transaction conditional on the policy being unchanged, journaled `done`.
import { keys } from '../layout';
import type { StoredKeyPolicy } from '../state';
import { newOp } from './lifecycle';
import type { OperationType } from './registry';

export interface KeyPolicyUpdateParams {
  /** The policy as it will be stored (same version and secrets). */
  updated: StoredKeyPolicy;
}

export const keyPolicyUpdate: OperationType<KeyPolicyUpdateParams, StoredKeyPolicy> = {
  name: 'key-policy-update',
  resources: ['key-policies'],
  kind: 'update',
  build(ctx, { updated }) {
    const key = keys.object('key-policies', updated.id);
    return { op: newOp('update', 'key-policies', updated.id), muts: [{ key, value: updated }], compares: [ctx.writes.unchanged(key)], result: updated };
  },
};
