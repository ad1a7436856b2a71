// Agent fleet bench (issue 19 item 4; docs/agent.md "Scale"): the composer as its own process
// (`bin/tessera composer start`, SQLite, 127.0.0.1, the operator token and one agent token per
// server), N agents as real agent code (startAgent, simulated backend) spread over W worker
// processes (./lib/agent-worker.ts), V 10 GiB slices created over HTTP by this process, C at a time.
// Measures: time from the first create until every volume is staged, the composer process's CPU
// seconds and RSS (from /proc/PID/stat and /proc/PID/status), assignment requests per agent,
// requests during an idle window by route, and restart-to-ready: kill -9 of the composer holding
// the V volumes, start again on the same store, time until /readyz answers the ready leader and
// until every agent had an answer from the new process, with no volume staged again.
// Floor in the same run: the same client creating F volumes against a second composer process
// (same inventory, tokens and flags) that no agent talks to: the ratio shows what the agents cost.
//   npm run bench:agents -- --agents 10000 --volumes 100000 [--workers 5] [--concurrency 48]
//     [--idle-seconds 10] [--floor-volumes V/10] [--short] [--json]
//   --short: 400 agents, 4,000 volumes, 2 workers, 3 s idle (under 60 s on 2 cores; bench:check).
import { ChildProcess, fork, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import axios, { AxiosInstance } from 'axios';
import { ComposerClient } from '../provider/client';
import { OPERATOR_TOKEN, REPO, TESSERA_BIN, agentToken, composerStartArgs, writeComposerFiles } from '../test/helpers/composer';
import { fleetInventory, pool } from './lib/fleet';
import type { WorkerStart, WorkerStats } from './lib/agent-worker';
import { numberArg } from './lib/args';
import { CLK_TCK, procStat, procStatusBytes } from './lib/proc';

const SHORT = process.argv.includes('--short');

const arg = (name: string, fallback: number): number => numberArg(name, fallback);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---- the composer process, seen from outside ----------------------------------------------------

interface ProcSample {
  cpuSeconds: number;
  rssBytes: number;
  peakRssBytes: number;
}

/** CPU (utime + stime), RSS and its peak (VmRSS, VmHWM) of one process (bench/lib/proc.ts). */
function procSample(pid: number): ProcSample {
  const [rssBytes, peakRssBytes] = procStatusBytes(pid, 'VmRSS', 'VmHWM');
  return { cpuSeconds: procStat(pid).cpuTicks / CLK_TCK, rssBytes, peakRssBytes };
}

interface Composer {
  proc: ChildProcess;
  url: string;
  /** ms from spawn until it printed its URL (listening), and until /readyz said ready leader. */
  listenMs: number;
  readyMs: number;
  stderr(): string;
}

/** A free TCP port on 127.0.0.1: the restarted composer must listen where the agents are pointed. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** `tessera composer start` as a user runs it (bin/tessera execs node, so proc.pid is the composer). */
async function startComposer(dir: string, port: number, env?: NodeJS.ProcessEnv): Promise<Composer> {
  const flags = ['--listen', `127.0.0.1:${port}`, '--insecure-dev', '--heartbeat-grace-seconds', '60', '--max-connections', '19000'];
  const t0 = performance.now();
  const proc = spawn(TESSERA_BIN, composerStartArgs(dir, { args: flags }), { stdio: ['ignore', 'pipe', 'pipe'], env: env ?? process.env });
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-20_000)));
  const exited = new Promise<never>((_, reject) => proc.once('exit', (c, s) => reject(new Error(`composer exited with ${c ?? s}:\n${err.slice(-2000)}`))));
  const url = await Promise.race([
    exited,
    new Promise<string>((resolve) => {
      let out = '';
      proc.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /^(https?:\/\/\S+)\n/m.exec(out);
        if (m) resolve(m[1]);
      });
    }),
  ]);
  const listenMs = performance.now() - t0;
  for (;;) {
    const r = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2_000) }).catch(() => undefined);
    const body = r ? ((await r.json().catch(() => ({}))) as { role?: string }) : {};
    if (r?.status === 200 && body.role === 'leader') break;
    if (proc.exitCode !== null) await exited;
    if (performance.now() - t0 > 120_000) throw new Error(`composer not ready after 120 s:\n${err.slice(-2000)}`);
    await sleep(20);
  }
  exited.catch(() => undefined);
  return { proc, url, listenMs, readyMs: performance.now() - t0, stderr: () => err };
}

