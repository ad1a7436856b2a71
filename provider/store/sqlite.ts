// The embedded store: one SQLite file in WAL mode, after the etcd v3 model.
//
// Tables: `kv` holds the live keys with their revisions, `events` is the change log that lets
// watch() replay history (compacted to the last `retainRevisions`), `leases` holds TTL leases,
// `meta` the store revision and the compaction point.
//
// Writes are group-committed: every write queued while the previous group was being made durable
// runs inside a single SQLite transaction, each in its own savepoint (so one failing request does
// not undo the others), and all promises resolve only after the group is durable. With
// synchronous 'full' (the default) that means fsynced: the COMMIT itself writes the WAL without
// syncing (the connection runs SQLite's synchronous=NORMAL), then the WAL file is fsynced on the
// libuv thread pool, so the event loop keeps serving requests during the fsync; only then are the
// group's promises resolved and its watch events delivered. An acknowledged write thus survives
// kill -9 and power loss alike. ('normal' resolves right after COMMIT: it survives kill -9, since
// the WAL is in the kernel's page cache, but not power loss.) WAL checkpoints run in a worker
// thread on their own connection (./sqlite-checkpoint), never inside a COMMIT on the event loop.
//
// Several processes may open the same file (SQLite serialises the writers); each process notices
// the others' commits through PRAGMA data_version and feeds them to its watchers.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { inSingleExecutable } from '../assets';
import { CheckpointResult, WalCheckpointer } from './sqlite-checkpoint';
import { openDatabase, SQLITE_DRIVERS, type SqlDatabase, type SqliteDriverName } from './sqlite-driver';
import { CompactedError, LeaseNotFoundError, StoreClosedError, StoreRequestError } from './errors';
import type { Compare, KeyValue, Lease, Op, Store, TxnRequest, TxnResponse, WatchEvent, Watcher } from './store';
import { checkKey, checkRevision, checkTtl, checkTxn, prefixEnd } from './validate';

export interface SqliteStoreOptions {
  /** 'full' (default): fsync every group commit. 'normal': survives kill -9 but not power loss. */
  synchronous?: 'full' | 'normal';
  /** Revisions of watch history kept for replay (default 50,000). */
  retainRevisions?: number;
  /** How often other processes' commits and expired leases are looked for (ms, default 100). */
  pollIntervalMs?: number;
  /** WAL size in pages past which writes pause for one catch-up checkpoint (default 10,000). */
  walDrainFrames?: number;
  /** The SQLite library (./sqlite-driver.ts; default DEFAULT_SQLITE_DRIVER). */
  driver?: SqliteDriverName;
}

/**
 * The driver a store opens with when none is named (docs/store.md "SQLite drivers"): the native
 * addon, except in the single executable, which cannot carry one.
 */
export const DEFAULT_SQLITE_DRIVER: SqliteDriverName = inSingleExecutable() ? 'node' : 'better-sqlite3';

interface KvRow {
  key: Buffer;
  value: string | Buffer;
  create_rev: number;
  mod_rev: number;
  version: number;
  lease: number;
}

interface EventRow {
  rev: number;
  seq: number;
  type: number; // 0 put, 1 delete
  key: Buffer;
  value: string | Buffer;
  create_rev: number;
  version: number;
  lease: number;
}

/** What one write job sees: the revision it would commit as, and whether it changed anything. */
interface WriteContext {
  nextRev: number;
  seq: number;
  changed: boolean;
  after: Array<() => void>;
}

