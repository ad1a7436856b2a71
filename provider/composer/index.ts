// startComposer: a real composer (HTTP or HTTPS on node:http, a store, the engine, leader
// election, the reconciler) in this process. Used by `tessera composer start`, the demo, tests
// and benchmarks. Several replicas on one etcd elect one leader; standbys follow the store.
import * as fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import { AllocationEngine } from '../engine';
import { loadInventoryFile } from '../inventory';
import { loadMasterKey } from '../keys/crypto';
import type { Inventory } from '../model/inventory';
import type { Compare, Store, Watcher } from '../store/store';
import { Authenticator, loadTokensFile, TokenEntry, watchTokensFile } from './auth';
import { SYSTEM } from './callers';
import { campaign, type Leadership } from '../store/leader';
import { ELECTION_KEY, ELECTION_NAME, ELECTION_PREFIX, IDENTITY_KEY, INVENTORY_CURRENT, newComposerId, ROOT } from './layout';
import { createLogger, Logger, stderrSink } from './log';
import { Counter, Gauge, Histogram, Registry } from './metrics';
import { volumeHealth } from './health';
import { HEALTH_STATES } from '../api/wire.generated';
import { openapiDocument } from './openapi';
import { createServer, httpLimits } from './server';
import { ComposerService } from './service';
import { ComposerState, EngineFactory } from './state';
import { openStore, type OpenStoreOptions } from '../store/open';
import { ensureStoreIdentity } from '../store/identity';
import { VERSION } from '../version';
import { mountRootsOrThrow } from '../model/mountpath';

export interface StartComposerOptions {
  /** A Store, or a store URL: `sqlite:./tessera.db` | `etcd:http://h1:2379,http://h2:2379`. */
  store: Store | string;
  /** Options for the store opened from a URL (e.g. `{ sqlite: { synchronous: 'normal' } }`). */
  storeOptions?: OpenStoreOptions;
  /** Token entries, or the path of a tokens file (YAML/JSON), read again on SIGHUP and when it changes. */
  tokens: TokenEntry[] | string;
  /** How often a tokens file is checked for changes (default 1000 ms). */
  tokensPollMs?: number;
  /** host:port to listen on (default 127.0.0.1:0, a free port). */
  listen?: string;
  /** Inventory (object or file path) loaded at start when it differs from the stored one. */
  inventory?: Inventory | string;
  /** The master key that seals key-policy secrets (or a file / env var holding it). */
  masterKey?: Buffer;
  masterKeyFile?: string;
  masterKeyEnv?: string;
  /** PEM files: serve HTTPS. */
  tls?: { certFile: string; keyFile: string };
  /** Without `tls`, serve volume keys over plain HTTP anyway (otherwise 403 tls_required).
   * Development labs only: keys cross the network in clear; logged loudly at start. */
  insecureDev?: boolean;
  /** URL standbys report as the leader's address (default: the listening URL). */
  advertiseUrl?: string;
  /** Log sink, one JSON line per call (default: stderr). */
  log?: (line: string) => void;
  debug?: boolean;
  /** A server is down after this long without a heartbeat (default 15 s). */
  heartbeatGraceMs?: number;
  /** Finished operations stay in the journal this long (default 7 days). */
  opsRetentionMs?: number;
  /** A delete waits this long for a live agent to report the volume unstaged (default 60 s). */
  unstageWaitMs?: number;
  /** Leader lease TTL in seconds (default 3: a dead leader is replaced within ~4 s). */
  leaseTtlSeconds?: number;
  /** How often the reconciler looks at pending operations (default 2 s). */
  reconcileIntervalMs?: number;
  /** Request line and headers must arrive within this (default 10 s); else 408 and closed. */
  headersTimeoutMs?: number;
  /** A request body must arrive within this plus 1 s per MiB received (default 30 s); else 408 and closed. */
  requestTimeoutMs?: number;
  /** Idle keep-alive connections are closed after this (default 5 s). */
  keepAliveTimeoutMs?: number;
  /** Open connections at most (default 8192); more are closed on accept. Keep below `ulimit -n`. */
  maxConnections?: number;
  /** Wait until this replica is ready (leader: reconciled; standby: following). Default true. */
  waitReady?: boolean;
  engineFactory?: EngineFactory;
  /**
   * Trees a volume's mountPath must be in (default /mnt, /srv, /data, /var/lib/tessera; see
   * docs/agent.md). Set the same list on the agents. System directories are refused regardless.
   */
  mountRoots?: string[];
}