async function kill9(c: Composer): Promise<void> {
  if (c.proc.exitCode !== null || c.proc.signalCode !== null) return;
  const gone = new Promise((r) => c.proc.once('exit', r));
  c.proc.kill('SIGKILL');
  await gone;
}

/** tessera_http_requests_total by route (and status), from the composer's /metrics. */
async function requestCounts(ops: AxiosInstance): Promise<Map<string, number>> {
  const text = (await ops.get('/metrics', { responseType: 'text' })).data as string;
  const out = new Map<string, number>();
  for (const l of text.split('\n')) {
    if (!l.startsWith('tessera_http_requests_total{')) continue;
    const route = /route="([^"]*)"/.exec(l)?.[1] ?? '?';
    const status = /status="([^"]*)"/.exec(l)?.[1] ?? '?';
    const n = Number(l.split(' ').pop());
    out.set(route, (out.get(route) ?? 0) + n);
    out.set(`${route} ${status}`, (out.get(`${route} ${status}`) ?? 0) + n);
  }
  return out;
}
const ASSIGNMENTS = '/v1/agents/{server}/assignments';
const STATUS = '/v1/agents/{server}/status/{volumeId}';
const HEARTBEAT = '/v1/agents/{server}/heartbeat';
const diff = (a: Map<string, number>, b: Map<string, number>, key: string) => (b.get(key) ?? 0) - (a.get(key) ?? 0);

function operator(url: string, concurrency: number): AxiosInstance {
  return axios.create({ baseURL: url, headers: { authorization: `Bearer ${OPERATOR_TOKEN}` }, httpAgent: new http.Agent({ keepAlive: true, maxSockets: concurrency + 4 }), timeout: 120_000 });
}

/** V creates of 10 GiB slices, `concurrency` at a time, retried as agent-scale.ts does (create is idempotent by name). */
/** A cluster holds at most 5,000 servers (schema.json): the fleet's servers in clusters of that size, in order. */
const CLUSTER_SERVERS = 5000;
async function createClusters(ops: AxiosInstance, servers: string[]): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < servers.length; i += CLUSTER_SERVERS) ids.push((await ops.post('/v1/clusters', { name: `bench${ids.length}`, servers: servers.slice(i, i + CLUSTER_SERVERS) })).data.id as string);
  return ids;
}

/** Volume j goes to server k(j mod servers), in that server's cluster (createClusters). */
async function createVolumes(ops: AxiosInstance, clusters: string[], servers: number, volumes: number, concurrency: number): Promise<{ seconds: number; retries: number }> {
  let retries = 0;
  const t0 = performance.now();
  await pool(
    Array.from({ length: volumes }, (_, j) => j),
    concurrency,
    async (j) => {
      for (let attempt = 1; ; attempt++) {
        try {
          await ops.post('/v1/volumes', { cluster: clusters[Math.floor((j % servers) / CLUSTER_SERVERS)], name: `v${j}`, type: 'slice', sizeGiB: 10, server: `k${j % servers}`, mountPath: `/srv/v${j}` });
          return;
        } catch (e) {
          const retriable = axios.isAxiosError(e) && (!e.response || e.response.status === 503);
          if (attempt >= 10 || !retriable) throw e;
          retries++;
          await sleep(100 * attempt);
        }
      }
    },
  );
  return { seconds: (performance.now() - t0) / 1000, retries };
}

// ---- the worker processes -----------------------------------------------------------------------

const TSX = ['--import', path.join(REPO, 'node_modules/tsx/dist/esm/index.mjs'), '--require', path.join(REPO, 'node_modules/tsx/dist/cjs/index.cjs')];