interface WriteJob {
  run(ctx: WriteContext): unknown;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/** A committed group waiting for its fsync; settled exactly once. */
interface DurableGroup {
  settle: Array<() => void>;
  reject: Array<(err: unknown) => void>;
  after: Array<() => void>;
  done: boolean;
}

interface LocalWatcher {
  start: Buffer;
  end: Buffer | undefined;
  prefix: string;
  nextRev: number;
  onEvent: (events: WatchEvent[]) => void;
  onError?: (err: Error) => void;
  closed: boolean;
}

interface LocalLease {
  id: number;
  ttlSeconds: number;
  timer: NodeJS.Timeout;
  lostCallbacks: Array<() => void>;
  ended: boolean;
  lost: boolean;
}

const PUT = 0;
const DELETE = 1;
const DEFAULT_RETAIN = 50_000;
const COMPACT_EVERY = 1_000;
/** Commits between two background checkpoints. */
const CHECKPOINT_EVERY_COMMITS = 64;
/**
 * WAL frames (pages) past which writes pause for one checkpoint. Under steady load every PASSIVE
 * checkpoint leaves the frames committed meanwhile, and SQLite only rewinds a WAL that is
 * checkpointed to its end; so now and then the next group waits (the event loop does not) until
 * the worker has caught up, and that group's BEGIN starts the WAL from the beginning again.
 */
const DRAIN_WAL_FRAMES = 10_000;
/**
 * A drain that takes longer than this gives up (another process keeps writing, or the disk is
 * slow): lease keep-alives queue behind it, and a 1 s lease renews every 333 ms.
 */
const DRAIN_MAX_MS = 250;

/** Mode of a store file created here: the owner only (see SqliteStore.open). */
const PRIVATE_MODE = 0o600;

/** Clears the group/other bits of `file` if it exists; a file owned by someone else is left. */
function restrictMode(file: string): void {
  let mode: number;
  try {
    mode = fs.statSync(file).mode & 0o777;
  } catch {
    return;
  }
  if ((mode & 0o077) === 0) return;
  try {
    fs.chmodSync(file, mode & 0o700);
  } catch (err) {
    process.emitWarning(`cannot restrict the mode of ${file} (${(err as NodeJS.ErrnoException).code ?? 'failed'}): group or others may read the store`);
  }
}

/** A value column as text: node:sqlite reads TEXT only up to its first NUL, so it reads BLOB (see prepare()). */
const asText = (v: string | Buffer): string => (typeof v === 'string' ? v : v.toString('utf8'));

function toKeyValue(row: KvRow): KeyValue {
  const kv: KeyValue = {
    key: row.key.toString('utf8'),
    value: asText(row.value),
    createRevision: row.create_rev,
    modRevision: row.mod_rev,
    version: row.version,
  };
  if (row.lease !== 0) kv.lease = String(row.lease);
  return kv;
}

function toWatchEvent(row: EventRow): WatchEvent {
  if (row.type === DELETE) {
    return { type: 'delete', kv: { key: row.key.toString('utf8'), value: '', createRevision: 0, modRevision: row.rev, version: 0 } };
  }
  const kv: KeyValue = { key: row.key.toString('utf8'), value: asText(row.value), createRevision: row.create_rev, modRevision: row.rev, version: row.version };
  if (row.lease !== 0) kv.lease = String(row.lease);
  return { type: 'put', kv };
}

function compareNumbers(actual: number, op: '=' | '<' | '>', expected: number): boolean {
  return op === '=' ? actual === expected : op === '<' ? actual < expected : actual > expected;
}

function callSafely(fn: () => void): void {
  try {
    fn();
  } catch (err) {
    // A subscriber's bug must not break the store; make it visible without crashing.
    process.emitWarning(`store callback threw: ${(err as Error)?.message ?? String(err)}`);
  }
}

export class SqliteStore implements Store {
  readonly kind = 'sqlite';
  private readonly db: SqlDatabase;
  private readonly retainRevisions: number;
  private queue: WriteJob[] = [];
  private flushScheduled = false;
  private closed = false;
  private readonly watchers = new Set<LocalWatcher>();
  private readonly leases = new Map<number, LocalLease>();
  private dispatchedRev: number;
  private dataVersion: number;
  private readonly pollTimer: NodeJS.Timeout;
  private lastCompactCheck = 0;
  private readonly fsyncEachCommit: boolean;
  private readonly walPath: string;
  private walFd: number;
  private walIno: number;
  /** The group whose fsync is in flight (flushes wait for it: the next group is bigger). */
  private syncing: DurableGroup | undefined;
  private readonly checkpointer: WalCheckpointer;
  private commitsSinceCheckpoint = 0;
  /** Writes wait while the checkpoint worker catches up with the WAL (see DRAIN_WAL_FRAMES). */
  private draining = false;
  private readonly walDrainFrames: number;
  private readonly stmt: ReturnType<SqliteStore['prepare']>;

  /** Opens (creating when absent) the store file at `file`. */
  static async open(file: string, options: SqliteStoreOptions = {}): Promise<SqliteStore> {
    if (typeof file !== 'string' || file.length === 0) throw new StoreRequestError('path', 'must be a non-empty file path');
    if (file.includes('\0')) throw new StoreRequestError('path', 'must not contain NUL');
    const dir = path.dirname(path.resolve(file));
    if (!fs.existsSync(dir)) throw new StoreRequestError('path', `directory ${dir} does not exist`);
    return new SqliteStore(file, options);
  }

