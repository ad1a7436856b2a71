// Chaos figure "resource exhaustion": a real `tessera composer start` child is flooded, from a
// second child, with slow connections (headers trickled byte by byte, bodies trickled with and
// without a token, each reopened when the composer closes it) while a normal authenticated
// client in this process keeps reading. With the flood open the normal client's p99 must stay
// within max(2 x its unloaded p99, 10 ms) (unloaded measured for as long before and after the
// flood, the larger p99), it must never see an error, and the composer must close every slow
// connection at its limit (docs/api.md "Limits and timeouts"): headers at the headers timeout,
// an unauthenticated body at once (401), an authenticated trickled body at the request timeout.
// The flood runs in its own process so its sockets do not slow the measuring client.
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { synthesizeInventory } from '../../provider/inventory';
import { OPERATOR_TOKEN, READER_TOKEN, spawnComposer, writeComposerFiles, type ComposerChild } from '../../test/helpers/composer';
import type { ChaosResult } from './lib';

/** The harness's reader (the measured client) and operator (the slow writers) tokens. */
const READER = READER_TOKEN;
const WRITER = OPERATOR_TOKEN;
/** The absolute floor of the loaded-p99 bound: below it, scheduling noise on a shared machine dominates. */
const FLOOR_MS = 10;
/** Slack for the composer's checks (node scans for expired headers every second) and a busy machine. */
const CLOSE_SLACK_MS = 3000;

type Kind = 'headers' | 'authBody' | 'unauthBody';

interface Size {
  slow: number;
  requests: number;
  headersTimeoutSeconds: number;
  requestTimeoutSeconds: number;
}

/** The open-files soft limit of this process (node raises it to the hard limit at start). */
function openFilesLimit(): number | undefined {
  try {
    const line = fs.readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
    const soft = line?.split(/\s{2,}/)[1];
    return soft === undefined || soft === 'unlimited' ? undefined : Number(soft);
  } catch {
    return undefined;
  }
}

/** The composer under test: the real CLI with the request-timeout flags of `size`, its error log lines collected. */
async function startComposer(dir: string, size: Size): Promise<ComposerChild & { errors: string[] }> {
  const errors: string[] = [];
  const child = await spawnComposer(dir, {
    args: ['--headers-timeout-seconds', String(size.headersTimeoutSeconds), '--request-timeout-seconds', String(size.requestTimeoutSeconds)],
    onStderr: (chunk) => {
      for (const line of chunk.split('\n')) if (line.includes('"level":"error"')) errors.push(line.slice(0, 300));
    },
  });
  return { ...child, errors };
}

