// Starts real etcd servers (Debian's etcd-server) for tests: loopback ports, temporary data
// directories, a single node or a cluster. Every server started here is tracked and killed by
// stop()/stopAllEtcd() and, as a last resort, when the test process exits.
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

export interface EtcdMember {
  name: string;
  clientUrl: string;
  peerUrl: string;
  dataDir: string;
  /** The pid of the running server, undefined while stopped. */
  pid(): number | undefined;
  running(): boolean;
  /** SIGKILL: no shutdown, no flush. */
  kill9(): Promise<void>;
  /** SIGTERM and wait for exit. */
  stop(): Promise<void>;
  /** Start again on the same ports and data directory (rejoins its cluster). */
  restart(): Promise<void>;
}

export interface EtcdCluster {
  members: EtcdMember[];
  /** Client URLs of all members, e.g. ['http://127.0.0.1:40123', ...]. */
  endpoints: string[];
  /** The store URL for openStore(): `etcd:http://...,http://...`. */
  storeUrl: string;
  /** Kill every member and delete the data directories. */
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
const clusters = new Set<EtcdCluster>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const proc of live) {
      try {
        proc.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
  });
}

export function etcdBinary(): string {
  for (const dir of (process.env.PATH ?? '').split(':').concat(['/usr/bin', '/usr/local/bin'])) {
    const candidate = path.join(dir, 'etcd');
    if (dir && fs.existsSync(candidate)) return candidate;
  }
  throw new Error('etcd binary not found on PATH: run scripts/ensure-system-deps.sh (installs Debian etcd-server)');
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

async function healthy(clientUrl: string): Promise<boolean> {
  try {
    const res = await fetch(`${clientUrl}/health`, { signal: AbortSignal.timeout(1_000) });
    const body = (await res.json()) as { health?: string };
    return body.health === 'true';
  } catch {
    return false;
  }
}

async function waitHealthy(urls: string[], timeoutMs: number, logs: string[]): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const states = await Promise.all(urls.map(healthy));
    if (states.every(Boolean)) return;
    if (Date.now() > deadline) {
      const tails = logs.map((l) => (fs.existsSync(l) ? fs.readFileSync(l, 'utf8').slice(-1500) : '')).join('\n---\n');
      throw new Error(`etcd did not become healthy within ${timeoutMs} ms (${urls.join(', ')}):\n${tails}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface MemberSpec {
  name: string;
  clientPort: number;
  peerPort: number;
  dataDir: string;
}

function recordPid(root: string, pid: number | undefined): void {
  if (pid === undefined) return;
  const file = path.join(root, OWNER_FILE);
  let owner = { ownerPid: process.pid, pids: [] as number[] };
  try {
    owner = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    // first member
  }
  owner.pids.push(pid);
  fs.writeFileSync(file, JSON.stringify(owner));
}

function makeMember(spec: MemberSpec, initialCluster: string, token: string): EtcdMember & { launch(): void; logFile: string } {
  const clientUrl = `http://127.0.0.1:${spec.clientPort}`;
  const peerUrl = `http://127.0.0.1:${spec.peerPort}`;
  const logFile = path.join(spec.dataDir, '..', `${spec.name}.log`);
  let proc: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();

  const args = [
    '--name', spec.name,
    '--data-dir', spec.dataDir,
    '--listen-client-urls', clientUrl,
    '--advertise-client-urls', clientUrl,
    '--listen-peer-urls', peerUrl,
    '--initial-advertise-peer-urls', peerUrl,
    '--initial-cluster', initialCluster,
    '--initial-cluster-token', token,
    '--initial-cluster-state', 'new',
    // Loopback round trips are tiny: elect a new raft leader within ~0.5 s, as an operator would
    // tune a LAN cluster, so lease renewals do not stall for long when a member dies.
    '--heartbeat-interval', '50',
    '--election-timeout', '500',
    '--logger', 'zap',
    '--log-level', 'warn',
  ];

  const member = {
    name: spec.name,
    clientUrl,
    peerUrl,
    dataDir: spec.dataDir,
    logFile,
    pid: () => (proc && proc.exitCode === null && proc.signalCode === null ? proc.pid : undefined),
    running: () => proc !== undefined && proc.exitCode === null && proc.signalCode === null,
    launch() {
      const log = fs.openSync(logFile, 'a');
      const child = spawn(etcdBinary(), args, { stdio: ['ignore', log, log] });
      fs.closeSync(log);
      proc = child;
      live.add(child);
      recordPid(path.dirname(spec.dataDir), child.pid);
      exited = new Promise<void>((resolve) => child.on('exit', () => { live.delete(child); resolve(); }));
    },
    async kill9() {
      if (member.running()) proc!.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (member.running()) proc!.kill('SIGTERM');
      const timer = setTimeout(() => proc?.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
    async restart() {
      if (member.running()) throw new Error(`etcd member ${spec.name} is still running`);
      member.launch();
      await waitHealthy([clientUrl], 20_000, [logFile]);
    },
  };
  return member;
}

const ROOT_PREFIX = 'tessera-etcd-';
const OWNER_FILE = 'owner.json';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Kills etcd servers left behind by a test process that died without cleaning up (SIGKILL, OOM):
 * every data root records its owner's pid and its servers' pids.
 */
export function reapOrphanedEtcd(): void {
  for (const name of fs.readdirSync(os.tmpdir())) {
    if (!name.startsWith(ROOT_PREFIX)) continue;
    const root = path.join(os.tmpdir(), name);
    let owner: { ownerPid: number; pids: number[] };
    try {
      owner = JSON.parse(fs.readFileSync(path.join(root, OWNER_FILE), 'utf8'));
    } catch {
      continue; // not ours or still being written
    }
    if (alive(owner.ownerPid)) continue;
    for (const pid of owner.pids) {
      let cmdline = '';
      try {
        cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      } catch {
        continue;
      }
      // Only a process that is really an etcd on this data root.
      if (cmdline.includes('etcd') && cmdline.includes(root)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone meanwhile
        }
      }
    }
    fs.rmSync(root, { recursive: true, force: true });
  }
}

/** Starts an etcd cluster of `size` members on free loopback ports; resolves when all are healthy. */
export async function startEtcdCluster(size = 3): Promise<EtcdCluster> {
  if (!Number.isInteger(size) || size < 1) throw new Error(`size: must be an integer >= 1, got ${size}`);
  installExitHook();
  reapOrphanedEtcd();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), ROOT_PREFIX));
  const specs: MemberSpec[] = [];
  for (let i = 0; i < size; i++) {
    specs.push({ name: `m${i}`, clientPort: await freePort(), peerPort: await freePort(), dataDir: path.join(root, `m${i}.etcd`) });
  }
  const initialCluster = specs.map((s) => `${s.name}=http://127.0.0.1:${s.peerPort}`).join(',');
  const token = `tessera-test-${process.pid}-${Date.now()}`;
  const members = specs.map((s) => makeMember(s, initialCluster, token));
  const cluster: EtcdCluster = {
    members,
    endpoints: members.map((m) => m.clientUrl),
    storeUrl: `etcd:${members.map((m) => m.clientUrl).join(',')}`,
    async stop() {
      clusters.delete(cluster);
      await Promise.all(members.map((m) => m.kill9()));
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
  clusters.add(cluster);
  try {
    for (const m of members) m.launch();
    await waitHealthy(cluster.endpoints, 30_000, members.map((m) => m.logFile));
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  return cluster;
}

/** The member that is currently the raft leader (asked through the members' status API). */
export async function raftLeader(cluster: EtcdCluster, timeoutMs = 10_000): Promise<EtcdMember> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ids = new Map<string, EtcdMember>();
    let leader: string | undefined;
    for (const m of cluster.members.filter((x) => x.running())) {
      try {
        const res = await fetch(`${m.clientUrl}/v3/maintenance/status`, { method: 'POST', body: '{}', signal: AbortSignal.timeout(1_000) });
        const status = (await res.json()) as { header?: { member_id?: string }; leader?: string };
        if (status.header?.member_id) ids.set(status.header.member_id, m);
        if (status.leader && status.leader !== '0') leader = status.leader;
      } catch {
        // a member that does not answer is not the leader we can use
      }
    }
    const found = leader ? ids.get(leader) : undefined;
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`no raft leader among ${cluster.endpoints.join(', ')} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A single-node etcd. */
export function startEtcd(): Promise<EtcdCluster> {
  return startEtcdCluster(1);
}

/** Stops every cluster this process started (for afterAll hooks). */
export async function stopAllEtcd(): Promise<void> {
  await Promise.all([...clusters].map((c) => c.stop()));
}

/** The etcd version string, for diagnostics. */
export function etcdVersion(): string {
  return execFileSync(etcdBinary(), ['--version'], { encoding: 'utf8' }).split('\n')[0];
}
