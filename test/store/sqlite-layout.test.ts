// The SQLite file layout: new files get rowid tables for kv and events (large JSON values make
// WITHOUT ROWID b-trees slow to insert into); files created by earlier versions, whose kv and
// events tables are WITHOUT ROWID, keep working unchanged.
import Database from 'better-sqlite3';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SqliteStore } from '../../provider/store/sqlite';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-sqlite-layout-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function tableSql(file: string, name: string): string {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare('SELECT sql FROM sqlite_master WHERE name = ?').pluck().get(name) as string) ?? '';
  } finally {
    db.close();
  }
}

test('a new file has rowid kv and events tables', async () => {
  const file = path.join(dir, 'new.db');
  const store = await SqliteStore.open(file);
  await store.put('/a', '1');
  await store.close();
  expect(tableSql(file, 'kv')).not.toMatch(/WITHOUT ROWID/i);
  expect(tableSql(file, 'events')).not.toMatch(/WITHOUT ROWID/i);
});

test('a file with the earlier WITHOUT ROWID layout is read and written as before', async () => {
  const file = path.join(dir, 'old.db');
  // The earlier layout, as it was created, with one key at revision 1.
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.exec(`
    CREATE TABLE meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
    INSERT INTO meta (name, value) VALUES ('revision', 1), ('compacted', 0);
    CREATE TABLE kv (
      key BLOB PRIMARY KEY, value TEXT NOT NULL, create_rev INTEGER NOT NULL,
      mod_rev INTEGER NOT NULL, version INTEGER NOT NULL, lease INTEGER NOT NULL DEFAULT 0
    ) WITHOUT ROWID;
    CREATE INDEX kv_by_lease ON kv (lease) WHERE lease != 0;
    CREATE TABLE events (
      rev INTEGER NOT NULL, seq INTEGER NOT NULL, type INTEGER NOT NULL, key BLOB NOT NULL,
      value TEXT NOT NULL, create_rev INTEGER NOT NULL, version INTEGER NOT NULL, lease INTEGER NOT NULL,
      PRIMARY KEY (rev, seq)
    ) WITHOUT ROWID;
    CREATE TABLE leases (id INTEGER PRIMARY KEY AUTOINCREMENT, ttl INTEGER NOT NULL, expires_at INTEGER NOT NULL);
    CREATE INDEX leases_by_expiry ON leases (expires_at);
  `);
  db.prepare('INSERT INTO kv VALUES (?, ?, 1, 1, 1, 0)').run(Buffer.from('/old/a'), 'v1');
  db.prepare('INSERT INTO events VALUES (1, 0, 0, ?, ?, 1, 1, 0)').run(Buffer.from('/old/a'), 'v1');
  db.close();

  const store = await SqliteStore.open(file);
  try {
    expect(await store.get('/old/a')).toMatchObject({ value: 'v1', modRevision: 1, version: 1 });
    const seen: string[] = [];
    const w = await store.watch('/old/', 0, (events) => seen.push(...events.map((e) => `${e.type} ${e.kv.key} ${e.kv.modRevision}`)));
    const res = await store.txn({ compare: [{ key: '/old/a', target: 'version', op: '=', value: 1 }], success: [{ type: 'put', key: '/old/a', value: 'v2' }, { type: 'put', key: '/old/b', value: 'w' }] });
    expect(res).toMatchObject({ succeeded: true, revision: 2 });
    expect(await store.delete('/old/b')).toBe(true);
    expect((await store.range('/old/')).map((kv) => [kv.key, kv.value, kv.version])).toEqual([['/old/a', 'v2', 2]]);
    await new Promise((r) => setTimeout(r, 20));
    expect(seen).toEqual(['put /old/a 1', 'put /old/a 2', 'put /old/b 2', 'delete /old/b 3']);
    await w.close();
  } finally {
    await store.close();
  }
  expect(tableSql(file, 'kv')).toMatch(/WITHOUT ROWID/i);
});