class Worker {
  private waiting = new Map<number, (s: WorkerStats) => void>();
  private nextId = 0;
  readonly started: Promise<number>;
  constructor(readonly proc: ChildProcess) {
    let onStarted!: (n: number) => void;
    let onError!: (e: Error) => void;
    this.started = new Promise((res, rej) => ((onStarted = res), (onError = rej)));
    proc.on('message', (m: { type: 'started'; agents: number } | { type: 'error'; error: string } | WorkerStats) => {
      if (m.type === 'started') onStarted(m.agents);
      else if (m.type === 'error') onError(new Error(`worker: ${m.error}`));
      else {
        this.waiting.get(m.id)?.(m);
        this.waiting.delete(m.id);
      }
    });
    proc.once('exit', (c, s) => onError(new Error(`worker exited with ${c ?? s}`)));
  }
  stats(): Promise<WorkerStats> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.proc.send({ type: 'stats', id });
    });
  }
  async stop(): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    const gone = new Promise((r) => this.proc.once('exit', r));
    this.proc.send({ type: 'stop' });
    const t = setTimeout(() => this.proc.kill('SIGKILL'), 30_000);
    await gone;
    clearTimeout(t);
  }
}

async function fleetStats(workers: Worker[]) {
  const all = await Promise.all(workers.map((w) => w.stats()));
  const sum = (k: 'staged' | 'failed' | 'commands' | 'mkfs' | 'agents' | 'rssBytes' | 'cpuSeconds') => all.reduce((n, s) => n + s[k], 0);
  return { staged: sum('staged'), failed: sum('failed'), commands: sum('commands'), mkfs: sum('mkfs'), agents: sum('agents'), rssBytes: sum('rssBytes'), cpuSeconds: sum('cpuSeconds'), errors: all.flatMap((s) => s.errors).slice(0, 3) };
}

// ---- the run ------------------------------------------------------------------------------------