  private constructor(file: string, options: SqliteStoreOptions) {
    const sync = options.synchronous ?? 'full';
    if (sync !== 'full' && sync !== 'normal') throw new StoreRequestError('synchronous', "must be 'full' or 'normal'");
    this.retainRevisions = options.retainRevisions ?? DEFAULT_RETAIN;
    if (!Number.isInteger(this.retainRevisions) || this.retainRevisions < 1) throw new StoreRequestError('retainRevisions', 'must be an integer >= 1');
    this.walDrainFrames = options.walDrainFrames ?? DRAIN_WAL_FRAMES;
    if (!Number.isInteger(this.walDrainFrames) || this.walDrainFrames < 1) throw new StoreRequestError('walDrainFrames', 'must be an integer >= 1');
    const driver = options.driver ?? DEFAULT_SQLITE_DRIVER;
    if (!SQLITE_DRIVERS.includes(driver)) throw new StoreRequestError('driver', `must be one of ${SQLITE_DRIVERS.join(', ')}`);
    const pollMs = options.pollIntervalMs ?? 100;
    if (!Number.isInteger(pollMs) || pollMs < 1) throw new StoreRequestError('pollIntervalMs', 'must be an integer >= 1');

    try {
      // The store holds sealed secrets, fingerprints and the whole layout: owner-only, created
      // so before SQLite opens it (SQLite would create it 0644 under the usual umask).
      fs.closeSync(fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_CREAT, PRIVATE_MODE));
      this.db = openDatabase(file, driver);
      this.db.exec('PRAGMA journal_mode = WAL');
    } catch (err) {
      throw new StoreRequestError('path', `cannot open ${file} as a SQLite store: ${(err as Error).message}`);
    }
    this.fsyncEachCommit = sync === 'full';
    // 'full' fsyncs the WAL itself, off the event loop (see the top of this file).
    this.db.exec('PRAGMA synchronous = NORMAL');
    this.db.exec('PRAGMA wal_autocheckpoint = 0');
    this.db.exec('PRAGMA busy_timeout = 10000');
    // kv and events are rowid tables: their rows hold whole JSON values, and a WITHOUT ROWID
    // b-tree keyed by (random) key moves those large cells on every insert. Measured: about 3x
    // the time per composer create and twice the WAL volume. Files created before keep their
    // WITHOUT ROWID tables; every statement below works on both layouts.
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
      INSERT OR IGNORE INTO meta (name, value) VALUES ('revision', 0), ('compacted', 0);
      CREATE TABLE IF NOT EXISTS kv (
        key BLOB PRIMARY KEY, value TEXT NOT NULL, create_rev INTEGER NOT NULL,
        mod_rev INTEGER NOT NULL, version INTEGER NOT NULL, lease INTEGER NOT NULL DEFAULT 0
      );
      CREATE INDEX IF NOT EXISTS kv_by_lease ON kv (lease) WHERE lease != 0;
      CREATE TABLE IF NOT EXISTS events (
        rev INTEGER NOT NULL, seq INTEGER NOT NULL, type INTEGER NOT NULL, key BLOB NOT NULL,
        value TEXT NOT NULL, create_rev INTEGER NOT NULL, version INTEGER NOT NULL, lease INTEGER NOT NULL,
        PRIMARY KEY (rev, seq)
      );
      CREATE TABLE IF NOT EXISTS leases (id INTEGER PRIMARY KEY AUTOINCREMENT, ttl INTEGER NOT NULL, expires_at INTEGER NOT NULL);
      CREATE INDEX IF NOT EXISTS leases_by_expiry ON leases (expires_at);
    `);
    this.stmt = this.prepare();
    this.dispatchedRev = this.readRevision();
    this.dataVersion = this.stmt.dataVersion.get() as number;
    // The WAL exists once the connection has read in WAL mode (above). Sync its directory once so
    // the file's own entry is durable too.
    this.walPath = `${path.resolve(file)}-wal`;
    try {
      this.walFd = fs.openSync(this.walPath, 'r');
      this.walIno = fs.fstatSync(this.walFd).ino;
      // SQLite gives a new WAL and shared-memory index the database file's mode, but a store
      // left by an older version keeps its files' modes: narrow all three, once it is known to
      // be a SQLite store (a wrong path given by mistake is not touched).
      restrictMode(path.resolve(file));
      restrictMode(this.walPath);
      restrictMode(`${path.resolve(file)}-shm`);
      const dirFd = fs.openSync(path.dirname(this.walPath), 'r');
      try {
        fs.fsyncSync(dirFd);
      } finally {
        fs.closeSync(dirFd);
      }
    } catch (err) {
      this.db.close();
      throw new StoreRequestError('path', `cannot open the write-ahead log ${this.walPath}: ${(err as Error).message}`);
    }
    this.checkpointer = new WalCheckpointer(path.resolve(file), driver, (reason) => {
      if (this.closed) return;
      // Without its worker the WAL would grow for ever: let COMMIT checkpoint again, as SQLite does by default.
      process.emitWarning(`sqlite checkpoint worker ended (${reason}); checkpoints run on commit again`);
      this.db.exec('PRAGMA wal_autocheckpoint = 1000');
    });
    this.pollTimer = setInterval(() => this.poll(), pollMs);
    this.pollTimer.unref();
  }

  private prepare() {
    const db = this.db;
    // node:sqlite returns a TEXT column only up to its first NUL (the value is stored whole): that
    // driver reads values as BLOB, decoded by asText(). better-sqlite3 reads TEXT as it is.
    const V = db.driver === 'node' ? 'CAST(value AS BLOB) AS value' : 'value';
    const KV = `key, ${V}, create_rev, mod_rev, version, lease`;
    const EV = `rev, seq, type, key, ${V}, create_rev, version, lease`;
    return {
      begin: db.prepare('BEGIN IMMEDIATE'),
      commit: db.prepare('COMMIT'),
      rollback: db.prepare('ROLLBACK'),
      savepoint: db.prepare('SAVEPOINT job'),
      release: db.prepare('RELEASE job'),
      rollbackTo: db.prepare('ROLLBACK TO job'),
      // Prepared once: db.pragma() would compile the statement on every commit.
      dataVersion: db.prepareScalar('PRAGMA data_version'),
      getMeta: db.prepareScalar('SELECT value FROM meta WHERE name = ?'),
      setMeta: db.prepare('UPDATE meta SET value = ? WHERE name = ?'),
      getKv: db.prepare(`SELECT ${KV} FROM kv WHERE key = ?`),
      getValue: db.prepareScalar(`SELECT ${V} FROM kv WHERE key = ?`),
      getRevs: db.prepare('SELECT mod_rev, version FROM kv WHERE key = ?'),
      rangeFrom: db.prepare(`SELECT ${KV} FROM kv WHERE key >= ? ORDER BY key LIMIT ?`),
      rangeBetween: db.prepare(`SELECT ${KV} FROM kv WHERE key >= ? AND key < ? ORDER BY key LIMIT ?`),
      upsert: db.prepare(`INSERT INTO kv (key, value, create_rev, mod_rev, version, lease) VALUES (@key, @value, @rev, @rev, 1, @lease)
        ON CONFLICT (key) DO UPDATE SET value = excluded.value, mod_rev = excluded.mod_rev, version = kv.version + 1, lease = excluded.lease
        RETURNING create_rev, version`),
      deleteKey: db.prepare('DELETE FROM kv WHERE key = ? RETURNING key'),
      deleteFrom: db.prepare('DELETE FROM kv WHERE key >= ? RETURNING key'),
      deleteBetween: db.prepare('DELETE FROM kv WHERE key >= ? AND key < ? RETURNING key'),
      deleteByLease: db.prepare('DELETE FROM kv WHERE lease = ? RETURNING key'),
      addEvent: db.prepare(`INSERT INTO events (rev, seq, type, key, value, create_rev, version, lease)
        VALUES (@rev, @seq, @type, @key, @value, @create_rev, @version, @lease)`),
      eventsAfterFrom: db.prepare(`SELECT ${EV} FROM events WHERE rev > ? AND rev <= ? AND key >= ? ORDER BY rev, seq`),
      eventsAfterBetween: db.prepare(`SELECT ${EV} FROM events WHERE rev > ? AND rev <= ? AND key >= ? AND key < ? ORDER BY rev, seq`),
      compactEvents: db.prepare('DELETE FROM events WHERE rev <= ?'),
      leaseExists: db.prepareScalar('SELECT 1 FROM leases WHERE id = ?'),
      grantLease: db.prepareScalar('INSERT INTO leases (ttl, expires_at) VALUES (?, ?) RETURNING id'),
      // An expired lease is never renewed, even before the sweep has removed it.
      renewLease: db.prepare('UPDATE leases SET expires_at = ? WHERE id = ? AND expires_at > ?'),
      deleteLease: db.prepare('DELETE FROM leases WHERE id = ?'),
      expiredLeases: db.prepareScalar('SELECT id FROM leases WHERE expires_at <= ? ORDER BY id'),
      anyExpired: db.prepareScalar('SELECT 1 FROM leases WHERE expires_at <= ? LIMIT 1'),
    };
  }

  // ---- reads ---------------------------------------------------------------------------------

  async get(key: string): Promise<KeyValue | undefined> {
    this.assertOpen();
    checkKey('key', key);
    return this.readKey(key);
  }

  async range(prefix: string, opts: { limit?: number } = {}): Promise<KeyValue[]> {
    this.assertOpen();
    if (typeof prefix !== 'string') throw new StoreRequestError('prefix', 'must be a string');
    const limit = opts.limit ?? -1;
    if (opts.limit !== undefined && (!Number.isInteger(limit) || limit < 1)) throw new StoreRequestError('limit', 'must be an integer >= 1');
    return this.readRange(prefix, limit);
  }

  async revision(): Promise<number> {
    this.assertOpen();
    return this.readRevision();
  }

  private readRevision(): number {
    return this.stmt.getMeta.get('revision') as number;
  }

  private readKey(key: string): KeyValue | undefined {
    const row = this.stmt.getKv.get(Buffer.from(key, 'utf8')) as KvRow | undefined;
    return row ? toKeyValue(row) : undefined;
  }

  private readRange(prefix: string, limit = -1): KeyValue[] {
    const start = Buffer.from(prefix, 'utf8');
    const end = prefixEnd(start);
    const rows = (end ? this.stmt.rangeBetween.all(start, end, limit) : this.stmt.rangeFrom.all(start, limit)) as KvRow[];
    return rows.map(toKeyValue);
  }

  // ---- writes --------------------------------------------------------------------------------

  async put(key: string, value: string, opts: { lease?: string } = {}): Promise<number> {
    const res = await this.txn({ compare: [], success: [{ type: 'put', key, value, lease: opts.lease }] });
    return res.revision;
  }

  async delete(key: string): Promise<boolean> {
    checkKey('key', key);
    const res = await this.write((ctx) => this.applyDelete(ctx, key));
    return res;
  }

  async txn(request: TxnRequest): Promise<TxnResponse> {
    this.assertOpen();
    checkTxn(request);
    return this.write((ctx) => {
      const succeeded = request.compare.every((c) => this.holds(c));
      const ops = succeeded ? request.success : request.failure ?? [];
      const results = ops.map((op) => this.applyOp(ctx, op));
      return { succeeded, revision: ctx.changed ? ctx.nextRev : ctx.nextRev - 1, results };
    });
  }

  private holds(c: Compare): boolean {
    const key = Buffer.from(c.key, 'utf8');
    switch (c.target) {
      case 'value': {
        const value = this.stmt.getValue.get(key) as string | Buffer | undefined;
        return value !== undefined && asText(value) === c.value; // as etcd: a value compare on an absent key fails
      }
      case 'version':
      case 'modRevision': {
        // Revisions only: the (possibly large) value is not read for a revision compare.
        const row = this.stmt.getRevs.get(key) as { mod_rev: number; version: number } | undefined;
        return compareNumbers((c.target === 'version' ? row?.version : row?.mod_rev) ?? 0, c.op, c.value);
      }
    }
  }

  private applyOp(ctx: WriteContext, op: Op): KeyValue[] {
    switch (op.type) {
      case 'put':
        this.applyPut(ctx, op.key, op.value, op.lease);
        return [];
      case 'delete':
        this.applyDelete(ctx, op.key);
        return [];
      case 'deletePrefix': {
        const start = Buffer.from(op.prefix, 'utf8');
        const end = prefixEnd(start);
        const keys = (end ? this.stmt.deleteBetween.all(start, end) : this.stmt.deleteFrom.all(start)) as Array<{ key: Buffer }>;
        this.recordDeletes(ctx, keys.map((r) => r.key));
        return [];
      }
      case 'get': {
        const kv = this.readKey(op.key);
        return kv ? [kv] : [];
      }
      case 'range':
        return this.readRange(op.prefix);
    }
  }

  private applyPut(ctx: WriteContext, key: string, value: string, lease: string | undefined): void {
    const leaseId = lease === undefined ? 0 : Number(lease);
    if (leaseId !== 0 && !this.stmt.leaseExists.get(leaseId)) throw new LeaseNotFoundError(String(lease));
    const keyBuf = Buffer.from(key, 'utf8');
    const row = this.stmt.upsert.get({ key: keyBuf, value, rev: ctx.nextRev, lease: leaseId }) as { create_rev: number; version: number };
    this.stmt.addEvent.run({ rev: ctx.nextRev, seq: ctx.seq++, type: PUT, key: keyBuf, value, create_rev: row.create_rev, version: row.version, lease: leaseId });
    ctx.changed = true;
  }

  private applyDelete(ctx: WriteContext, key: string): boolean {
    const rows = this.stmt.deleteKey.all(Buffer.from(key, 'utf8')) as Array<{ key: Buffer }>;
    this.recordDeletes(ctx, rows.map((r) => r.key));
    return rows.length > 0;
  }

  private recordDeletes(ctx: WriteContext, keys: Buffer[]): void {
    keys.sort(Buffer.compare);
    for (const key of keys) {
      this.stmt.addEvent.run({ rev: ctx.nextRev, seq: ctx.seq++, type: DELETE, key, value: '', create_rev: 0, version: 0, lease: 0 });
      ctx.changed = true;
    }
  }

  /** Queues a write for the next group commit; resolves after the commit is durable. */
  private write<T>(run: (ctx: WriteContext) => T): Promise<T> {
    if (this.closed) return Promise.reject(new StoreClosedError(this.kind));
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ run, resolve: resolve as (v: unknown) => void, reject });
      this.scheduleFlush();
    });
  }

  private scheduleFlush(): void {
    // While a group's fsync runs, new writes queue up: they become the next group.
    if (this.flushScheduled || this.syncing || this.draining || this.queue.length === 0) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.syncing || this.draining || this.closed) return;
    const group = this.commitQueued();
    if (!group) return;
    if (!this.fsyncEachCommit) return this.finishGroup(group);
    this.syncing = group;
    fs.fsync(this.walFd, (err) => {
      if (this.syncing === group) this.syncing = undefined;
      if (group.done) return; // close() already synced and settled it
      if (err) this.failGroup(group, new StoreRequestError('fsync', `the write-ahead log could not be synced, the outcome is unknown: ${err.message}`));
      else this.finishGroup(group);
      this.scheduleFlush();
    });
  }

  /** Resolves a durable group's writes, then feeds the watchers and runs the after-commit hooks. */
  private finishGroup(group: DurableGroup): void {
    group.done = true;
    for (const s of group.settle) s();
    this.dispatch();
    for (const a of group.after) callSafely(a);
    if (++this.commitsSinceCheckpoint >= CHECKPOINT_EVERY_COMMITS && !this.checkpointer.running) {
      this.commitsSinceCheckpoint = 0;
      this.checkpointer.run((r) => this.afterCheckpoint(r));
    }
  }

  private afterCheckpoint(r: CheckpointResult): void {
    if (r.error !== undefined) {
      if (this.closed) return;
      process.emitWarning(`sqlite checkpoint failed: ${r.error}`);
      return;
    }
    if (this.closed || (r.log ?? 0) < this.walDrainFrames) return;
    // Pause writes for one more checkpoint, which then reaches the end of the WAL.
    this.draining = true;
    const resume = () => {
      clearTimeout(timer);
      if (!this.draining) return;
      this.draining = false;
      this.scheduleFlush();
    };
    const timer = setTimeout(resume, DRAIN_MAX_MS);
    timer.unref();
    if (!this.checkpointer.run(resume)) resume();
  }

  private failGroup(group: DurableGroup, err: unknown): void {
    group.done = true;
    for (const r of group.reject) r(err);
    this.dispatch();
  }

  /** Runs every queued write in one transaction and commits it (not yet fsynced). */
  private commitQueued(): DurableGroup | undefined {
    const jobs = this.queue;
    this.queue = [];
    if (jobs.length === 0) return undefined;
    const settle: Array<() => void> = [];
    const after: Array<() => void> = [];
    try {
      this.stmt.begin.run();
      try {
        let rev = this.readRevision();
        for (const job of jobs) {
          const ctx: WriteContext = { nextRev: rev + 1, seq: 0, changed: false, after: [] };
          this.stmt.savepoint.run();
          try {
            const result = job.run(ctx);
            this.stmt.release.run();
            if (ctx.changed) rev += 1;
            after.push(...ctx.after);
            settle.push(() => job.resolve(result));
          } catch (err) {
            this.stmt.rollbackTo.run();
            this.stmt.release.run();
            settle.push(() => job.reject(err));
          }
        }
        this.stmt.setMeta.run(rev, 'revision');
        this.maybeCompact(rev);
        this.stmt.commit.run();
      } catch (err) {
        if (this.db.inTransaction) this.stmt.rollback.run();
        throw err;
      }
    } catch (err) {
      for (const job of jobs) job.reject(err);
      return undefined;
    }
    this.dataVersion = this.stmt.dataVersion.get() as number;
    return { settle, reject: jobs.map((j) => j.reject), after, done: false };
  }

  private maybeCompact(rev: number): void {
    if (rev - this.lastCompactCheck < COMPACT_EVERY) return;
    this.lastCompactCheck = rev;
    // Never compact what our own watchers have not been given yet (one batch can be large).
    const upTo = Math.min(rev - this.retainRevisions, this.dispatchedRev);
    if (upTo <= (this.stmt.getMeta.get('compacted') as number)) return;
    this.stmt.compactEvents.run(upTo);
    this.stmt.setMeta.run(upTo, 'compacted');
  }

  // ---- watch ---------------------------------------------------------------------------------

  async watch(
    prefix: string,
    fromRevision: number | undefined,
    onEvent: (events: WatchEvent[]) => void,
    onError?: (err: Error) => void,
  ): Promise<Watcher> {
    this.assertOpen();
    if (typeof prefix !== 'string') throw new StoreRequestError('prefix', 'must be a string');
    checkRevision('fromRevision', fromRevision);
    if (typeof onEvent !== 'function') throw new StoreRequestError('onEvent', 'must be a function');
    this.dispatch(); // catch up with other processes first, so "now" is current
    const start = Buffer.from(prefix, 'utf8');
    const watcher: LocalWatcher = { start, end: prefixEnd(start), prefix, nextRev: this.dispatchedRev + 1, onEvent, onError, closed: false };
    if (fromRevision !== undefined) {
      const compacted = this.stmt.getMeta.get('compacted') as number;
      if (fromRevision < compacted) throw new CompactedError(fromRevision, compacted);
      if (fromRevision < this.dispatchedRev) {
        const rows = (watcher.end
          ? this.stmt.eventsAfterBetween.all(fromRevision, this.dispatchedRev, start, watcher.end)
          : this.stmt.eventsAfterFrom.all(fromRevision, this.dispatchedRev, start)) as EventRow[];
        if (rows.length > 0) {
          // Delivered before any live event: live events only arrive from later macrotasks.
          const events = rows.map(toWatchEvent);
          queueMicrotask(() => {
            if (!watcher.closed) callSafely(() => onEvent(events));
          });
        }
      } else {
        watcher.nextRev = fromRevision + 1;
      }
    }
    this.watchers.add(watcher);
    return {
      close: async () => {
        watcher.closed = true;
        this.watchers.delete(watcher);
      },
    };
  }

  /** Feeds every committed event not yet seen (ours or another process's) to the watchers. */
  private dispatch(): void {
    // A group committed but not yet fsynced is not delivered: finishGroup dispatches it.
    if (this.closed || this.syncing) return;
    if (this.watchers.size === 0) {
      this.dispatchedRev = this.readRevision();
      return;
    }
    const compacted = this.stmt.getMeta.get('compacted') as number;
    if (compacted > this.dispatchedRev) {
      // Another process compacted history we had not delivered yet (we lagged by more than
      // retainRevisions): our watchers cannot be served exactly once any more.
      const err = new CompactedError(this.dispatchedRev, compacted);
      for (const w of [...this.watchers]) {
        w.closed = true;
        this.watchers.delete(w);
        if (w.onError) callSafely(() => w.onError!(err));
        else process.emitWarning(`sqlite watch on '${w.prefix}' ended: ${err.message}`);
      }
      this.dispatchedRev = this.readRevision();
      return;
    }
    const upTo = this.readRevision();
    if (upTo <= this.dispatchedRev) return;
    const from = this.dispatchedRev;
    this.dispatchedRev = upTo;
    // Each watcher reads only its own key range (SQLite filters; a leader's one election watch
    // does not turn every committed value into JavaScript objects).
    for (const w of [...this.watchers]) {
      const after = Math.max(from, w.nextRev - 1);
      w.nextRev = Math.max(w.nextRev, upTo + 1);
      if (after >= upTo) continue;
      const rows = (w.end ? this.stmt.eventsAfterBetween.all(after, upTo, w.start, w.end) : this.stmt.eventsAfterFrom.all(after, upTo, w.start)) as EventRow[];
      if (rows.length > 0 && !w.closed) callSafely(() => w.onEvent(rows.map(toWatchEvent)));
    }
  }

  private poll(): void {
    if (this.closed) return;
    try {
      this.checkWalFile();
      const version = this.stmt.dataVersion.get() as number;
      if (version !== this.dataVersion) {
        this.dataVersion = version;
        this.dispatch();
      }
      if (this.stmt.anyExpired.get(Date.now())) void this.expireLeases().catch(() => undefined);
    } catch (err) {
      process.emitWarning(`sqlite store poll failed: ${(err as Error).message}`);
    }
  }

  /** Our fd must name the live WAL: were the file ever replaced, fsyncing the old one syncs nothing. */
  private checkWalFile(): void {
    let ino: number;
    try {
      ino = fs.statSync(this.walPath).ino;
    } catch {
      return; // absent between a last connection's close and the next open: nothing to sync
    }
    if (ino === this.walIno) return;
    const fd = fs.openSync(this.walPath, 'r');
    const old = this.walFd;
    this.walFd = fd;
    this.walIno = fs.fstatSync(fd).ino;
    // The old inode may hold commits whose fsync is in flight on it; those finish on their own.
    setTimeout(() => fs.close(old, () => undefined), 1000).unref();
  }

  // ---- leases --------------------------------------------------------------------------------

  async grantLease(ttlSeconds: number): Promise<Lease> {
    this.assertOpen();
    checkTtl(ttlSeconds);
    const id = await this.write(() => this.stmt.grantLease.get(ttlSeconds, Date.now() + ttlSeconds * 1000) as number);
    const local: LocalLease = {
      id,
      ttlSeconds,
      timer: setInterval(() => this.keepAlive(local), Math.max(100, (ttlSeconds * 1000) / 3)),
      lostCallbacks: [],
      ended: false,
      lost: false,
    };
    local.timer.unref();
    this.leases.set(id, local);
    return {
      id: String(id),
      revoke: () => this.revokeLease(local),
      onLost: (cb) => {
        if (local.lost) queueMicrotask(cb);
        else local.lostCallbacks.push(cb);
      },
    };
  }

  private keepAlive(local: LocalLease): void {
    if (local.ended || this.closed) return;
    this.write(() => {
      const now = Date.now();
      return this.stmt.renewLease.run(now + local.ttlSeconds * 1000, local.id, now).changes;
    })
      .then((changes) => {
        if (changes === 0) this.markLost(local);
      })
      .catch(() => undefined); // the next tick retries; expiry is what finally decides
  }

  private markLost(local: LocalLease): void {
    if (local.ended) return;
    local.ended = true;
    local.lost = true;
    clearInterval(local.timer);
    this.leases.delete(local.id);
    for (const cb of local.lostCallbacks) callSafely(cb);
  }

  private async revokeLease(local: LocalLease): Promise<void> {
    if (!local.ended) {
      local.ended = true;
      clearInterval(local.timer);
      this.leases.delete(local.id);
    }
    if (this.closed) throw new StoreClosedError(this.kind);
    await this.write((ctx) => this.endLease(ctx, local.id));
  }

  private endLease(ctx: WriteContext, id: number): void {
    const keys = this.stmt.deleteByLease.all(id) as Array<{ key: Buffer }>;
    this.recordDeletes(ctx, keys.map((r) => r.key));
    this.stmt.deleteLease.run(id);
  }

  private expireLeases(): Promise<void> {
    return this.write((ctx) => {
      for (const id of this.stmt.expiredLeases.all(Date.now()) as number[]) {
        this.endLease(ctx, id);
        const local = this.leases.get(id);
        if (local) ctx.after.push(() => this.markLost(local));
      }
    });
  }

  // ---- lifecycle -----------------------------------------------------------------------------

  async close(): Promise<void> {
    if (this.closed) return;
    // Commit what is queued and make every committed group durable before the handle goes.
    const last = this.queue.length > 0 ? this.commitQueued() : undefined;
    const pending = [this.syncing, last].filter((g): g is DurableGroup => g !== undefined && !g.done);
    this.syncing = undefined;
    if (pending.length > 0) {
      let syncError: Error | undefined;
      try {
        if (this.fsyncEachCommit) fs.fsyncSync(this.walFd);
      } catch (err) {
        syncError = err as Error;
      }
      for (const g of pending) {
        if (syncError) this.failGroup(g, new StoreRequestError('fsync', `the write-ahead log could not be synced, the outcome is unknown: ${syncError.message}`));
        else this.finishGroup(g);
      }
    }
    this.closed = true;
    clearInterval(this.pollTimer);
    for (const l of this.leases.values()) {
      l.ended = true;
      clearInterval(l.timer);
    }
    this.leases.clear();
    for (const w of this.watchers) w.closed = true;
    this.watchers.clear();
    await this.checkpointer.close();
    this.db.close();
    fs.closeSync(this.walFd);
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreClosedError(this.kind);
  }
}