async function stop(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGTERM');
  const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** The normal client: sequential GETs on one kept-alive socket; latency of each, errors counted. */
async function measure(url: string, count: number, minMs: number): Promise<{ latencies: number[]; errors: string[] }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const latencies: number[] = [];
  const errors: string[] = [];
  const t0 = Date.now();
  try {
    for (let i = 0; i < count || Date.now() - t0 < minMs; i++) {
      const started = process.hrtime.bigint();
      try {
        const status = await new Promise<number>((resolve, reject) => {
          const req = http.get(`${url}/v1/volumes`, { agent, headers: { authorization: `Bearer ${READER}` } }, (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          });
          req.setTimeout(10_000, () => req.destroy(new Error('no answer within 10 s')));
          req.on('error', reject);
        });
        if (status !== 200) errors.push(`GET /v1/volumes answered ${status}`);
      } catch (e) {
        errors.push(`GET /v1/volumes failed: ${(e as Error).message}`);
      }
      latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
  } finally {
    agent.destroy();
  }
  return { latencies, errors };
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}
const round = (n: number) => Math.round(n * 100) / 100;

/** What the slow clients saw: how long the composer let each kind hold a connection. */
interface FloodStats {
  opened: Record<Kind, number>;
  closed: Record<Kind, number>;
  answered: Record<string, number>;
  /** Longest time from connect to the composer closing it, per kind (ms). */
  longestHoldMs: Record<Kind, number>;
  connectErrors: number;
}

/** 1 to 2 s: a flooder that reconnects, not in lock-step. */
const reopenDelay = () => 1000 + Math.floor(Math.random() * 1000);

/**
 * `total` slow connections, each reopened 1-2 s after the composer closes it. One timer drips a
 * byte into a tenth of them every 100 ms, so each sends one byte a second.
 */
function flood(url: string, total: number) {
  const port = Number(new URL(url).port);
  const kinds: Kind[] = Array.from({ length: total }, (_, i) => (i % 10 === 9 ? 'unauthBody' : i % 2 === 0 ? 'headers' : 'authBody'));
  const zero = () => ({ headers: 0, authBody: 0, unauthBody: 0 });
  const stats: FloodStats = { opened: zero(), closed: zero(), answered: {}, longestHoldMs: zero(), connectErrors: 0 };
  const sockets: (net.Socket | undefined)[] = new Array(total);
  let stopped = false;
  const connected = zero();
  const first = (kind: Kind) =>
    kind === 'headers'
      ? 'GET /v1/volumes HTTP/1.1\r\nHost: composer\r\n'
      : `POST /v1/volumes HTTP/1.1\r\nHost: composer\r\n${kind === 'authBody' ? `Authorization: Bearer ${WRITER}\r\n` : ''}Content-Type: application/json\r\nContent-Length: 1048576\r\n\r\n{`;
  const open = (i: number) => {
    if (stopped) return;
    const kind = kinds[i];
    const sock = net.connect(port, '127.0.0.1');
    sockets[i] = sock;
    let t0 = 0;
    let seen = '';
    sock.on('connect', () => {
      t0 = Date.now();
      connected[kind]++;
      stats.opened[kind]++;
      sock.write(first(kind));
    });
    sock.on('data', (d: Buffer) => {
      if (seen.length < 16) seen += d.toString('latin1');
    });
    sock.on('error', () => {
      if (!t0) stats.connectErrors++;
    });
    sock.on('close', () => {
      sockets[i] = undefined;
      if (!t0) {
        if (!stopped) setTimeout(() => open(i), reopenDelay());
        return;
      }
      connected[kind]--;
      if (stopped) return;
      stats.closed[kind]++;
      stats.longestHoldMs[kind] = Math.max(stats.longestHoldMs[kind], Date.now() - t0);
      const status = /^HTTP\/1\.1 (\d{3})/.exec(seen)?.[1] ?? 'none';
      stats.answered[`${kind}:${status}`] = (stats.answered[`${kind}:${status}`] ?? 0) + 1;
      setTimeout(() => open(i), reopenDelay());
    });
  };
  for (let i = 0; i < total; i++) open(i);
  let tick = 0;
  const drip = setInterval(() => {
    for (let i = tick % 10; i < total; i += 10) {
      const s = sockets[i];
      if (s && !s.connecting && s.writable) s.write(kinds[i] === 'headers' ? 'X' : ' ');
    }
    tick++;
  }, 100);
  return {
    stats,
    /** Slow connections open now; the unauthenticated ones close at once by design. */
    connected: () => connected.headers + connected.authBody,
    /** Of `total`, how many are meant to stay open until a timeout. */
    held: kinds.filter((k) => k !== 'unauthBody').length,
    everOpened: () => stats.opened.headers + stats.opened.authBody + stats.opened.unauthBody,
    stop: () => {
      stopped = true;
      clearInterval(drip);
      for (const s of sockets) s?.destroy();
    },
  };
}

type FloodMessage = { type: 'progress'; connected: number; everOpened: number; held: number } | { type: 'stats'; stats: FloodStats };

/** The flood's child process: progress every 200 ms; its stats when told to stop. */
function floodChild(url: string, total: number): void {
  const f = flood(url, total);
  const send = (m: FloodMessage) => process.send!(m);
  const progress = setInterval(() => send({ type: 'progress', connected: f.connected(), everOpened: f.everOpened(), held: f.held }), 200);
  process.on('message', (m) => {
    if (m !== 'stop') return;
    clearInterval(progress);
    f.stop();
    send({ type: 'stats', stats: f.stats });
    process.disconnect();
  });
  process.on('disconnect', () => {
    f.stop();
    process.exit(0);
  });
}

/** Starts the flood in a child node (with tsx, as bin/tessera runs the sources). */
function startFlood(url: string, total: number) {
  const root = path.resolve(__dirname, '../..');
  const tsx = ['--import', path.join(root, 'node_modules/tsx/dist/esm/index.mjs'), '--require', path.join(root, 'node_modules/tsx/dist/cjs/index.cjs')];
  const proc = spawn(process.execPath, [...tsx, __filename, '--exhaustion-flood', url, String(total)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let last = { connected: 0, everOpened: 0, held: 0 };
  let stats: ((s: FloodStats) => void) | undefined;
  proc.on('message', (m: FloodMessage) => {
    if (m.type === 'progress') last = m;
    else stats?.(m.stats);
  });
  return {
    proc,
    progress: () => last,
    stop: () =>
      new Promise<FloodStats>((resolve, reject) => {
        stats = resolve;
        proc.once('exit', (code) => reject(new Error(`the flood child exited with ${code} before reporting`)));
        proc.send('stop');
      }),
  };
}

export async function run(opts: { short: boolean; log: (line: string) => void }): Promise<ChaosResult> {
  // The long form uses the composer's default timeouts; the short form shorter ones, so that
  // every kind of slow connection reaches its limit within the CI budget.
  const size: Size = opts.short
    ? { slow: 300, requests: 400, headersTimeoutSeconds: 2, requestTimeoutSeconds: 3 }
    : { slow: 1000, requests: 2000, headersTimeoutSeconds: 10, requestTimeoutSeconds: 30 };
  const violations: string[] = [];
  const figures: Record<string, unknown> = { slowConnections: size.slow, headersTimeoutSeconds: size.headersTimeoutSeconds, requestTimeoutSeconds: size.requestTimeoutSeconds };

  // Each slow connection is one descriptor here and one in the composer child.
  const limit = openFilesLimit();
  figures.openFilesLimit = limit ?? 'unknown';
  if (limit !== undefined && limit < size.slow + 256) {
    violations.push(`the open-files limit (${limit}) is below the ${size.slow + 256} descriptors the flood needs; raise the hard limit (ulimit -Hn)`);
    return { figures, violations };
  }

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-chaos-exhaustion-'));
  writeComposerFiles(dir, { inventory: synthesizeInventory({ servers: 20, drives: 400, seed: 7 }) });
  let composer: Awaited<ReturnType<typeof startComposer>> | undefined;
  let slow: ReturnType<typeof startFlood> | undefined;
  try {
    composer = await startComposer(dir, size);
    opts.log(`exhaustion: composer at ${composer.url}`);
    await measure(composer.url, 100, 0); // warm-up: JIT, SQLite pages, the socket

    // Every phase lasts as long: each kind of slow connection gets time to hit its limit.
    const holdMs = (Math.max(size.headersTimeoutSeconds, size.requestTimeoutSeconds) + 2) * 1000;
    const unloaded = await measure(composer.url, size.requests, holdMs / 2);
    const unloadedP99 = percentile(unloaded.latencies, 99);
    opts.log(`exhaustion: unloaded p99 ${round(unloadedP99)} ms over ${unloaded.latencies.length} GETs`);

    slow = startFlood(composer.url, size.slow);
    const deadline = Date.now() + 60_000;
    const ready = () => {
      const p = slow!.progress();
      return p.held > 0 && p.connected >= p.held && p.everOpened >= size.slow;
    };
    while (!ready() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const { connected: openAtStart, held } = slow.progress();
    figures.slowHeldOpenWhenMeasuring = openAtStart;
    if (openAtStart < held || held === 0) violations.push(`only ${openAtStart} of ${held} slow connections meant to stay open could be opened`);
    opts.log(`exhaustion: ${openAtStart} slow connections open; measuring`);

    const loaded = await measure(composer.url, size.requests, holdMs);
    const loadedP99 = percentile(loaded.latencies, 99);
    const stats = await slow.stop();
    slow = undefined;
    // Unloaded again once the flood is gone: the baseline brackets the loaded run, so a shared
    // machine getting busier meanwhile does not count against the composer.
    await new Promise((r) => setTimeout(r, 1000));
    const after = await measure(composer.url, size.requests, holdMs / 2);
    const afterP99 = percentile(after.latencies, 99);
    const baseline = Math.max(unloadedP99, afterP99);

    const bound = Math.max(2 * baseline, FLOOR_MS);
    Object.assign(figures, {
      unloadedRequests: unloaded.latencies.length + after.latencies.length,
      unloadedP50Ms: round(percentile([...unloaded.latencies, ...after.latencies], 50)),
      unloadedP99BeforeMs: round(unloadedP99),
      unloadedP99AfterMs: round(afterP99),
      unloadedP99Ms: round(baseline),
      loadedRequests: loaded.latencies.length,
      loadedP50Ms: round(percentile(loaded.latencies, 50)),
      loadedP99Ms: round(loadedP99),
      loadedP99BoundMs: round(bound),
      bound: 2 * baseline >= FLOOR_MS ? '2 x unloaded p99 (the larger of before and after)' : `${FLOOR_MS} ms floor (2 x unloaded p99 = ${round(2 * baseline)} ms is below it)`,
      normalClientErrors: unloaded.errors.length + loaded.errors.length + after.errors.length,
      slowOpened: stats.opened,
      slowClosedByComposer: stats.closed,
      slowAnswers: stats.answered,
      slowLongestHoldMs: stats.longestHoldMs,
      slowConnectErrors: stats.connectErrors,
      composerErrorLines: composer.errors.length,
    });

    if (loadedP99 > bound) violations.push(`normal client p99 ${round(loadedP99)} ms with ${openAtStart} slow connections open exceeds ${round(bound)} ms (${figures.bound}; unloaded p99 ${round(baseline)} ms)`);
    const errors = [...unloaded.errors, ...loaded.errors, ...after.errors];
    if (errors.length > 0) violations.push(`the normal client saw ${errors.length} errors, e.g. ${errors[0]}`);
    const limits: [Kind, number, string][] = [
      ['headers', size.headersTimeoutSeconds * 1000, 'the headers timeout'],
      ['unauthBody', 0, 'its 401'],
      ['authBody', size.requestTimeoutSeconds * 1000, 'the request timeout'],
    ];
    for (const [kind, ms, what] of limits) {
      if (stats.closed[kind] === 0) violations.push(`no ${kind} slow connection was closed by the composer (expected at ${what})`);
      else if (stats.longestHoldMs[kind] > ms + CLOSE_SLACK_MS) violations.push(`a ${kind} slow connection was held ${stats.longestHoldMs[kind]} ms, past ${what} (${ms} ms + ${CLOSE_SLACK_MS} ms slack)`);
    }
    const expected: Record<Kind, string> = { headers: '408', unauthBody: '401', authBody: '408' };
    for (const [key, n] of Object.entries(stats.answered)) {
      const [kind, status] = key.split(':') as [Kind, string];
      if (status !== expected[kind]) violations.push(`${n} ${kind} slow connections were closed with ${status === 'none' ? 'no answer' : status}, expected ${expected[kind]}`);
    }
    if (composer.errors.length > 0) violations.push(`the composer logged ${composer.errors.length} errors, e.g. ${composer.errors[0]}`);
  } finally {
    if (slow) await stop(slow.proc);
    if (composer) await stop(composer.proc);
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return { figures, violations };
}

if (require.main === module && process.argv[2] === '--exhaustion-flood') floodChild(process.argv[3], Number(process.argv[4]));
