// SQLite store: the conformance suite on a real file, plus what only the embedded store promises:
// durability of every acknowledged write across kill -9, reopening, and watch history compaction.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CompactedError } from '../../provider/store/errors';
import { SqliteStore } from '../../provider/store/sqlite';
import { SQLITE_DRIVERS } from '../../provider/store/sqlite-driver';
import { startTsChild } from './child';
import { defineStoreConformance } from './conformance';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-sqlite-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

// Both SQLite libraries (provider/store/sqlite-driver.ts) pass the same suite and the same
// embedded-store promises; docs/store.md "SQLite drivers".
for (const driver of SQLITE_DRIVERS) {
  const suiteFile = path.join(root, `conformance-${driver}.db`);
  defineStoreConformance(`sqlite (${driver})`, () => ({ open: () => SqliteStore.open(suiteFile, { pollIntervalMs: 50, driver }) }));
}

describe.each(SQLITE_DRIVERS)('SqliteStore on %s', (driver) => {
  const dir = path.join(root, driver);
  fs.mkdirSync(dir);
  const otherDriver = SQLITE_DRIVERS.find((d) => d !== driver)!;
  test('data and revision survive close and reopen', async () => {
    const file = path.join(dir, 'reopen.db');
    const a = await SqliteStore.open(file, { driver });
    await a.put('/k1', 'v1');
    const rev = await a.put('/k2', 'v2');
    await a.close();
    const b = await SqliteStore.open(file, { driver });
    expect(await b.revision()).toBe(rev);
    expect((await b.range('/')).map((kv) => kv.value)).toEqual(['v1', 'v2']);
    expect(await b.put('/k3', 'v3')).toBe(rev + 1);
    await b.close();
  });

  test('every write acknowledged before kill -9 is there after reopening', async () => {
    const file = path.join(dir, 'kill9.db');
    const child = startTsChild('test/store/fixtures/sqlite-writer.ts', [file, '/durable/', 'forever', driver]);
    try {
      await child.waitForLine(/^ready$/);
      await child.waitForLine(/^ack \/durable\/00000400 /);
      await child.kill9();
    } finally {
      await child.kill9();
    }
    const acked = child.lines.filter((l) => l.startsWith('ack ')).map((l) => {
      const [, key, rev] = l.split(' ');
      return { key, rev: Number(rev) };
    });
    expect(acked.length).toBeGreaterThanOrEqual(400);
    const store = await SqliteStore.open(file, { driver });
    try {
      const present = new Map((await store.range('/durable/')).map((kv) => [kv.key, kv]));
      const missing = acked.filter((a) => present.get(a.key)?.modRevision !== a.rev);
      expect(missing).toEqual([]);
      // Revisions stay dense: nothing acknowledged was renumbered or half-written.
      expect(await store.revision()).toBe(present.size);
    } finally {
      await store.close();
    }
  });

  test('two processes writing one file at once (one per driver): every write lands, revisions unique and dense', async () => {
    const file = path.join(dir, 'two-procs.db');
    const a = startTsChild('test/store/fixtures/sqlite-writer.ts', [file, '/a/', '400', driver]);
    const b = startTsChild('test/store/fixtures/sqlite-writer.ts', [file, '/b/', '400', otherDriver]);
    try {
      await Promise.all([a.waitForLine(/^done$/, 60_000), b.waitForLine(/^done$/, 60_000)]);
    } finally {
      await a.kill9();
      await b.kill9();
    }
    const store = await SqliteStore.open(file, { driver });
    try {
      const all = await store.range('/');
      expect(all).toHaveLength(800);
      expect(await store.revision()).toBe(800);
      expect(new Set(all.map((kv) => kv.modRevision)).size).toBe(800);
      const acked = [...a.lines, ...b.lines].filter((l) => l.startsWith('ack ')).map((l) => l.split(' ')[2]);
      expect(acked.map(Number).sort((x, y) => x - y)).toEqual(Array.from({ length: 800 }, (_, i) => i + 1));
    } finally {
      await store.close();
    }
  }, 90_000);

  test('concurrent writes are group-committed and each still gets its own revision', async () => {
    const store = await SqliteStore.open(path.join(dir, 'group.db'), { driver });
    const revs = await Promise.all(Array.from({ length: 500 }, (_, i) => store.put(`/g/${i}`, String(i))));
    expect(new Set(revs).size).toBe(500);
    expect(Math.max(...revs)).toBe(500);
    // One failing request in a batch does not undo the others.
    const results = await Promise.allSettled([
      store.put('/g/ok1', 'x'),
      store.put('/g/bad', 'x', { lease: '999999' }),
      store.put('/g/ok2', 'y'),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((await store.get('/g/ok2'))?.modRevision).toBe(502);
    expect(await store.get('/g/bad')).toBeUndefined();
    await store.close();
  });

  test('watch history is compacted to retainRevisions; older replays get CompactedError', async () => {
    const store = await SqliteStore.open(path.join(dir, 'compact.db'), { retainRevisions: 100, driver });
    for (let i = 0; i < 2_100; i += 100) {
      await Promise.all(Array.from({ length: 100 }, (_, j) => store.put(`/c/${i + j}`, 'v')));
    }
    const rev = await store.revision();
    expect(rev).toBe(2_100);
    await expect(store.watch('/c/', 5, () => undefined)).rejects.toThrow(CompactedError);
    const events: number[] = [];
    const w = await store.watch('/c/', rev - 50, (e) => events.push(...e.map((x) => x.kv.modRevision)));
    await new Promise((r) => setTimeout(r, 50));
    expect(events).toEqual(Array.from({ length: 50 }, (_, i) => rev - 49 + i));
    await w.close();
    await store.close();
  });

  test('open refuses a file that is not a SQLite database, naming the field', async () => {
    const file = path.join(dir, 'not-a-db.txt');
    fs.writeFileSync(file, 'hello, this is text and not a database at all '.repeat(20));
    await expect(SqliteStore.open(file, { driver })).rejects.toThrow(/^path: cannot open .*not-a-db\.txt as a SQLite store: file is not a database/);
  });

  test('a new store file, its WAL and shared-memory index are owner-only (0600) under umask 022', async () => {
    const file = path.join(dir, 'private.db');
    const mask = process.umask(0o022);
    const store = await SqliteStore.open(file, { driver }).finally(() => process.umask(mask));
    try {
      await store.put('/k', 'v');
      const modes = ['', '-wal', '-shm'].map((suffix) => [suffix, (fs.statSync(file + suffix).mode & 0o777).toString(8)]);
      expect(modes).toEqual([['', '600'], ['-wal', '600'], ['-shm', '600']]);
    } finally {
      await store.close();
    }
  });

  test('a store left world-readable by an older version is narrowed to its owner on open', async () => {
    const file = path.join(dir, 'was-0644.db');
    const first = await SqliteStore.open(file, { driver });
    await first.put('/k', 'v');
    // Leave the WAL in place (another connection keeps it alive) and widen every file, as
    // SQLite's own default create mode under umask 022 did.
    const other = await SqliteStore.open(file, { driver });
    await first.close();
    for (const suffix of ['', '-wal', '-shm']) fs.chmodSync(file + suffix, 0o644);
    const store = await SqliteStore.open(file, { driver });
    try {
      const modes = ['', '-wal', '-shm'].map((suffix) => (fs.statSync(file + suffix).mode & 0o777).toString(8));
      expect(modes).toEqual(['600', '600', '600']);
      expect((await store.get('/k'))?.value).toBe('v');
    } finally {
      await store.close();
      await other.close();
    }
  });

  test('open leaves alone the mode of a file that turns out not to be a SQLite database', async () => {
    const file = path.join(dir, 'not-a-db-mode.txt');
    fs.writeFileSync(file, 'plain text, not a database '.repeat(40), { mode: 0o644 });
    fs.chmodSync(file, 0o644);
    await expect(SqliteStore.open(file, { driver })).rejects.toThrow(/^path: cannot open/);
    expect(fs.statSync(file).mode & 0o777).toBe(0o644);
  });

  test('a file written through this driver is read, watched and written through the other', async () => {
    const file = path.join(dir, 'cross.db');
    const a = await SqliteStore.open(file, { driver });
    const rev = await a.put('/x/k', 'a \u0000 value');
    await a.close();
    const b = await SqliteStore.open(file, { driver: otherDriver });
    try {
      expect(await b.get('/x/k')).toMatchObject({ value: 'a \u0000 value', modRevision: rev });
      expect(await b.put('/x/k', 'next')).toBe(rev + 1);
    } finally {
      await b.close();
    }
  });

  test('open refuses an unknown driver, naming the field', async () => {
    await expect(SqliteStore.open(path.join(dir, 'x.db'), { driver: 'sqlite4' as never })).rejects.toThrow(/^driver: must be one of better-sqlite3, node/);
  });

  test('open refuses a path in a missing directory, naming the field', async () => {
    await expect(SqliteStore.open(path.join(dir, 'no', 'such', 'dir', 'x.db'), { driver })).rejects.toThrow(/^path: directory .* does not exist/);
  });
});
