// Composer bench (docs/store.md): journaled creates over real HTTP on a real store, with a
// 100,000-drive synthetic inventory. Prints figures, asserts nothing:
//   npm run bench:composer -- --store sqlite|etcd --volumes 10000 --clients 32 --json
// Figures: createsPerSec, p50Ms, p99Ms (client-side latency of POST /v1/volumes|slices),
// recoverySec (a fresh composer on the same store: load state, rebuild the engine, reconcile,
// lead, answer /readyz). Baseline in the same run: the same creates from one client (no
// concurrency), on a small sample.
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { startComposer } from '../provider/composer';
import { ComposerClient } from '../provider/client';
import type { TokenEntry } from '../provider/composer/auth';
import { synthesizeInventory } from '../provider/inventory';
import { startEtcd, type EtcdCluster } from '../test/helpers/etcd';

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] && !process.argv[i + 1].startsWith('--') ? process.argv[i + 1] : fallback;
}
function intFlag(name: string, fallback: number): number {
  const v = Number(flag(name, String(fallback)));
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name}: must be a positive integer`);
  return v;
}

const storeKind = flag('store', 'sqlite');
if (storeKind !== 'sqlite' && storeKind !== 'etcd') throw new Error('--store: sqlite or etcd');
const volumes = intFlag('volumes', 10_000);
const clients = intFlag('clients', 32);
const drives = intFlag('drives', 100_000);
const servers = intFlag('servers', 10_000);
const baselineCount = intFlag('baseline', 300);
const asJson = process.argv.includes('--json');
/** sqlite only: full = fsync every group commit (default, survives power loss); normal = survives kill -9. */
const sqliteSync = flag('sqlite-sync', 'full');

const TOKEN = 'bench-operator-token-0123456789';
const tokens: TokenEntry[] = [{ name: 'bench', token: TOKEN, role: 'admin' }];
const agent = new http.Agent({ keepAlive: true, maxSockets: clients + 4 });

function call(base: string, method: string, p: string, body?: unknown): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(base + p, { method, agent, headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', ...(payload ? { 'content-length': Buffer.byteLength(payload) } : {}) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    if (payload) req.write(payload);
    req.end();
  });
}

function volumeBody(cluster: string, i: number): { kind: string; body: Record<string, unknown> } {
  const r = i % 10;
  if (r < 4) return { kind: 'slices', body: { cluster, name: `s${i}`, sizeGiB: 10 + (i % 200), softDomains: true } };
  if (r < 7) return { kind: 'volumes', body: { cluster, name: `v${i}`, type: 'ssd', sizeGiB: 100 + (i % 500), softDomains: true, redundancy: r === 6 } };
  return { kind: 'volumes', body: { cluster, name: `v${i}`, type: 'hdd', sizeGiB: 500 + (i % 3000), softDomains: true } };
}

async function createMany(base: string, cluster: string, from: number, count: number, concurrency: number): Promise<{ seconds: number; latencies: number[]; failed: number; retries: number }> {
  let next = from;
  const latencies: number[] = [];
  let failed = 0;
  let retries = 0;
  const t0 = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < from + count) {
        const i = next++;
        const { kind, body } = volumeBody(cluster, i);
        const s = process.hrtime.bigint();
        let r = await call(base, 'POST', `/v1/${kind}`, body);
        // A client honours 503 + Retry-After (leader change, store hiccup); the wait counts as latency.
        for (let attempt = 0; r.status === 503 && attempt < 50; attempt++) {
          retries++;
          await new Promise((res) => setTimeout(res, 100));
          r = await call(base, 'POST', `/v1/${kind}`, body);
        }
        latencies.push(Number(process.hrtime.bigint() - s) / 1e6);
        if (r.status !== 201) {
          failed++;
          if (failed <= 3) console.error(`create ${i}: ${r.status} ${r.body.slice(0, 200)}`);
        }
      }
    }),
  );
  return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, latencies, failed, retries };
}

const pct = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] : 0);
const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d;

/** The composer runs in its own process (own core), as in production; it reports its start-up time. */
async function childMain(): Promise<void> {
  const t0 = process.hrtime.bigint();
  const sync = flag('sqlite-sync', 'full') as 'full' | 'normal';
  const c = await startComposer({ store: flag('store-url', ''), storeOptions: { sqlite: { synchronous: sync } }, tokens, log: () => undefined });
  await c.whenLeader(60_000);
  process.stdout.write(JSON.stringify({ url: c.url, startupSec: Number(process.hrtime.bigint() - t0) / 1e9 }) + '\n');
  await new Promise<void>((resolve) => process.once('SIGTERM', () => resolve()));
  await c.close();
  process.exit(0);
}

function spawnComposer(storeUrl: string): Promise<{ proc: ChildProcess; url: string; startupSec: number }> {
  const prof = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const proc = spawn(process.execPath, [...prof, ...process.execArgv, __filename, '--child', '--store-url', storeUrl, '--sqlite-sync', sqliteSync], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (d) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve({ proc, ...(JSON.parse(out.slice(0, nl)) as { url: string; startupSec: number }) });
    });
    proc.on('exit', (code) => reject(new Error(`composer child exited with ${code}`)));
  });
}

function stopChild(proc: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (proc.exitCode !== null) return resolve();
    proc.once('exit', () => resolve());
    proc.kill('SIGTERM');
  });
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-bench-composer-'));
  let etcd: EtcdCluster | undefined;
  let child: ChildProcess | undefined;
  const log = (m: string) => {
    if (!asJson) console.error(m);
  };
  try {
    const storeUrl = storeKind === 'sqlite' ? `sqlite:${path.join(dir, 'tessera.db')}` : (etcd = await startEtcd()).storeUrl;
    const inventory = synthesizeInventory({ servers, drives, seed: 42 });
    const first = await spawnComposer(storeUrl);
    child = first.proc;
    const composer = { url: first.url };
    const tLoad = Date.now();
    const loaded = await call(composer.url, 'PUT', '/v1/inventory', inventory);
    if (loaded.status !== 200) throw new Error(`inventory load: ${loaded.status} ${loaded.body.slice(0, 300)}`);
    const inventoryLoadSec = (Date.now() - tLoad) / 1000;
    log(`inventory: ${drives} drives, ${servers} servers loaded in ${inventoryLoadSec}s`);
    const cluster = JSON.parse((await call(composer.url, 'POST', '/v1/clusters', { name: 'bench' })).body).id as string;

    const baseline = await createMany(composer.url, cluster, 0, Math.min(baselineCount, volumes), 1);
    log(`baseline (1 client): ${round(baseline.latencies.length / baseline.seconds)} creates/s`);
    const main = await createMany(composer.url, cluster, 1_000_000, volumes, clients);
    const sorted = [...main.latencies].sort((a, b) => a - b);
    log(`${volumes} creates with ${clients} clients in ${round(main.seconds)}s`);

    // Recovery: a fresh composer process on the same store; startupSec is measured inside it
    // (state load, engine rebuild with every allocation, reconciler, election, listening).
    await stopChild(child);
    const again = await spawnComposer(storeUrl);
    child = again.proc;
    composer.url = again.url;
    const ready = await call(composer.url, 'GET', '/readyz');
    const recoverySec = again.startupSec;
    const lister = new ComposerClient({ endpoint: composer.url, token: TOKEN });
    const count = (await lister.listAll('/v1/volumes')).length + (await lister.listAll('/v1/slices')).length;

    const result = {
      store: storeKind,
      ...(storeKind === 'sqlite' ? { sqliteSynchronous: sqliteSync } : {}),
      drives,
      servers,
      volumes,
      clients,
      createsPerSec: round(volumes / main.seconds, 1),
      p50Ms: round(pct(sorted, 0.5)),
      p99Ms: round(pct(sorted, 0.99)),
      maxMs: round(sorted[sorted.length - 1] ?? 0),
      failed: main.failed,
      retriedOn503: main.retries,
      recoverySec: round(recoverySec),
      recoveredObjects: count,
      readyAfterRecovery: ready.status === 200,
      inventoryLoadSec,
      baseline: { clients: 1, creates: baseline.latencies.length, createsPerSec: round(baseline.latencies.length / baseline.seconds, 1), p50Ms: round(pct([...baseline.latencies].sort((a, b) => a - b), 0.5)) },
      node: process.version,
      cpus: os.cpus().length,
    };
    console.log(asJson ? JSON.stringify(result) : JSON.stringify(result, null, 2));
  } finally {
    if (child) await stopChild(child);
    await etcd?.stop().catch(() => undefined);
    agent.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

(process.argv.includes('--child') ? childMain() : main()).catch((e) => {
  console.error(e);
  process.exit(1);
});
