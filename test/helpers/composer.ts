// The one way tests and benchmarks start a composer: in this process (startTestComposer: a real
// composer on a real SQLite file, HTTP on 127.0.0.1 port 0) or as a child process through the CLI
// (spawnComposer: `tessera composer start`, for kill -9, restarts and HA replicas). Both use one
// default inventory (smallInventory) and one token set (testTokens: admin, operator, reader, one
// agent token per inventory server), unless a test's assertions need its own.
import { ChildProcess, spawn } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RunningComposer, startComposer, StartComposerOptions } from '../../provider/composer';
import type { TokenEntry } from '../../provider/composer/auth';
import { loadInventoryFile } from '../../provider/inventory';
import type { Inventory } from '../../provider/model/inventory';

export const REPO = path.resolve(__dirname, '../..');
export const TESSERA_BIN = path.join(REPO, 'bin/tessera');
/** The lab inventory of the examples and the demo (three Kafka brokers among its servers). */
export const LAB_INVENTORY = path.join(REPO, 'examples/inventory/lab.yaml');

/** The default inventory: four servers k1-k4 and two storage groups of two enclosures, 4 HDD + 4 SSD each. */
export function smallInventory(): Inventory {
  const drives = (enc: string, type: 'hdd' | 'ssd', n: number, sizeGiB: number) =>
    Array.from({ length: n }, (_, i) => ({ serial: `${enc}-${type}-${i}`, type, sizeGiB, ...(type === 'hdd' ? { rpm: 7200 } : {}), tags: type === 'ssd' ? ['nvme'] : ['sas'] }));
  const enclosure = (name: string, bd: string) => ({
    name,
    transports: ['nvmetcp', 'iscsi'] as ('nvmetcp' | 'iscsi')[],
    portal: `10.0.0.${name.length}:4420`,
    uplinkGbps: 100,
    bandwidthDomain: bd,
    drives: [...drives(name, 'hdd', 4, 1000), ...drives(name, 'ssd', 4, 800)],
  });
  return {
    bandwidthDomains: [{ name: 'bd-a' }],
    storageGroups: [
      { name: 'sg-a', enclosures: [enclosure('enc-a1', 'bd-a'), enclosure('enc-a2', 'bd-a')] },
      { name: 'sg-b', enclosures: [enclosure('enc-b1', 'bd-a'), enclosure('enc-b2', 'bd-a')] },
    ],
    servers: ['k1', 'k2', 'k3', 'k4'].map((name) => ({ name, transports: ['nvmetcp', 'iscsi'] as ('nvmetcp' | 'iscsi')[], nicGbps: 25, bandwidthDomain: 'bd-a', tags: [] })),
  };
}

export const ADMIN_TOKEN = 'admin-token-0123456789abcdef';
export const OPERATOR_TOKEN = 'operator-token-0123456789abcdef';
export const READER_TOKEN = 'reader-token-0123456789abcdef';
/** The agent token of one server (role agent, scoped to it). */
export const agentToken = (server: string): string => `agent-${server}-token-0123456789abcdef`;

/** An enclosure token (role enclosure, scoped to it), for tests that pass their own token set. */
export const enclosureTokenOf = (enclosure: string): string => `enclosure-${enclosure}-token-0123456789abcdef`;

/** The default token set of an inventory plus one enclosure token per enclosure (enclosureTokenOf). */
export function tokensWithEnclosures(inventory: Inventory): TokenEntry[] {
  const encs = inventory.storageGroups.flatMap((g) => g.enclosures.map((e) => e.name));
  return [...testTokens(inventory.servers.map((s) => s.name)), ...encs.map((e) => ({ name: `enclosure-${e}`, token: enclosureTokenOf(e), role: 'enclosure' as const, enclosure: e }))];
}

