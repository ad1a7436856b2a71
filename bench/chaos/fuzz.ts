// Chaos figure: an independent fuzzer (schemathesis, driven by the served /openapi.json) against a
// real composer (SQLite, the small test inventory, seeded objects), then a check that refused
// requests left no trace. Violations: every 5xx, every failed schemathesis check, every stored
// object, allocation or journal entry that no acknowledged request accounts for, and any
// disagreement between the engine's memory and the store. docs/api.md (Fuzzing) has the method.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { AllocationEngine } from '../../provider/engine';
import type { RunningComposer } from '../../provider/composer';
import { ID_PATTERN } from '../../provider/composer/server';
import { client, MASTER_KEY, tok } from '../../test/composer/fixtures';
import { startTestComposer } from '../../test/helpers/composer';

type Log = (line: string) => void;
export interface FuzzOptions {
  short: boolean;
  log: Log;
}

const REPO = path.resolve(__dirname, '../..');
const SEED = 20261201;
/** Checks that hold for this API; see CHECKS_LEFT_OUT for the others. */
const CHECKS = [
  'not_a_server_error',
  'status_code_conformance',
  'content_type_conformance',
  'response_headers_conformance',
  'response_schema_conformance',
  'negative_data_rejection',
  'missing_required_header',
  'unsupported_method',
  'allow_header_conformance',
  'use_after_free',
  'ensure_resource_availability',
  'ignored_auth',
];
export const CHECKS_LEFT_OUT = {
  positive_data_acceptance:
    'expects 2xx for every schema-valid body, but references (a cluster id, a key policy, a server of the cluster) and the cross-field rules of docs/api.md are checked against state and answer 422',
  object_level_authorization: 'needs two principals owning objects; the roles are tested in test/composer/api.test.ts and auth.test.ts',
};

/** Seeded objects: durable ones are GET/PATCH targets, spare ones are there to be deleted. */
interface Seeds {
  cluster: string;
  spareCluster: string;
  policy: string;
  sparePolicy: string;
  volume: string;
  encrypted: string;
  sliceVolume: string;
  slice: string;
  retained: string;
  spareVolumes: string[];
  spareSlice: string;
}

