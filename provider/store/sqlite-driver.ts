// The SQLite library under the embedded store, behind the few calls the store makes: prepared
// statements (run / get / all / a first-column get), exec, and whether a transaction is open.
// Two drivers implement it: `better-sqlite3` (a native addon compiled at install time) and
// `node`, Node's built-in `node:sqlite` (nothing native to ship, so the store fits in a single
// executable). The store, its checkpoint worker and the conformance suite are the same on both;
// docs/store.md ("SQLite drivers") has the measured comparison and the choice.
//
// Both return the same shapes: integers as numbers, BLOB columns as Buffers (node:sqlite gives
// plain Uint8Arrays, converted here without a copy), rows as objects keyed by column name.

export type SqliteDriverName = 'better-sqlite3' | 'node';
export const SQLITE_DRIVERS: readonly SqliteDriverName[] = ['better-sqlite3', 'node'];

export interface SqlStatement {
  /** `changes`: the rows the statement inserted, updated or deleted. */
  run(...params: unknown[]): { changes: number | bigint };
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
}

export interface SqlDatabase {
  readonly driver: SqliteDriverName;
  exec(sql: string): void;
  prepare(sql: string): SqlStatement;
  /** A statement whose get() answers the first column of the first row. */
  prepareScalar(sql: string): SqlStatement;
  readonly inTransaction: boolean;
  close(): void;
}

/** Opens `file` with the named driver (the file is created when absent). */
export function openDatabase(file: string, driver: SqliteDriverName): SqlDatabase {
  if (driver === 'node') return openNode(file);
  if (driver === 'better-sqlite3') return openBetter(file);
  throw new Error(`unknown SQLite driver ${JSON.stringify(driver)}; expected one of ${SQLITE_DRIVERS.join(', ')}`);
}

function openBetter(file: string): SqlDatabase {
  // Loaded lazily: a process on the `node` driver never needs the native addon.
  let Database: typeof import('better-sqlite3');
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    Database = require('better-sqlite3') as typeof import('better-sqlite3');
  } catch (e) {
    // The single executable carries no native addon (docs/store.md "SQLite drivers").
    if ((e as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND') throw new Error("driver: the better-sqlite3 addon is not installed here (the single executable has none); use --sqlite-driver node");
    throw e;
  }
  const db = new Database(file);
  return {
    driver: 'better-sqlite3',
    exec: (sql) => void db.exec(sql),
    prepare: (sql) => db.prepare(sql) as unknown as SqlStatement,
    prepareScalar: (sql) => db.prepare(sql).pluck() as unknown as SqlStatement,
    get inTransaction() {
      return db.inTransaction;
    },
    close: () => void db.close(),
  };
}

type NodeSqlite = typeof import('node:sqlite');

function loadNodeSqlite(): NodeSqlite {
  // Node 22 warns once that node:sqlite is experimental. That line on stderr would reach every
  // CLI user and every test log; the API used here is stable across 22.x and 24.x, and the
  // conformance suite checks it. Only that one warning is dropped.
  const emit = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const text = typeof warning === 'string' ? warning : warning.message;
    if (/SQLite is an experimental feature/.test(text)) return;
    return (emit as (...a: unknown[]) => void).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('node:sqlite') as NodeSqlite;
  } finally {
    process.emitWarning = emit;
  }
}

const asBuffer = (v: unknown): unknown => (v instanceof Uint8Array && !Buffer.isBuffer(v) ? Buffer.from(v.buffer, v.byteOffset, v.byteLength) : v);

function normaliseRow(row: unknown): unknown {
  if (row === undefined || row === null) return undefined;
  const r = row as Record<string, unknown>;
  for (const k in r) if (r[k] instanceof Uint8Array) r[k] = asBuffer(r[k]);
  return r;
}

function openNode(file: string): SqlDatabase {
  const { DatabaseSync } = loadNodeSqlite();
  const db = new DatabaseSync(file);
  const wrap = (sql: string): SqlStatement => {
    const s = db.prepare(sql);
    return {
      run: (...p) => s.run(...(p as never[])) as { changes: number | bigint },
      get: (...p) => normaliseRow(s.get(...(p as never[]))),
      all: (...p) => s.all(...(p as never[])).map(normaliseRow),
    };
  };
  return {
    driver: 'node',
    exec: (sql) => db.exec(sql),
    prepare: wrap,
    prepareScalar: (sql) => {
      const s = db.prepare(sql);
      return {
        run: (...p) => s.run(...(p as never[])) as { changes: number | bigint },
        get: (...p) => {
          const row = s.get(...(p as never[])) as Record<string, unknown> | undefined;
          if (row === undefined) return undefined;
          for (const k in row) return asBuffer(row[k]);
          return undefined;
        },
        all: (...p) => s.all(...(p as never[])).map((row) => asBuffer(Object.values(row as object)[0])),
      };
    },
    get inTransaction() {
      return db.isTransaction;
    },
    close: () => db.close(),
  };
}
