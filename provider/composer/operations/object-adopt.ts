// Operation type "object-adopt" (every collection): an existing object taken over by another
// owner, the one explicit way to share it (a create with adopt=true: docs/api.md "Owners"). ONE
// transaction, conditional on the object being unchanged since it was read, writes the object with
// its new owner and the entry `done`, which records both owners.
import type { ResourceKind } from '../../api/contract';
import { keys } from '../layout';
import { RESOURCE_KINDS } from '../kinds';
import { newOp } from './lifecycle';
import type { OperationType } from './registry';

export interface ObjectAdoptParams {
  kind: ResourceKind;
  /** The stored object as read under its lock. */
  cur: { id: string; owner?: string };
  /** The owner taking it over. */
  owner: string | undefined;
}

export const objectAdopt: OperationType<ObjectAdoptParams, unknown> = {
  name: 'object-adopt',
  resources: RESOURCE_KINDS,
  kind: 'adopt',
  build(ctx, { kind, cur, owner }) {
    const key = keys.object(kind, cur.id);
    const updated: Record<string, unknown> = { ...cur, updatedAt: new Date().toISOString() };
    if (owner === undefined) delete updated.owner;
    else updated.owner = owner;
    const detail: Record<string, unknown> = { ownerFrom: cur.owner ?? null, ownerTo: owner ?? null };
    return { op: newOp('adopt', kind, cur.id, detail), muts: [{ key, value: updated }], compares: [ctx.writes.unchanged(key)], result: updated };
  },
};
