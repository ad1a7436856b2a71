// The composer's side of the commit layer: every write of a request goes through here. It checks
// that this replica may write, serialises writers (the gate and per-key locks), commits through
// the fenced Committer (./commit.ts), feeds what was applied into the in-memory state, and turns
// each outcome into an answer: a refused compare is 409 or not_leader, a write the store did not
// take is 503, and an unknown outcome is 503 plus a reload before the next write (docs/store.md
// "Outcome unknown"). It knows nothing of resources or operation types.
import { PROBLEM } from '../api/wire.generated';
import type { OperationKind } from '../api/contract';
import type { Compare } from '../store/store';
import { CommitNotApplied, CommitRefused, CommitUncertain } from './commit';
import type { ComposerContext } from './context';
import type { OperationResource } from './kinds';
import { HttpProblem, problems } from './problem';
import type { Mut } from './state';

/** A write the store did not take, or whose outcome stays unknown: 503, retry as sent. */
export function storeUnavailable(e: unknown): unknown {
  if (e instanceof CommitUncertain || e instanceof CommitNotApplied)
    return new HttpProblem(503, PROBLEM.storeUnavailable, `the store did not confirm the write: ${e.message}`, undefined, { retryAfterSeconds: 1 });
  return e;
}

export class Writes {
  constructor(private readonly ctx: ComposerContext) {}

  /** Only the ready leader writes: not_leader names the leader, not_ready while loading. */
  requireLeader(): void {
    if (!this.ctx.opts.fencing.isLeader()) throw problems.notLeader(this.ctx.opts.fencing.leaderAddress());
    if (!this.ctx.ready) throw problems.notReady('the composer is loading or recovering its state');
  }

  /**
   * Run a mutation: leader check, shared gate, per-key lock, latency observed under (kind,
   * resource). A write the store did not confirm is answered 503.
   */
  async mutate<T>(lockKey: string, kind: OperationKind, resource: OperationResource, fn: () => Promise<T>): Promise<T> {
    this.requireLeader();
    const t0 = process.hrtime.bigint();
    try {
      return await this.ctx.gate.shared(() => this.ctx.locks.run(lockKey, fn));
    } catch (e) {
      throw storeUnavailable(e);
    } finally {
      this.ctx.opts.observeOperation?.(kind, resource, Number(process.hrtime.bigint() - t0) / 1e9);
    }
  }

  /**
   * Commit writes atomically with the fence and the given compares and apply them to the
   * in-memory state once applied. Failures are mapped by commitFailure(); the caller's mutate()
   * answers not-applied and unknown outcomes as 503.
   */
  async commit(muts: Mut[], compares: Compare[] = []): Promise<number> {
    let revision: number;
    try {
      revision = await this.ctx.committer.commit(muts, compares);
    } catch (e) {
      throw this.commitFailure(e, 'the object');
    }
    for (const m of muts) this.ctx.state.applyParsed(m.key, m.value, revision);
    return revision;
  }

  /**
   * commit() for writes the caller applies to memory itself (the inventory switch, under the
   * exclusive gate, outside mutate(): its caller answers store failures with storeUnavailable()).
   */
  async commitUnapplied(what: string, muts: Mut[], compares: Compare[] = []): Promise<number> {
    try {
      return await this.ctx.committer.commit(muts, compares);
    } catch (e) {
      throw this.commitFailure(e, what);
    }
  }

  /**
   * What a committer failure means here: a refusal is not_leader or a 409 conflict on `what`; an
   * unknown outcome also marks the state for a reload (it runs once the gate is free). Not-applied
   * and unknown outcomes are passed on: callers release reservations on the first, not the second,
   * and storeUnavailable() answers both as 503.
   */
  commitFailure(e: unknown, what: string): unknown {
    if (e instanceof CommitRefused)
      return e.leaderLost ? problems.notLeader(this.ctx.opts.fencing.leaderAddress()) : new HttpProblem(409, PROBLEM.conflict, `${what} changed concurrently; retry`);
    if (e instanceof CommitUncertain) {
      this.ctx.log.error('store write outcome unknown; reloading from the store', { error: e.message });
      this.ctx.ready = false;
      this.ctx.reload();
    }
    return e;
  }

  /** A compare that holds while `key` is as this replica last saw it (absent: never written). */
  unchanged(key: string): Compare {
    const rev = this.ctx.state.modRevisions.get(key);
    return rev === undefined ? { key, target: 'version', op: '=', value: 0 } : { key, target: 'modRevision', op: '=', value: rev };
  }
}

/** A compare that holds while `key` does not exist (a create takes a free name). */
export function absent(key: string): Compare {
  return { key, target: 'version', op: '=', value: 0 };
}
