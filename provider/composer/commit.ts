// The commit layer: every write of the composer is one store transaction made here, fenced by
// leadership and by a write barrier, and every transaction ends in exactly one of four known
// outcomes — applied, refused (a compare failed: nothing written), not applied (the store never
// took it) or outcome unknown — never a guess. docs/store.md ("Outcome unknown") has the model.
//
// Why a barrier: a transaction whose answer was lost (deadline passed, reply dropped, connection
// cut) may have been applied, or may still be applied later when its bytes reach etcd. Reading
// the store right away cannot tell "not applied" from "not applied yet". So before reading, the
// composer moves the barrier key: every transaction compares the barrier's modRevision, so once
// the barrier moved, a late copy of the lost transaction fails its compare, and a read taken
// after the move shows the lost transaction's final fate.
import type { Compare, Store, TxnResponse } from '../store/store';
import { StoreRequestError } from '../store/errors';
import { BARRIER_KEY } from './layout';
import type { Logger } from './log';
import type { Mut } from './state';


export interface Fencing {
  /** Is this replica the one writer? */
  isLeader(): boolean;
  /** Compare that holds only while we lead (added to every write txn). */
  fence(): Compare[];
  /** The leader's advertised URL, for not_leader answers. */
  leaderAddress(): string | undefined;
}

/** A compare failed: nothing was written. `leaderLost` when it was the leadership fence. */
export class CommitRefused extends Error {
  constructor(readonly leaderLost: boolean) {
    super(leaderLost ? 'this replica no longer leads' : 'a compare of the transaction failed');
    this.name = 'CommitRefused';
  }
}

/** The store did not take the transaction (established after the barrier moved): retry is safe. */
export class CommitNotApplied extends Error {
  constructor(readonly reason: string) {
    super(`the store did not apply the write: ${reason}`);
    this.name = 'CommitNotApplied';
  }
}

/** The outcome could not be established (the store stayed unreachable): reload before writing again. */
export class CommitUncertain extends Error {
  constructor(readonly reason: string) {
    super(`the outcome of the write is unknown: ${reason}`);
    this.name = 'CommitUncertain';
  }
}

