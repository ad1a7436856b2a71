// The HA store: an etcd v3 cluster through the `etcd3` client. The Store contract is the etcd model,
// so this is mostly a translation: compares and ops map one to one onto etcd's Txn, watch onto a
// Watch stream, leases onto etcd leases.
//
// Failover: the client holds every endpoint; a read that fails on one member is retried on another
// (etcd3's global retry policy, hosts shuffled, a per-host circuit breaker). Writes are never
// retried by the client: a transaction whose answer was lost may have been applied, and sending it
// again would turn "applied" into "compare failed". They go through a second client with a
// single-attempt policy and fail with OutcomeUnknownError, which the caller resolves (the composer:
// provider/composer/commit.ts; docs/store.md "Outcome unknown"). Watches are our own streams,
// resumed after any error from the first revision not yet delivered, so each event is delivered
// exactly once across member failures.
import { Etcd3, IOptions } from 'etcd3';
import type * as RPC from 'etcd3/lib/rpc';
import { CompactedError, LeaseNotFoundError, OutcomeUnknownError, StoreClosedError, StoreRequestError } from './errors';
import type { Compare, KeyValue, Lease, Op, Store, TxnRequest, TxnResponse, WatchEvent, Watcher } from './store';
import { checkKey, checkRevision, checkTtl, checkTxn, prefixEnd } from './validate';

export interface EtcdStoreOptions {
  /**
   * Deadline of writes and single-key reads, ms (default 2000). A call stuck on a member that lost
   * its raft leader is retried on another member after this, so keep it short.
   */
  callTimeoutMs?: number;
  /** Deadline of prefix range reads, which may be large (default 30000). */
  rangeTimeoutMs?: number;
  /** How long connect() waits for a first answer, ms (default 10000). */
  connectTimeoutMs?: number;
}

const ALL_KEYS = Buffer.from([0]);
/** Keys per page of a prefix range. */
const RANGE_PAGE = 1_000;

function b(s: string): Buffer {
  return Buffer.from(s, 'utf8');
}

/** The [key, range_end) pair that selects every key starting with prefix. */
function prefixRange(prefix: string): { key: Buffer; range_end: Buffer } {
  const key = b(prefix);
  if (key.length === 0) return { key: ALL_KEYS, range_end: ALL_KEYS };
  return { key, range_end: prefixEnd(key) ?? ALL_KEYS };
}

function toKeyValue(kv: RPC.IKeyValue): KeyValue {
  const out: KeyValue = {
    key: kv.key.toString('utf8'),
    value: kv.value.toString('utf8'),
    createRevision: Number(kv.create_revision),
    modRevision: Number(kv.mod_revision),
    version: Number(kv.version),
  };
  if (kv.lease && kv.lease !== '0') out.lease = String(kv.lease);
  return out;
}

function toCompare(c: Compare): RPC.ICompare {
  const result = c.op === '=' ? 'Equal' : c.op === '<' ? 'Less' : 'Greater';
  switch (c.target) {
    case 'value':
      return { key: b(c.key), target: 'Value', result: 'Equal', value: b(c.value) };
    case 'version':
      return { key: b(c.key), target: 'Version', result, version: c.value };
    case 'modRevision':
      return { key: b(c.key), target: 'Mod', result, mod_revision: c.value };
  }
}

function toRequestOp(op: Op): RPC.IRequestOp {
  switch (op.type) {
    case 'put':
      return { request_put: { key: b(op.key), value: b(op.value), lease: op.lease ?? 0 } };
    case 'delete':
      return { request_delete_range: { key: b(op.key) } };
    case 'deletePrefix':
      return { request_delete_range: prefixRange(op.prefix) };
    case 'get':
      return { request_range: { key: b(op.key) } };
    case 'range':
      return { request_range: prefixRange(op.prefix) }; // etcd returns ranges in key order
  }
}

/** Turns etcd's words for known conditions into the store's error classes. */
function translateError(err: unknown, leaseId?: string): unknown {
  const message = (err as Error)?.message ?? '';
  if (/requested lease not found/.test(message)) return new LeaseNotFoundError(leaseId ?? 'unknown');
  return err;
}

/**
 * etcd3's global policy slot with one attempt and no retry: what a non-idempotent call needs.
 * (The slot takes any object with cockatiel's execute(); the per-host circuit breaker stays, and a
 * call it blocks is never sent.)
 */
const SINGLE_ATTEMPT = {
  execute: <T>(fn: (ctx: { signal: AbortSignal; attempt: number }) => PromiseLike<T> | T) => Promise.resolve().then(() => fn({ signal: new AbortController().signal, attempt: 0 })),
} as unknown as NonNullable<NonNullable<IOptions['faultHandling']>['global']>;

