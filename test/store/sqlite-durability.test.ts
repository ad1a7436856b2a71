// The SQLite store's group commit: with synchronous 'full' (the default) a write is acknowledged
// only after the fsync of the write-ahead log that covers it has completed, that fsync runs off
// the event loop, and writes queued meanwhile share the next fsync. Power loss cannot be staged
// here, so fs.fsync is observed through a spy (it still calls the real fsync, only later); kill -9
// durability is tested with real child processes in sqlite.test.ts and the composer crash test.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SqliteStore } from '../../provider/store/sqlite';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-sqlite-durable-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
afterEach(() => jest.restoreAllMocks());
// The module object itself (the namespace import above is a read-only view of it).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const nodeFs: typeof fs = require('node:fs');

/** Spies on fs.fsync: records every call's fd and when its (delayed) callback ran. */
function watchFsync(delayMs: number): Array<{ fd: number; doneAt?: number }> {
  const calls: Array<{ fd: number; doneAt?: number }> = [];
  const real = nodeFs.fsync;
  jest.spyOn(nodeFs, 'fsync').mockImplementation(((fd: number, cb: (err: NodeJS.ErrnoException | null) => void) => {
    const call: { fd: number; doneAt?: number } = { fd };
    calls.push(call);
    real(fd, (err) =>
      setTimeout(() => {
        call.doneAt = performance.now();
        cb(err);
      }, delayMs),
    );
  }) as typeof fs.fsync);
  return calls;
}

test("'full': acknowledged only after the WAL's fsync; the event loop runs meanwhile; writes queued during an fsync share the next one", async () => {
  const file = path.join(dir, 'full.db');
  const store = await SqliteStore.open(file);
  try {
    const calls = watchFsync(40);
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 5);
    const first = store.put('/a', '1').then((rev) => ({ rev, at: performance.now() }));
    // Queued while the first group's fsync runs: all of them go into the second group.
    await new Promise((r) => setTimeout(r, 10));
    const rest = Array.from({ length: 50 }, (_, i) => store.put(`/b/${i}`, String(i)).then((rev) => ({ rev, at: performance.now() })));
    const acks = [await first, ...(await Promise.all(rest))];
    clearInterval(ticker);

    expect(calls).toHaveLength(2);
    const walIno = fs.statSync(`${file}-wal`).ino;
    for (const c of calls) expect(fs.fstatSync(c.fd).ino).toBe(walIno);
    expect(acks[0].at).toBeGreaterThanOrEqual(calls[0].doneAt!);
    for (const a of acks.slice(1)) expect(a.at).toBeGreaterThanOrEqual(calls[1].doneAt!);
    expect(acks.map((a) => a.rev).sort((x, y) => x - y)).toEqual(Array.from({ length: 51 }, (_, i) => i + 1));
    // Two 40 ms fsyncs: timers kept firing, the event loop was never blocked by them.
    expect(ticks).toBeGreaterThanOrEqual(8);
  } finally {
    await store.close();
  }
});

test("'full': a watcher sees a write only once it is durable", async () => {
  const store = await SqliteStore.open(path.join(dir, 'watch.db'));
  try {
    const calls = watchFsync(30);
    const seen: Array<{ key: string; at: number }> = [];
    const w = await store.watch('/w/', undefined, (events) => seen.push(...events.map((e) => ({ key: e.kv.key, at: performance.now() }))));
    await store.put('/w/x', 'v');
    expect(seen.map((s) => s.key)).toEqual(['/w/x']);
    expect(calls).toHaveLength(1);
    expect(seen[0].at).toBeGreaterThanOrEqual(calls[0].doneAt!);
    await w.close();
  } finally {
    await store.close();
  }
});

test("'normal': no fsync per commit (survives kill -9, not power loss)", async () => {
  const store = await SqliteStore.open(path.join(dir, 'normal.db'), { synchronous: 'normal' });
  try {
    const calls = watchFsync(0);
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.put(`/n/${i}`, 'v')));
    expect(calls).toHaveLength(0);
    expect(await store.revision()).toBe(20);
  } finally {
    await store.close();
  }
});

test('the WAL stays bounded under continuous writes (checkpoints in the worker catch up)', async () => {
  const file = path.join(dir, 'wal.db');
  const store = await SqliteStore.open(file, { walDrainFrames: 300 });
  try {
    const value = 'x'.repeat(3000);
    let n = 0;
    let maxWal = 0;
    // 32 writers without pause, ~60 MB through the WAL: without the catch-up it would keep growing.
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (n < 10_000) {
          await store.put(`/wal/${n++ % 2000}`, value);
          maxWal = Math.max(maxWal, fs.statSync(`${file}-wal`).size);
        }
      }),
    );
    expect(maxWal).toBeLessThan(40 * 1024 * 1024);
    expect((await store.range('/wal/')).length).toBe(2000);
  } finally {
    await store.close();
  }
  // Everything is in the database file after close: reopen and count.
  const again = await SqliteStore.open(file);
  expect(await again.revision()).toBe(10_000);
  await again.close();
}, 60_000);
