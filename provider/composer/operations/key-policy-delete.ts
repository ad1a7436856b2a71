// Operation type "key-policy-delete": an unused key policy, its sealed secrets and its name go in
// one transaction, journaled `done`.
import { keys } from '../layout';
import type { StoredKeyPolicy } from '../state';
import { newOp } from './lifecycle';
import type { OperationType } from './registry';

export interface KeyPolicyDeleteParams {
  /** The policy, checked to be needed by no volume and to be no cluster's default. */
  policy: StoredKeyPolicy;
}

export const keyPolicyDelete: OperationType<KeyPolicyDeleteParams, void> = {
  name: 'key-policy-delete',
  resources: ['key-policies'],
  kind: 'delete',
  build(_ctx, { policy }) {
    return {
      op: newOp('delete', 'key-policies', policy.id),
      muts: [{ key: keys.object('key-policies', policy.id) }, { key: keys.name('key-policies', undefined, policy.name) }],
      result: undefined,
    };
  },
};
