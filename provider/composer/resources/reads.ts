// The read side of the API: a page of any collection (optionally one cluster's objects) or of
// the journal, and single objects, always in their wire form (./wire.ts). A scoped caller sees
// only its clusters' objects; anything else answers as if it did not exist (../callers.ts).
import type { ListPage, Operation, ResourceKind } from '../../api/contract';
import { type Caller, seesObject } from '../callers';
import type { ComposerContext } from '../context';
import { WHAT } from '../kinds';
import { findCluster, table } from '../lookups';
import { type PageRequest, takePage } from '../paging';
import { problems } from '../problem';
import type { StoredOperation } from '../state';
import { opWire, toWire } from './wire';

/** What a journal listing keeps: a state, the token that started it (`by`), the owner it acted for. */
export interface OperationFilter {
  state?: string;
  by?: string;
  owner?: string;
}

export class Reads {
  constructor(private readonly ctx: ComposerContext) {}

  /** One page of a table in id order (see ../paging), optionally only one cluster's objects. */
  list(kind: ResourceKind, cluster: string | undefined, page: PageRequest, caller: Caller): ListPage<unknown> {
    const s = this.ctx.state;
    const clusterId = cluster ? (findCluster(s, cluster)?.id ?? cluster) : undefined;
    const keep = (obj: unknown) => (!clusterId || (obj as { cluster?: string }).cluster === clusterId) && seesObject(s, caller, kind, obj);
    return takePage(table(s, kind), page, keep, (obj) => toWire(s, kind, obj));
  }

  get(kind: ResourceKind, id: string, caller: Caller): unknown {
    const s = this.ctx.state;
    const obj = table(s, kind).get(id);
    if (!obj || !seesObject(s, caller, kind, obj)) throw problems.notFound(WHAT[kind], id);
    return toWire(s, kind, obj);
  }

  /** One page of the journal in id (start time) order, filtered; a scoped caller sees its clusters' entries and its own. */
  listOperations(filter: OperationFilter, page: PageRequest, caller: Caller): ListPage<Operation> {
    const keep = (op: StoredOperation) =>
      (!filter.state || op.state === filter.state) && (!filter.by || op.audit?.token === filter.by) && (!filter.owner || op.audit?.owner === filter.owner) && this.seesOperation(caller, op);
    return takePage(this.ctx.state.ops, page, keep, opWire);
  }

  getOperation(id: string, caller: Caller): Operation {
    const op = this.ctx.state.ops.get(id);
    if (!op || !this.seesOperation(caller, op)) throw problems.notFound('operation', id);
    return opWire(op);
  }

  /** An entry about a cluster in the caller's scope (even one deleted since: its name is gone, so by the audit), or one its token started. */
  private seesOperation(caller: Caller, op: StoredOperation): boolean {
    if (!caller.scope) return true;
    if (op.audit?.token === caller.token) return true;
    if (op.cluster === undefined) return false;
    const cl = this.ctx.state.clusters.get(op.cluster);
    return !!cl && seesObject(this.ctx.state, caller, 'clusters', cl);
  }
}