/** The default token set: `root` (admin), `ops` (operator), `viewer` (reader), `agent-<server>` per server. */
export function testTokens(servers: readonly string[]): TokenEntry[] {
  return [
    { name: 'root', token: ADMIN_TOKEN, role: 'admin' },
    { name: 'ops', token: OPERATOR_TOKEN, role: 'operator' },
    { name: 'viewer', token: READER_TOKEN, role: 'reader' },
    ...servers.map((server) => ({ name: `agent-${server}`, token: agentToken(server), role: 'agent' as const, server })),
  ];
}

/** The servers of an inventory given as data or as a topology file. */
function serversOf(inventory: Inventory | string): string[] {
  return (typeof inventory === 'string' ? loadInventoryFile(inventory) : inventory).servers.map((s) => s.name);
}

export function tempDir(prefix = 'tessera-composer-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export interface TestComposerOptions extends Partial<Omit<StartComposerOptions, 'inventory'>> {
  /**
   * Default smallInventory(); a path is a topology file (e.g. LAB_INVENTORY); false loads none (a
   * restart or a second replica on a store that has one).
   */
  inventory?: Inventory | string | false;
  /** Working directory (default: the dbFile's, else a new temp dir that close() removes). */
  dir?: string;
  /** Default `<dir>/tessera.db`, the store `sqlite:<dbFile>` unless `store` is given. */
  dbFile?: string;
}

export interface TestComposer {
  composer: RunningComposer;
  url: string;
  dir: string;
  dbFile: string;
  /** Every log line the composer wrote (JSON), for assertions such as "no secret is logged". */
  logs: string[];
  /** The token entries it was started with (empty when they came from a file). */
  tokens: TokenEntry[];
  /** Stops the composer and removes the directory when the harness made it. */
  close(): Promise<void>;
}

/**
 * A composer in this process: SQLite in a temp dir, the default inventory and tokens, a random
 * master key, log lines captured, and a 30 s leadership lease — jest compiling TypeScript in this
 * process can stall the event loop for seconds, and a short lease would flap; failover is tested
 * with child processes. Any StartComposerOptions field overrides these.
 */
