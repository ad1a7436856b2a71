// Leader election over any Store: the leader is whoever holds the election key, which is attached
// to the holder's lease. When the holder dies its lease expires, the key vanishes, the standbys see
// the delete on their watch and race for the key with a create-if-absent txn; one wins.
//
// Leadership ends locally the moment the lease may have expired (Lease.onLost), before anything
// else is tried, so two processes never both believe they lead for longer than the store's own
// clock skew. Writes that must only come from the leader add fence() to their txn compares.
import { randomUUID } from 'node:crypto';
import { StoreClosedError, StoreRequestError } from './errors';
import type { Compare, Lease, Store, Watcher } from './store';

export interface CampaignOptions {
  /** Election name: one leader per name. */
  name: string;
  /** What followers report as the leader's address (e.g. 'http://10.0.0.5:8080'). */
  address: string;
  /** Lease TTL: a dead leader is replaced about this long after it died (default 3). */
  ttlSeconds?: number;
  /** Where election keys live (default '/tessera/election/'). */
  keyPrefix?: string;
}

export interface LeaderState {
  isLeader: boolean;
  /** Address of the current leader (ours when leading); undefined while nobody leads. */
  leaderAddress: string | undefined;
}

export interface Leadership {
  /** The election key, `${keyPrefix}${name}`. */
  readonly key: string;
  isLeader(): boolean;
  leaderAddress(): string | undefined;
  /** Called on every change of leadership or leader address; returns an unsubscribe function. */
  onChange(cb: (state: LeaderState) => void): () => void;
  /**
   * A compare that holds only while this campaigner still holds the election key; undefined when
   * not leading. Put it in a txn to make the write conditional on leadership.
   */
  fence(): Compare | undefined;
  /**
   * Stops campaigning; releases the key if held so a standby takes over at once. Call it before
   * closing the store: a closed store cannot tell the campaigner anything any more.
   */
  resign(): Promise<void>;
}

interface ElectionValue {
  address: string;
  id: string;
  since: string;
}

