// The composer's runtime, shared by every module of the service: its options, the in-memory state
// (replaced on every reload), the locks, the commit layer, the agents' heartbeats and whether this
// replica may answer writes. It holds no business rule; the modules that do are listed in
// docs/operations.md.
import type { OperationKind } from '../api/contract';
import type { Store } from '../store/store';
import { Heartbeats } from './channels/channel';
import { Committer, type Fencing } from './commit';
import type { OperationResource } from './kinds';
import type { Logger } from './log';
import { KeyedMutex, RwGate } from './mutex';
import type { ComposerState, EngineFactory, StoredOperation } from './state';
import { Writes } from './writes';

export interface ServiceOptions {
  store: Store;
  engineFactory: EngineFactory;
  log: Logger;
  fencing: Fencing;
  masterKey?: Buffer;
  /** A server is down after this long without a heartbeat (ms). */
  heartbeatGraceMs: number;
  /** How long a delete waits for a live agent to unstage before freeing the drives anyway (ms). */
  unstageWaitMs: number;
  /** Finished operations are kept this long in the journal (ms). */
  opsRetentionMs: number;
  /** Observes mutation latency (seconds) for /metrics, labelled by kind and resource (./kinds.ts). */
  observeOperation?: (kind: OperationKind, resource: OperationResource, seconds: number) => void;
  /** Counts a volume an agent reports failed, by the staging step that failed (docs/agent.md), for /metrics. */
  countStagingFailure?: (step: string) => void;
  /** Trees a volume's mountPath must be in (default: provider/model/mountpath.ts DEFAULT_MOUNT_ROOTS). */
  mountRoots?: readonly string[];
}

export class ComposerContext {
  state: ComposerState;
  /** The replica answers writes (leader, state loaded, reconciler run). */
  ready = false;
  /** The composer is closing: background retries stop. */
  closed = false;
  /** When this replica last became the leader (heartbeats are only known from then on). */
  leaderSince = Date.now();
  /** Per-key locks: one object or name changes at a time. */
  readonly locks = new KeyedMutex();
  /** Ordinary mutations share it; a reload or an inventory switch takes it alone. */
  readonly gate = new RwGate();
  /** Operations a request of this process is still driving: the reconciler leaves them alone. */
  readonly inFlight = new Set<string>();
  /** Agents' liveness (./channels/agent.ts writes it; moves and deletes wait on it). */
  readonly agents: Heartbeats;
  /** Fenced transactions and their outcomes (./commit.ts). */
  readonly committer: Committer;
  /** Commits that update the in-memory state and answer like the API (./writes.ts). */
  readonly writes: Writes;
  /**
   * The enclosures that have not yet confirmed a fenced volume's exports revoked (the enclosure
   * channel sets it: ./channels/enclosure.ts). Until it answers none, a fenced move waits.
   */
  fenceWaitingOn: (volumeId: string) => string[] = () => ['(no enclosure channel)'];
  /**
   * When an enclosure last saw an export's I/O counter grow for a server (ms; undefined: never
   * since this replica leads). Set by the enclosure channel (./channels/enclosure.ts): a server
   * whose agent is silent but whose exports still move data is not down (docs/failure.md).
   */
  ioSeenAt: (server: string) => number | undefined = () => undefined;
  /** Reload everything from the store in the background (set by the service: ./leadership.ts). */
  reload: () => void = () => undefined;

  constructor(readonly opts: ServiceOptions, state: ComposerState) {
    this.state = state;
    this.agents = new Heartbeats(opts.heartbeatGraceMs);
    this.committer = new Committer(opts.store, opts.fencing, opts.log);
    this.writes = new Writes(this);
  }

  get store(): Store {
    return this.opts.store;
  }

  get log(): Logger {
    return this.opts.log;
  }

  /**
   * Is a pending operation still waiting for the agent named in its `awaitUnstageOn` to unstage?
   * Yes while that agent is up and the operation's deadline has not passed; right after a start
   * or take-over (no heartbeat yet) agents get one grace period to show up (docs/api.md).
   */
  awaitingUnstage(op: StoredOperation): boolean {
    const server = op.detail?.awaitUnstageOn as string | undefined;
    if (!server) return false;
    if (Date.parse(String(op.detail?.deadline)) < Date.now()) return false;
    const health = this.agents.health(server);
    return health === 'up' || (health === 'unknown' && Date.now() - this.leaderSince < this.opts.heartbeatGraceMs);
  }
}
