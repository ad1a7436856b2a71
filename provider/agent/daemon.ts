// The agent daemon: register the server's facts, heartbeat, long-poll the assignments (no busy
// polling), converge the host to them (stage, grow, rotate, rebind, unstage what is no longer
// assigned) and report the observed state of every volume. `startAgent` runs one agent in this
// process; the demo and the scale test run a thousand simulated agents side by side.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AgentFacts, Assignment, ObservedState } from '../api/contract';
import type { Transport } from '../model/inventory';
import type { Member } from '../model/placement';
import { mountRootsOrThrow } from '../model/mountpath';
import { AgentClient, type AgentConnection } from '../client/agent';
import { AgentCrash, Fault, FaultInjector } from './faults';
import { LabStandIns } from './lab-standin';
import { LinuxRunner } from './linux-runner';
import type { BackendKind } from './members';
import { CommandResult, HostCommand, Runner } from './runner';
import { SimulatedFabric } from './sim/fabric';
import { SimulatedHost } from './sim/host';
import { FileStateStore, MemoryStateStore, StateStore, VolumeRecord } from './state';
import { HostContext, StepError, checkAssignment, stageVolume, unstageVolume } from './steps';
import { VERSION } from '../version';

/** The composer connection (AgentConnection: URLs, token, CA, client certificate, insecureDev) and the agent's own settings. */
export interface StartAgentOptions extends AgentConnection {
  backend: BackendKind;
  /** Agent state: staging mounts and per-volume records (default /var/lib/tessera-agent). */
  stateDir?: string;
  /** Where records are kept: default a FileStateStore in stateDir; simulated agents default to memory.
   * Pass the same MemoryStateStore to a restarted simulated agent to model a disk that survives. */
  state?: StateStore;
  /**
   * Trees a volume's mountPath must be in, on this host (default /mnt, /srv, /data,
   * /var/lib/tessera; docs/agent.md). System directories are refused whatever is listed here.
   */
  mountRoots?: readonly string[];
  /** lab: the directory of enclosure drive files. */
  labDir?: string;
  /** lab on a kernel without md and device-mapper: stand in for both with loop devices
   * (./lab-standin.ts: no mirroring, no encryption of the data; LUKS headers and key checks stay real). */
  labStandIns?: boolean;
  /** Runner override (tests: a RecordingRunner). Default: LinuxRunner, or a SimulatedHost on `fabric`. */
  runner?: Runner;
  /** simulated: the shared fabric (the simulated enclosures export what is assigned). */
  fabric?: SimulatedFabric;
  /** Enclosure portals (host:port); default: read from the composer's inventory when needed. */
  portalOf?: (enclosure: string) => string | undefined;
  facts?: Partial<AgentFacts>;
  heartbeatMs?: number;
  /** Long-poll wait, seconds (30). */
  waitSeconds?: number;
  /** Only with waitSeconds 0 (no long poll, a baseline for benchmarks): pause between polls (1000 ms). */
  pollIntervalMs?: number;
  /** A failed volume is tried again after this long (5 s), on the next poll answer. */
  retryMs?: number;
  /** A resyncing volume is verified (and its progress reported) this often instead (2 s; docs/failure.md). */
  resyncPollMs?: number;
  /**
   * A staged volume is converged again (its steps only check) this long after it was last
   * (60 s): what changed underneath — a member failed, a reboot took the stack down — is
   * repaired or reported (a degraded array) without a new assignment (docs/agent.md).
   */
  verifyMs?: number;
  /** Volumes converged in parallel (4). */
  concurrency?: number;
  faults?: Fault[];
  waitTimeoutMs?: number;
  /** A mirror member that cannot be connected is tried this long before a degraded assemble (30 s; steps.ts HostContext). */
  degradedGraceMs?: number;
  pollMs?: number;
  /** Log lines (JSON). Never carry tokens or keys. */
  log?: (line: string) => void;
}

export interface RunningAgent {
  readonly server: string;
  /** Stop polling and heartbeats; waits for in-flight steps to finish. */
  stop(): Promise<void>;
  /** Resolves after stop(); rejects with AgentCrash when an injected crash killed the agent. */
  readonly done: Promise<void>;
  /** What the agent last reported per volume. */
  observed(): Map<string, ObservedState>;
  /** Resolves when every assigned volume is staged at its generation and nothing else is staged. */
  converged(timeoutMs?: number): Promise<void>;
  /** The runner (a SimulatedHost for the simulated backend). */
  readonly runner: Runner;
}

/** After an injected crash, the "dead process" runs nothing more. */
class KillableRunner implements Runner {
  dead?: AgentCrash;
  constructor(readonly inner: Runner) {}
  run(cmd: HostCommand): Promise<CommandResult> {
    if (this.dead) return Promise.reject(this.dead);
    return this.inner.run(cmd);
  }
}

