// The read side of the API: a page of any collection (optionally one cluster's objects) or of
// the journal, and single objects, always in their wire form (./wire.ts).
import type { ListPage, Operation, ResourceKind } from '../../api/contract';
import type { ComposerContext } from '../context';
import { WHAT } from '../kinds';
import { findCluster, table } from '../lookups';
import { type PageRequest, takePage } from '../paging';
import { problems } from '../problem';
import { opWire, toWire } from './wire';

export class Reads {
  constructor(private readonly ctx: ComposerContext) {}

  /** One page of a table in id order (see ../paging), optionally only one cluster's objects. */
  list(kind: ResourceKind, cluster: string | undefined, page: PageRequest): ListPage<unknown> {
    const s = this.ctx.state;
    const clusterId = cluster ? (findCluster(s, cluster)?.id ?? cluster) : undefined;
    const inCluster = (obj: unknown) => !clusterId || (obj as { cluster?: string }).cluster === clusterId;
    return takePage(table(s, kind), page, inCluster, (obj) => toWire(s, kind, obj));
  }

  get(kind: ResourceKind, id: string): unknown {
    const obj = table(this.ctx.state, kind).get(id);
    if (!obj) throw problems.notFound(WHAT[kind], id);
    return toWire(this.ctx.state, kind, obj);
  }

  /** One page of the journal in id (start time) order, optionally only one state. */
  listOperations(stateFilter: string | undefined, page: PageRequest): ListPage<Operation> {
    return takePage(this.ctx.state.ops, page, (op) => !stateFilter || op.state === stateFilter, opWire);
  }

  getOperation(id: string): Operation {
    const op = this.ctx.state.ops.get(id);
    if (!op) throw problems.notFound('operation', id);
    return opWire(op);
  }
}