export interface RunningComposer {
  url: string;
  isLeader(): boolean;
  leaderAddress(): string | undefined;
  /** Resolves when this replica becomes the ready leader. */
  whenLeader(timeoutMs?: number): Promise<void>;
  /** For tests and the CLI: the live service (state, engine). */
  service(): ComposerService;
  /** Read the tokens file again now (what SIGHUP does); false when it was refused (logged). Tokens given as entries: false. */
  reloadTokens(): boolean;
  store: Store;
  /** The composer identity created with the store (sent on every answer). */
  identity: string;
  close(): Promise<void>;
}


export async function startComposer(options: StartComposerOptions): Promise<RunningComposer> {
  if (options.mountRoots !== undefined) mountRootsOrThrow(options.mountRoots);
  const log: Logger = createLogger(options.log ?? stderrSink, { debug: options.debug });
  const limits = httpLimits(options);
  const tokens = typeof options.tokens === 'string' ? loadTokensFile(options.tokens) : options.tokens;
  const auth = new Authenticator(tokens);
  let masterKey = options.masterKey;
  if (!masterKey && (options.masterKeyFile || options.masterKeyEnv)) masterKey = loadMasterKey({ file: options.masterKeyFile, env: options.masterKeyEnv });
  const ownStore = typeof options.store === 'string';
  const store = typeof options.store === 'string' ? await openStore(options.store, options.storeOptions) : options.store;
  const engineFactory: EngineFactory = options.engineFactory ?? ((inv) => new AllocationEngine(inv));
  const inventoryFromOptions = typeof options.inventory === 'string' ? loadInventoryFile(options.inventory) : options.inventory;

  const registry = new Registry();
  const requestLatency = registry.add(new Histogram('tessera_http_request_duration_seconds', 'HTTP request latency by method, route and status', ['method', 'route', 'status']));
  const requests = registry.add(new Counter('tessera_http_requests_total', 'HTTP requests by method, route and status', ['method', 'route', 'status']));
  const stagingFailures = registry.add(new Counter('tessera_staging_failures_total', 'Volumes agents reported failed, by the staging step that failed', ['step']));
  const opLatency = registry.add(new Histogram('tessera_operation_duration_seconds', 'Mutation latency (journal + store) by kind and resource', ['kind', 'resource']));

  let follower: Watcher | undefined;
  let followerActive = false;
  /** Highest revision the follow watch has delivered. */
  let followedRevision = 0;
  let closed = false;
  let roleChanges = Promise.resolve();

  // Set once the campaign starts (after the HTTP server listens, so the address is known).
  const leadership: { current?: Leadership } = {};
  const fencing = {
    isLeader: () => leadership.current?.isLeader() ?? false,
    // Not leading: a compare that can never hold, so no write slips through during a transition.
    fence: (): Compare[] => {
      const f = leadership.current?.fence();
      return f ? [f] : [{ key: ELECTION_KEY, target: 'version', op: '<', value: 0 }];
    },
    leaderAddress: () => leadership.current?.leaderAddress(),
  };

  // Created with the store the first time a composer opens it (docs/api.md "Composer identity").
  const identity = await ensureStoreIdentity(store, IDENTITY_KEY, newComposerId).catch(async (e) => {
    if (ownStore) await store.close();
    throw e;
  });
  const state = await ComposerState.load(store, engineFactory).catch(async (e) => {
    if (ownStore) await store.close();
    throw e;
  });
  const service = new ComposerService(
    {
      store,
      engineFactory,
      log,
      fencing,
      masterKey,
      heartbeatGraceMs: options.heartbeatGraceMs ?? 15_000,
      unstageWaitMs: options.unstageWaitMs ?? 60_000,
      opsRetentionMs: options.opsRetentionMs ?? 7 * 24 * 3600 * 1000,
      mountRoots: options.mountRoots,
      observeOperation: (kind, resource, seconds) => opLatency.observe({ kind, resource }, seconds),
      countStagingFailure: (step) => stagingFailures.inc({ step }),
    },
    state,
  );
  try {
    service.checkMasterKey();
  } catch (e) {
    if (ownStore) await store.close();
    throw e;
  }
  const svc = service;

  registry.add(
    new Gauge('tessera_capacity_free_gib', 'Free capacity by type and storage group (GiB)', () => {
      const engine = svc.state.engine;
      if (!engine) return [];
      const out: { labels: Record<string, string>; value: number }[] = [];
      for (const type of ['hdd', 'ssd'] as const) {
        const c = engine.capacity({ type, striping: true, redundancy: false, raidMaxDrives: 16, sgResiliency: false, jbodResiliency: false, softDomains: true, requiredTags: [], excludedTags: [], storageGroup: [], networkTransportsAllowed: [] });
        for (const [sg, gib] of Object.entries(c.byStorageGroup)) out.push({ labels: { type, storage_group: sg }, value: gib });
      }
      return out;
    }, ['type', 'storage_group']),
  );
  registry.add(
    new Gauge('tessera_capacity_total_gib', 'Installed capacity by type and storage group (GiB)', () => {
      const out: { labels: Record<string, string>; value: number }[] = [];
      for (const g of svc.state.inventory?.storageGroups ?? []) {
        const sum = { hdd: 0, ssd: 0 };
        for (const e of g.enclosures) for (const d of e.drives) sum[d.type] += d.sizeGiB;
        out.push({ labels: { type: 'hdd', storage_group: g.name }, value: sum.hdd }, { labels: { type: 'ssd', storage_group: g.name }, value: sum.ssd });
      }
      return out;
    }, ['type', 'storage_group']),
  );
  registry.add(
    new Gauge('tessera_allocations', 'Allocations by placement type', () => {
      const by: Record<string, number> = { hdd: 0, ssd: 0, slice: 0 };
      for (const p of svc.state.allocations.values()) by[p.type] = (by[p.type] ?? 0) + 1;
      return Object.entries(by).map(([type, value]) => ({ labels: { type }, value }));
    }, ['type']),
  );
  registry.add(
    new Gauge('tessera_operations', 'Journal entries by state', () => {
      const by: Record<string, number> = { pending: 0, done: 0, rolled_back: 0, failed: 0 };
      for (const op of svc.state.ops.values()) by[op.state]++;
      return Object.entries(by).map(([state, value]) => ({ labels: { state }, value }));
    }, ['state']),
  );
  registry.add(
    new Gauge('tessera_volume_state', 'One series per volume: 1, with its state and health (docs/failure.md) as labels', () => {
      const s = svc.state;
      return [...s.volumes.values()].map((v) => ({ labels: { volume: v.id, cluster: v.cluster, state: v.state, health: volumeHealth(s, 'volumes', v).health }, value: 1 }));
    }, ['volume', 'cluster', 'state', 'health']),
  );
  // Health as 1/0 per state so `== 0` and `sum by (health)` both work in alerts and dashboards.
  const healthSeries = (items: { name: string; health: string }[], states: string[], label: string) =>
    items.flatMap((i) => states.map((h) => ({ labels: { [label]: i.name, health: h }, value: i.health === h ? 1 : 0 })));
  registry.add(new Gauge('tessera_agent_health', 'Per server: 1 for its agent health (HealthState: up, down, unknown), 0 for the others', () => healthSeries(svc.healthSnapshot().servers, [...HEALTH_STATES], 'server'), ['server', 'health']));
  registry.add(new Gauge('tessera_enclosure_health', 'Per enclosure: 1 for its health (up, down, unknown), 0 for the others', () => healthSeries(svc.healthSnapshot().enclosures, [...HEALTH_STATES], 'enclosure'), ['enclosure', 'health']));
  registry.add(new Gauge('tessera_leader', '1 when this replica leads', () => [{ labels: {}, value: fencing.isLeader() ? 1 : 0 }]));

  // Standbys (and a leader before it leads) follow the store so reads and take-over are quick.
  const follow = async (): Promise<void> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await followOnce();
      } catch (e) {
        if (closed) return;
        // History gone (compacted) or store unreachable: reload, then watch from the new revision.
        log.warn('standby: cannot follow the store; reloading', { attempt, error: (e as Error).message });
        await new Promise((r) => setTimeout(r, Math.min(2000, 100 * attempt)));
        await svc.resyncUntilDone();
      }
    }
  };
  const followOnce = async () => {
    followerActive = false;
    await follower?.close().catch(() => undefined);
    follower = undefined;
    if (closed) return;
    const s = svc.state;
    s.onInventoryChanged = () => void svc.followInventory().catch((e) => log.warn('standby: inventory reload failed', { error: (e as Error).message }));
    followedRevision = s.revision;
    followerActive = true;
    follower = await store.watch(ROOT, s.revision, (events) => {
      if (!followerActive) return; // the leader applies its own commits
      for (const e of events) followedRevision = Math.max(followedRevision, e.kv.modRevision);
      svc.state.applyEvents(
        events
          .filter((e) => !(e.kv.key === INVENTORY_CURRENT && e.type === 'delete'))
          .map((e) => ({ key: e.kv.key, value: e.kv.value, modRevision: e.kv.modRevision, deleted: e.type === 'delete' })),
      );
    }, (err) => {
      // The watch ended for good (e.g. the history it needed was compacted): reload and follow again.
      if (!followerActive || closed) return;
      log.warn('standby: watch ended; reloading', { error: err.message });
      onRoleChange(fencing.isLeader());
    });
  };

  const onRoleChange = (leading: boolean) => {
    svc.ready = false; // no write (or stale read on a new standby) before the resync below
    roleChanges = roleChanges.then(async () => {
      if (closed) return;
      try {
        if (leading) {
          // Take-over: let the watch deliver everything up to now (the old leader's last commits),
          // then stop following and run the reconciler. A standby that cannot catch up reloads.
          const target = await store.revision();
          const deadline = Date.now() + 3000;
          while (followerActive && followedRevision < target && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
          const caughtUp = followerActive && followedRevision >= target;
          followerActive = false;
          await follower?.close().catch(() => undefined);
          follower = undefined;
          if (caughtUp) await svc.takeOver();
          else await svc.resyncUntilDone(); // fresh state + reconciler: pending operations are finished or rolled back
          log.info('leader ready', { url, revision: svc.state.revision, volumes: svc.state.volumes.size, pending: svc.state.ops.size });
        } else {
          await svc.resyncUntilDone();
          await follow();
        }
      } catch (e) {
        log.error('role change failed', { leading, error: (e as Error).message });
      }
    });
  };

  // HTTP(S)
  const server = createServer(
    {
      limits,
      service: () => svc,
      auth,
      log,
      metricsText: () => registry.render(),
      openapi: (() => {
        let doc: unknown;
        return () => (doc ??= openapiDocument(VERSION));
      })(),
      requestLatency,
      requests,
      isLeader: () => fencing.isLeader(),
      leaderAddress: () => fencing.leaderAddress(),
      isReady: () => svc.ready,
      insecureDev: options.insecureDev === true,
      identity,
    },
    options.tls ? { cert: fs.readFileSync(options.tls.certFile), key: fs.readFileSync(options.tls.keyFile) } : undefined,
  );
  const [host, portText] = splitListen(options.listen ?? '127.0.0.1:0');
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(Number(portText), host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const shownHost = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  const url = `${options.tls ? 'https' : 'http'}://${shownHost}:${addr.port}`;

  svc.ready = true; // a standby is ready as soon as it follows; the leader after resync
  await follow();
  let wasLeader = false;
  const election = await campaign(store, { name: ELECTION_NAME, address: options.advertiseUrl ?? url, ttlSeconds: options.leaseTtlSeconds ?? 3, keyPrefix: ELECTION_PREFIX });
  const onLeadership = (leading: boolean) => {
    if (leading === wasLeader) return;
    wasLeader = leading;
    log[leading ? 'info' : 'warn'](leading ? 'leader elected: this replica leads' : 'leadership lost', { leader: fencing.leaderAddress() });
    onRoleChange(leading);
  };
  leadership.current = election;
  election.onChange((s) => onLeadership(s.isLeader));
  onLeadership(election.isLeader());

  const reconcileTimer = setInterval(() => {
    if (fencing.isLeader() && svc.ready)
      void svc
        .reconcile()
        .then(() => svc.pruneOperations())
        .catch((e) => log.warn('reconciler pass failed', { error: (e as Error).message }));
  }, options.reconcileIntervalMs ?? 2000);
  reconcileTimer.unref();

  const whenLeader = async (timeoutMs = 30_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!(fencing.isLeader() && svc.ready)) {
      if (Date.now() > deadline) throw new Error(`not leader after ${timeoutMs} ms (leader: ${fencing.leaderAddress() ?? 'none'})`);
      await new Promise((r) => setTimeout(r, 25));
    }
    await roleChanges;
  };

  if (options.waitReady !== false || inventoryFromOptions) {
    // Wait for a role to settle: leader (when the key was free) or standby following.
    const deadline = Date.now() + (options.leaseTtlSeconds ?? 3) * 1000 + 3000;
    while (!fencing.isLeader() && !fencing.leaderAddress() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    if (!fencing.isLeader() && !fencing.leaderAddress()) await whenLeader((options.leaseTtlSeconds ?? 3) * 1000 + 10_000).catch(() => undefined);
    await roleChanges;
  }
  if (inventoryFromOptions) {
    if (fencing.isLeader()) {
      await whenLeader();
      await svc.loadInventory(inventoryFromOptions, SYSTEM);
    } else log.info('standby: the --inventory file is left to the leader');
  }
  log.info('composer listening', { url, store: store.kind, role: fencing.isLeader() ? 'leader' : 'standby', leader: fencing.leaderAddress() });
  // Keys only over TLS (docs/api.md, "Agent channel").
  if (!options.tls && options.insecureDev)
    log.warn('WARNING: INSECURE --insecure-dev: volume keys are served over plain HTTP and cross the network in clear. Development labs only, never production.', { url });
  else if (!options.tls) log.warn('plain HTTP: the volume-key endpoint answers 403 tls_required; agents need --tls-cert/--tls-key (https)', { url });

  // Started last: a start-up that failed leaves no SIGHUP handler or file poll behind.
  const tokenWatch = typeof options.tokens === 'string' ? watchTokensFile(options.tokens, auth, log, options.tokensPollMs) : undefined;

  return {
    url,
    isLeader: () => fencing.isLeader(),
    leaderAddress: () => fencing.leaderAddress(),
    whenLeader,
    service: () => svc,
    reloadTokens: () => tokenWatch?.reload('requested') ?? false,
    store,
    identity,
    close: async () => {
      if (closed) return;
      closed = true;
      tokenWatch?.stop();
      clearInterval(reconcileTimer);
      svc.close();
      svc.state.wakeAll();
      await leadership.current?.resign().catch(() => undefined);
      await follower?.close().catch(() => undefined);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await roleChanges.catch(() => undefined);
      if (ownStore) await store.close();
    },
  };
}

function splitListen(listen: string): [string, string] {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(listen);
  if (!m) throw new Error(`--listen: must be host:port, got ${JSON.stringify(listen)}`);
  return [m[1] ?? m[2], m[3]];
}

export { parseTokens, loadTokensFile, type TokenEntry, type Role } from './auth';