function callSafely(fn: () => void): void {
  try {
    fn();
  } catch (err) {
    process.emitWarning(`store callback threw: ${(err as Error)?.message ?? String(err)}`);
  }
}

export function parseEndpoints(endpoints: string[]): string[] {
  if (!Array.isArray(endpoints) || endpoints.length === 0) throw new StoreRequestError('endpoints', 'must list at least one etcd endpoint');
  return endpoints.map((e, i) => {
    let url: URL;
    try {
      url = new URL(e);
    } catch {
      throw new StoreRequestError(`endpoints[${i}]`, `'${e}' is not a URL (expected http://host:port)`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new StoreRequestError(`endpoints[${i}]`, `'${e}' must use http or https`);
    if (!url.port) throw new StoreRequestError(`endpoints[${i}]`, `'${e}' must name a port`);
    if (url.pathname !== '/' || url.search || url.username) throw new StoreRequestError(`endpoints[${i}]`, `'${e}' must be just scheme://host:port`);
    return `${url.protocol}//${url.host}`;
  });
}

/**
 * Ends a gRPC stream for good. Cancel, not end(): etcd keeps a half-closed stream open, and a
 * closed gRPC channel waits for its open calls, so ended streams kept a process alive after
 * Store.close(). The cancellation surfaces as an 'error' event, which nobody needs any more.
 */
function cancelStream(s: { cancel(): void }): void {
  const emitter = s as unknown as NodeJS.EventEmitter;
  emitter.removeAllListeners('data');
  emitter.removeAllListeners('end');
  emitter.removeAllListeners('error');
  emitter.on('error', () => undefined);
  s.cancel();
}

export class EtcdStore implements Store {
  readonly kind = 'etcd';
  private closed = false;
  private readonly watches = new Set<EtcdWatch>();
  private readonly leases = new Set<EtcdLease>();

  /** Connects to an etcd cluster through all of `endpoints`; fails clearly when none answers. */
  static async connect(endpoints: string[], options: EtcdStoreOptions = {}): Promise<EtcdStore> {
    const hosts = parseEndpoints(endpoints);
    const callTimeoutMs = options.callTimeoutMs ?? 2_000;
    const rangeTimeoutMs = options.rangeTimeoutMs ?? 30_000;
    const clientOptions: IOptions = {
      hosts,
      dialTimeout: options.connectTimeoutMs ?? 10_000,
      // A txn's range op cannot be paged: allow large answers (gRPC's default cap is 4 MiB).
      grpcOptions: { 'grpc.max_receive_message_length': 256 * 1024 * 1024 },
      defaultCallOptions: (ctx) => {
        if (ctx.isStream) return {};
        const isPrefixRange = ctx.method === 'range' && (ctx.params as RPC.IRangeRequest | undefined)?.range_end !== undefined;
        return { deadline: Date.now() + (isPrefixRange ? rangeTimeoutMs : callTimeoutMs) };
      },
    };
    const store = new EtcdStore(new Etcd3(clientOptions), new Etcd3({ ...clientOptions, faultHandling: { global: SINGLE_ATTEMPT } }), hosts);
    const deadline = Date.now() + (options.connectTimeoutMs ?? 10_000);
    for (;;) {
      try {
        await store.revision();
        return store;
      } catch (err) {
        if (Date.now() > deadline) {
          await store.close();
          throw new Error(`etcd ${hosts.join(',')}: not reachable: ${(err as Error).message}`);
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }

  /**
   * `client` retries reads, watches and leases across members; `writer` sends each write once.
   */
  private constructor(
    readonly client: Etcd3,
    private readonly writer: Etcd3,
    readonly endpoints: string[],
  ) {}

  async get(key: string): Promise<KeyValue | undefined> {
    this.assertOpen();
    checkKey('key', key);
    const res = await this.client.kv.range({ key: b(key) });
    return res.kvs.length > 0 ? toKeyValue(res.kvs[0]) : undefined;
  }

  async range(prefix: string, opts: { limit?: number } = {}): Promise<KeyValue[]> {
    this.assertOpen();
    if (typeof prefix !== 'string') throw new StoreRequestError('prefix', 'must be a string');
    if (opts.limit !== undefined && (!Number.isInteger(opts.limit) || opts.limit < 1)) throw new StoreRequestError('limit', 'must be an integer >= 1');
    // Page through large ranges at one pinned revision: one consistent snapshot, no giant message.
    const { key, range_end } = prefixRange(prefix);
    const want = opts.limit ?? Infinity;
    const out: KeyValue[] = [];
    let start = key;
    let revision: string | undefined;
    for (;;) {
      const res = await this.client.kv.range({ key: start, range_end, limit: Math.min(RANGE_PAGE, want - out.length), revision: revision ?? 0 });
      revision ??= String(res.header.revision);
      out.push(...res.kvs.map(toKeyValue));
      if (!res.more || res.kvs.length === 0 || out.length >= want) return out;
      start = Buffer.concat([res.kvs[res.kvs.length - 1].key, Buffer.from([0])]);
    }
  }

  async put(key: string, value: string, opts: { lease?: string } = {}): Promise<number> {
    const res = await this.txn({ compare: [], success: [{ type: 'put', key, value, lease: opts.lease }] });
    return res.revision;
  }

  async delete(key: string): Promise<boolean> {
    this.assertOpen();
    checkKey('key', key);
    try {
      const res = await this.writer.kv.deleteRange({ key: b(key) });
      return Number(res.deleted) > 0;
    } catch (err) {
      throw new OutcomeUnknownError(`delete ${key}`, err);
    }
  }

  async txn(request: TxnRequest): Promise<TxnResponse> {
    this.assertOpen();
    checkTxn(request);
    const leaseOf = (ops: Op[]) => ops.map((o) => (o.type === 'put' ? o.lease : undefined)).find((l) => l !== undefined && l !== '0');
    let res: RPC.ITxnResponse;
    try {
      res = await this.writer.kv.txn({
        compare: request.compare.map(toCompare),
        success: request.success.map(toRequestOp),
        failure: (request.failure ?? []).map(toRequestOp),
      });
    } catch (err) {
      const known = translateError(err, leaseOf(request.success) ?? leaseOf(request.failure ?? []));
      if (known !== err) throw known; // etcd answered: refused, nothing applied
      throw new OutcomeUnknownError('txn', err);
    }
    const results = (res.responses ?? []).map((r) => (r.response_range ? r.response_range.kvs.map(toKeyValue) : []));
    return { succeeded: res.succeeded, revision: Number(res.header.revision), results };
  }

  async revision(): Promise<number> {
    this.assertOpen();
    const res = await this.client.kv.range({ key: ALL_KEYS, count_only: true, limit: 1 });
    return Number(res.header.revision);
  }

  async watch(prefix: string, fromRevision: number | undefined, onEvent: (events: WatchEvent[]) => void, onError?: (err: Error) => void): Promise<Watcher> {
    this.assertOpen();
    if (typeof prefix !== 'string') throw new StoreRequestError('prefix', 'must be a string');
    checkRevision('fromRevision', fromRevision);
    if (typeof onEvent !== 'function') throw new StoreRequestError('onEvent', 'must be a function');
    const current = await this.revision();
    const from = fromRevision ?? current;
    if (from < current) {
      // etcd answers a range at a compacted revision with an error: refuse before streaming.
      try {
        await this.client.kv.range({ key: ALL_KEYS, count_only: true, revision: from + 1 });
      } catch (err) {
        const m = /compacted/.test((err as Error).message) ? await this.compactRevisionHint(err) : undefined;
        if (m !== undefined) throw new CompactedError(from, m);
        throw err;
      }
    }
    const w = new EtcdWatch(this.client, prefix, from + 1, onEvent, (err) => {
      this.watches.delete(w);
      if (onError) callSafely(() => onError(err));
      else process.emitWarning(`etcd watch on '${prefix}' ended: ${err.message}`);
    });
    this.watches.add(w);
    try {
      await w.start();
    } catch (err) {
      this.watches.delete(w);
      throw err;
    }
    return { close: async () => { this.watches.delete(w); w.close(); } };
  }

  private async compactRevisionHint(_err: unknown): Promise<number> {
    // etcd does not tell the compaction point in the error; the lowest readable revision is it.
    // A watch from revision 1 is cancelled with compact_revision set: ask that way.
    const stream = await this.client.watchClient.watch();
    try {
      return await new Promise<number>((resolve, reject) => {
        stream.on('data', (res: RPC.IWatchResponse) => {
          if (Number(res.compact_revision) > 0) resolve(Number(res.compact_revision));
        });
        stream.on('error', reject);
        setTimeout(() => reject(new Error('no compaction revision reported')), 3_000).unref();
        stream.write({ create_request: { key: ALL_KEYS, range_end: ALL_KEYS, start_revision: 1 } });
      });
    } finally {
      cancelStream(stream);
    }
  }

  async grantLease(ttlSeconds: number): Promise<Lease> {
    this.assertOpen();
    checkTtl(ttlSeconds);
    const lease = new EtcdLease(this.client, ttlSeconds, () => this.leases.delete(lease));
    await lease.grant();
    this.leases.add(lease);
    return lease.handle();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const w of this.watches) w.close();
    this.watches.clear();
    for (const l of this.leases) l.release();
    this.leases.clear();
    this.client.close();
    this.writer.close();
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreClosedError(this.kind);
  }
}

/**
 * One etcd lease with our own keep-alive loop: renew every TTL/4 (at most 1 s) over a keep-alive stream, reopen
 * the stream (on whichever member the pool picks) as soon as a renewal fails or stalls, and declare
 * the lease lost once a full TTL has passed since the last confirmed renewal — the earliest moment
 * etcd may have expired it. (etcd3's own loop waits 2 x TTL before saying so: too late for a leader.)
 */
class EtcdLease {
  id = '';
  private lastRenewed = 0;
  private readonly lostCallbacks: Array<() => void> = [];
  private ended = false;
  private lost = false;
  private timer?: NodeJS.Timeout;
  private watchdog?: NodeJS.Timeout;
  private stream?: RPC.IDuplexStream<RPC.ILeaseKeepAliveRequest, RPC.ILeaseKeepAliveResponse>;
  private pending?: { resolve: (ttl: number) => void; reject: (e: Error) => void };
  private readonly intervalMs: number;

  constructor(private readonly client: Etcd3, private readonly ttlSeconds: number, private readonly onEnd: () => void) {
    // Renew often: a renewal may stall for an etcd leader election, and the watchdog gives up
    // one TTL after the last confirmed renewal.
    this.intervalMs = Math.max(200, Math.min((ttlSeconds * 1000) / 4, 1_000));
  }

  async grant(): Promise<void> {
    const sentAt = Date.now();
    const res = await this.client.leaseClient.leaseGrant({ TTL: this.ttlSeconds });
    this.id = String(res.ID);
    this.lastRenewed = sentAt;
    this.watchdog = setInterval(() => {
      if (Date.now() - this.lastRenewed > this.ttlSeconds * 1000) this.markLost();
    }, 100);
    this.watchdog.unref();
    this.schedule(this.intervalMs);
  }

  handle(): Lease {
    return {
      id: this.id,
      revoke: () => this.revoke(),
      onLost: (cb) => {
        if (this.lost) queueMicrotask(cb);
        else this.lostCallbacks.push(cb);
      },
    };
  }

  private schedule(delayMs: number): void {
    if (this.ended) return;
    this.timer = setTimeout(() => void this.renew(), delayMs);
    this.timer.unref();
  }

  private async renew(): Promise<void> {
    if (this.ended) return;
    const sentAt = Date.now();
    try {
      const ttl = await this.renewOnce();
      if (ttl <= 0) return this.markLost(); // etcd says the lease no longer exists
      this.lastRenewed = sentAt;
      this.schedule(this.intervalMs);
    } catch {
      this.dropStream();
      this.schedule(50); // try again at once, most likely on another member
    }
  }

  private async renewOnce(): Promise<number> {
    if (!this.stream) {
      const stream = await this.client.leaseClient.leaseKeepAlive();
      if (this.ended) {
        cancelStream(stream);
        throw new Error('lease ended');
      }
      this.stream = stream;
      const emitter = stream as unknown as NodeJS.EventEmitter;
      emitter.on('data', (res: RPC.ILeaseKeepAliveResponse) => {
        const p = this.pending;
        this.pending = undefined;
        p?.resolve(Number(res.TTL));
      });
      const broken = (err?: Error) => {
        if (this.stream === stream) this.stream = undefined;
        const p = this.pending;
        this.pending = undefined;
        p?.reject(err ?? new Error('keep-alive stream ended'));
      };
      emitter.on('error', broken);
      emitter.on('end', () => broken());
    }
    const stream = this.stream;
    return new Promise<number>((resolve, reject) => {
      const timeout = setTimeout(() => {
        this.pending = undefined;
        reject(new Error('keep-alive response timed out'));
      }, Math.min(this.intervalMs, 1_000));
      this.pending = {
        resolve: (ttl) => { clearTimeout(timeout); resolve(ttl); },
        reject: (e) => { clearTimeout(timeout); reject(e); },
      };
      stream.write({ ID: this.id });
    });
  }

  private dropStream(): void {
    const s = this.stream;
    this.stream = undefined;
    if (s) cancelStream(s);
  }

  private markLost(): void {
    if (this.ended) return;
    this.lost = true;
    this.stop();
    for (const cb of this.lostCallbacks) callSafely(cb);
  }

  private stop(): void {
    this.ended = true;
    clearTimeout(this.timer);
    clearInterval(this.watchdog);
    this.dropStream();
    this.onEnd();
  }

  /** Stops renewing without revoking (store closing): the lease runs out on its own. */
  release(): void {
    if (!this.ended) this.stop();
  }

  async revoke(): Promise<void> {
    const wasLost = this.lost;
    if (!this.ended) this.stop();
    if (wasLost) return;
    try {
      await this.client.leaseClient.leaseRevoke({ ID: this.id });
    } catch (err) {
      const e = translateError(err, this.id);
      if (!(e instanceof LeaseNotFoundError)) throw e;
    }
  }
}

/** A watch stream resumed from the first undelivered revision after any failure. */
class EtcdWatch {
  private stream?: RPC.IDuplexStream<RPC.IWatchRequest, RPC.IWatchResponse>;
  private closed = false;
  private created?: { resolve: () => void; reject: (e: Error) => void };
  private retryDelayMs = 50;
  private readonly range: { key: Buffer; range_end: Buffer };

  constructor(
    private readonly client: Etcd3,
    prefix: string,
    private nextRev: number,
    private readonly onEvent: (events: WatchEvent[]) => void,
    private readonly onFatal: (err: Error) => void,
  ) {
    this.range = prefixRange(prefix);
  }

  /** Resolves once etcd confirmed the watch; rejects if no member did within timeoutMs. */
  start(timeoutMs = 15_000): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.close();
        reject(new Error(`etcd watch: no member confirmed the watch within ${timeoutMs} ms`));
      }, timeoutMs);
      this.created = {
        resolve: () => { clearTimeout(timer); resolve(); },
        reject: (e) => { clearTimeout(timer); reject(e); },
      };
      this.connect();
    });
  }

  private connect(): void {
    if (this.closed) return;
    this.client.watchClient.watch().then(
      (stream) => {
        if (this.closed) {
          cancelStream(stream);
          return;
        }
        this.stream = stream;
        let dead = false;
        const onBroken = () => {
          if (dead) return;
          dead = true;
          (stream as unknown as NodeJS.EventEmitter).removeAllListeners('data');
          this.reconnectSoon();
        };
        stream.on('data', (res: RPC.IWatchResponse) => this.handle(res));
        stream.on('error', onBroken);
        stream.on('end', onBroken);
        stream.write({ create_request: { ...this.range, start_revision: this.nextRev, progress_notify: true } });
      },
      () => this.reconnectSoon(),
    );
  }

  private reconnectSoon(): void {
    if (this.closed) return;
    this.stream = undefined;
    const delay = this.retryDelayMs;
    this.retryDelayMs = Math.min(1_000, this.retryDelayMs * 2);
    setTimeout(() => this.connect(), delay).unref();
  }

  private handle(res: RPC.IWatchResponse): void {
    if (this.closed) return;
    if (res.created) {
      this.retryDelayMs = 50;
      this.created?.resolve();
      this.created = undefined;
    }
    if (res.canceled) {
      const compact = Number(res.compact_revision);
      const err = compact > 0 ? new CompactedError(this.nextRev - 1, compact) : new Error(`etcd cancelled the watch: ${res.cancel_reason || 'no reason given'}`);
      this.close();
      if (this.created) this.created.reject(err);
      else this.onFatal(err);
      return;
    }
    const events = (res.events ?? []).filter((e) => Number(e.kv.mod_revision) >= this.nextRev);
    if (events.length > 0) {
      this.nextRev = Number(events[events.length - 1].kv.mod_revision) + 1;
      const out: WatchEvent[] = events.map((e) =>
        e.type === 'Delete'
          ? { type: 'delete', kv: { key: e.kv.key.toString('utf8'), value: '', createRevision: 0, modRevision: Number(e.kv.mod_revision), version: 0 } }
          : { type: 'put', kv: toKeyValue(e.kv) },
      );
      callSafely(() => this.onEvent(out));
    } else if (!res.created && !res.fragment && (res.events ?? []).length === 0) {
      // A progress notification: everything up to the header revision has been sent.
      this.nextRev = Math.max(this.nextRev, Number(res.header.revision) + 1);
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    const s = this.stream;
    this.stream = undefined;
    if (s) cancelStream(s);
  }
}