function nicGbps(): number {
  try {
    let best = 0;
    for (const n of fs.readdirSync('/sys/class/net')) {
      if (n === 'lo') continue;
      const s = Number(fs.readFileSync(`/sys/class/net/${n}/speed`, 'utf8'));
      if (s > best) best = s;
    }
    return best > 0 ? Math.max(1, Math.round(best / 1000)) : 10;
  } catch {
    return 10;
  }
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    });
  });

export async function startAgent(o: StartAgentOptions): Promise<RunningAgent> {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(o.server)) throw new Error(`server: "${o.server}" is not a valid server name`);
  if (!['linux', 'lab', 'simulated'].includes(o.backend)) throw new Error(`backend: must be linux, lab or simulated, got "${o.backend}"`);
  if (o.backend === 'lab' && !o.labDir) throw new Error('labDir: required for the lab backend');
  if (o.labStandIns && o.backend !== 'lab') throw new Error(`labStandIns: only with the lab backend, not ${o.backend}`);
  const stateDir = path.resolve(o.stateDir ?? '/var/lib/tessera-agent');
  const resyncPollMs = o.resyncPollMs ?? 2000;
  const mountRoots = o.mountRoots === undefined ? undefined : mountRootsOrThrow(o.mountRoots);
  const log = (msg: string, fields: Record<string, unknown> = {}) =>
    o.log?.(JSON.stringify({ time: new Date().toISOString(), agent: o.server, msg, ...fields }));

  let inner = o.runner;
  if (!inner) {
    if (o.backend === 'simulated') inner = new SimulatedHost(o.fabric ?? new SimulatedFabric());
    else inner = new LinuxRunner();
    if (o.backend === 'lab' && o.labStandIns) inner = new LabStandIns(inner);
  } else if (o.labStandIns) throw new Error('labStandIns: only with the default runner of the lab backend');
  const runner = new KillableRunner(inner);
  const store: StateStore = o.state ?? (o.backend === 'simulated' && !o.stateDir ? new MemoryStateStore() : new FileStateStore(stateDir));
  // Refuses an http:// composer unless insecureDev (docs/agent.md, "Key channel").
  const client = new AgentClient({ composer: o.composer, token: o.token, server: o.server, ca: o.ca, cert: o.cert, key: o.key, insecureDev: o.insecureDev, retry: o.retry });
  if (client.plainHttp) {
    log('WARNING: INSECURE --insecure-dev: talking to the composer over plain HTTP; LUKS keys and the agent token cross the network in clear. Development labs only, never production.', { level: 'warn', composer: o.composer });
  }

  let portals: Map<string, string> | undefined;
  const loadPortals = async () => {
    if (o.portalOf || o.backend === 'lab') return;
    const inv = await client.inventory();
    portals = new Map(inv.storageGroups.flatMap((sg) => sg.enclosures.map((e) => [e.name, e.portal] as [string, string])));
  };
  const ctx: HostContext = {
    runner,
    backend: o.backend,
    stateDir,
    mountRoots,
    labDir: o.labDir ? path.resolve(o.labDir) : undefined,
    portalOf: o.portalOf ?? ((enc) => portals?.get(enc)),
    server: o.server,
    keys: client,
    faults: new FaultInjector(o.faults ?? []),
    waitTimeoutMs: o.waitTimeoutMs,
    degradedGraceMs: o.degradedGraceMs,
    pollMs: o.pollMs,
    log: (line) => log('step', { line }),
  };

  const records = await store.load();
  const observed = new Map<string, ObservedState>();
  const failedAt = new Map<string, number>();
  /** When each staged volume's steps last ran through (re-verification, `verifyMs`). */
  const verifiedAt = new Map<string, number>();
  const verifyMs = o.verifyMs ?? 60_000;
  const unreported = new Map<string, ObservedState>();
  /** Volumes md is resyncing: converged again every resyncPollMs to report progress. */
  const resyncing = new Set<string>();
  const abort = new AbortController();
  let stopped = false;
  let crash: AgentCrash | undefined;
  let desired: Assignment[] = [];
  let revision: number | undefined;
  const changeListeners = new Set<() => void>();
  const notify = () => changeListeners.forEach((f) => f());

  const facts: AgentFacts = {
    hostname: o.backend === 'simulated' ? `${o.server}.sim` : os.hostname(),
    transports: (o.facts?.transports ?? ['nvmetcp', 'iscsi']) as Transport[],
    nicGbps: o.backend === 'simulated' ? 25 : nicGbps(),
    backend: o.backend,
    agentVersion: VERSION,
    ...o.facts,
  };

  const report = async (id: string, s: ObservedState) => {
    const st = { ...s, reportedAt: new Date().toISOString() };
    try {
      await client.report(id, st);
      unreported.delete(id);
    } catch (e) {
      // Not recorded as observed: the next pass converges the volume again (checks only) and
      // reports again; an unstaged report, whose record is gone, is kept and resent.
      log('status report failed', { volumeId: id, error: (e as Error).message });
      failedAt.set(id, Date.now());
      if (s.state === 'unstaged') unreported.set(id, s);
      return;
    }
    // Recorded after the report went out, so converged() means the composer has been told.
    observed.set(id, st);
    notify();
  };

  const die = (e: AgentCrash) => {
    if (crash) return;
    crash = e;
    runner.dead = e;
    log('agent crashed (injected)', { step: e.step, stepNumber: e.stepNumber });
    abort.abort();
    notify();
  };

  async function converge(a: Assignment): Promise<void> {
    const id = a.volumeId;
    try {
      checkAssignment(a, { stateDir, roots: ctx.mountRoots });
    } catch (e) {
      await report(id, { state: 'failed', generation: a.generation, step: 'validate', error: (e as Error).message });
      return;
    }
    if (o.backend === 'simulated' && inner instanceof SimulatedHost) {
      inner.fabric.exportMembers(a.placement.members, a.placement.type === 'slice' || a.kind === 'slice');
    }
    if (!portals && o.backend === 'linux' && !o.portalOf) await loadPortals();
    if (o.backend === 'simulated' && !o.portalOf && !portals) await loadPortals();
    if (portals && a.placement.members.some((m) => !portals!.has(m.enclosure))) await loadPortals();
    const rec: VolumeRecord = records.get(id) ?? { assignment: a };
    // Members the new placement replaced (a rebuild) are disconnected once out of the array.
    const extentOf = (m: Member) => `${m.serial}@${m.offsetGiB}`;
    const keep = new Set(a.placement.members.map(extentOf));
    const dropped = [...(rec.detach ?? []), ...rec.assignment.placement.members].filter((m, i, all) => !keep.has(extentOf(m)) && all.findIndex((x) => extentOf(x) === extentOf(m)) === i);
    rec.detach = dropped.length > 0 ? dropped : undefined;
    rec.assignment = a;
    records.set(id, rec);
    const save = () => store.put(id, rec);
    await save();
    try {
      const r = await stageVolume(ctx, a, rec, save);
      failedAt.delete(id);
      verifiedAt.set(id, Date.now());
      const st: ObservedState = {
        state: 'staged',
        generation: a.generation,
        devicePath: r.devicePath,
        mountedAt: r.mountedAt,
        keyVersion: r.keyVersion,
        ...(r.degraded ? { degraded: r.degraded } : {}),
        ...(r.resyncPercent !== undefined ? { resyncPercent: r.resyncPercent } : {}),
      };
      if (r.resyncPercent !== undefined) resyncing.add(id);
      else resyncing.delete(id);
      // A re-verification that found everything as reported says nothing new.
      const seen = observed.get(id);
      if (seen && sameStaged(seen, st)) return;
      await report(id, st);
      log('staged', { volumeId: id, generation: a.generation, steps: r.steps.length, ...(r.degraded ? { degraded: r.degraded } : {}) });
    } catch (e) {
      await failed(id, 'stage', a.generation, e);
    }
  }

  async function remove(id: string): Promise<void> {
    const rec = records.get(id)!;
    try {
      await unstageVolume(ctx, rec, () => store.put(id, rec));
      await store.remove(id);
      records.delete(id);
      verifiedAt.delete(id);
      failedAt.delete(id);
      observed.delete(id);
      await report(id, { state: 'unstaged', generation: rec.assignment.generation });
      if (!unreported.has(id)) failedAt.delete(id);
      observed.delete(id);
      notify();
      log('unstaged', { volumeId: id });
    } catch (e) {
      await failed(id, 'unstage', rec.assignment.generation, e);
    }
  }

  /** A failed stage/unstage: an injected crash ends the agent; anything else is reported and retried later. */
  async function failed(id: string, op: 'stage' | 'unstage', generation: number, e: unknown): Promise<void> {
    if (e instanceof AgentCrash) {
      runner.dead = e; // the "process" is gone: other in-flight volumes run nothing more
      throw e;
    }
    failedAt.set(id, Date.now());
    const step = e instanceof StepError ? e.step : op;
    const error = e instanceof StepError ? e.stderr : (e as Error).message;
    log(`${op} failed`, { volumeId: id, step, error });
    await report(id, { state: 'failed', generation, step, error });
  }

  /** One pass: unstage what is no longer wanted, converge what is new, changed, or due a retry. */
  async function reconcile(): Promise<void> {
    const want = new Map(desired.map((a) => [a.volumeId, a]));
    const retryMs = o.retryMs ?? 5000;
    const due = (id: string) => !failedAt.has(id) || Date.now() - failedAt.get(id)! >= retryMs;
    const jobs: (() => Promise<void>)[] = [];
    for (const [id, st] of unreported) {
      if (want.has(id)) unreported.delete(id);
      else if (due(id)) jobs.push(() => report(id, st).then(() => void (observed.get(id)?.state === 'unstaged' && observed.delete(id))));
    }
    for (const id of records.keys()) if (!want.has(id) && due(id)) jobs.push(() => remove(id));
    for (const a of desired) {
      const seen = observed.get(a.volumeId);
      const every = resyncing.has(a.volumeId) ? resyncPollMs : verifyMs;
      if (seen?.state === 'staged' && seen.generation === a.generation && Date.now() - (verifiedAt.get(a.volumeId) ?? 0) < every) continue;
      if (seen?.state === 'failed' && seen.generation === a.generation && !due(a.volumeId)) continue;
      jobs.push(() => converge(a));
    }
    let next = 0;
    const worker = async () => {
      while (next < jobs.length && !crash && !stopped) await jobs[next++]();
    };
    await Promise.all(Array.from({ length: Math.min(o.concurrency ?? 4, jobs.length) }, worker));
  }

  const heartbeat = setInterval(() => {
    client.heartbeat().catch((e) => log('heartbeat failed', { error: (e as Error).message }));
  }, o.heartbeatMs ?? 5000);
  heartbeat.unref();

  async function main(): Promise<void> {
    // Register, retrying while the composer is not reachable.
    for (let attempt = 0; !stopped; attempt++) {
      try {
        await client.register(facts);
        log('registered', { facts });
        break;
      } catch (e) {
        log('register failed', { error: (e as Error).message });
        await sleep(Math.min(5000, 200 * 2 ** attempt), abort.signal);
      }
    }
    let backoff = 0;
    let first = true;
    while (!stopped && !crash) {
      try {
        const waitSeconds = first ? 0 : o.waitSeconds ?? 30;
        // With failed volumes pending, wake for their retry instead of the full wait.
        const retryWait = failedAt.size > 0 ? Math.max(1, Math.ceil((o.retryMs ?? 5000) / 1000)) : waitSeconds;
        // Staged volumes are verified again on time even when no assignment changes (a resync's progress sooner).
        const verifyWait = verifiedAt.size > 0 ? Math.max(1, Math.ceil((resyncing.size > 0 ? resyncPollMs : verifyMs) / 1000)) : waitSeconds;
        const r = await client.assignments(revision, first ? 0 : Math.min(waitSeconds, retryWait, verifyWait), abort.signal);
        first = false;
        backoff = 0;
        revision = r.revision;
        desired = r.assignments;
        await reconcile();
        if (o.waitSeconds === 0) await sleep(o.pollIntervalMs ?? 1000, abort.signal);
      } catch (e) {
        if (e instanceof AgentCrash) {
          die(e);
          break;
        }
        if (stopped || crash) break;
        log('poll failed', { error: (e as Error).message });
        backoff = Math.min(5000, backoff ? backoff * 2 : 200);
        await sleep(backoff, abort.signal);
      }
    }
    clearInterval(heartbeat);
    if (crash) throw crash;
  }

  const done = main();
  done.catch(() => undefined);

  return {
    server: o.server,
    runner: inner,
    async stop() {
      stopped = true;
      abort.abort();
      clearInterval(heartbeat);
      await done.catch(() => undefined);
    },
    done,
    observed: () => new Map(observed),
    converged(timeoutMs = 30_000) {
      const ok = () => {
        if (revision === undefined) return false;
        const want = new Set(desired.map((a) => a.volumeId));
        return desired.every((a) => observed.get(a.volumeId)?.state === 'staged' && observed.get(a.volumeId)?.generation === a.generation) && [...records.keys()].every((id) => want.has(id));
      };
      return new Promise<void>((resolve, reject) => {
        if (ok()) return resolve();
        const timer = setTimeout(() => {
          changeListeners.delete(check);
          reject(new Error(`agent ${o.server}: not converged after ${timeoutMs} ms`));
        }, timeoutMs);
        const check = () => {
          if (crash) {
            clearTimeout(timer);
            changeListeners.delete(check);
            reject(crash);
          } else if (ok()) {
            clearTimeout(timer);
            changeListeners.delete(check);
            resolve();
          }
        };
        changeListeners.add(check);
      });
    },
  };
}

/** Same staged outcome (reportedAt aside): the degraded members compared as sets. */
function sameStaged(a: ObservedState, b: ObservedState): boolean {
  const deg = (x: ObservedState) => [...(x.degraded ?? [])].sort().join('\n');
  return a.state === b.state && a.generation === b.generation && a.devicePath === b.devicePath && a.mountedAt === b.mountedAt && a.keyVersion === b.keyVersion && deg(a) === deg(b) && a.resyncPercent === b.resyncPercent;
}