export interface CommitterOptions {
  /** How long the outcome of a lost transaction may take to establish, ms (default 5 s). */
  resolveWithinMs?: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class Committer {
  /** modRevision of the barrier as we last confirmed it; 0 = the key does not exist yet. */
  private barrier = 0;
  private raising?: Promise<void>;
  private readonly resolveWithinMs: number;

  constructor(
    private readonly store: Store,
    private readonly fencing: Fencing,
    private readonly log: Logger,
    opts: CommitterOptions = {},
  ) {
    this.resolveWithinMs = opts.resolveWithinMs ?? 5_000;
  }

  /** The compares every leader write carries: leadership and the barrier. */
  fence(): Compare[] {
    return [...this.fencing.fence(), this.barrierCompare(this.barrier)];
  }

  /** Learn the stored barrier (take-over; before the first write). */
  async sync(): Promise<void> {
    const kv = await this.store.get(BARRIER_KEY);
    this.barrier = kv ? kv.modRevision : 0;
  }

  /**
   * Move the barrier, so no transaction sent before this call can be applied after it returns.
   * Concurrent callers share one move; a caller whose transaction used an older barrier than
   * the current one needs no move at all.
   */
  async raiseBarrier(past: number = this.barrier): Promise<void> {
    if (this.barrier !== past) return;
    this.raising ??= this.raiseOnce().finally(() => {
      this.raising = undefined;
    });
    return this.raising;
  }

  /**
   * Commit muts (puts, or deletes when value is undefined) atomically if the fence and compares
   * hold. Resolves with the transaction's revision when applied; rejects with CommitRefused,
   * CommitNotApplied or CommitUncertain.
   */
  async commit(muts: Mut[], compares: Compare[] = []): Promise<number> {
    const success = muts.map((m) =>
      m.value === undefined ? { type: 'delete' as const, key: m.key } : { type: 'put' as const, key: m.key, value: JSON.stringify(m.value) },
    );
    // A refusal caused by a barrier move (another request's recovery) is retried: nothing was written.
    for (let attempt = 0; ; attempt++) {
      const used = this.barrier;
      let resp: TxnResponse;
      try {
        resp = await this.store.txn({
          compare: [...this.fencing.fence(), this.barrierCompare(used), ...compares],
          success,
          failure: [{ type: 'get', key: BARRIER_KEY }],
        });
      } catch (e) {
        if (e instanceof StoreRequestError) throw e; // refused before it was sent: a bug of ours
        return this.resolve(muts, used, (e as Error).message);
      }
      if (resp.succeeded) return resp.revision;
      const stored = resp.results[0]?.[0];
      const barrierNow = stored ? stored.modRevision : 0;
      if (barrierNow !== used && attempt < 5) {
        await this.raising; // a recovery in progress: wait until it confirmed its move
        if (this.barrier === used) await this.sync();
        continue;
      }
      throw new CommitRefused(!(await this.stillLeader()));
    }
  }

  /** After a lost answer: move the barrier, then read what the store holds. */
  private async resolve(muts: Mut[], used: number, cause: string): Promise<number> {
    this.log.warn('store write outcome unknown; establishing it', { cause });
    try {
      await this.raiseBarrier(used);
    } catch (e) {
      throw new CommitUncertain(`${cause}; ${(e as Error).message}`);
    }
    let revision = 0;
    let applied = true;
    for (const m of muts) {
      let kv;
      try {
        kv = await this.store.get(m.key);
      } catch (e) {
        throw new CommitUncertain(`${cause}; reading it back failed: ${(e as Error).message}`);
      }
      if (m.value === undefined) {
        if (kv) applied = false;
      } else if (!kv || kv.value !== JSON.stringify(m.value)) applied = false;
      else revision = Math.max(revision, kv.modRevision);
      if (!applied) break;
    }
    this.log.warn('store write outcome established', { applied });
    if (!applied) throw new CommitNotApplied(cause);
    return revision || (await this.store.revision());
  }

  private async raiseOnce(): Promise<void> {
    const deadline = Date.now() + this.resolveWithinMs;
    let expected = this.barrier;
    for (let attempt = 1; ; attempt++) {
      try {
        const resp = await this.store.txn({
          compare: [...this.fencing.fence(), this.barrierCompare(expected)],
          success: [{ type: 'put', key: BARRIER_KEY, value: JSON.stringify({ leader: this.fencing.leaderAddress() ?? '', at: new Date().toISOString() }) }],
          failure: [{ type: 'get', key: BARRIER_KEY }],
        });
        if (resp.succeeded) {
          this.barrier = resp.revision;
          return;
        }
        if (!(await this.stillLeader())) throw new CommitRefused(true);
        // An earlier move of ours landed late: start from what is stored.
        const kv = resp.results[0]?.[0];
        expected = kv ? kv.modRevision : 0;
      } catch (e) {
        if (e instanceof CommitRefused) throw e;
        if (Date.now() > deadline) throw new Error(`the write barrier could not be moved within ${this.resolveWithinMs} ms: ${(e as Error).message}`);
        await sleep(Math.min(1_000, 50 * attempt));
        try {
          const kv = await this.store.get(BARRIER_KEY);
          expected = kv ? kv.modRevision : 0;
        } catch {
          // still unreachable: the next attempt tells
        }
      }
    }
  }

  private barrierCompare(rev: number): Compare {
    return rev === 0 ? { key: BARRIER_KEY, target: 'version', op: '=', value: 0 } : { key: BARRIER_KEY, target: 'modRevision', op: '=', value: rev };
  }

  /** Does the leadership fence still hold in the store? */
  async stillLeader(): Promise<boolean> {
    if (!this.fencing.isLeader()) return false;
    for (const c of this.fencing.fence()) {
      let kv;
      try {
        kv = await this.store.get(c.key);
      } catch {
        return true; // unknown: let the caller's own error stand
      }
      if (c.target === 'version') {
        if ((kv?.version ?? 0) !== c.value) return false;
      } else if (!kv || (c.target === 'value' && kv.value !== c.value) || (c.target === 'modRevision' && kv.modRevision !== c.value)) return false;
    }
    return true;
  }
}
