// The lifecycle of every operation, written once for all types (./registry.ts): start (build,
// then one transaction with the journal entry and its reservation; undo the reservation when the
// store did not take it), then drive a pending entry to its end; after a crash or a take-over the
// reconciler resumes every pending entry no request of this process drives, through the same
// waiting()/complete() of its type, or ends it by its recovery recipe. docs/operations.md.
import type { Operation, OperationKind } from '../../api/contract';
import { auditOf, type Caller } from '../callers';
import { CommitUncertain } from '../commit';
import type { ComposerContext } from '../context';
import { keys, newOpId } from '../layout';
import type { StoredOperation } from '../state';
import { type AnyType, lockKeyOf, type OperationRegistry, type OperationType } from './registry';

const now = () => new Date().toISOString();

/** A new journal entry, `pending` until the lifecycle writes it `done` or its type ends it. */
export function newOp(kind: OperationKind, resource: Operation['resource'], objectId: string, detail?: Record<string, unknown>): StoredOperation {
  return { id: newOpId(), kind, resource, objectId, state: 'pending', startedAt: now(), detail };
}

/** The entry as it ends: its final state, when, why (if it failed or was undone); no recipe. */
export function finished(op: StoredOperation, state: Operation['state'], error?: string): StoredOperation {
  const out: StoredOperation = { ...op, state, finishedAt: now() };
  delete out.recovery;
  if (error) out.error = error;
  return out;
}

/** The default end of a pending entry: its recovery recipe and its final state in one transaction. */
export async function completeByRecipe(ctx: ComposerContext, op: StoredOperation): Promise<boolean> {
  if (!op.recovery) return false;
  const back = op.recovery.action === 'rollback';
  await ctx.writes.commit([
    ...op.recovery.muts,
    { key: keys.op(op.id), value: finished(op, back ? 'rolled_back' : 'done', back ? 'rolled back by the reconciler after a restart' : undefined) },
  ]);
  return true;
}

/** The default wait of a pending entry: a roll-forward waits for the agent its entry names. */
export function recipeWaiting(ctx: ComposerContext, op: StoredOperation): boolean {
  return op.recovery?.action === 'rollforward' && ctx.awaitingUnstage(op);
}

type Type = AnyType | undefined;

/** Who an operation is started for, recorded in its journal entry (docs/api.md "Audit"). */
export interface Acting {
  caller: Caller;
  /** The owner the request acted for (its body's or query's `owner`). */
  owner?: string;
  /** The id of the cluster the object is in (a cluster's entry names itself). */
  cluster?: string;
}

export class Operations {
  constructor(
    private readonly ctx: ComposerContext,
    readonly registry: OperationRegistry,
  ) {}

  /**
   * Start an operation of `type` from a validated intent (the caller holds the object's lock and
   * the shared gate, or the exclusive gate): build it, commit its first transaction, and, when
   * its entry stays pending, drive it as far as it goes now. The entry records who it was started
   * for (`acting`). Answers the plan's result.
   */
  async start<P, R>(type: OperationType<P, R>, params: P, acting: Acting): Promise<R> {
    const ctx = this.ctx;
    const plan = await type.build(ctx, params);
    const op = plan.op;
    op.audit = auditOf(acting.caller, acting.owner);
    const cluster = acting.cluster ?? (op.resource === 'clusters' ? op.objectId : undefined);
    if (cluster !== undefined) op.cluster = cluster;
    // The reconciler finds the type of an entry by (resource, kind): an entry another type would
    // resume is a bug of the type, refused before anything is written.
    if (this.registry.typeOf(op) !== type) {
      plan.undo?.();
      throw new Error(`operation type ${type.name} wrote a ${op.resource}:${op.kind} entry, which it is not registered for`);
    }
    const entry: StoredOperation = plan.pending ? op : { ...op, state: 'done', finishedAt: now() };
    const muts = [...plan.muts, { key: keys.op(op.id), value: entry }];
    ctx.inFlight.add(op.id);
    try {
      try {
        if (plan.unapplied) {
          const revision = await ctx.writes.commitUnapplied(plan.unapplied.what, muts, plan.compares);
          ctx.state.applyParsed(keys.op(op.id), entry, revision);
          plan.unapplied.applied(revision);
        } else await ctx.writes.commit(muts, plan.compares);
      } catch (e) {
        // Refused or not applied: nothing was written. Unknown: the reload rebuilds memory from the store.
        if (!(e instanceof CommitUncertain)) plan.undo?.();
        throw e;
      }
      if (plan.pending && !this.waiting(type, entry)) await this.end(type, entry);
      await plan.after?.();
      return plan.result;
    } finally {
      ctx.inFlight.delete(op.id);
    }
  }

  /** The pending entries of one type, in journal order. */
  pendingOf(type: AnyType): StoredOperation[] {
    return [...this.ctx.state.ops.values()].filter((o) => o.state === 'pending' && this.registry.typeOf(o) === type);
  }

  /**
   * End a pending entry now, skipping its wait: the event it waited for happened (the agent
   * reported the volume unstaged). The caller holds the object's lock.
   */
  async complete(op: StoredOperation): Promise<boolean> {
    return this.end(this.registry.typeOf(op), op);
  }

  /**
   * One reconciler pass (the caller holds the gate): every pending entry that no request of this
   * process drives and that waits for nothing is resumed under its object's lock. Returns how
   * many ended.
   */
  async reconcile(): Promise<number> {
    const ctx = this.ctx;
    let n = 0;
    for (const listed of [...ctx.state.ops.values()]) {
      if (listed.state !== 'pending' || ctx.inFlight.has(listed.id)) continue;
      const type = this.registry.typeOf(listed);
      if (this.waiting(type, listed)) continue;
      const ended = await ctx.locks.run(lockKeyOf(listed), async () => {
        // A request may have ended it while this pass waited for the lock.
        const op = ctx.state.ops.get(listed.id);
        if (!op || op.state !== 'pending' || ctx.inFlight.has(op.id)) return false;
        return this.end(type, op);
      });
      if (ended) {
        const result = ctx.state.ops.get(listed.id)?.state;
        ctx.log.info('reconciler: operation recovered', { op: listed.id, kind: listed.kind, objectId: listed.objectId, result });
        n++;
      }
    }
    return n;
  }

  /** After a take-over: every type removes what its unfinished starts left behind. */
  async sweep(): Promise<void> {
    for (const t of this.registry.all()) await t.sweep?.(this.ctx);
  }

  private waiting(type: Type, op: StoredOperation): boolean {
    return type?.waiting ? type.waiting(this.ctx, op) : recipeWaiting(this.ctx, op);
  }

  private end(type: Type, op: StoredOperation): Promise<boolean> {
    return type?.complete ? type.complete(this.ctx, op) : completeByRecipe(this.ctx, op);
  }
}
