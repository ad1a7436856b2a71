// The two SQLite drivers of the embedded store (provider/store/sqlite-driver.ts) side by side, in
// the same run, on the same workload, rounds interleaved so machine noise hits both alike:
//   npm run bench:sqlite-drivers -- [--keys 20000] [--rounds 3] [--json]
// Per driver: durable puts/s from 32 concurrent writers (group commit, synchronous 'full'), txns/s
// with a compare (the composer's create shape), point reads/s, a full range scan, and the
// open-and-load time of the whole file (what a composer restart does first). Each figure of
// `node` is also given as a ratio to `better-sqlite3`'s. Prints figures, asserts nothing; the
// choice they led to is in docs/store.md ("SQLite drivers").
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SqliteStore } from '../provider/store/sqlite';
import { SQLITE_DRIVERS, type SqliteDriverName } from '../provider/store/sqlite-driver';

function intFlag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name}: must be a positive integer`);
  return v;
}
const keys = intFlag('keys', 20_000);
const rounds = intFlag('rounds', 3);
const asJson = process.argv.includes('--json');

// A value shaped like a stored volume (about 600 bytes of JSON).
const value = (i: number) => JSON.stringify({ id: `vol-${i}`, name: `v${i}`, cluster: 'c-1', type: 'ssd', sizeGiB: 100 + (i % 500), members: [{ serial: `enc-a-ssd-${i % 64}`, offsetGiB: (i * 7) % 800, sizeGiB: 100 }, { serial: `enc-b-ssd-${i % 64}`, offsetGiB: (i * 11) % 800, sizeGiB: 100 }], state: 'staged', owner: `pulumi:urn:pulumi:prod::platform::tessera:index:Volume::v${i}`, createdAt: new Date(0).toISOString(), tags: ['nvme', 'rack-1'] });
const key = (i: number) => `/tessera/volumes/vol-${String(i).padStart(8, '0')}`;

interface Figures {
  putsPerSec: number;
  txnsPerSec: number;
  getsPerSec: number;
  rangeMs: number;
  reopenAndLoadMs: number;
}

async function concurrently(n: number, writers: number, fn: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const t0 = process.hrtime.bigint();
  await Promise.all(Array.from({ length: writers }, async () => {
    while (next < n) await fn(next++);
  }));
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

async function measure(driver: SqliteDriverName, dir: string, round: number): Promise<Figures> {
  const file = path.join(dir, `${driver}-${round}.db`);
  const store = await SqliteStore.open(file, { driver });
  const putSec = await concurrently(keys, 32, (i) => store.put(key(i), value(i)));
  // The composer's create: a txn putting the object and its name, conditional on the name being free.
  const txns = Math.max(1, Math.floor(keys / 4));
  const txnSec = await concurrently(txns, 32, (i) =>
    store.txn({ compare: [{ key: `/tessera/names/n${i}`, target: 'version', op: '=', value: 0 }], success: [{ type: 'put', key: `/tessera/names/n${i}`, value: `vol-${i}` }, { type: 'put', key: key(i), value: value(i + 1) }] }),
  );
  const t1 = process.hrtime.bigint();
  for (let i = 0; i < keys; i++) await store.get(key((i * 7919) % keys));
  const getSec = Number(process.hrtime.bigint() - t1) / 1e9;
  const t2 = process.hrtime.bigint();
  const all = await store.range('/tessera/');
  const rangeMs = Number(process.hrtime.bigint() - t2) / 1e6;
  if (all.length !== keys + txns) throw new Error(`${driver}: range returned ${all.length} keys, expected ${keys + txns}`);
  await store.close();
  const t3 = process.hrtime.bigint();
  const again = await SqliteStore.open(file, { driver });
  const loaded = await again.range('/tessera/');
  const reopenAndLoadMs = Number(process.hrtime.bigint() - t3) / 1e6;
  if (loaded.length !== all.length) throw new Error(`${driver}: reopened store has ${loaded.length} keys, expected ${all.length}`);
  await again.close();
  return { putsPerSec: keys / putSec, txnsPerSec: txns / txnSec, getsPerSec: keys / getSec, rangeMs, reopenAndLoadMs };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round2 = (n: number) => Math.round(n * 100) / 100;

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-bench-sqlite-'));
  try {
    const samples = new Map<SqliteDriverName, Figures[]>(SQLITE_DRIVERS.map((d) => [d, []]));
    for (let r = 0; r < rounds; r++) {
      // Alternate which driver goes first: the file cache and CPU frequency favour neither.
      const order = r % 2 === 0 ? SQLITE_DRIVERS : [...SQLITE_DRIVERS].reverse();
      for (const d of order) samples.get(d)!.push(await measure(d, dir, r));
      if (!asJson) console.error(`round ${r + 1}/${rounds} done`);
    }
    const result: Record<string, unknown> = { keys, rounds, nodeVersion: process.version, cpus: os.cpus().length };
    const med = (d: SqliteDriverName) => {
      const s = samples.get(d)!;
      return Object.fromEntries((Object.keys(s[0]) as (keyof Figures)[]).map((k) => [k, round2(median(s.map((x) => x[k])))])) as unknown as Figures;
    };
    const better = med('better-sqlite3');
    const nodeF = med('node');
    result['better-sqlite3'] = better;
    result.node = nodeF;
    // > 1 means node:sqlite is faster for rates and slower for times.
    result.nodeToBetter = Object.fromEntries((Object.keys(better) as (keyof Figures)[]).map((k) => [k, round2(nodeF[k] / better[k])]));
    console.log(asJson ? JSON.stringify(result) : JSON.stringify(result, null, 2));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
