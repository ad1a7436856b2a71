// One writer per store: leader election through a lease-bound key (the etcd pattern), usable on
// any Store. The leader's writes carry a compare on that key's value (a fence), so a replica that
// lost its lease can never write again, even if it has not noticed yet.
import * as crypto from 'node:crypto';
import type { Compare, Lease, Store, Watcher } from '../store/store';
import { LEADER_KEY } from './layout';
import type { Logger } from './log';

export interface LeaderValue {
  url: string;
  id: string;
  since: string;
}

export class Election {
  private leading = false;
  private lease?: Lease;
  private watcher?: Watcher;
  private leaderValue?: string;
  private closed = false;
  private campaigning = false;
  /** The leader key was deleted while a campaign ran: run another when it ends. */
  private again = false;
  private readonly myValue: string;

  constructor(
    private readonly store: Store,
    advertiseUrl: string,
    private readonly ttlSeconds: number,
    private readonly log: Logger,
    /** Called on every change of role (true = now leading). */
    private readonly onRoleChange: (leading: boolean) => void,
  ) {
    const v: LeaderValue = { url: advertiseUrl, id: crypto.randomBytes(8).toString('hex'), since: new Date().toISOString() };
    this.myValue = JSON.stringify(v);
  }

  isLeader(): boolean {
    return this.leading;
  }

  fence(): Compare[] {
    return [{ key: LEADER_KEY, target: 'value', op: '=', value: this.myValue }];
  }

  leaderAddress(): string | undefined {
    const v = this.leading ? this.myValue : this.leaderValue;
    if (!v) return undefined;
    try {
      return (JSON.parse(v) as LeaderValue).url;
    } catch {
      return undefined;
    }
  }

  async start(): Promise<void> {
    const rev = await this.store.revision();
    this.watcher = await this.store.watch(LEADER_KEY, rev, (events) => {
      for (const e of events) {
        if (e.kv.key !== LEADER_KEY) continue;
        if (e.type === 'delete') {
          this.leaderValue = undefined;
          if (!this.leading) void this.campaign();
        } else this.leaderValue = e.kv.value;
      }
    });
    await this.campaign();
  }

  private async campaign(): Promise<void> {
    if (this.closed || this.leading) return;
    if (this.campaigning) {
      this.again = true;
      return;
    }
    this.campaigning = true;
    this.again = false;
    try {
      const lease = await this.store.grantLease(this.ttlSeconds);
      const resp = await this.store.txn({
        compare: [{ key: LEADER_KEY, target: 'version', op: '=', value: 0 }],
        success: [{ type: 'put', key: LEADER_KEY, value: this.myValue, lease: lease.id }],
        failure: [{ type: 'get', key: LEADER_KEY }],
      });
      if (resp.succeeded && !this.closed) {
        this.lease = lease;
        this.leading = true;
        this.leaderValue = this.myValue;
        lease.onLost(() => this.stepDown('lease lost'));
        this.log.info('leader elected: this replica leads', { leader: this.leaderAddress() });
        this.onRoleChange(true);
      } else {
        await lease.revoke().catch(() => undefined);
        if (!this.again) this.leaderValue = resp.results[0]?.[0]?.value ?? this.leaderValue;
        if (!this.leaderValue && !this.closed) setTimeout(() => void this.campaign(), 200).unref();
      }
    } catch (e) {
      this.log.warn('leader campaign failed; retrying', { error: (e as Error).message });
      if (!this.closed) setTimeout(() => void this.campaign(), 500).unref();
    } finally {
      this.campaigning = false;
      if (this.again && !this.leading && !this.closed) void this.campaign();
    }
  }

  private stepDown(why: string): void {
    if (!this.leading) return;
    this.leading = false;
    this.lease = undefined;
    this.log.warn('leadership lost', { reason: why });
    this.onRoleChange(false);
    if (!this.closed) setTimeout(() => void this.campaign(), 200).unref();
  }

  /** Give up leadership (the lease is revoked so a standby takes over at once). */
  async close(): Promise<void> {
    this.closed = true;
    await this.watcher?.close().catch(() => undefined);
    if (this.lease) await this.lease.revoke().catch(() => undefined);
    this.leading = false;
  }
}