function parseValue(value: string): ElectionValue | undefined {
  try {
    const v = JSON.parse(value) as ElectionValue;
    return typeof v?.address === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}

const RETRY_MS = 250;

/** Joins the election; resolves once the first round is decided (leading or following). */
export async function campaign(store: Store, options: CampaignOptions): Promise<Leadership> {
  if (typeof options?.name !== 'string' || !/^[A-Za-z0-9._-]+$/.test(options.name)) {
    throw new StoreRequestError('name', 'must be a non-empty string of letters, digits, ".", "_" or "-"');
  }
  if (typeof options.address !== 'string' || options.address === '') throw new StoreRequestError('address', 'must be a non-empty string');
  const ttl = options.ttlSeconds ?? 3;
  if (!Number.isInteger(ttl) || ttl < 1) throw new StoreRequestError('ttlSeconds', 'must be an integer >= 1');
  const prefix = options.keyPrefix ?? '/tessera/election/';
  if (typeof prefix !== 'string' || prefix === '') throw new StoreRequestError('keyPrefix', 'must be a non-empty string');
  const election = new Election(store, prefix + options.name, options.address, ttl);
  await election.start();
  return election;
}

type Wake = 'vacant' | 'leaseLost' | 'recheck' | 'resign';

class Election implements Leadership {
  private leading = false;
  private leader: string | undefined;
  /** modRevision of our election key while we hold it. */
  private heldRevision = 0;
  private readonly id = randomUUID();
  private readonly listeners = new Set<(s: LeaderState) => void>();
  private resigned = false;
  private lease?: Lease;
  private watcher?: Watcher;
  private wake?: (why: Wake) => void;
  private pendingWake?: Wake;
  private loopDone?: Promise<void>;

  constructor(private readonly store: Store, readonly key: string, private readonly address: string, private readonly ttl: number) {}

  isLeader(): boolean {
    return this.leading;
  }

  leaderAddress(): string | undefined {
    return this.leader;
  }

  onChange(cb: (state: LeaderState) => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  fence(): Compare | undefined {
    return this.leading ? { key: this.key, target: 'modRevision', op: '=', value: this.heldRevision } : undefined;
  }

  start(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.loopDone = this.loop(resolve);
    });
  }

  private setState(leading: boolean, leader: string | undefined): void {
    if (leading === this.leading && leader === this.leader) return;
    this.leading = leading;
    this.leader = leader;
    const state = { isLeader: leading, leaderAddress: leader };
    for (const cb of [...this.listeners]) {
      try {
        cb(state);
      } catch (err) {
        process.emitWarning(`leader onChange callback threw: ${(err as Error).message}`);
      }
    }
  }

  private signal(why: Wake): void {
    if (why === 'leaseLost' || why === 'resign' || !this.pendingWake) this.pendingWake = why;
    const w = this.wake;
    this.wake = undefined;
    w?.(this.pendingWake);
  }

  private nextWake(): Promise<Wake> {
    if (this.pendingWake) {
      const w = this.pendingWake;
      this.pendingWake = undefined;
      return Promise.resolve(w);
    }
    return new Promise<Wake>((resolve) => {
      this.wake = (why) => {
        this.pendingWake = undefined;
        resolve(why);
      };
    });
  }

  private async loop(firstRoundDecided: () => void): Promise<void> {
    let decided = false;
    const decide = () => {
      if (!decided) {
        decided = true;
        firstRoundDecided();
      }
    };
    while (!this.resigned) {
      // A fresh lease for each term of candidacy.
      let lease: Lease;
      try {
        lease = await this.store.grantLease(this.ttl);
      } catch (err) {
        if (err instanceof StoreClosedError) break; // the store is gone: so is the candidacy
        decide(); // the store is unreachable: not leading, keep trying in the background
        await sleep(RETRY_MS);
        continue;
      }
      if (this.resigned) {
        await lease.revoke().catch(() => undefined);
        break;
      }
      this.lease = lease;
      let leaseLost = false;
      lease.onLost(() => {
        leaseLost = true;
        // Step down now, synchronously: the key may already be gone and someone else elected.
        if (this.leading) this.setState(false, undefined);
        this.signal('leaseLost');
      });

      while (!this.resigned && !leaseLost) {
        let why: Wake;
        try {
          why = await this.round(lease, decide);
        } catch (err) {
          if (err instanceof StoreClosedError) {
            this.resigned = true;
            break;
          }
          why = 'recheck';
          decide(); // a store error is also a decision: not leading, for now
          await sleep(RETRY_MS);
        }
        if (why === 'leaseLost' || why === 'resign') break;
      }
      await this.watcher?.close().catch(() => undefined);
      this.watcher = undefined;
      if (this.leading) this.setState(false, undefined);
    }
    this.resigned = true;
    if (this.leading || this.leader !== undefined) this.setState(false, undefined);
    decide();
  }

  /** One round: try to take the key, then watch it until something calls for another round. */
  private async round(lease: Lease, decided: () => void): Promise<Wake> {
    const value: ElectionValue = { address: this.address, id: this.id, since: new Date().toISOString() };
    const res = await this.store.txn({
      compare: [{ key: this.key, target: 'version', op: '=', value: 0 }],
      success: [{ type: 'put', key: this.key, value: JSON.stringify(value), lease: lease.id }],
      failure: [{ type: 'get', key: this.key }],
    });
    if (this.resigned) return 'resign'; // resign() releases whatever this txn took
    if (res.succeeded) {
      this.heldRevision = res.revision;
      this.setState(true, this.address);
    } else {
      const current = res.results[0]?.[0];
      if (!current) return 'vacant'; // deleted between compare and get: impossible in one txn, but cheap to handle
      const holder = parseValue(current.value);
      if (holder?.id === this.id && current.lease === lease.id) {
        this.heldRevision = current.modRevision;
        this.setState(true, this.address);
      } else {
        this.setState(false, holder?.address);
      }
    }
    await this.watcher?.close().catch(() => undefined);
    this.watcher = await this.store.watch(
      this.key,
      res.revision,
      (events) => {
        for (const e of events) {
          if (e.kv.key !== this.key) continue;
          if (e.type === 'delete') {
            this.setState(false, undefined);
            this.signal('vacant');
          } else if (this.leading && e.kv.modRevision !== this.heldRevision) {
            // Someone overwrote our key (an operator?): we no longer lead.
            this.setState(false, parseValue(e.kv.value)?.address);
            this.signal('recheck');
          } else if (!this.leading) {
            this.setState(false, parseValue(e.kv.value)?.address);
          }
        }
      },
      () => this.signal('recheck'),
    );
    decided();
    return this.nextWake();
  }

  async resign(): Promise<void> {
    if (this.resigned) return this.loopDone;
    this.resigned = true;
    const wasLeading = this.leading;
    const held = this.heldRevision;
    this.setState(false, undefined);
    this.signal('resign');
    await this.loopDone;
    if (wasLeading) {
      // Delete only our own key: a successor may already hold it if our lease just ran out.
      await this.store
        .txn({ compare: [{ key: this.key, target: 'modRevision', op: '=', value: held }], success: [{ type: 'delete', key: this.key }] })
        .catch(() => undefined);
    }
    await this.lease?.revoke().catch(() => undefined);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}
