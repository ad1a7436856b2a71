// WAL checkpoints off the main thread. The store's own connection runs with
// wal_autocheckpoint = 0, so no COMMIT ever copies the WAL into the database file (and fsyncs
// both) while requests wait on the event loop; a worker thread with its own connection does it,
// with PASSIVE checkpoints that never block the writer.
import { Worker } from 'node:worker_threads';
import type { SqliteDriverName } from './sqlite-driver';

// Plain JavaScript, run with eval: the worker must load under ts-jest and tsx alike.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
let exec, checkpoint, close;
if (workerData.driver === 'node') {
  // The same one experimental-feature warning the store's driver drops (./sqlite-driver.ts).
  const emit = process.emitWarning;
  process.emitWarning = (w, ...rest) => (/SQLite is an experimental feature/.test(String(w && w.message || w)) ? undefined : emit.call(process, w, ...rest));
  const { DatabaseSync } = require('node:sqlite');
  process.emitWarning = emit;
  const db = new DatabaseSync(workerData.file);
  const stmt = () => db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
  exec = (sql) => db.exec(sql);
  checkpoint = () => stmt().get();
  close = () => db.close();
} else {
  const Database = require(workerData.path);
  const db = new Database(workerData.file);
  exec = (sql) => db.exec(sql);
  checkpoint = () => db.pragma('wal_checkpoint(PASSIVE)')[0];
  close = () => db.close();
}
exec('PRAGMA busy_timeout = 10000');
exec('PRAGMA synchronous = FULL'); // a checkpoint fsyncs the WAL before and the database after copying
parentPort.on('message', (msg) => {
  if (msg.type === 'close') {
    try { close(); } finally { parentPort.close(); }
    return;
  }
  let reply;
  try {
    const row = checkpoint();
    reply = { busy: row.busy, log: row.log, checkpointed: row.checkpointed };
  } catch (err) {
    reply = { error: String((err && err.message) || err) };
  }
  parentPort.postMessage(reply);
});
`;

/** What one checkpoint did: WAL frames in the log, and how many of them are now in the database. */
export interface CheckpointResult {
  busy?: number;
  log?: number;
  checkpointed?: number;
  error?: string;
}

export class WalCheckpointer {
  private readonly worker: Worker;
  private pending: ((r: CheckpointResult) => void) | undefined;
  private closed = false;
  private readonly exited: Promise<void>;

  /** onDead: the worker ended on its own (it could not open the file, or crashed); called once. */
  constructor(file: string, driver: SqliteDriverName, onDead: (message: string) => void) {
    const workerData = driver === 'node' ? { file, driver } : { file, driver, path: require.resolve('better-sqlite3') };
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData });
    this.worker.unref();
    this.exited = new Promise((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.on('message', (msg: CheckpointResult) => this.settle(msg));
    let reason = 'checkpoint worker exited';
    this.worker.on('error', (err) => {
      reason = err.message;
    });
    this.worker.once('exit', () => {
      const unexpected = !this.closed;
      this.closed = true;
      this.settle({ error: reason });
      if (unexpected) onDead(reason);
    });
  }

  get running(): boolean {
    return this.pending !== undefined;
  }

  /** Starts a PASSIVE checkpoint unless one is running; done is called exactly once if started. */
  run(done: (r: CheckpointResult) => void): boolean {
    if (this.pending || this.closed) return false;
    this.pending = done;
    this.worker.postMessage({ type: 'checkpoint' });
    return true;
  }

  private settle(r: CheckpointResult): void {
    const done = this.pending;
    this.pending = undefined;
    done?.(r);
  }

  /** Closes the worker's connection (after any checkpoint in progress) and ends the thread. */
  async close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.worker.ref(); // keep the process alive until the worker's connection is closed
      this.worker.postMessage({ type: 'close' });
    }
    await this.exited;
  }
}
