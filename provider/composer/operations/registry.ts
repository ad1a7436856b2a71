// The operation model: every mutation of the composer is one operation type, registered under the
// (resource, kind) pair its journal entries carry. A type builds the first transaction of its
// operation (the reservation, the writes and the journal entry, all or nothing); an operation
// that cannot end in that transaction stays `pending` in the journal, and the type says what it
// waits for and how it ends. Starting, resuming after a crash or a take-over, and rolling back
// are written once, in ./lifecycle.ts, for every type. docs/operations.md has the model.
import type { OperationKind } from '../../api/contract';
import type { Compare } from '../../store/store';
import type { ComposerContext } from '../context';
import type { OperationResource } from '../kinds';
import { keys } from '../layout';
import type { Mut, StoredOperation } from '../state';

/** The first transaction of an operation, as a type builds it. */
export interface Plan<R> {
  /** The journal entry (as newOp() makes it; with its `recovery` recipe, if any). */
  op: StoredOperation;
  /**
   * The entry stays `pending` after this transaction, until the type's complete() ends it.
   * Otherwise the operation ends here: the entry is written `done` in the same transaction.
   */
  pending?: boolean;
  /** Every other write of the transaction (the reservation first). */
  muts: Mut[];
  /** Conditions of the transaction besides the fence (a free name, an unchanged object). */
  compares?: Compare[];
  /** What the request answers once the transaction applied. */
  result: R;
  /**
   * Give back what build() reserved in memory (the engine) when the transaction was refused or
   * not applied. Not called when its outcome is unknown: the reload rebuilds memory from the store.
   */
  undo?: () => void;
  /**
   * Set when the writes must not be fed to the in-memory tables as they are (the inventory
   * pointer): the transaction's failure names `what`, and applied() updates memory itself.
   */
  unapplied?: { what: string; applied: (revision: number) => void };
  /** Tidy-up after the transaction in the request that started it; best effort, nothing a crash must redo. */
  after?: () => Promise<void>;
}

export interface OperationType<P = never, R = unknown> {
  /** A short name for logs and docs ("volume-create"). */
  readonly name: string;
  /** The journal `resource` values this type answers for. */
  readonly resources: readonly OperationResource[];
  /** The journal `kind` this type answers for. */
  readonly kind: OperationKind;

  /**
   * Build the first transaction from a validated intent: reserve what it needs (in the engine, or
   * in the store where nothing reads it yet), list its writes and make its journal entry. Throws
   * a problem to refuse, having reserved nothing; performs no store write that a crash would
   * leave visible.
   */
  build(ctx: ComposerContext, params: P): Plan<R> | Promise<Plan<R>>;

  /**
   * Is this pending entry still waiting for something outside the composer (an agent to unstage)?
   * While it is, neither the request nor the reconciler calls complete(). Default: the recovery
   * recipe of a roll-forward waits for the agent its entry names (ComposerContext.awaitingUnstage).
   */
  waiting?(ctx: ComposerContext, op: StoredOperation): boolean;

  /**
   * Drive a pending entry to its end as far as possible now, and say whether it ended. Called
   * with the object's lock held, right after the start and then on every reconciler pass, also
   * after a crash or a take-over, so it must be idempotent. Default: apply the entry's recovery
   * recipe (roll forward to `done` or roll back to `rolled_back`) in one transaction.
   */
  complete?(ctx: ComposerContext, op: StoredOperation): Promise<boolean>;

  /**
   * After a take-over, before the first write: remove what a start of this type that never
   * reached its journal entry left in the store (invisible leftovers, e.g. inventory chunks).
   */
  sweep?(ctx: ComposerContext): Promise<void>;
}

// The registry holds types of different parameter types; a type is only ever started with its own.
export type AnyType = OperationType<never, unknown>;

const keyOf = (resource: string, kind: string) => `${resource}:${kind}`;

export class OperationRegistry {
  private readonly byKey = new Map<string, AnyType>();
  private readonly types: AnyType[] = [];

  /** Register a type under each of its (resource, kind) pairs; a pair has one type. */
  register(type: AnyType): void {
    for (const r of type.resources) {
      const k = keyOf(r, type.kind);
      if (this.byKey.has(k)) throw new Error(`operation ${k} registered twice (${this.byKey.get(k)!.name}, ${type.name})`);
      this.byKey.set(k, type);
    }
    this.types.push(type);
  }

  /** The type of a journal entry, or undefined for an entry no registered type writes (ended by its recipe). */
  typeOf(op: StoredOperation): AnyType | undefined {
    return this.byKey.get(keyOf(op.resource, op.kind));
  }

  /** Every registered type, in registration order. */
  all(): readonly AnyType[] {
    return this.types;
  }
}

/** The lock a pending entry's completion takes: its object's (the one its request held). */
export function lockKeyOf(op: StoredOperation): string {
  return op.resource === 'inventory' ? keys.op(op.id) : keys.object(op.resource, op.objectId);
}