async function main() {
  const nAgents = arg('agents', SHORT ? 400 : 10_000);
  const nVolumes = arg('volumes', SHORT ? 4_000 : 100_000);
  const nWorkers = arg('workers', SHORT ? 2 : Math.max(2, Math.ceil(nAgents / 2000)));
  const concurrency = arg('concurrency', 48);
  const idleSeconds = arg('idle-seconds', SHORT ? 3 : 10);
  const floorVolumes = arg('floor-volumes', Math.max(1, Math.floor(nVolumes / (SHORT ? 4 : 10))));
  // The longest long poll the API allows (wire: waitSeconds ≤ 300) and re-verification off for the
  // run (docs/agent.md: staged volumes are checked again every verifyMs, 60 s by default): an idle
  // window then shows what changes cost, not the timers. Heartbeats every 10 s as agent-scale.ts.
  const agentOpts = { heartbeatMs: 10_000, waitSeconds: 300, verifyMs: 3_600_000, concurrency: 4 };
  const log = (s: string) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${s}\n`);

  const inv = fleetInventory(nAgents, nVolumes);
  const servers = inv.servers.map((s) => s.name);
  const portals = inv.storageGroups.flatMap((sg) => sg.enclosures.map((e) => [e.name, e.portal] as [string, string]));
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-fleet-bench-'));
  const floorDir = path.join(root, 'floor');
  const dir = path.join(root, 'fleet');
  for (const d of [floorDir, dir]) {
    fs.mkdirSync(d);
    writeComposerFiles(d, { inventory: inv, masterKey: true });
  }
  const workers: Worker[] = [];
  let composer: Composer | undefined;
  try {
    // Floor: the same client and flags against a composer no agent talks to.
    log(`floor: ${floorVolumes} creates, no agents`);
    const floorProfile = process.argv.includes('--profile-floor') ? fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-floor-prof-')) : undefined;
    const floorComposer = await startComposer(floorDir, await freePort(), floorProfile ? { ...process.env, NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${floorProfile}` } : undefined);
    let floor: { creates: number; seconds: number; createsPerSecond: number; composerCpuSeconds: number; retries: number };
    try {
      const fops = operator(floorComposer.url, concurrency);
      const clusters = await createClusters(fops, servers);
      const c0 = procSample(floorComposer.proc.pid!);
      const r = await createVolumes(fops, clusters, nAgents, floorVolumes, concurrency);
      floor = { creates: floorVolumes, seconds: r.seconds, createsPerSecond: floorVolumes / r.seconds, composerCpuSeconds: procSample(floorComposer.proc.pid!).cpuSeconds - c0.cpuSeconds, retries: r.retries };
    } finally {
      if (floorProfile) {
        // A profile is written at a normal exit only: SIGTERM, then the bench ends.
        const gone = new Promise((r) => floorComposer.proc.once('exit', r));
        floorComposer.proc.kill('SIGTERM');
        await gone;
        log(`floor composer profile in ${floorProfile}`);
      }
      await kill9(floorComposer);
    }
    if (floorProfile) return;
    log(`floor: ${floor.createsPerSecond.toFixed(0)} creates/s`);

    const port = await freePort();
    composer = await startComposer(dir, port);
    const pid0 = composer.proc.pid!;
    const firstStart = { listenMs: composer.listenMs, readyMs: composer.readyMs };
    const ops = operator(composer.url, concurrency);
    const atReady = procSample(pid0);

    // The agents, W processes.
    const tStart = performance.now();
    for (let w = 0; w < nWorkers; w++) {
      const mine = servers.filter((_, i) => i % nWorkers === w);
      const proc = fork(path.join(__dirname, 'lib/agent-worker.ts'), [], { execArgv: [...TSX, '--max-old-space-size=4096'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      const worker = new Worker(proc);
      workers.push(worker);
      const start: WorkerStart = { type: 'start', composer: composer.url, servers: mine.map((s) => [s, agentToken(s)]), portals, agent: agentOpts };
      proc.send(start);
    }
    await Promise.all(workers.map((w) => w.started));
    // Registered: every server shows the facts its agent sent.
    const client = new ComposerClient({ endpoint: composer.url, token: OPERATOR_TOKEN });
    for (;;) {
      const regs = (await requestCounts(ops)).get('/v1/agents/{server}/register 200') ?? 0;
      if (regs >= nAgents) break;
      if (performance.now() - tStart > 600_000) throw new Error(`only ${regs} of ${nAgents} agents registered after 10 minutes`);
      await sleep(250);
    }
    const registerSeconds = (performance.now() - tStart) / 1000;
    log(`${nAgents} agents in ${nWorkers} processes registered in ${registerSeconds.toFixed(1)} s`);

    const clusters = await createClusters(ops, servers);
    const before = await requestCounts(ops);
    const c0 = procSample(pid0);
    const t0 = performance.now();
    const created = await createVolumes(ops, clusters, nAgents, nVolumes, concurrency);
    log(`${nVolumes} creates in ${created.seconds.toFixed(1)} s`);
    let fleet = await fleetStats(workers);
    let lastProgress = performance.now();
    for (;;) {
      if (fleet.staged >= nVolumes) break;
      if (performance.now() - t0 > 60 * 60_000) throw new Error(`only ${fleet.staged} of ${nVolumes} staged after 60 minutes; agent errors: ${fleet.errors.join(' | ')}`);
      await sleep(250);
      fleet = await fleetStats(workers);
      if (performance.now() - lastProgress > 10_000) {
        lastProgress = performance.now();
        log(`${fleet.staged} of ${nVolumes} staged, ${fleet.failed} failed${fleet.errors.length ? `; agent errors: ${fleet.errors.join(' | ')}` : ''}`);
      }
    }
    const stagedSeconds = (performance.now() - t0) / 1000;
    const c1 = procSample(pid0);
    log(`all ${nVolumes} staged in ${stagedSeconds.toFixed(1)} s`);
    const afterStaging = await requestCounts(ops);
    // The composer agrees: every volume is staged.
    const list = await client.listAll<{ state: string }>('/v1/volumes');
    const composerStaged = list.filter((v) => v.state === 'staged').length;
    if (composerStaged !== nVolumes) throw new Error(`composer shows ${composerStaged} of ${nVolumes} staged; agent errors: ${fleet.errors.join(' | ')}`);

    // Idle: nothing changes. Heartbeats go on; nothing else should.
    const idle0 = await requestCounts(ops);
    const idleFleet0 = await fleetStats(workers);
    const ci0 = procSample(pid0);
    await sleep(idleSeconds * 1000);
    const ci1 = procSample(pid0);
    const idle1 = await requestCounts(ops);
    const idleFleet1 = await fleetStats(workers);
    const idleRoutes: Record<string, number> = {};
    for (const k of new Set([...idle0.keys(), ...idle1.keys()])) if (!k.includes(' ') && diff(idle0, idle1, k) > 0) idleRoutes[k] = diff(idle0, idle1, k);
    // The two /metrics reads themselves are not the agents'.
    delete idleRoutes['/metrics'];

    // Restart-to-ready: kill -9 with every volume staged, start again on the same store.
    const beforeKill = await fleetStats(workers);
    const atKill = procSample(pid0);
    log('kill -9 of the composer');
    await kill9(composer);
    const tKill = performance.now();
    const profileDir = process.argv.includes('--profile-restart') ? fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-restart-prof-')) : undefined;
    composer = await startComposer(dir, port, profileDir ? { ...process.env, NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${profileDir}` } : undefined);
    const readySeconds = (performance.now() - tKill) / 1000;
    log(`ready again ${readySeconds.toFixed(2)} s after the kill (listening at ${(composer.listenMs / 1000).toFixed(2)} s)`);
    const ops2 = operator(composer.url, concurrency);
    // Converged: every agent had an answer (200) to an assignments poll from the new process.
    let answered = 0;
    for (;;) {
      answered = (await requestCounts(ops2)).get(`${ASSIGNMENTS} 200`) ?? 0;
      if (answered >= nAgents) break;
      if (performance.now() - tKill > 300_000) throw new Error(`only ${answered} of ${nAgents} agents polled the restarted composer within 300 s`);
      await sleep(250);
    }
    const convergedSeconds = (performance.now() - tKill) / 1000;
    log(`agents converged ${convergedSeconds.toFixed(2)} s after the kill`);
    await sleep(2000);
    const afterRestart = await fleetStats(workers);
    const list2 = await new ComposerClient({ endpoint: composer.url, token: OPERATOR_TOKEN }).listAll<{ state: string }>('/v1/volumes');
    const stagedAfterRestart = list2.filter((v) => v.state === 'staged').length;
    const restarted = procSample(composer.proc.pid!);
    if (profileDir) {
      // A profile is written at a normal exit only: this instance gets SIGTERM, after the agents
      // stopped (a graceful stop lets open long polls, up to 300 s, finish).
      await Promise.all(workers.map((w) => w.stop()));
      const gone = new Promise((r) => composer!.proc.once('exit', r));
      composer.proc.kill('SIGTERM');
      await gone;
      fs.writeFileSync(path.join(profileDir, 'composer.log'), composer.stderr());
      log(`restart profile and the restarted composer's log in ${profileDir}`);
    }

    const mib = (b: number) => Math.round(b / 2 ** 20);
    const createsPerSecond = nVolumes / created.seconds;
    const out = {
      bench: 'agents-fleet',
      short: SHORT,
      node: process.version,
      cpus: os.cpus().length,
      memGiB: Math.round(os.totalmem() / 2 ** 30),
      agents: nAgents,
      workers: nWorkers,
      volumes: nVolumes,
      concurrency,
      agentOptions: agentOpts,
      composerStartSeconds: { listen: firstStart.listenMs / 1000, ready: firstStart.readyMs / 1000 },
      registerSeconds,
      createSeconds: created.seconds,
      createRetries: created.retries,
      stagedSeconds,
      createsPerSecond,
      composer: {
        cpuSecondsStaging: c1.cpuSeconds - c0.cpuSeconds,
        cpuSecondsTotal: atKill.cpuSeconds,
        cpuSecondsAtReady: atReady.cpuSeconds,
        rssMiB: mib(atKill.rssBytes),
        peakRssMiB: mib(atKill.peakRssBytes),
      },
      workersTotal: { rssMiB: mib(fleet.rssBytes), cpuSeconds: fleet.cpuSeconds },
      assignmentRequests: diff(before, afterStaging, ASSIGNMENTS),
      assignmentRequestsPerAgent: diff(before, afterStaging, ASSIGNMENTS) / nAgents,
      statusReports: diff(before, afterStaging, STATUS),
      hostCommands: fleet.commands,
      idle: {
        seconds: idleSeconds,
        requestsByRoute: idleRoutes,
        assignmentRequests: idleRoutes[ASSIGNMENTS] ?? 0,
        heartbeats: idleRoutes[HEARTBEAT] ?? 0,
        heartbeatsExpected: Math.round((nAgents * idleSeconds * 1000) / agentOpts.heartbeatMs),
        hostCommands: idleFleet1.commands - idleFleet0.commands,
        composerCpuSeconds: ci1.cpuSeconds - ci0.cpuSeconds,
      },
      restart: {
        volumes: nVolumes,
        listenSeconds: composer.listenMs / 1000,
        readySeconds,
        convergedSeconds,
        targetSeconds: 10,
        met: readySeconds <= 10,
        assignmentAnswers: answered,
        hostCommandsAfterKill: afterRestart.commands - beforeKill.commands,
        restaged: afterRestart.mkfs - beforeKill.mkfs,
        composerStaged: stagedAfterRestart,
        rssMiB: mib(restarted.rssBytes),
        cpuSeconds: restarted.cpuSeconds,
      },
      floor: {
        what: 'the same client and concurrency creating volumes on a second composer process (same inventory, tokens, flags) with no agents',
        ...floor,
      },
      ratio: {
        createRate: createsPerSecond / floor.createsPerSecond,
        stagedVsFloorCreateTime: stagedSeconds / (nVolumes / floor.createsPerSecond),
      },
    };
    if (stagedAfterRestart !== nVolumes) throw new Error(`after the restart the composer shows ${stagedAfterRestart} of ${nVolumes} staged`);
    if (out.restart.restaged !== 0 || out.restart.hostCommandsAfterKill !== 0) throw new Error(`the restart restaged volumes: ${JSON.stringify(out.restart)}`);
    if (out.idle.assignmentRequests !== 0 || out.idle.hostCommands !== 0) throw new Error(`the idle fleet was not idle: ${JSON.stringify(out.idle)}`);
    if (process.argv.includes('--json')) console.log(JSON.stringify(out, null, 2));
    else {
      console.log(`${nAgents} agents in ${nWorkers} processes staged ${nVolumes} volumes in ${stagedSeconds.toFixed(1)} s (creates ${created.seconds.toFixed(1)} s, ${createsPerSecond.toFixed(0)}/s = ${(out.ratio.createRate * 100).toFixed(0)} % of the no-agent floor ${floor.createsPerSecond.toFixed(0)}/s)`);
      console.log(`composer: ${out.composer.cpuSecondsStaging.toFixed(1)} CPU s while staging, RSS ${out.composer.rssMiB} MiB (peak ${out.composer.peakRssMiB}); ${out.assignmentRequestsPerAgent.toFixed(2)} assignment requests per agent; idle ${idleSeconds} s: ${JSON.stringify(idleRoutes)}`);
      console.log(`restart after kill -9 with ${nVolumes} volumes: ready in ${readySeconds.toFixed(2)} s (target 10), agents converged in ${convergedSeconds.toFixed(2)} s, ${out.restart.restaged} restaged`);
      console.log(JSON.stringify(out));
    }
  } finally {
    await Promise.all(workers.map((w) => w.stop().catch(() => undefined)));
    if (composer) await kill9(composer);
    fs.rmSync(root, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