export async function startTestComposer(opts: TestComposerOptions = {}): Promise<TestComposer> {
  const { inventory = smallInventory(), dir: givenDir, dbFile: givenDb, ...rest } = opts;
  const madeDir = givenDir === undefined && givenDb === undefined;
  const dir = givenDir ?? (givenDb !== undefined ? path.dirname(givenDb) : tempDir());
  const dbFile = givenDb ?? path.join(dir, 'tessera.db');
  const logs: string[] = [];
  const tokens = rest.tokens ?? testTokens(serversOf(inventory === false ? smallInventory() : inventory));
  const composer = await startComposer({
    store: `sqlite:${dbFile}`,
    masterKey: crypto.randomBytes(32),
    log: (line) => logs.push(line),
    leaseTtlSeconds: 30,
    ...rest,
    tokens,
    inventory: inventory === false ? undefined : inventory,
  });
  return {
    composer,
    url: composer.url,
    dir,
    dbFile,
    logs,
    tokens: Array.isArray(tokens) ? tokens : [],
    async close() {
      await composer.close();
      if (madeDir) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The files `tessera composer start` reads, in `dir`, all 0600: tokens.json, inventory.json, master.key. */
export function writeComposerFiles(dir: string, opts: { tokens?: TokenEntry[]; inventory?: Inventory; masterKey?: boolean } = {}): void {
  const inventory = opts.inventory ?? smallInventory();
  const tokens = opts.tokens ?? testTokens(inventory.servers.map((s) => s.name));
  fs.writeFileSync(path.join(dir, 'tokens.json'), JSON.stringify({ tokens }), { mode: 0o600 });
  fs.writeFileSync(path.join(dir, 'inventory.json'), JSON.stringify(inventory), { mode: 0o600 });
  if (opts.masterKey) fs.writeFileSync(path.join(dir, 'master.key'), crypto.randomBytes(32).toString('base64'), { mode: 0o600 });
}

export interface ComposerChildOptions {
  /** Default `sqlite:<dir>/tessera.db`. */
  store?: string;
  /** Pass `--inventory <dir>/inventory.json` (default: when that file exists). */
  inventory?: boolean;
  /** Pass `--master-key-file <dir>/master.key` (default: when that file exists). */
  masterKey?: boolean;
  /** Pass `--insecure-dev` (keys over plain HTTP on 127.0.0.1). */
  insecureDev?: boolean;
  /** More flags, e.g. `['--lease-ttl', '1']`. */
  args?: string[];
  /** Resolve only once this replica is the ready leader (a restarted one waits out the dead one's lease). */
  waitLeader?: boolean;
  /** Environment of the child (default: this process's). */
  env?: NodeJS.ProcessEnv;
  /** Every chunk the child writes to stderr (its JSON log lines), e.g. to collect errors. */
  onStderr?: (chunk: string) => void;
}

export interface ComposerChild {
  proc: ChildProcess;
  url: string;
  /** The child's stderr so far (its last 20,000 characters). */
  stderr(): string;
}

/** The argv of `tessera composer start` over the files of `dir`, for tests of the CLI's own refusals too. */
export function composerStartArgs(dir: string, opts: Pick<ComposerChildOptions, 'store' | 'inventory' | 'masterKey' | 'insecureDev' | 'args'> = {}): string[] {
  const has = (file: string) => fs.existsSync(path.join(dir, file));
  const args = ['composer', 'start', '--store', opts.store ?? `sqlite:${path.join(dir, 'tessera.db')}`, '--tokens', path.join(dir, 'tokens.json')];
  if (opts.masterKey ?? has('master.key')) args.push('--master-key-file', path.join(dir, 'master.key'));
  if (opts.inventory ?? has('inventory.json')) args.push('--inventory', path.join(dir, 'inventory.json'));
  args.push('--listen', '127.0.0.1:0', ...(opts.insecureDev ? ['--insecure-dev'] : []), ...(opts.args ?? []));
  return args;
}

/**
 * `tessera composer start` on 127.0.0.1 port 0 with the files of `dir` (writeComposerFiles);
 * resolves once it printed its URL (and, with waitLeader, leads).
 */
export function spawnComposer(dir: string, opts: ComposerChildOptions = {}): Promise<ComposerChild> {
  const proc = spawn(TESSERA_BIN, composerStartArgs(dir, opts), { stdio: ['ignore', 'pipe', 'pipe'], env: opts.env });
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => {
    err = (err + d.toString()).slice(-20_000);
    opts.onStderr?.(d.toString());
  });
  return new Promise((resolve, reject) => {
    let out = '';
    let started = false;
    const timer = setTimeout(() => reject(new Error(`composer did not start:\n${err.slice(-2000)}`)), 90_000);
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
      clearTimeout(timer);
      reject(new Error(`composer exited with ${code ?? signal}:\n${err.slice(-2000)}`));
    };
    proc.on('exit', onExit);
    proc.stdout!.on('data', (d) => {
      out += d.toString();
      const m = /^(https?:\/\/\S+)\n/m.exec(out);
      if (!m || started) return;
      started = true;
      clearTimeout(timer);
      const child: ComposerChild = { proc, url: m[1], stderr: () => err };
      const ready = opts.waitLeader ? waitLeader(child.url) : Promise.resolve();
      ready.then(() => {
        proc.off('exit', onExit);
        resolve(child);
      }, reject);
    });
  });
}

/** Kill -9 a child and wait until it is gone (nothing when it already is). */
export async function kill9(child: { proc: ChildProcess } | undefined): Promise<void> {
  if (!child || child.proc.exitCode !== null || child.proc.signalCode !== null) return;
  const exited = new Promise((r) => child.proc.once('exit', r));
  child.proc.kill('SIGKILL');
  await exited;
}

/** Until `url` answers /readyz as the ready leader. */
export async function waitLeader(url: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const r = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2_000) });
      last = await r.json().catch(() => undefined);
      if (r.status === 200 && (last as { role?: string } | undefined)?.role === 'leader') return;
    } catch (e) {
      last = (e as Error).message;
    }
    if (Date.now() > deadline) throw new Error(`${url} did not become the ready leader: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