export async function seed(url: string): Promise<Seeds> {
  const ops = client(url, tok('root'));
  const create = async (p: string, body: Record<string, unknown>): Promise<string> => {
    const r = await ops.post(p, body);
    if (r.status !== 201) throw new Error(`seeding ${p} ${JSON.stringify(body)}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body.id as string;
  };
  const policy = await create('/v1/key-policies', { name: 'fuzz-kp', secret: 'fuzz-secret-0123456789' });
  const sparePolicy = await create('/v1/key-policies', { name: 'fuzz-kp-spare', secret: 'fuzz-secret-abcdefghij' });
  const cluster = await create('/v1/clusters', { name: 'fuzz', servers: ['k1', 'k2', 'k3'], keyPolicy: policy });
  const spareCluster = await create('/v1/clusters', { name: 'fuzz-spare', servers: ['k4'] });
  const s: Seeds = {
    cluster,
    spareCluster,
    policy,
    sparePolicy,
    volume: await create('/v1/volumes', { cluster, name: 'data', sizeGiB: 100, server: 'k1', mountPath: '/mnt/data' }),
    encrypted: await create('/v1/volumes', { cluster, name: 'secret', type: 'ssd', sizeGiB: 100, encrypt: true, server: 'k1' }),
    sliceVolume: await create('/v1/volumes', { cluster, name: 'fast', type: 'slice', sizeGiB: 20, server: 'k2' }),
    slice: await create('/v1/slices', { cluster, name: 'raw', sizeGiB: 10, server: 'k1' }),
    retained: await create('/v1/volumes', { cluster, name: 'kept', sizeGiB: 50, reclaimPolicy: 'Retain' }),
    spareVolumes: [await create('/v1/volumes', { cluster, name: 'spare-a', sizeGiB: 10 }), await create('/v1/volumes', { cluster, name: 'spare-b', type: 'slice', sizeGiB: 5, server: 'k1' })],
    spareSlice: await create('/v1/slices', { cluster, name: 'spare-raw', sizeGiB: 5 }),
  };
  const del = await ops.del(`/v1/volumes/${s.retained}`);
  if (del.status !== 204) throw new Error(`seeding: retaining ${s.retained}: ${del.status}`);
  return s;
}

/** Which seeded ids each operation's path parameters are pointed at (bench/chaos/fuzz_hooks.py). */
function targets(s: Seeds, opIds: string[]): Record<string, Record<string, string[]>> {
  const t: Record<string, Record<string, string[]>> = {};
  const durable: Record<string, string[]> = { clusters: [s.cluster], volumes: [s.volume, s.encrypted, s.sliceVolume, s.retained], slices: [s.slice], 'key-policies': [s.policy] };
  const spare: Record<string, string[]> = { clusters: [s.spareCluster, s.cluster], volumes: s.spareVolumes, slices: [s.spareSlice], 'key-policies': [s.sparePolicy, s.policy] };
  for (const kind of Object.keys(durable)) {
    t[`GET /v1/${kind}/{id}`] = { id: durable[kind] };
    t[`PATCH /v1/${kind}/{id}`] = { id: durable[kind] };
    t[`DELETE /v1/${kind}/{id}`] = { id: spare[kind] };
  }
  t['POST /v1/volumes/{id}/purge'] = { id: [s.retained, s.volume] };
  t['GET /v1/operations/{id}'] = { id: opIds.slice(0, 3) };
  const onK1 = [s.volume, s.encrypted, s.slice, s.spareVolumes[1]];
  for (const op of ['POST /v1/agents/{server}/register', 'POST /v1/agents/{server}/heartbeat', 'GET /v1/agents/{server}/assignments']) t[op] = { server: ['k1'] };
  t['PUT /v1/agents/{server}/status/{volumeId}'] = { server: ['k1'], volumeId: onK1 };
  t['GET /v1/agents/{server}/keys/{volumeId}'] = { server: ['k1'], volumeId: [s.encrypted, s.volume] };
  return t;
}

function run1(cmd: string, args: string[], o: { cwd: string; env?: NodeJS.ProcessEnv; outFile?: string; timeoutMs: number }): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: o.cwd, env: o.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = o.outFile ? fs.createWriteStream(o.outFile) : undefined;
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => {
      if (out) out.write(c);
      else stdout += c.toString('utf8');
    });
    child.stderr.on('data', (c: Buffer) => out?.write(c));
    const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      out?.end();
      resolve({ code, stdout });
    });
  });
}

/** scripts/ensure-schemathesis.sh installs the pinned version (once) and prints the `st` path. */
async function ensureSchemathesis(cwd: string): Promise<string> {
  const r = await run1('bash', [path.join(REPO, 'scripts/ensure-schemathesis.sh')], { cwd, timeoutMs: 600_000 });
  const st = r.stdout.trim().split('\n').pop() ?? '';
  if (r.code !== 0 || !fs.existsSync(st)) throw new Error(`scripts/ensure-schemathesis.sh failed (exit ${r.code})`);
  return st;
}

interface Interaction {
  operation: string;
  method: string;
  uri: string;
  status?: number;
  body?: string;
  requestBody?: string;
}
interface CheckFailure {
  check: string;
  operation: string;
  status?: number;
  message: string;
  request: string;
}
interface RunResult {
  interactions: Interaction[];
  failures: CheckFailure[];
  scenarioErrors: string[];
  phases: Record<string, number>;
  /** Stopped by the bench's time budget before schemathesis finished. */
  truncated?: boolean;
}

const b64 = (v: unknown): string | undefined => {
  const o = v as { $base64?: string; string?: string } | undefined;
  if (!o) return undefined;
  if (typeof o.$base64 === 'string') return Buffer.from(o.$base64, 'base64').toString('utf8');
  return typeof o.string === 'string' ? o.string : undefined;
};

/** Reads schemathesis's NDJSON event stream: every request sent and every check that failed. */
async function readReport(file: string): Promise<RunResult> {
  const res: RunResult = { interactions: [], failures: [], scenarioErrors: [], phases: {} };
  const lines = readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line.startsWith('{"ScenarioFinished"')) continue;
    let sf;
    try {
      sf = JSON.parse(line).ScenarioFinished;
    } catch {
      continue; // the last line of a run stopped by its time budget
    }
    const rec = sf.recorder ?? {};
    const cases: Record<string, { value: { method: string; path: string } }> = rec.cases ?? {};
    const opOf = (id: string) => {
      const c = cases[id]?.value;
      return c ? `${c.method.toUpperCase()} ${c.path}` : String(rec.label);
    };
    for (const [id, i] of Object.entries<Record<string, any>>(rec.interactions ?? {})) { // eslint-disable-line @typescript-eslint/no-explicit-any
      res.phases[sf.phase] = (res.phases[sf.phase] ?? 0) + 1;
      res.interactions.push({
        operation: opOf(id),
        method: i.request.method,
        uri: i.request.uri,
        status: i.response?.status_code,
        body: b64(i.response?.content),
        requestBody: b64(i.request.body),
      });
    }
    for (const [id, checks] of Object.entries<{ name: string; status: string; failure_info?: { failure?: { title?: string; message?: string } } }[]>(rec.checks ?? {})) {
      const inter = rec.interactions?.[id];
      for (const c of checks) {
        if (c.status !== 'failure') continue;
        const f = c.failure_info?.failure;
        res.failures.push({
          check: c.name,
          operation: opOf(id),
          status: inter?.response?.status_code,
          message: [f?.title, f?.message].filter(Boolean).join(': ').slice(0, 300),
          request: `${inter?.request?.method ?? '?'} ${inter?.request?.uri ?? '?'}${inter?.request?.body ? ` ${(b64(inter.request.body) ?? '').slice(0, 200)}` : ''}`,
        });
      }
    }
    if (sf.status === 'error') res.scenarioErrors.push(`${rec.label}: ${JSON.stringify(sf.errors ?? sf.error ?? 'error').slice(0, 300)}`);
  }
  return res;
}

async function schemathesis(st: string, o: { url: string; token: string; dir: string; name: string; include: string[]; exclude: string[]; maxExamples: number; targets: unknown; timeoutMs: number }): Promise<RunResult> {
  const reportDir = path.join(o.dir, o.name);
  const args = [
    'run',
    `${o.url}/openapi.json`,
    '--header',
    `Authorization: Bearer ${o.token}`,
    ...o.include.flatMap((r) => ['--include-path-regex', r]),
    ...o.exclude.flatMap((r) => ['--exclude-path-regex', r]),
    '--checks',
    CHECKS.join(','),
    '--max-examples',
    String(o.maxExamples),
    '--seed',
    String(SEED),
    '--workers',
    '1',
    '--request-timeout',
    '20',
    '--generation-database',
    'none',
    '--suppress-health-check',
    'all',
    '--report',
    'ndjson,junit',
    '--report-dir',
    reportDir,
    '--no-color',
  ];
  const env = {
    ...process.env,
    SCHEMATHESIS_HOOKS: path.join(__dirname, 'fuzz_hooks.py'),
    TESSERA_FUZZ_TARGETS: JSON.stringify(o.targets),
    TESSERA_FUZZ_ID_PATTERN: ID_PATTERN,
  };
  const r = await run1(st, args, { cwd: o.dir, env, outFile: path.join(o.dir, `${o.name}.out`), timeoutMs: o.timeoutMs });
  const ndjson = fs.existsSync(reportDir) ? fs.readdirSync(reportDir).find((f) => f.endsWith('.ndjson')) : undefined;
  if (!ndjson) throw new Error(`schemathesis (${o.name}) wrote no report (exit ${r.code}); see ${path.join(o.dir, `${o.name}.out`)}`);
  const res = await readReport(path.join(reportDir, ndjson));
  // Exit 1 = failures found (read from the report); killed = out of time (the figures say so);
  // anything else is schemathesis itself failing.
  if (r.code === null) res.truncated = true;
  else if (r.code !== 0 && r.code !== 1) res.scenarioErrors.push(`schemathesis (${o.name}) exited ${r.code}`);
  return res;
}

const idOf = (text?: string): string | undefined => {
  try {
    const v = JSON.parse(text ?? '');
    return typeof v?.id === 'string' ? v.id : undefined;
  } catch {
    return undefined;
  }
};

/**
 * What the store holds must be accounted for by acknowledged requests: every object was created by
 * a 2xx, every allocation belongs to a stored volume or slice, every journal entry since the start
 * names an object some 2xx acknowledged; and the engine's memory equals the store.
 */
export async function verifyNoTrace(composer: RunningComposer, seeds: Seeds, opsBefore: Set<string>, interactions: Interaction[]): Promise<{ figures: Record<string, number>; violations: string[] }> {
  const violations: string[] = [];
  const acked = new Set<string>(Object.values(seeds).flat());
  let inventoryReplaced = false;
  for (const i of interactions) {
    if (i.status === undefined || i.status < 200 || i.status >= 300) continue;
    const id = idOf(i.body);
    if (id && (i.status === 201 || i.method === 'POST' || i.method === 'PATCH')) acked.add(id);
    const m = /\/v1\/(?:clusters|volumes|slices|key-policies)\/([^/?]+)/.exec(new URL(i.uri).pathname);
    if (m && i.method !== 'GET') acked.add(decodeURIComponent(m[1]));
    if (i.method === 'PUT' && new URL(i.uri).pathname === '/v1/inventory') inventoryReplaced = true;
  }
  // Deletes of volumes attached to a live agent finish once it unstages or the wait passes.
  const svc = composer.service();
  const deadline = Date.now() + 15_000;
  while ([...svc.state.ops.values()].some((o) => o.state === 'pending' && o.kind !== 'rotate') && Date.now() < deadline) {
    await svc.reconcile().catch(() => undefined);
    await new Promise((r) => setTimeout(r, 250));
  }
  const store = composer.store;
  const kvs = await store.range('/tessera/');
  const objects = new Map<string, string>();
  const allocations = new Set<string>();
  for (const kv of kvs) {
    const m = /^\/tessera\/(clusters|volumes|slices|key-policies|allocations)\/([^/]+)$/.exec(kv.key);
    if (!m) continue;
    if (m[1] === 'allocations') allocations.add(m[2]);
    else objects.set(m[2], m[1]);
  }
  for (const [id, kind] of objects) if (!acked.has(id)) violations.push(`stored ${kind} object ${id} was never acknowledged by a 2xx answer (a refused request left it)`);
  for (const id of allocations) {
    const kind = objects.get(id);
    if (kind !== 'volumes' && kind !== 'slices') violations.push(`allocation ${id} belongs to no stored volume or slice (leaked drives)`);
    else if (!acked.has(id)) violations.push(`allocation ${id} belongs to an object no 2xx acknowledged`);
  }
  for (const [id, kind] of objects) if ((kind === 'volumes' || kind === 'slices') && !allocations.has(id)) violations.push(`${kind} ${id} has no allocation in the store`);
  let newOps = 0;
  for (const kv of kvs) {
    if (!kv.key.startsWith('/tessera/ops/')) continue;
    const op = JSON.parse(kv.value) as { id: string; objectId: string; state: string; kind: string };
    if (opsBefore.has(op.id)) continue;
    newOps++;
    if (op.objectId === 'inventory' ? !inventoryReplaced : !acked.has(op.objectId)) violations.push(`journal entry ${op.id} (${op.kind} ${op.objectId}, ${op.state}) answers no acknowledged request`);
    if (op.state === 'pending' && op.kind !== 'rotate') violations.push(`journal entry ${op.id} (${op.kind} ${op.objectId}) is still pending after the run`);
  }
  // The engine in memory against one rebuilt from the stored inventory and allocations.
  const engine = svc.state.engine instanceof AllocationEngine ? svc.state.engine : undefined;
  const live = new Set(engine?.allocationIds() ?? []);
  for (const id of allocations) if (!live.has(id)) violations.push(`allocation ${id} is stored but not held by the engine`);
  for (const id of live) if (!allocations.has(id)) violations.push(`the engine holds allocation ${id} that the store does not (capacity leaked in memory)`);
  if (engine && svc.state.inventory) {
    const fresh = new AllocationEngine(svc.state.inventory);
    for (const kv of kvs) if (kv.key.startsWith('/tessera/allocations/')) fresh.restore(kv.key.slice('/tessera/allocations/'.length), JSON.parse(kv.value));
    const a = JSON.stringify(engine.stats());
    const b = JSON.stringify(fresh.stats());
    if (a !== b) violations.push(`engine free capacity differs from a rebuild from the store: live ${a}, rebuilt ${b}`);
  }
  return { figures: { acknowledgedObjects: acked.size, storedObjects: objects.size, storedAllocations: allocations.size, journalEntriesAdded: newOps }, violations };
}

export async function run(opts: FuzzOptions): Promise<{ figures: Record<string, unknown>; violations: string[] }> {
  const t0 = Date.now();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-fuzz-'));
  const violations: string[] = [];
  const errorLines: string[] = [];
  let composer: RunningComposer | undefined;
  try {
    const st = await ensureSchemathesis(dir);
    composer = (
      await startTestComposer({
        dir,
        masterKey: MASTER_KEY,
        // Plain HTTP on loopback: the key route must run its real handler to be fuzzed (it would
        // answer every request 403 tls_required otherwise; test/agent/client-tls.test.ts covers that).
        insecureDev: true,
        log: (line) => {
          if (line.includes('"level":"error"')) errorLines.push(line);
        },
        unstageWaitMs: 2000,
        heartbeatGraceMs: 5000,
        reconcileIntervalMs: 500,
      })
    ).composer;
    const seeds = await seed(composer.url);
    const opsBefore = new Set(composer.service().state.ops.keys());
    const tgt = targets(seeds, [...opsBefore]);
    // The coverage phase is a fixed ~2,500 requests (boundary values, methods, media types, auth);
    // --max-examples sizes the fuzzing and stateful phases: ~2,700 requests in all in the short
    // form, ~20,000 in the long one.
    const maxExamples = opts.short ? 5 : 500;
    const budget = (ms: number) => (opts.short ? ms : ms * 30);
    opts.log(`fuzz: schemathesis against ${composer.url} (seed ${SEED}, max-examples ${maxExamples})`);
    const agentRun = await schemathesis(st, { url: composer.url, token: tok('agent-k1'), dir, name: 'agent', include: ['^/v1/agents/'], exclude: [], maxExamples, targets: tgt, timeoutMs: budget(60_000) });
    opts.log(`fuzz: agent channel: ${agentRun.interactions.length} requests`);
    const apiRun = await schemathesis(st, { url: composer.url, token: tok('root'), dir, name: 'api', include: [], exclude: ['^/v1/agents/'], maxExamples, targets: tgt, timeoutMs: budget(120_000) });
    opts.log(`fuzz: rest of the API: ${apiRun.interactions.length} requests`);

    const interactions = [...agentRun.interactions, ...apiRun.interactions];
    const failures = [...agentRun.failures, ...apiRun.failures];
    const status: Record<string, number> = {};
    for (const i of interactions) status[String(i.status ?? 'none')] = (status[String(i.status ?? 'none')] ?? 0) + 1;
    const unanswered = interactions.filter((i) => i.status === undefined);
    if (unanswered.length > 0) violations.push(`${unanswered.length} request(s) got no answer (connection error or 20 s timeout), e.g. ${unanswered[0].method} ${unanswered[0].uri}`);
    const serverErrors: Map<string, { n: number; example: Interaction }> = new Map();
    for (const i of interactions) {
      if (i.status === undefined || i.status < 500) continue;
      const key = `${i.operation} -> ${i.status}`;
      const e = serverErrors.get(key);
      if (e) e.n++;
      else serverErrors.set(key, { n: 1, example: i });
    }
    for (const [key, e] of serverErrors) violations.push(`5xx: ${key} (${e.n}x), e.g. ${e.example.method} ${e.example.uri}${e.example.requestBody ? ` ${e.example.requestBody.slice(0, 200)}` : ''}: ${(e.example.body ?? '').slice(0, 200)}`);
    const byCheck: Record<string, number> = {};
    const grouped = new Map<string, { n: number; f: CheckFailure }>();
    for (const f of failures) {
      if (f.check === 'not_a_server_error') continue; // counted above, by status
      byCheck[f.check] = (byCheck[f.check] ?? 0) + 1;
      const key = `${f.check} on ${f.operation}`;
      const g = grouped.get(key);
      if (g) g.n++;
      else grouped.set(key, { n: 1, f });
    }
    for (const [key, g] of grouped) violations.push(`check ${key} (${g.n}x): ${g.f.message}; e.g. ${g.f.request} -> ${g.f.status}`);
    byCheck.not_a_server_error = [...serverErrors.values()].reduce((n, e) => n + e.n, 0);
    for (const e of [...agentRun.scenarioErrors, ...apiRun.scenarioErrors]) violations.push(`schemathesis error: ${e}`);
    if (errorLines.length > 0) violations.push(`composer logged ${errorLines.length} error(s), first: ${errorLines[0].slice(0, 400)}`);

    const docOps = Object.entries((await client(composer.url).get('/openapi.json')).body.paths as Record<string, Record<string, unknown>>).flatMap(([p, m]) => Object.keys(m).map((x) => `${x.toUpperCase()} ${p}`));
    const covered = new Set(interactions.filter((i) => i.status !== undefined).map((i) => i.operation));
    covered.add('GET /openapi.json'); // schemathesis loads it (just above: the bench did too) but does not fuzz its own document
    const missed = docOps.filter((o) => !covered.has(o));
    if (missed.length > 0) violations.push(`operations schemathesis never reached: ${missed.join(', ')}`);

    const trace = await verifyNoTrace(composer, seeds, opsBefore, interactions);
    violations.push(...trace.violations);
    return {
      figures: {
        tool: 'schemathesis 4.32.5',
        seed: SEED,
        maxExamples,
        requests: interactions.length,
        truncated: [agentRun, apiRun].some((r) => r.truncated),
        requestsByPhase: mergeCounts(agentRun.phases, apiRun.phases),
        responsesByStatus: status,
        serverErrors5xx: byCheck.not_a_server_error,
        failuresByCheck: byCheck,
        checks: CHECKS,
        checksLeftOut: Object.keys(CHECKS_LEFT_OUT),
        operationsCovered: docOps.filter((o) => covered.has(o)).length,
        operationsDocumented: docOps.length,
        ...trace.figures,
        seconds: Math.round((Date.now() - t0) / 100) / 10,
      },
      violations,
    };
  } catch (e) {
    violations.push(`fuzz bench could not run: ${(e as Error).message}`);
    return { figures: { seconds: Math.round((Date.now() - t0) / 100) / 10 }, violations };
  } finally {
    await composer?.close();
    if (process.env.TESSERA_FUZZ_KEEP) opts.log(`fuzz: reports kept in ${dir}`);
    else fs.rmSync(dir, { recursive: true, force: true });
  }
}

function mergeCounts(...all: Record<string, number>[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of all) for (const [k, v] of Object.entries(c)) out[k] = (out[k] ?? 0) + v;
  return out;
}
