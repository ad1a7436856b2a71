// The composer's operation types, registered once: every mutation the service starts is one of
// these, and every journal entry the reconciler resumes is matched to its type by (resource,
// kind). Adding a mutation means adding a type here (docs/operations.md "Adding an operation").
import { clusterCreate } from './cluster-create';
import { clusterDelete } from './cluster-delete';
import { clusterUpdate } from './cluster-update';
import { inventoryLoad } from './inventory-load';
import { keyPolicyCreate } from './key-policy-create';
import { keyPolicyDelete } from './key-policy-delete';
import { keyPolicyUpdate } from './key-policy-update';
import { keyRotation } from './key-rotation';
import { objectAdopt } from './object-adopt';
import { OperationRegistry } from './registry';
import { volumeCreate } from './volume-create';
import { volumeDelete } from './volume-delete';
import { volumePurge } from './volume-purge';
import { volumeRebuild } from './volume-rebuild';
import { volumeUpdate } from './volume-update';

export const OPERATION_TYPES = [
  inventoryLoad,
  clusterCreate,
  clusterUpdate,
  clusterDelete,
  volumeCreate,
  volumeUpdate,
  volumeDelete,
  volumePurge,
  volumeRebuild,
  keyPolicyCreate,
  keyPolicyUpdate,
  keyRotation,
  keyPolicyDelete,
  objectAdopt,
] as const;

export function operationRegistry(): OperationRegistry {
  const r = new OperationRegistry();
  for (const t of OPERATION_TYPES) r.register(t);
  return r;
}

export { type Acting, Operations } from './lifecycle';
export type { OperationType, Plan } from './registry';
export {
  clusterCreate,
  clusterDelete,
  clusterUpdate,
  inventoryLoad,
  keyPolicyCreate,
  keyPolicyDelete,
  keyPolicyUpdate,
  keyRotation,
  objectAdopt,
  volumeCreate,
  volumeDelete,
  volumePurge,
  volumeRebuild,
  volumeUpdate,
};
