// WAL checkpoints off the main thread. The store's own connection runs with
// wal_autocheckpoint = 0, so no COMMIT ever copies the WAL into the database file (and fsyncs
// both) while requests wait on the event loop; a worker thread with its own connection does it.
// A PASSIVE checkpoint never blocks the writer; should the WAL still grow past a limit (writes
// never pause long enough for it to be reset), the worker runs a RESTART checkpoint, which makes
// the writer wait once.
import { Worker } from 'node:worker_threads';

// Plain JavaScript, run with eval: the worker must load under ts-jest and tsx alike.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 10000');
db.pragma('synchronous = FULL'); // a checkpoint fsyncs the WAL before and the database after copying
parentPort.on('message', (msg) => {
  if (msg.type === 'close') {
    try { db.close(); } finally { parentPort.close(); }
    return;
  }
  let reply;
  try {
    let [row] = db.pragma('wal_checkpoint(PASSIVE)');
    if (row.log >= workerData.restartFrames) [row] = db.pragma('wal_checkpoint(RESTART)');
    reply = { type: 'done', busy: row.busy, log: row.log, checkpointed: row.checkpointed };
  } catch (err) {
    reply = { type: 'error', message: String(err && err.message || err) };
  }
  parentPort.postMessage(reply);
});
`;

export interface CheckpointResult {
  busy: number;
  log: number;
  checkpointed: number;
}

export class WalCheckpointer {
  private readonly worker: Worker;
  private running = false;
  private closed = false;
  private readonly exited: Promise<void>;

  /** restartFrames: WAL frames past which a blocking RESTART checkpoint is run. */
  constructor(file: string, restartFrames: number, private readonly onError: (message: string) => void) {
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file, driver: require.resolve('better-sqlite3'), restartFrames } });
    this.worker.unref();
    this.exited = new Promise((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.on('message', (msg: { type: string; message?: string }) => {
      this.running = false;
      if (msg.type === 'error') this.onError(msg.message ?? 'checkpoint failed');
    });
    this.worker.on('error', (err) => {
      this.running = false;
      this.closed = true;
      this.onError(err.message);
    });
  }

  /** Starts a checkpoint unless one is running. */
  request(): void {
    if (this.running || this.closed) return;
    this.running = true;
    this.worker.postMessage({ type: 'checkpoint' });
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
