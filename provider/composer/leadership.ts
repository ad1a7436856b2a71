// Becoming and staying the one writer: reloading the state from the store (start-up, take-over
// with a changed inventory, after an unknown write outcome), a take-over without reload, the
// reconciler pass over the journal (../operations/lifecycle.ts) and journal retention. Writes are
// held off (ready = false) until the state is loaded and every pending operation resumed.
import type { ComposerContext } from './context';
import { INVENTORY_CURRENT, isTimedOpId, keys, opIdAt } from './layout';
import type { Operations } from './operations';
import { takePage } from './paging';
import { ComposerState, type StoredOperation } from './state';

export class Leadership {
  private resyncing?: Promise<void>;
  /** A pruneOperations pass is running. */
  private pruning = false;

  constructor(
    private readonly ctx: ComposerContext,
    private readonly ops: Operations,
    /** Refuses a store whose key policies the master key cannot open (../resources/key-policies.ts). */
    private readonly checkMasterKey: () => void,
  ) {
    ctx.reload = () => void this.resyncUntilDone();
  }

  /** Reload everything from the store (leader take-over, or after an uncertain commit). */
  async resync(): Promise<void> {
    const ctx = this.ctx;
    if (this.resyncing) return this.resyncing;
    this.resyncing = ctx.gate
      .exclusive(async () => {
        ctx.ready = false;
        // A leader reloads after moving the write barrier: no transaction sent before the reload
        // can land after it (./commit.ts).
        if (ctx.opts.fencing.isLeader()) {
          await ctx.committer.sync();
          await ctx.committer.raiseBarrier();
        }
        const fresh = await ComposerState.load(ctx.store, ctx.opts.engineFactory);
        fresh.onInventoryChanged = ctx.state.onInventoryChanged;
        ctx.state.wakeAll();
        ctx.state = fresh;
        this.checkMasterKey();
        if (ctx.opts.fencing.isLeader()) await this.recover();
        ctx.ready = true;
      })
      .finally(() => {
        this.resyncing = undefined;
      });
    return this.resyncing;
  }

  /**
   * A standby that followed the store up to now becomes the leader: no reload, unless the
   * inventory it holds is not the stored one. Then the reconciler runs before any write.
   */
  async takeOver(): Promise<void> {
    const ctx = this.ctx;
    try {
      const kv = await ctx.store.get(INVENTORY_CURRENT);
      const stored = kv ? (JSON.parse(kv.value) as { blob: string }).blob : undefined;
      if (stored !== ctx.state.inventoryPointer?.blob) return await this.resyncUntilDone();
      await ctx.gate.exclusive(async () => {
        ctx.ready = false;
        await ctx.committer.sync();
        this.checkMasterKey();
        await this.recover();
        ctx.ready = true;
      });
    } catch (e) {
      ctx.log.warn('take-over without reload failed; reloading', { error: (e as Error).message });
      await this.resyncUntilDone();
    }
  }

  /** The leader's recovery (under the exclusive gate): every pending operation resumed, leftovers swept. */
  private async recover(): Promise<void> {
    this.ctx.leaderSince = Date.now();
    await this.ops.reconcile();
    await this.ops.sweep();
  }

  /** Resync, retrying while the store is unreachable (the replica answers 503 meanwhile). */
  async resyncUntilDone(): Promise<void> {
    for (let attempt = 1; !this.ctx.closed; attempt++) {
      try {
        await this.resync();
        return;
      } catch (e) {
        this.ctx.log.error('resync failed; retrying', { attempt, error: (e as Error).message });
        await new Promise((r) => setTimeout(r, Math.min(2000, 100 * attempt)));
      }
    }
  }

  /** One reconciler pass under the shared gate (the periodic tick). */
  async reconcile(): Promise<number> {
    return this.ctx.gate.shared(() => this.ops.reconcile());
  }

  /**
   * Journal retention: every finished operation older than `opsRetentionMs` is deleted, oldest
   * first, in txns of `batch` keys (etcd's default limit is 128 operations per txn), yielding to
   * the event loop between txns so requests keep flowing. One scan collects at most `perScan`
   * (bounding its memory and the time before the first delete); when it was full, the next scan
   * follows at once, so a pass keeps pace with any sustained rate of finished operations (the
   * caller runs a pass on every reconciler tick). Passes never overlap. See docs/api.md.
   */
  async pruneOperations(perScan = 10_000, batch = 100): Promise<number> {
    const ctx = this.ctx;
    if (this.pruning || !ctx.opts.fencing.isLeader() || !ctx.ready) return 0;
    this.pruning = true;
    let pruned = 0;
    try {
      for (;;) {
        const cutoff = Date.now() - ctx.opts.opsRetentionMs;
        // The start time in the id rules out the (many) younger operations without a date parse.
        const startedBefore = opIdAt(cutoff);
        const expired = (o: StoredOperation) =>
          o.state !== 'pending' && (!isTimedOpId(o.id) || o.id < startedBefore) && Date.parse(o.finishedAt ?? o.startedAt) < cutoff;
        const old = takePage(ctx.state.ops, { limit: perScan }, expired, (o) => o.id).items;
        for (let i = 0; i < old.length; i += batch) {
          if (ctx.closed || !ctx.opts.fencing.isLeader()) return pruned;
          await ctx.gate.shared(() => ctx.writes.commit(old.slice(i, i + batch).map((id) => ({ key: keys.op(id) }))));
          pruned += Math.min(batch, old.length - i);
          await new Promise<void>((resolve) => setImmediate(resolve));
        }
        if (old.length < perScan) return pruned;
      }
    } finally {
      this.pruning = false;
    }
  }
}
