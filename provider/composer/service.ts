// The composer's business logic: validation against schema.json and the cross-field rules,
// idempotent creates, in-place updates, journaled mutations with compare-and-swap, the
// reconciler, the agent channel and key policies. HTTP lives in server.ts; this file never sees
// a request object.
import {
  AGENT_BACKENDS,
  OBSERVED_STATES,
  type AgentFacts,
  type Assignment,
  type AssignmentsResponse,
  type CapacityResponse,
  type Cluster,
  type DryRunResponse,
  type InventorySummary,
  type KeyPolicy,
  type ListPage,
  type ObservedState,
  type Operation,
  type OperationKind,
  type ResourceKind,
  type ServerStatus,
  type Slice,
  type Volume,
  type VolumeKey,
  type VolumeState,
} from '../api/contract';
import { InventoryError, validateInventory } from '../inventory';
import { deriveVolumeKey, fingerprint, seal, unseal } from '../keys/crypto';
import type { Inventory, Transport } from '../model/inventory';
import type { CapacityQuery, Placement, PlacementRequest } from '../model/placement';
import { diffInputs, FieldFailure, inputNames, isInput, resourceSpec, validateInput } from '../schema';
import type { Compare, Store } from '../store/store';
import { CommitNotApplied, CommitRefused, Committer, CommitUncertain, type Fencing } from './commit';
import { EnclosureChannel } from './enclosures';
import { INVENTORY_BLOBS, INVENTORY_CURRENT, isTimedOpId, keys, newId, newOpId, opIdAt } from './layout';
import type { Logger } from './log';
import { KeyedMutex, RwGate } from './mutex';
import { type PageRequest, takePage } from './paging';
import { HttpProblem, problems } from './problem';
import { keyPolicyRules, sliceRules, volumeRules } from './rules';
import {
  ComposerState,
  EngineFactory,
  inventoryChunks,
  Mut,
  StoredKeyPolicy,
  StoredOperation,
  StoredVolume,
  KeyEpoch,
  readInventoryBlob,
  yieldToEventLoop,
} from './state';

export type { Fencing } from './commit';

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
  /** Observes operation latency (seconds) for /metrics. */
  observeOperation?: (kind: OperationKind, resource: ResourceKind, seconds: number) => void;
  /** Trees a volume's mountPath must be in (default: provider/model/mountpath.ts DEFAULT_MOUNT_ROOTS). */
  mountRoots?: readonly string[];
}

const TYPE_OF: Record<ResourceKind, string> = {
  clusters: 'tessera_cluster',
  volumes: 'tessera_volume',
  slices: 'tessera_slice',
  'key-policies': 'tessera_key_policy',
};
const WHAT: Record<ResourceKind, string> = { clusters: 'cluster', volumes: 'volume', slices: 'slice', 'key-policies': 'key policy' };

type Body = Record<string, unknown>;
export type CreateResult<T> = { status: 200 | 201; body: T } | { status: 200; body: DryRunResponse };

const now = () => new Date().toISOString();
const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** A write the store did not take, or whose outcome stays unknown: 503, retry as sent. */
function storeUnavailable(e: unknown): unknown {
  if (e instanceof CommitUncertain || e instanceof CommitNotApplied)
    return new HttpProblem(503, 'store_unavailable', `the store did not confirm the write: ${e.message}`, undefined, { retryAfterSeconds: 1 });
  return e;
}

export class ComposerService {
  state: ComposerState;
  private readonly locks = new KeyedMutex();
  /** Fenced transactions and their outcomes (./commit.ts). */
  private readonly committer: Committer;
  private readonly gate = new RwGate();
  private readonly heartbeats = new Map<string, number>();
  /** Operations a request of this process is still driving: the reconciler leaves them alone. */
  private readonly inFlight = new Set<string>();
  private resyncing?: Promise<void>;
  private closed = false;
  /** A pruneOperations pass is running. */
  private pruning = false;
  /** When this replica last became the leader (heartbeats are only known from then on). */
  private leaderSince = Date.now();
  ready = false;
  /** The enclosure channel (./enclosures.ts): exports derived from this.state, services' reports. */
  readonly enclosures: EnclosureChannel;

  constructor(private readonly opts: ServiceOptions, state: ComposerState) {
    this.state = state;
    this.committer = new Committer(opts.store, opts.fencing, opts.log);
    this.enclosures = new EnclosureChannel(() => this.state, { heartbeatGraceMs: opts.heartbeatGraceMs, log: opts.log });
  }

  get store(): Store {
    return this.opts.store;
  }
  private get log(): Logger {
    return this.opts.log;
  }

  // ---------------------------------------------------------------- start-up and recovery

  /** Refuse to run a store that holds key policies without the master key to unseal them. */
  checkMasterKey(): void {
    if (this.state.policies.size === 0) return;
    if (!this.opts.masterKey)
      throw new Error(
        `the store holds ${this.state.policies.size} key polic${this.state.policies.size === 1 ? 'y' : 'ies'}: start with --master-key-file or --master-key-env`,
      );
    for (const p of this.state.policies.values()) {
      const v = String(p.version);
      if (p.sealed[v]) unseal(this.opts.masterKey, p.sealed[v], sealAad(p.id, p.version)); // throws on a wrong master key
    }
  }

  /** Reload everything from the store (leader take-over, or after an uncertain commit). */
  async resync(): Promise<void> {
    if (this.resyncing) return this.resyncing;
    this.resyncing = this.gate
      .exclusive(async () => {
        this.ready = false;
        // A leader reloads after moving the write barrier: no transaction sent before the reload
        // can land after it (./commit.ts).
        if (this.opts.fencing.isLeader()) {
          await this.committer.sync();
          await this.committer.raiseBarrier();
        }
        const fresh = await ComposerState.load(this.store, this.opts.engineFactory);
        fresh.onInventoryChanged = this.state.onInventoryChanged;
        this.state.wakeAll();
        this.state = fresh;
        this.checkMasterKey();
        if (this.opts.fencing.isLeader()) {
          this.leaderSince = Date.now();
          await this.reconcileLocked();
          await this.dropOrphanInventoryBlobs();
        }
        this.ready = true;
      })
      .finally(() => {
        this.resyncing = undefined;
      });
    return this.resyncing;
  }

  /**
   * A standby that followed the store up to now becomes the leader: no reload, unless the
   * inventory it holds is not the stored one. Then the reconciler runs before any write.
   */
  async takeOver(): Promise<void> {
    try {
      const kv = await this.store.get(INVENTORY_CURRENT);
      const stored = kv ? (JSON.parse(kv.value) as { blob: string }).blob : undefined;
      if (stored !== this.state.inventoryPointer?.blob) return await this.resyncUntilDone();
      await this.gate.exclusive(async () => {
        this.ready = false;
        await this.committer.sync();
        this.checkMasterKey();
        this.leaderSince = Date.now();
        await this.reconcileLocked();
        await this.dropOrphanInventoryBlobs();
        this.ready = true;
      });
    } catch (e) {
      this.log.warn('take-over without reload failed; reloading', { error: (e as Error).message });
      await this.resyncUntilDone();
    }
  }

  /** Chunks of an inventory load that died before its pointer switch (called under the gate). */
  private async dropOrphanInventoryBlobs(): Promise<void> {
    const current = this.state.inventoryPointer?.blob;
    const blobs = new Set((await this.store.range(INVENTORY_BLOBS)).map((kv) => kv.key.slice(INVENTORY_BLOBS.length).split('/')[0]));
    for (const blob of blobs) {
      if (blob === current) continue;
      await this.store.txn({ compare: this.committer.fence(), success: [{ type: 'deletePrefix', prefix: `${INVENTORY_BLOBS}${blob}/` }] });
      this.log.info('dropped the chunks of an unfinished inventory load', { blob });
    }
  }

  /** Resync, retrying while the store is unreachable (the replica answers 503 meanwhile). */
  async resyncUntilDone(): Promise<void> {
    for (let attempt = 1; !this.closed; attempt++) {
      try {
        await this.resync();
        return;
      } catch (e) {
        this.log.error('resync failed; retrying', { attempt, error: (e as Error).message });
        await new Promise((r) => setTimeout(r, Math.min(2000, 100 * attempt)));
      }
    }
  }

  /** Stop background work (retries) when the composer closes. */
  close(): void {
    this.closed = true;
  }

  /**
   * Journal retention: every finished operation older than `opsRetentionMs` is deleted, oldest
   * first, in txns of `batch` keys (etcd's default limit is 128 operations per txn), yielding to
   * the event loop between txns so requests keep flowing. One scan collects at most `perScan`
   * (bounding its memory and the time before the first delete); when it was full, the next scan
   * follows at once, so a pass keeps pace with any sustained rate of finished operations (the
   * caller runs a pass on every reconciler tick). Passes never overlap. See docs/api.md.
   */
  async pruneOperations(perScan = 10_000, batch = 100): Promise<number> {
    if (this.pruning || !this.opts.fencing.isLeader() || !this.ready) return 0;
    this.pruning = true;
    let pruned = 0;
    try {
      for (;;) {
        const cutoff = Date.now() - this.opts.opsRetentionMs;
        // The start time in the id rules out the (many) younger operations without a date parse.
        const startedBefore = opIdAt(cutoff);
        const expired = (o: StoredOperation) =>
          o.state !== 'pending' && (!isTimedOpId(o.id) || o.id < startedBefore) && Date.parse(o.finishedAt ?? o.startedAt) < cutoff;
        const old = takePage(this.state.ops, { limit: perScan }, expired, (o) => o.id).items;
        for (let i = 0; i < old.length; i += batch) {
          if (this.closed || !this.opts.fencing.isLeader()) return pruned;
          await this.gate.shared(() => this.commit(old.slice(i, i + batch).map((id) => ({ key: keys.op(id) }))));
          pruned += Math.min(batch, old.length - i);
          await new Promise<void>((resolve) => setImmediate(resolve));
        }
        if (old.length < perScan) return pruned;
      }
    } finally {
      this.pruning = false;
    }
  }

  /** Finish or roll back every pending operation (start-up, take-over, and periodically). */
  async reconcile(): Promise<number> {
    return this.gate.shared(() => this.reconcileLocked());
  }

  private async reconcileLocked(): Promise<number> {
    let n = 0;
    for (const op of [...this.state.ops.values()]) {
      if (op.state !== 'pending' || this.inFlight.has(op.id)) continue;
      if (op.kind === 'rotate') {
        await this.propagateRotation(op.objectId);
        if (await this.maybeFinishRotation(op)) n++;
        continue;
      }
      if (op.detail?.finish === 'move') {
        if (this.awaitingUnstage(op)) continue;
        const kind = op.resource as 'volumes' | 'slices';
        await this.locks.run(keys.object(kind, op.objectId), () => this.finishMoveLocked(kind, op.objectId, op.id));
        n++;
        continue;
      }
      if (!op.recovery) continue;
      if (op.recovery.action === 'rollforward' && this.awaitingUnstage(op)) continue;
      const finalState = op.recovery.action === 'rollback' ? 'rolled_back' : 'done';
      await this.commit([
        ...op.recovery.muts,
        { key: keys.op(op.id), value: this.finished(op, finalState, op.recovery.action === 'rollback' ? 'rolled back by the reconciler after a restart' : undefined) },
      ]);
      this.log.info('reconciler: operation recovered', { op: op.id, kind: op.kind, objectId: op.objectId, result: finalState });
      n++;
    }
    return n;
  }

  private finished(op: StoredOperation, state: Operation['state'], error?: string): StoredOperation {
    const out: StoredOperation = { ...op, state, finishedAt: now() };
    delete out.recovery;
    if (error) out.error = error;
    return out;
  }

  // ---------------------------------------------------------------- writes

  private requireLeader(): void {
    if (!this.opts.fencing.isLeader()) throw problems.notLeader(this.opts.fencing.leaderAddress());
    if (!this.ready) throw problems.notReady('the composer is loading or recovering its state');
  }

  /**
   * Commit writes atomically with the fence and the given compares (./commit.ts) and apply them
   * to the in-memory state once applied. A refused compare is a conflict (409) or, when the
   * leadership fence failed, not_leader; a write the store did not take answers 503; a write
   * whose outcome stays unknown also reloads the state from the store before the next write.
   */
  private async commit(muts: Mut[], compares: Compare[] = []): Promise<number> {
    let revision: number;
    try {
      revision = await this.committer.commit(muts, compares);
    } catch (e) {
      throw this.commitFailure(e, 'the object');
    }
    for (const m of muts) this.state.applyParsed(m.key, m.value, revision);
    return revision;
  }

  /**
   * What a committer failure means here: a refusal is not_leader or a 409 conflict; an unknown
   * outcome also marks the state for a reload (it runs once the gate is free). Not-applied and
   * unknown outcomes are passed on: callers release reservations on the first, not the second,
   * and storeUnavailable() answers both as 503.
   */
  private commitFailure(e: unknown, what: string): unknown {
    if (e instanceof CommitRefused) return e.leaderLost ? problems.notLeader(this.opts.fencing.leaderAddress()) : new HttpProblem(409, 'conflict', `${what} changed concurrently; retry`);
    if (e instanceof CommitUncertain) {
      this.log.error('store write outcome unknown; reloading from the store', { error: e.message });
      this.ready = false;
      void this.resyncUntilDone();
    }
    return e;
  }

  /** A raw committer call under the exclusive gate (inventory switch), its outcome as an answer. */
  private async commitOrProblem(fn: () => Promise<number>): Promise<number> {
    try {
      return await fn();
    } catch (e) {
      throw storeUnavailable(this.commitFailure(e, 'the inventory'));
    }
  }

  /** Run a mutation: leader check, shared gate, per-key lock, operation latency. */
  private async mutate<T>(lockKey: string, kind: OperationKind, resource: ResourceKind, fn: () => Promise<T>): Promise<T> {
    this.requireLeader();
    const t0 = process.hrtime.bigint();
    try {
      return await this.gate.shared(() => this.locks.run(lockKey, fn));
    } catch (e) {
      throw storeUnavailable(e);
    } finally {
      this.opts.observeOperation?.(kind, resource, Number(process.hrtime.bigint() - t0) / 1e9);
    }
  }

  private newOp(kind: OperationKind, resource: ResourceKind, objectId: string, detail?: Record<string, unknown>): StoredOperation {
    return { id: newOpId(), kind, resource, objectId, state: 'pending', startedAt: now(), detail };
  }

  /** One atomic change journaled as a finished operation in the same txn. */
  private async journaled(op: StoredOperation, muts: Mut[], compares: Compare[] = []): Promise<number> {
    return this.commit([...muts, { key: keys.op(op.id), value: { ...op, state: 'done', finishedAt: now() } }], compares);
  }

  // ---------------------------------------------------------------- lookups

  private findPolicy(ref: string): StoredKeyPolicy | undefined {
    const byId = this.state.policies.get(ref);
    if (byId) return byId;
    const id = this.state.names.get(nameRest('key-policies', undefined, ref));
    return id ? this.state.policies.get(id) : undefined;
  }

  private findCluster(ref: string): Cluster | undefined {
    const byId = this.state.clusters.get(ref);
    if (byId) return byId;
    const id = this.state.names.get(nameRest('clusters', undefined, ref));
    return id ? this.state.clusters.get(id) : undefined;
  }

  private nameKey(kind: ResourceKind, cluster: string | undefined, name: string): string {
    return keys.name(kind, cluster, name);
  }

  private idByName(kind: ResourceKind, cluster: string | undefined, name: string): string | undefined {
    return this.state.names.get(nameRest(kind, cluster, name));
  }

  private requireEngine() {
    const engine = this.state.engine;
    if (!engine) throw new HttpProblem(409, 'no_inventory', 'no inventory is loaded: load one with `tessera inventory load` (PUT /v1/inventory)');
    return engine;
  }

  private validate(kind: ResourceKind, body: unknown, mode: 'create' | 'update'): Body {
    const { value, failures } = validateInput(TYPE_OF[kind], body, { mode });
    if (mode === 'update') {
      // A PATCH null unsets an optional attribute (docs/api.md): one with a default goes back to
      // its default (the stored object always has it); a required one cannot be unset.
      const attrs = resourceSpec(TYPE_OF[kind]).attributes;
      for (const f of nullKeys(body)) {
        const a = attrs[f];
        if (a && isInput(a) && a.required) failures.push({ field: f, reason: 'is required and cannot be unset (null)' });
        else if (a && isInput(a) && a.default !== undefined) value[f] = structuredClone(a.default);
      }
    }
    if (failures.length > 0) throw problems.validation(failures);
    return value;
  }

  // ---------------------------------------------------------------- inventory

  inventorySummary(): InventorySummary {
    const inv = this.state.inventory;
    let enclosureCount = 0;
    let driveCount = 0;
    for (const g of inv?.storageGroups ?? []) {
      enclosureCount += g.enclosures.length;
      for (const e of g.enclosures) driveCount += e.drives.length;
    }
    return {
      storageGroups: (inv?.storageGroups ?? []).map((g) => g.name),
      enclosureCount,
      driveCount,
      servers: (inv?.servers ?? []).map((s) => s.name),
      revision: this.state.modRevisions.get(INVENTORY_CURRENT) ?? 0,
    };
  }

  inventoryJson(): string {
    if (!this.state.inventoryJson) throw new HttpProblem(404, 'not_found', 'no inventory is loaded');
    return this.state.inventoryJson;
  }

  /** Replace the inventory. Every existing allocation and cluster member must still fit. */
  async loadInventory(doc: unknown): Promise<InventorySummary> {
    let inv: Inventory;
    await yieldToEventLoop();
    try {
      inv = validateInventory(doc);
    } catch (e) {
      if (e instanceof InventoryError) throw problems.validation(e.errors.map((p) => ({ field: p.path || '(inventory)', reason: p.reason })));
      throw e;
    }
    this.requireLeader();
    await yieldToEventLoop();
    return this.gate.exclusive(async () => {
      const json = JSON.stringify(inv);
      if (json === this.state.inventoryJson) return this.inventorySummary();
      await yieldToEventLoop();
      const engine = this.opts.engineFactory(inv);
      await yieldToEventLoop();
      const conflicts: FieldFailure[] = [];
      for (const [id, placement] of this.state.allocations) {
        try {
          engine.restore(id, placement);
        } catch (e) {
          conflicts.push({ field: `allocations.${id}`, reason: (e as Error).message });
        }
      }
      const serverNames = new Set(inv.servers.map((s) => s.name));
      for (const c of this.state.clusters.values())
        c.servers.forEach((s, i) => {
          if (!serverNames.has(s)) conflicts.push({ field: `clusters.${c.name}.servers[${i}]`, reason: `server ${s} is not in the new inventory` });
        });
      if (conflicts.length > 0)
        throw new HttpProblem(409, 'inventory_conflict', `the new inventory does not hold what is allocated: ${conflicts.length} conflict(s)`, conflicts.slice(0, 100));
      // Chunks first (invisible until the pointer moves), then the pointer in one fenced txn.
      const blob = `b${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
      const chunks = await inventoryChunks(inv);
      for (let i = 0; i < chunks.length; i++) await this.commitOrProblem(() => this.committer.commit([{ key: keys.inventoryChunk(blob, i), value: chunks[i] }]));
      const old = this.state.inventoryPointer;
      const op = this.newOp('update', 'clusters', 'inventory', { blob, drives: this.countDrives(inv) });
      const pointer = { blob, chunks: chunks.length, loadedAt: now() };
      const prevRev = this.state.modRevisions.get(INVENTORY_CURRENT);
      const opValue = { ...op, resource: 'inventory', state: 'done', finishedAt: now() };
      const revision = await this.commitOrProblem(() =>
        this.committer.commit(
          [
            { key: INVENTORY_CURRENT, value: pointer },
            { key: keys.op(op.id), value: opValue },
          ],
          [prevRev === undefined ? { key: INVENTORY_CURRENT, target: 'version', op: '=', value: 0 } : { key: INVENTORY_CURRENT, target: 'modRevision', op: '=', value: prevRev }],
        ),
      );
      this.state.inventoryPointer = pointer;
      this.state.setInventory(inv);
      this.state.engine = engine;
      this.state.applyParsed(keys.op(op.id), opValue, revision);
      this.state.modRevisions.set(INVENTORY_CURRENT, revision);
      // Best effort: a leftover blob is dropped at the next take-over (dropOrphanInventoryBlobs).
      if (old) await this.store.txn({ compare: this.committer.fence(), success: [{ type: 'deletePrefix', prefix: `${INVENTORY_BLOBS}${old.blob}/` }] }).catch(() => undefined);
      this.log.info('inventory loaded', { drives: this.countDrives(inv), servers: inv.servers.length, revision });
      return this.inventorySummary();
    });
  }

  /** Standby: the leader replaced the inventory; read it and rebuild the engine. */
  async followInventory(): Promise<void> {
    const kv = await this.store.get(INVENTORY_CURRENT);
    if (!kv) return;
    const pointer = JSON.parse(kv.value);
    const inv = await readInventoryBlob(this.store, pointer);
    this.state.inventoryPointer = pointer;
    this.state.setInventory(inv);
    await yieldToEventLoop();
    this.state.rebuildEngine();
  }

  private countDrives(inv: Inventory): number {
    return inv.storageGroups.reduce((n, g) => n + g.enclosures.reduce((m, e) => m + e.drives.length, 0), 0);
  }

  capacity(query: Body): CapacityResponse {
    const { value, failures } = validateInput('tessera_capacity', query, { mode: 'create' });
    if (failures.length > 0) throw problems.validation(failures);
    if (value.rpm !== undefined && value.type !== 'hdd') throw problems.field('rpm', `only applies to type hdd, not ${String(value.type)}`);
    const engine = this.requireEngine();
    if (typeof value.server === 'string' && !this.state.inventory!.servers.some((s) => s.name === value.server))
      throw problems.field('server', `unknown server ${value.server}`);
    let answer;
    try {
      answer = engine.capacity(value as unknown as CapacityQuery);
    } catch (e) {
      // The engine throws only on a malformed query (an unknown storage group, an empty tag, a tag
      // both required and excluded: provider/engine/engine.ts), as "<option>: <reason>".
      const m = /^([A-Za-z]+): (.*)$/s.exec((e as Error).message);
      throw m ? problems.field(m[1], m[2]) : problems.field('(query)', (e as Error).message);
    }
    return { availableGiB: answer.availableGiB, maximumVolumeSizeGiB: answer.maximumVolumeSizeGiB, byStorageGroup: answer.byStorageGroup };
  }

  // ---------------------------------------------------------------- reads

  /** One page of a table in id order (see ./paging), optionally only one cluster's objects. */
  list(kind: ResourceKind, cluster: string | undefined, page: PageRequest): ListPage<unknown> {
    const clusterId = cluster ? (this.findCluster(cluster)?.id ?? cluster) : undefined;
    const inCluster = (obj: unknown) => !clusterId || (obj as { cluster?: string }).cluster === clusterId;
    return takePage(this.table(kind), page, inCluster, (obj) => this.toWire(kind, obj));
  }

  get(kind: ResourceKind, id: string): unknown {
    const obj = this.table(kind).get(id);
    if (!obj) throw problems.notFound(WHAT[kind], id);
    return this.toWire(kind, obj);
  }

  private table(kind: ResourceKind): Map<string, unknown> {
    switch (kind) {
      case 'clusters':
        return this.state.clusters;
      case 'volumes':
        return this.state.volumes;
      case 'slices':
        return this.state.slices;
      case 'key-policies':
        return this.state.policies;
    }
  }

  private toWire(kind: ResourceKind, obj: unknown): unknown {
    if (kind === 'volumes' || kind === 'slices') {
      // Bookkeeping (key history, a move waiting for the old server) stays inside the composer.
      const { keyPolicyId: _k, keyEpochs: _e, moving: _m, ...rest } = obj as StoredVolume;
      return rest;
    }
    if (kind === 'key-policies') return this.policyWire(obj as StoredKeyPolicy);
    return obj;
  }

  private policyWire(p: StoredKeyPolicy): KeyPolicy {
    const { sealed: _s, ...rest } = p;
    const users = this.volumesUsingPolicy(p.id);
    const pending = users.filter((v) => !this.keyCurrent(v, p)).map((v) => v.id);
    return { ...rest, rotation: { volumes: users.length, current: users.length - pending.length, pending } };
  }

  private volumesUsingPolicy(policyId: string): StoredVolume[] {
    return [...this.state.volumes.values()].filter((v) => v.keyPolicyId === policyId);
  }

  /** Volumes whose key history still needs this policy (in force, or a switch not yet confirmed). */
  private volumesNeedingPolicy(policyId: string): StoredVolume[] {
    return [...this.state.volumes.values()].filter((v) => v.keyPolicyId === policyId || this.neededEpochs(v).some((e) => e.policy === policyId));
  }

  /** Epochs an agent may still need to open the volume: from the last one it confirmed on. */
  private neededEpochs(v: StoredVolume): KeyEpoch[] {
    const epochs = v.keyEpochs ?? [];
    const confirmed = v.observed?.keyVersion;
    if (confirmed === undefined) return epochs;
    return epochs.filter((e) => e.epoch >= confirmed);
  }

  private lastEpoch(v: StoredVolume): KeyEpoch | undefined {
    const e = v.keyEpochs;
    return e && e.length > 0 ? e[e.length - 1] : undefined;
  }

  /** Has the volume's agent confirmed the key of the policy's current version? */
  private keyCurrent(v: StoredVolume, p: StoredKeyPolicy): boolean {
    const last = this.lastEpoch(v);
    return !!last && last.policy === p.id && last.version === p.version && v.observed?.keyVersion === last.epoch;
  }

  /** One page of the journal in id (start time) order, optionally only one state. */
  listOperations(stateFilter: string | undefined, page: PageRequest): ListPage<Operation> {
    return takePage(this.state.ops, page, (op) => !stateFilter || op.state === stateFilter, opWire);
  }

  getOperation(id: string): Operation {
    const op = this.state.ops.get(id);
    if (!op) throw problems.notFound('operation', id);
    return opWire(op);
  }

  // ---------------------------------------------------------------- clusters

  async createCluster(body: unknown, dryRun: boolean): Promise<CreateResult<Cluster>> {
    const v = this.validate('clusters', body, 'create');
    const name = v.name as string;
    const nameKey = this.nameKey('clusters', undefined, name);
    const failures = this.clusterRefs(v);
    if (failures.length > 0) throw problems.validation(failures);
    const run = async (): Promise<CreateResult<Cluster>> => {
      const existingId = this.idByName('clusters', undefined, name);
      if (existingId) return { status: 200, body: this.sameSpecOr409('clusters', this.state.clusters.get(existingId)!, v) as Cluster };
      const t = now();
      const cluster: Cluster = {
        id: newId('clusters'),
        owner: v.owner as string | undefined,
        name,
        servers: v.servers as string[],
        keyPolicy: v.keyPolicy as string | undefined,
        networkTransportsAllowed: v.networkTransportsAllowed as Transport[],
        createdAt: t,
        updatedAt: t,
      };
      if (dryRun) return { status: 200, body: { dryRun: true } };
      await this.journaled(
        this.newOp('create', 'clusters', cluster.id),
        [
          { key: keys.object('clusters', cluster.id), value: cluster },
          { key: nameKey, value: cluster.id },
        ],
        [{ key: nameKey, target: 'version', op: '=', value: 0 }],
      );
      return { status: 201, body: cluster };
    };
    if (dryRun) return run();
    return this.mutate(nameKey, 'create', 'clusters', run);
  }

  private clusterRefs(v: Body): FieldFailure[] {
    const out: FieldFailure[] = [];
    const servers = (v.servers as string[] | undefined) ?? [];
    const known = new Set((this.state.inventory?.servers ?? []).map((s) => s.name));
    servers.forEach((s, i) => {
      if (!known.has(s)) out.push({ field: `servers[${i}]`, reason: this.state.inventory ? `unknown server ${s} (not in the inventory)` : `unknown server ${s} (no inventory is loaded)` });
    });
    if (typeof v.keyPolicy === 'string' && !this.findPolicy(v.keyPolicy)) out.push({ field: 'keyPolicy', reason: `key policy ${v.keyPolicy} does not exist` });
    return out;
  }

  async updateCluster(id: string, body: unknown): Promise<Cluster> {
    const patch = this.validate('clusters', body, 'update');
    const unset = nullFields('clusters', body);
    return this.mutate(keys.object('clusters', id), 'update', 'clusters', async () => {
      const cur = this.state.clusters.get(id);
      if (!cur) throw problems.notFound('cluster', id);
      const next = applyPatch(cur as unknown as Body, patch, unset);
      const diff = diffInputs('tessera_cluster', inputsOf('clusters', cur as unknown as Body), inputsOf('clusters', next));
      if (diff.replaces.length > 0) throw problems.replaceRequired(diff.replaces);
      const failures = this.clusterRefs(next);
      if (failures.length > 0) throw problems.validation(failures);
      // Servers still holding this cluster's volumes cannot leave it.
      const remaining = new Set(next.servers as string[]);
      const stranded = [...this.state.volumes.values(), ...this.state.slices.values()].filter(
        (v) => v.cluster === id && v.server && !remaining.has(v.server),
      );
      if (stranded.length > 0)
        throw problems.inUse(
          `servers still hold volumes of this cluster: ${stranded.map((v) => `${v.name} on ${v.server}`).join(', ')}`,
          stranded.map((v) => ({ field: 'servers', reason: `${v.id} (${v.name}) is attached to ${v.server}` })),
        );
      if (diff.changed.length === 0) return cur;
      const updated = { ...(next as unknown as Cluster), updatedAt: now() };
      const key = keys.object('clusters', id);
      await this.journaled(this.newOp('update', 'clusters', id, { changed: diff.changed }), [{ key, value: updated }], [this.revCompare(key)]);
      return updated;
    });
  }

  async deleteCluster(id: string): Promise<void> {
    await this.mutate(keys.object('clusters', id), 'delete', 'clusters', async () => {
      const cur = this.state.clusters.get(id);
      if (!cur) return;
      const members = [...this.state.volumes.values(), ...this.state.slices.values()].filter((v) => v.cluster === id);
      if (members.length > 0)
        throw problems.inUse(
          `cluster ${cur.name} still has ${members.length} volume(s)/slice(s): ${members.map((v) => v.id).join(', ')}`,
          members.map((v) => ({ field: 'id', reason: `used by ${v.id} (${v.name})` })),
        );
      await this.journaled(this.newOp('delete', 'clusters', id), [
        { key: keys.object('clusters', id) },
        { key: this.nameKey('clusters', undefined, cur.name) },
      ]);
    });
  }

  private revCompare(key: string): Compare {
    const rev = this.state.modRevisions.get(key);
    return rev === undefined ? { key, target: 'version', op: '=', value: 0 } : { key, target: 'modRevision', op: '=', value: rev };
  }

  // ---------------------------------------------------------------- volumes and slices

  private resolveCluster(v: Body): Cluster {
    const c = this.findCluster(v.cluster as string);
    if (!c) throw problems.field('cluster', `cluster ${String(v.cluster)} does not exist`);
    return c;
  }

  /** State-dependent rules of a volume or slice; returns the effective key policy id. */
  private volumeRefs(kind: 'volumes' | 'slices', v: Body, cluster: Cluster): { keyPolicyId?: string } {
    const failures: FieldFailure[] = kind === 'volumes' ? volumeRules(v, { mountRoots: this.opts.mountRoots }) : sliceRules(v);
    if (typeof v.server === 'string' && !cluster.servers.includes(v.server))
      failures.push({ field: 'server', reason: `server ${v.server} is not a member of cluster ${cluster.name} (members: ${cluster.servers.join(', ') || 'none'})` });
    const inv = this.state.inventory;
    const groups = new Set((inv?.storageGroups ?? []).map((g) => g.name));
    ((v.storageGroup as string[] | undefined) ?? []).forEach((g, i) => {
      if (inv && !groups.has(g)) failures.push({ field: `storageGroup[${i}]`, reason: `unknown storage group ${g}` });
    });
    let keyPolicyId: string | undefined;
    if (kind === 'volumes' && v.encrypt === true) {
      const ref = (v.keyPolicy as string | undefined) ?? cluster.keyPolicy;
      if (!ref) failures.push({ field: 'encrypt', reason: `needs a key policy: set keyPolicy on the volume or a default keyPolicy on cluster ${cluster.name}` });
      else {
        const p = this.findPolicy(ref);
        if (!p) failures.push({ field: v.keyPolicy ? 'keyPolicy' : 'encrypt', reason: `key policy ${ref} does not exist` });
        else keyPolicyId = p.id;
      }
    }
    if (failures.length > 0) throw problems.validation(failures);
    return { keyPolicyId };
  }

  private placementRequest(kind: 'volumes' | 'slices', v: Body, clusterTransports: Transport[]): PlacementRequest {
    const allowed = (v.networkTransportsAllowed as Transport[]).length > 0 ? (v.networkTransportsAllowed as Transport[]) : clusterTransports;
    const common = {
      sizeGiB: v.sizeGiB as number,
      softDomains: v.softDomains as boolean,
      requiredTags: v.requiredTags as string[],
      excludedTags: v.excludedTags as string[],
      storageGroup: v.storageGroup as string[],
      networkTransportsAllowed: allowed,
      server: v.server as string | undefined,
    };
    if (kind === 'slices')
      return { ...common, type: 'slice', striping: false, redundancy: false, raidMaxDrives: 2, sgResiliency: false, jbodResiliency: false };
    return {
      ...common,
      type: v.type as PlacementRequest['type'],
      rpm: v.rpm as number | undefined,
      striping: v.striping as boolean,
      redundancy: v.redundancy as boolean,
      raidMaxDrives: v.raidMaxDrives as number,
      sgResiliency: v.sgResiliency as boolean,
      jbodResiliency: v.jbodResiliency as boolean,
      minVolumeSize: v.minVolumeSize as number | undefined,
      maxVolumeSize: v.maxVolumeSize as number | undefined,
    };
  }

  async createVolume(kind: 'volumes' | 'slices', body: unknown, dryRun: boolean): Promise<CreateResult<Volume | Slice>> {
    const v = this.validate(kind, body, 'create');
    const cluster = this.resolveCluster(v);
    v.cluster = cluster.id;
    const { keyPolicyId } = this.volumeRefs(kind, v, cluster);
    const request = this.placementRequest(kind, v, cluster.networkTransportsAllowed);
    const nameKey = this.nameKey(kind, cluster.id, v.name as string);
    if (dryRun) {
      const engine = this.requireEngine();
      const existingId = this.idByName(kind, cluster.id, v.name as string);
      if (existingId) {
        const existing = this.table(kind).get(existingId) as StoredVolume;
        this.sameSpecOr409(kind, existing, v);
        return { status: 200, body: { dryRun: true, placement: this.state.allocations.get(existingId)! } };
      }
      const planned = engine.plan(request);
      if (!planned.ok) throw problems.capacity(planned.failure.constraint, planned.failure.message);
      return { status: 200, body: { dryRun: true, placement: planned.placement } };
    }
    return this.mutate(nameKey, 'create', kind, async () => {
      const existingId = this.idByName(kind, cluster.id, v.name as string);
      if (existingId) return { status: 200, body: this.sameSpecOr409(kind, this.table(kind).get(existingId)!, v) as Volume };
      const engine = this.requireEngine();
      const id = newId(kind);
      const placed = engine.place(id, request);
      if (!placed.ok) throw problems.capacity(placed.failure.constraint, placed.failure.message);
      const placement = placed.placement;
      const allocKey = keys.allocation(id);
      // One txn: the reservation, the name, the object, its assignment and the journal entry.
      // Either all of it is in the store (acknowledged) or none of it is (nothing to undo).
      const op = this.newOp('create', kind, id, { allocation: id, sizeGiB: v.sizeGiB, placement: { raidLevel: placement.raidLevel, members: placement.members.length, capacityGiB: placement.capacityGiB } });
      const obj = this.buildVolume(kind, id, v, placement, now(), keyPolicyId);
      const muts: Mut[] = [
        { key: allocKey, value: placement },
        { key: nameKey, value: id },
        { key: keys.object(kind, id), value: obj },
      ];
      if (obj.server) muts.push({ key: keys.assign(obj.server, id), value: this.assignmentFor(kind, obj, 1) });
      try {
        await this.journaled(op, muts, [{ key: nameKey, target: 'version', op: '=', value: 0 }]);
      } catch (e) {
        // Refused: nothing was written. Uncertain: the resync rebuilds the engine from the store.
        if (!(e instanceof CommitUncertain)) engine.release(id);
        throw e;
      }
      return { status: 201, body: this.toWire(kind, obj) as Volume };
    });
  }

  private buildVolume(kind: 'volumes' | 'slices', id: string, v: Body, placement: Placement, t: string, keyPolicyId?: string): StoredVolume {
    const base = {
      id,
      owner: v.owner as string | undefined,
      createdAt: t,
      updatedAt: t,
      state: (v.server ? 'pending' : 'unstaged') as VolumeState,
      members: placement.members,
      transport: placement.transport,
      capacityGiB: placement.capacityGiB,
    };
    const inputs: Body = {};
    for (const n of inputNames(TYPE_OF[kind])) if (v[n] !== undefined) inputs[n] = v[n];
    if (kind === 'slices') return { ...inputs, ...base } as unknown as StoredVolume;
    const policy = keyPolicyId ? this.state.policies.get(keyPolicyId) : undefined;
    const keyEpochs: KeyEpoch[] | undefined = policy ? [{ epoch: 1, policy: policy.id, version: policy.version }] : undefined;
    return { ...inputs, ...base, raidLevel: placement.raidLevel, keyPolicyId, keyEpochs } as unknown as StoredVolume;
  }

  private assignmentFor(kind: 'volumes' | 'slices', obj: StoredVolume, generation: number): Assignment {
    const placement = this.state.allocations.get(obj.id) ?? this.state.engine?.get(obj.id);
    const last = this.lastEpoch(obj);
    return {
      volumeId: obj.id,
      kind: kind === 'volumes' ? 'volume' : 'slice',
      cluster: obj.cluster,
      name: obj.name,
      placement: placement!,
      fsType: kind === 'volumes' ? obj.fsType : 'none',
      encrypt: kind === 'volumes' ? obj.encrypt : false,
      keyPolicy: last?.policy,
      keyVersion: last?.epoch,
      mountPath: kind === 'volumes' ? obj.mountPath : undefined,
      generation,
    };
  }

  /**
   * Idempotent create: the existing object when the spec matches, else 409 naming the fields.
   * A key policy's secret is never compared: answering differently for a matching and a wrong
   * secret would let anyone who may create policies test guesses of it. A retried create (the
   * providers re-send the same body after a timeout) still gets its 200; the secret of an
   * existing policy changes only by rotation (PATCH). See docs/api.md "Key policies".
   */
  private sameSpecOr409(kind: ResourceKind, existing: unknown, v: Body): unknown {
    const ex = existing as Body;
    const differing: string[] = [];
    for (const n of inputNames(TYPE_OF[kind])) {
      if (n === 'secret' || n === 'secretWo') continue;
      if (!same(ex[n], v[n])) differing.push(n);
    }
    if (differing.length > 0) throw problems.conflictExists(WHAT[kind], String(v.name), differing);
    return this.toWire(kind, existing);
  }

  async updateVolume(kind: 'volumes' | 'slices', id: string, body: unknown): Promise<Volume | Slice> {
    const patch = this.validate(kind, body, 'update');
    const unset = nullFields(kind, body);
    return this.mutate(keys.object(kind, id), 'update', kind, async () => {
      const cur = this.table(kind).get(id) as StoredVolume | undefined;
      if (!cur) throw problems.notFound(WHAT[kind], id);
      if (cur.state === 'retained' || cur.state === 'deleting') throw new HttpProblem(409, 'retained', `${WHAT[kind]} ${id} is ${cur.state}; only purge applies`);
      if (cur.moving)
        throw new HttpProblem(409, 'move_in_progress', `${WHAT[kind]} ${id} is moving from ${cur.moving.from} to ${cur.server}: retry once the old server has unstaged it`, undefined, { retryAfterSeconds: 2 });
      if (patch.cluster !== undefined && this.findCluster(patch.cluster as string)?.id === cur.cluster) patch.cluster = cur.cluster;
      const next = applyPatch(cur as unknown as Body, patch, unset);
      const olds = inputsOf(kind, cur as unknown as Body);
      const news = inputsOf(kind, next);
      const diff = diffInputs(TYPE_OF[kind], olds, news);
      if (diff.replaces.length > 0) throw problems.replaceRequired(diff.replaces);
      if (diff.shrinks.length > 0) throw problems.shrinkRefused('sizeGiB', olds.sizeGiB as number, news.sizeGiB as number);
      if (diff.changed.length === 0) return this.toWire(kind, cur) as Volume;
      const cluster = this.state.clusters.get(cur.cluster);
      if (!cluster) throw problems.field('cluster', `cluster ${cur.cluster} no longer exists`);
      const withDefaults = { ...news };
      for (const [k, val] of Object.entries(validateInput(TYPE_OF[kind], news, { mode: 'create' }).value)) if (withDefaults[k] === undefined) withDefaults[k] = val;
      const { keyPolicyId } = this.volumeRefs(kind, withDefaults, cluster);
      const engine = this.requireEngine();
      const op = this.newOp('update', kind, id, { changed: diff.changed });
      const muts: Mut[] = [];
      let placement = this.state.allocations.get(id)!;
      let grown = false;
      if (diff.changed.includes('sizeGiB')) {
        const before = engine.get(id);
        const r = engine.extend(id, news.sizeGiB as number);
        if (!r.ok) throw problems.capacity(r.failure.constraint, r.failure.message);
        placement = r.placement;
        grown = true;
        muts.push({ key: keys.allocation(id), value: placement });
        op.detail = { ...op.detail, fromGiB: olds.sizeGiB, toGiB: news.sizeGiB, fromCapacityGiB: before?.capacityGiB };
      }
      if (diff.changed.includes('server') && typeof news.server === 'string') {
        const ok = engine.checkServer(placement, news.server, cur.softDomains);
        if (!ok.ok) {
          if (grown) this.undoExtend(id);
          throw problems.field('server', ok.failure.message);
        }
      }
      const updated: StoredVolume = {
        ...cur,
        ...(news as unknown as StoredVolume),
        id,
        keyPolicyId: kind === 'volumes' ? (diff.changed.includes('keyPolicy') ? keyPolicyId : cur.keyPolicyId) : undefined,
        members: placement.members,
        capacityGiB: placement.capacityGiB,
        updatedAt: now(),
      };
      for (const f of unset) delete (updated as unknown as Body)[f];
      if (kind === 'slices') delete updated.keyPolicyId;
      if (kind === 'volumes' && updated.keyPolicyId && updated.keyPolicyId !== cur.keyPolicyId) {
        // A new policy: a new key epoch; the previous epochs stay derivable until the agent confirms.
        const p = this.state.policies.get(updated.keyPolicyId)!;
        const epochs = cur.keyEpochs ?? [];
        updated.keyEpochs = [...epochs, { epoch: (epochs[epochs.length - 1]?.epoch ?? 0) + 1, policy: p.id, version: p.version }];
      }
      // Assignment: moved, re-keyed, remounted or grown -> the agent sees a new generation. A change
      // the agent has nothing to do for (reclaimPolicy) leaves the assignment alone.
      const oldAssign = cur.server ? this.state.assigns.get(cur.server)?.get(id) : undefined;
      const generation = (oldAssign?.generation ?? 0) + 1;
      const agentRelevant = diff.changed.some((f) => f === 'server' || f === 'mountPath' || f === 'keyPolicy' || f === 'sizeGiB');
      if (cur.server && cur.server !== updated.server) muts.push({ key: keys.assign(cur.server, id) });
      // A move away from a live agent: the new server stages only once the old one has unstaged
      // (a filesystem must never be mounted on two servers), or the old agent goes silent.
      const moveFrom = cur.server && updated.server && cur.server !== updated.server && oldAssign && this.serverStatus(cur.server).health === 'up' ? cur.server : undefined;
      if (moveFrom) {
        updated.state = 'pending';
        updated.moving = { from: moveFrom, op: op.id, generation };
        op.detail = { ...op.detail, moveFrom, moveTo: updated.server, awaitUnstageOn: moveFrom, deadline: new Date(Date.now() + this.opts.unstageWaitMs).toISOString(), finish: 'move' };
      } else if (!agentRelevant) updated.state = cur.state;
      else if (updated.server) {
        updated.state = cur.server === updated.server && cur.state === 'staged' && !grown && !diff.changed.some((f) => f === 'mountPath' || f === 'keyPolicy') ? cur.state : 'pending';
        // allocations map is updated by the commit; build the assignment from the new placement.
        const a = this.assignmentFor(kind, updated, generation);
        a.placement = placement;
        muts.push({ key: keys.assign(updated.server, id), value: a });
      } else updated.state = 'unstaged';
      muts.push({ key: keys.object(kind, id), value: updated });
      try {
        if (moveFrom) await this.commit([...muts, { key: keys.op(op.id), value: op }], [this.revCompare(keys.object(kind, id))]);
        else await this.journaled(op, muts, [this.revCompare(keys.object(kind, id))]);
      } catch (e) {
        if (grown && !(e instanceof CommitUncertain)) this.undoExtend(id);
        throw e;
      }
      return this.toWire(kind, updated) as Volume;
    });
  }

  private undoExtend(id: string): void {
    const engine = this.state.engine!;
    const stored = this.state.allocations.get(id);
    engine.release(id);
    if (stored) engine.restore(id, stored);
  }

  async deleteVolume(kind: 'volumes' | 'slices', id: string): Promise<void> {
    await this.mutate(keys.object(kind, id), 'delete', kind, async () => {
      const cur = this.table(kind).get(id) as StoredVolume | undefined;
      if (!cur || cur.state === 'retained' || cur.state === 'deleting') return;
      const nameKey = this.nameKey(kind, cur.cluster, cur.name);
      const unassign: Mut[] = cur.server ? [{ key: keys.assign(cur.server, id) }] : [];
      if (kind === 'volumes' && cur.reclaimPolicy === 'Retain') {
        // Retain: the drives (and data) stay reserved until purged; the name is free again.
        const retained = { ...cur, state: 'retained' as VolumeState, updatedAt: now() };
        await this.journaled(this.newOp('delete', kind, id, { retained: true }), [...unassign, { key: nameKey }, { key: keys.object(kind, id), value: retained }]);
        return;
      }
      // A live agent still has the members connected: the drives are freed once it reports the
      // volume unstaged (or stops heartbeating, or the wait times out), not before.
      const attachedTo = cur.moving?.from ?? cur.server;
      const awaitServer = attachedTo && this.serverStatus(attachedTo).health === 'up' ? attachedTo : undefined;
      const moveOp = cur.moving ? this.state.ops.get(cur.moving.op) : undefined;
      const supersede: Mut[] = moveOp && moveOp.state === 'pending' ? [{ key: keys.op(moveOp.id), value: this.finished(moveOp, 'done', 'superseded by delete') }] : [];
      await this.releaseJournaled('delete', kind, cur, [...unassign, ...supersede, { key: nameKey }], awaitServer);
    });
  }

  async purgeVolume(id: string): Promise<void> {
    await this.mutate(keys.object('volumes', id), 'purge', 'volumes', async () => {
      const cur = this.state.volumes.get(id);
      if (!cur) return;
      if (cur.state !== 'retained') throw new HttpProblem(409, 'not_retained', `volume ${id} is ${cur.state}, not retained: delete it first (purge only frees retained volumes)`);
      await this.releaseJournaled('purge', 'volumes', cur, []);
    });
  }

  /** Two phases: journal the intent (pending, rolled forward after a crash), then free the drives. */
  private async releaseJournaled(kind: OperationKind, resource: 'volumes' | 'slices', cur: StoredVolume, extra: Mut[], awaitServer?: string): Promise<void> {
    const id = cur.id;
    const finalMuts: Mut[] = [{ key: keys.allocation(id) }, { key: keys.object(resource, id) }];
    const detail: Record<string, unknown> = { allocation: id, capacityGiB: cur.capacityGiB };
    if (awaitServer) Object.assign(detail, { awaitUnstageOn: awaitServer, deadline: new Date(Date.now() + this.opts.unstageWaitMs).toISOString() });
    const op = this.newOp(kind, resource, id, detail);
    op.recovery = { action: 'rollforward', muts: finalMuts };
    this.inFlight.add(op.id);
    try {
      await this.commit([...extra, { key: keys.object(resource, id), value: { ...cur, state: 'deleting', updatedAt: now() } }, { key: keys.op(op.id), value: op }]);
      if (awaitServer) return; // finished by finishUnstaged() or the reconciler
      await this.commit([...finalMuts, { key: keys.op(op.id), value: this.finished(op, 'done') }]);
    } finally {
      this.inFlight.delete(op.id);
    }
  }

  /** Is a pending delete still waiting for its agent to unstage? */
  private awaitingUnstage(op: StoredOperation): boolean {
    const server = op.detail?.awaitUnstageOn as string | undefined;
    if (!server) return false;
    if (Date.parse(String(op.detail?.deadline)) < Date.now()) return false;
    const health = this.serverStatus(server).health;
    // Right after a start or take-over no heartbeat has arrived yet: give agents one grace period.
    return health === 'up' || (health === 'unknown' && Date.now() - this.leaderSince < this.opts.heartbeatGraceMs);
  }

  /** The old server has unstaged (or went silent): the new server may stage the volume now. */
  private async finishMoveLocked(kind: 'volumes' | 'slices', volumeId: string, opId: string): Promise<void> {
    const op = this.state.ops.get(opId);
    const cur = this.table(kind).get(volumeId) as StoredVolume | undefined;
    const muts: Mut[] = [];
    if (cur?.moving && cur.moving.op === opId) {
      const { moving, ...rest } = cur;
      const updated: StoredVolume = { ...rest, state: 'pending', updatedAt: now() };
      if (updated.server) muts.push({ key: keys.assign(updated.server, volumeId), value: this.assignmentFor(kind, updated, moving.generation) });
      muts.push({ key: keys.object(kind, volumeId), value: updated });
    }
    if (op && op.state === 'pending') muts.push({ key: keys.op(op.id), value: this.finished(op, 'done') });
    if (muts.length > 0) await this.commit(muts);
  }

  /** The agent reports a deleting volume unstaged: free its drives now. */
  private async finishUnstaged(volumeId: string): Promise<void> {
    const op = [...this.state.ops.values()].find((o) => o.state === 'pending' && o.objectId === volumeId && o.recovery?.action === 'rollforward');
    if (!op || !op.recovery) return;
    await this.commit([...op.recovery.muts, { key: keys.op(op.id), value: this.finished(op, 'done') }]);
  }

  // ---------------------------------------------------------------- key policies

  private requireMasterKey(): Buffer {
    if (!this.opts.masterKey)
      throw new HttpProblem(409, 'master_key_missing', 'the composer was started without a master key (--master-key-file or --master-key-env): key policies cannot be sealed');
    return this.opts.masterKey;
  }

  async createKeyPolicy(body: unknown, dryRun: boolean): Promise<CreateResult<KeyPolicy>> {
    const v = this.validate('key-policies', body, 'create');
    const rules = keyPolicyRules(v, 'create');
    if (rules.length > 0) throw problems.validation(rules);
    const mk = this.requireMasterKey();
    const name = v.name as string;
    const nameKey = this.nameKey('key-policies', undefined, name);
    const run = async (): Promise<CreateResult<KeyPolicy>> => {
      const existingId = this.idByName('key-policies', undefined, name);
      if (existingId) return { status: 200, body: this.sameSpecOr409('key-policies', this.state.policies.get(existingId)!, v) as KeyPolicy };
      const secret = (v.secret ?? v.secretWo) as string;
      const id = newId('key-policies');
      const t = now();
      const p: StoredKeyPolicy = {
        id,
        owner: v.owner as string | undefined,
        name,
        cipher: v.cipher as 'aes-xts-plain64',
        keySizeBits: v.keySizeBits as 256 | 512,
        fingerprint: fingerprint(mk, secret),
        version: 1,
        secretWoVersion: v.secretWoVersion as number | undefined,
        sealed: { '1': seal(mk, secret, sealAad(id, 1)) },
        createdAt: t,
        updatedAt: t,
      };
      if (dryRun) return { status: 200, body: { dryRun: true } };
      await this.journaled(
        this.newOp('create', 'key-policies', id),
        [
          { key: keys.object('key-policies', id), value: p },
          { key: nameKey, value: id },
        ],
        [{ key: nameKey, target: 'version', op: '=', value: 0 }],
      );
      this.log.info('key policy created', { id, name, fingerprint: p.fingerprint });
      return { status: 201, body: this.policyWire(p) };
    };
    if (dryRun) return run();
    return this.mutate(nameKey, 'create', 'key-policies', run);
  }

  async updateKeyPolicy(id: string, body: unknown): Promise<KeyPolicy> {
    const patch = this.validate('key-policies', body, 'update');
    const rules = keyPolicyRules(patch, 'update');
    if (rules.length > 0) throw problems.validation(rules);
    return this.mutate(keys.object('key-policies', id), 'rotate', 'key-policies', async () => {
      const cur = this.state.policies.get(id);
      if (!cur) throw problems.notFound('key policy', id);
      const replaces = (['name', 'cipher', 'keySizeBits'] as const).filter((f) => patch[f] !== undefined && !same(patch[f], cur[f]));
      if (replaces.length > 0) throw problems.replaceRequired(replaces);
      const mk = this.requireMasterKey();
      const newSecret = (patch.secret ?? patch.secretWo) as string | undefined;
      const rotates =
        (patch.secret !== undefined && fingerprint(mk, patch.secret as string) !== cur.fingerprint) ||
        (patch.secretWo !== undefined && patch.secretWoVersion !== cur.secretWoVersion);
      const key = keys.object('key-policies', id);
      if (!rotates) {
        if (patch.owner !== undefined && patch.owner !== cur.owner) {
          const updated = { ...cur, owner: patch.owner as string, updatedAt: now() };
          await this.journaled(this.newOp('update', 'key-policies', id), [{ key, value: updated }], [this.revCompare(key)]);
          return this.policyWire(updated);
        }
        return this.policyWire(cur);
      }
      const version = cur.version + 1;
      const updated: StoredKeyPolicy = {
        ...cur,
        version,
        fingerprint: fingerprint(mk, newSecret!),
        secretWoVersion: (patch.secretWoVersion as number | undefined) ?? cur.secretWoVersion,
        sealed: { ...cur.sealed, [String(version)]: seal(mk, newSecret!, sealAad(id, version)) },
        updatedAt: now(),
      };
      // The new version first (with the pending rotation), then every volume under the policy gets
      // a new key epoch, volume by volume; the reconciler repeats that step after a crash.
      const op = this.newOp('rotate', 'key-policies', id, { version, volumes: this.volumesUsingPolicy(id).length });
      await this.commit([{ key, value: updated }, { key: keys.op(op.id), value: op }], [this.revCompare(key)]);
      this.log.info('key policy rotated', { id, version, volumes: op.detail?.volumes });
      await this.propagateRotation(id);
      await this.maybeFinishRotation(this.state.ops.get(op.id)!);
      return this.policyWire(this.state.policies.get(id)!);
    });
  }

  /**
   * Give every volume under the policy an epoch for its current version, and its assignment the
   * new epoch and a new generation (the agent adds the new keyslot and kills the old). Idempotent.
   * One txn per volume, under the volume's lock: a rotation never races a move or a status report.
   */
  private async propagateRotation(policyId: string): Promise<void> {
    for (const vol of this.volumesUsingPolicy(policyId)) {
      const volKey = keys.object('volumes', vol.id);
      await this.locks.run(volKey, async () => {
        const cur = this.state.volumes.get(vol.id);
        const p = this.state.policies.get(policyId);
        if (!cur || !p || cur.keyPolicyId !== policyId) return;
        const last = this.lastEpoch(cur);
        if (last && last.policy === policyId && last.version === p.version) return;
        const epochs = cur.keyEpochs ?? [];
        const updated: StoredVolume = { ...cur, keyEpochs: [...epochs, { epoch: (last?.epoch ?? 0) + 1, policy: policyId, version: p.version }], updatedAt: now() };
        const muts: Mut[] = [{ key: volKey, value: updated }];
        const a = cur.server ? this.state.assigns.get(cur.server)?.get(cur.id) : undefined;
        if (a && cur.server) {
          updated.state = 'pending';
          muts.push({ key: keys.assign(cur.server, cur.id), value: this.assignmentFor('volumes', updated, a.generation + 1) });
        }
        await this.commit(muts, [this.revCompare(volKey)]);
      });
    }
  }

  /** A rotation is done when every volume under the policy reports the new key version. */
  private async maybeFinishRotation(op: StoredOperation): Promise<boolean> {
    const p = this.state.policies.get(op.objectId);
    const version = (op.detail?.version as number) ?? 0;
    if (!p) {
      await this.commit([{ key: keys.op(op.id), value: this.finished(op, 'failed', 'the key policy was deleted') }]);
      return true;
    }
    if (p.version !== version) {
      await this.commit([{ key: keys.op(op.id), value: this.finished(op, 'done', `superseded by version ${p.version}`) }]);
      return true;
    }
    if (this.volumesUsingPolicy(p.id).some((v) => !this.keyCurrent(v, p))) return false;
    await this.commit([
      ...this.pruneSealed(p),
      { key: keys.op(op.id), value: this.finished(op, 'done') },
    ]);
    this.log.info('key rotation complete', { id: p.id, version });
    return true;
  }

  /** Old sealed secrets no volume may still need (per its unconfirmed key epochs) are dropped. */
  private pruneSealed(p: StoredKeyPolicy): Mut[] {
    const needed = new Set<string>([String(p.version)]);
    for (const v of this.volumesNeedingPolicy(p.id)) for (const e of this.neededEpochs(v)) if (e.policy === p.id) needed.add(String(e.version));
    const sealed = Object.fromEntries(Object.entries(p.sealed).filter(([ver]) => needed.has(ver)));
    if (Object.keys(sealed).length === Object.keys(p.sealed).length) return [];
    return [{ key: keys.object('key-policies', p.id), value: { ...p, sealed } }];
  }

  async deleteKeyPolicy(id: string): Promise<void> {
    await this.mutate(keys.object('key-policies', id), 'delete', 'key-policies', async () => {
      const cur = this.state.policies.get(id);
      if (!cur) return;
      const vols = this.volumesNeedingPolicy(id);
      const clusters = [...this.state.clusters.values()].filter((c) => c.keyPolicy && this.findPolicy(c.keyPolicy)?.id === id);
      if (vols.length > 0 || clusters.length > 0)
        throw problems.inUse(
          `key policy ${cur.name} is in use by ${[...vols.map((v) => `volume ${v.id} (${v.name})`), ...clusters.map((c) => `cluster ${c.id} (${c.name})`)].join(', ')}`,
          [...vols.map((v) => ({ field: 'volumes', reason: `${v.id} (${v.name}) uses this policy` })), ...clusters.map((c) => ({ field: 'clusters', reason: `${c.id} (${c.name}) has it as default` }))],
        );
      await this.journaled(this.newOp('delete', 'key-policies', id), [
        { key: keys.object('key-policies', id) },
        { key: this.nameKey('key-policies', undefined, cur.name) },
      ]);
    });
  }

  // ---------------------------------------------------------------- agent channel

  /** One page of the servers (the inventory's and any that registered) in name order. */
  servers(page: PageRequest): ListPage<ServerStatus> {
    const names = new Set([...(this.state.inventory?.servers ?? []).map((s) => s.name), ...this.state.servers.keys()]);
    return takePage([...names].map((n) => [n, n] as const), page, () => true, (n) => this.serverStatus(n));
  }

  private serverStatus(name: string): ServerStatus {
    const rec = this.state.servers.get(name);
    const hb = this.heartbeats.get(name);
    const health: ServerStatus['health'] = hb === undefined ? 'unknown' : Date.now() - hb <= this.opts.heartbeatGraceMs ? 'up' : 'down';
    return { name, health, lastHeartbeat: hb ? new Date(hb).toISOString() : undefined, facts: rec?.facts };
  }

  private requireKnownServer(server: string): void {
    if (!this.state.inventory?.servers.some((s) => s.name === server)) throw problems.notFound('server', `${server} (not in the inventory)`);
  }

  async register(server: string, body: unknown): Promise<ServerStatus> {
    this.requireKnownServer(server);
    const facts = checkFacts(body);
    await this.mutate(keys.server(server), 'update', 'clusters', async () => {
      await this.commit([{ key: keys.server(server), value: { name: server, facts, registeredAt: now() } }]);
    });
    this.heartbeats.set(server, Date.now());
    this.log.info('agent registered', { server, backend: facts.backend, agentVersion: facts.agentVersion });
    return this.serverStatus(server);
  }

  heartbeat(server: string): void {
    this.requireKnownServer(server);
    this.heartbeats.set(server, Date.now());
  }

  async assignments(server: string, since: number | undefined, waitSeconds: number): Promise<AssignmentsResponse> {
    this.requireKnownServer(server);
    if (since !== undefined && waitSeconds > 0) await this.state.waitAssignments(server, since, waitSeconds * 1000);
    const m = this.state.assigns.get(server);
    return {
      revision: this.state.assignRevision.get(server) ?? 0, // 0 until the server has assignments: the global revision would wake idle agents on every write
      assignments: m ? [...m.values()].sort((a, b) => (a.volumeId < b.volumeId ? -1 : 1)) : [],
    };
  }

  async reportStatus(server: string, volumeId: string, body: unknown): Promise<void> {
    const observed = checkObserved(body);
    const kind: 'volumes' | 'slices' = this.state.slices.has(volumeId) ? 'slices' : 'volumes';
    await this.mutate(keys.object(kind, volumeId), 'update', kind, async () => {
      const cur = this.table(kind).get(volumeId) as StoredVolume | undefined;
      const assigned = this.state.assigns.get(server)?.get(volumeId);
      if (cur && cur.state === 'deleting' && (cur.moving?.from ?? cur.server) === server && observed.state === 'unstaged') return this.finishUnstaged(volumeId);
      if (cur?.moving && cur.moving.from === server && observed.state === 'unstaged') return this.finishMoveLocked(kind, volumeId, cur.moving.op);
      // Reports about volumes that moved away or are gone are the agent cleaning up: accepted, not stored.
      if (!cur || !assigned || cur.server !== server) return;
      const state: VolumeState =
        observed.generation < assigned.generation ? 'pending' : observed.state === 'staged' ? 'staged' : observed.state === 'failed' ? 'failed' : 'pending';
      const updated: StoredVolume = { ...cur, observed: { ...observed, reportedAt: now() }, state, devicePath: observed.devicePath ?? cur.devicePath };
      await this.commit([{ key: keys.object(kind, volumeId), value: updated }], [this.revCompare(keys.object(kind, volumeId))]);
      if (observed.state === 'failed') this.log.warn('agent reports a failed volume', { server, volumeId, step: observed.step });
    });
    if (observed.keyVersion !== undefined) {
      const rotations = [...this.state.ops.values()].filter((o) => o.kind === 'rotate' && o.state === 'pending');
      for (const op of rotations) await this.mutate(keys.object('key-policies', op.objectId), 'rotate', 'key-policies', () => this.maybeFinishRotation(op)).catch(() => undefined);
    }
  }

  /** The derived drive key, only for the agent of the server the volume is assigned to. */
  volumeKey(server: string, volumeId: string, versionParam: number | undefined): VolumeKey {
    const vol = this.state.volumes.get(volumeId);
    const assigned = this.state.assigns.get(server)?.get(volumeId);
    if (!vol || !assigned || vol.server !== server) throw problems.forbidden(`volume ${volumeId} is not assigned to server ${server}`);
    if (!vol.encrypt || !vol.keyEpochs?.length) throw new HttpProblem(409, 'not_encrypted', `volume ${volumeId} is not encrypted`);
    // `version` is the volume's key epoch; it maps to the policy and policy version that derive it.
    const epoch = versionParam === undefined ? vol.keyEpochs[vol.keyEpochs.length - 1] : vol.keyEpochs.find((e) => e.epoch === versionParam);
    if (!epoch) throw problems.notFound('key version', `${versionParam} of volume ${volumeId} (known: ${vol.keyEpochs.map((e) => e.epoch).join(', ')})`);
    const p = this.state.policies.get(epoch.policy);
    const sealed = p?.sealed[String(epoch.version)];
    if (!p || !sealed) throw problems.notFound('key version', `${epoch.epoch} of volume ${volumeId}: its secret is no longer kept (every agent confirmed a later key)`);
    const mk = this.requireMasterKey();
    const secret = unseal(mk, sealed, sealAad(p.id, epoch.version));
    const key = deriveVolumeKey({ secret, volumeId, policyId: p.id, version: epoch.version, keySizeBits: p.keySizeBits });
    const out = { volumeId, version: epoch.epoch, cipher: p.cipher, keySizeBits: p.keySizeBits, key: key.toString('base64') };
    key.fill(0);
    return out;
  }
}

/** The names table is keyed by the name key without its /tessera/names/ prefix. */
function nameRest(kind: ResourceKind, cluster: string | undefined, name: string): string {
  return keys.name(kind, cluster, name).slice('/tessera/names/'.length);
}

export function sealAad(policyId: string, version: number): string {
  return `tessera:key-policy:${policyId}:v${version}`;
}

function opWire(op: StoredOperation): Operation {
  const { recovery: _r, ...rest } = op;
  return rest;
}

/** Keys of a body set to null. */
function nullKeys(body: unknown): string[] {
  if (typeof body !== 'object' || body === null) return [];
  return Object.entries(body as Body)
    .filter(([, v]) => v === null)
    .map(([k]) => k);
}

/** Fields a PATCH null removes: those without a default (validate() restores the others). */
function nullFields(kind: ResourceKind, body: unknown): string[] {
  const attrs = resourceSpec(TYPE_OF[kind]).attributes;
  return nullKeys(body).filter((k) => attrs[k]?.default === undefined);
}

function applyPatch(cur: Body, patch: Body, unset: string[]): Body {
  const next: Body = { ...cur, ...patch };
  for (const f of unset) delete next[f];
  return next;
}

function inputsOf(kind: ResourceKind, obj: Body): Body {
  const out: Body = {};
  for (const n of inputNames(TYPE_OF[kind])) if (obj[n] !== undefined) out[n] = obj[n];
  return out;
}

function checkObserved(body: unknown): ObservedState {
  const f: FieldFailure[] = [];
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw problems.field('(body)', 'must be a JSON object');
  const b = body as Body;
  if (!(OBSERVED_STATES as readonly unknown[]).includes(b.state)) f.push({ field: 'state', reason: `must be one of ${OBSERVED_STATES.join(', ')}` });
  if (!Number.isInteger(b.generation) || (b.generation as number) < 0) f.push({ field: 'generation', reason: 'must be an integer >= 0' });
  for (const s of ['devicePath', 'mountedAt', 'step', 'error'] as const)
    if (b[s] !== undefined && (typeof b[s] !== 'string' || (b[s] as string).length > 8192)) f.push({ field: s, reason: 'must be a string (at most 8192 characters)' });
  if (b.keyVersion !== undefined && (!Number.isInteger(b.keyVersion) || (b.keyVersion as number) < 0)) f.push({ field: 'keyVersion', reason: 'must be an integer >= 0' });
  if (f.length > 0) throw problems.validation(f);
  const out: ObservedState = { state: b.state as ObservedState['state'], generation: b.generation as number };
  for (const s of ['devicePath', 'mountedAt', 'step', 'error'] as const) if (b[s] !== undefined) out[s] = b[s] as string;
  if (b.keyVersion !== undefined) out.keyVersion = b.keyVersion as number;
  return out;
}

function checkFacts(body: unknown): AgentFacts {
  const f: FieldFailure[] = [];
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw problems.field('(body)', 'must be a JSON object');
  const b = body as Body;
  if (typeof b.hostname !== 'string' || b.hostname === '') f.push({ field: 'hostname', reason: 'must be a non-empty string' });
  if (!Array.isArray(b.transports) || !b.transports.every((t) => ['roce', 'nvmetcp', 'iscsi'].includes(t as string)))
    f.push({ field: 'transports', reason: 'must be a list of roce, nvmetcp, iscsi' });
  if (typeof b.nicGbps !== 'number' || !(b.nicGbps > 0)) f.push({ field: 'nicGbps', reason: 'must be a positive number' });
  if (!(AGENT_BACKENDS as readonly unknown[]).includes(b.backend)) f.push({ field: 'backend', reason: `must be one of ${AGENT_BACKENDS.join(', ')}` });
  if (typeof b.agentVersion !== 'string') f.push({ field: 'agentVersion', reason: 'must be a string' });
  if (f.length > 0) throw problems.validation(f);
  return { hostname: b.hostname as string, transports: b.transports as Transport[], nicGbps: b.nicGbps as number, backend: b.backend as AgentFacts['backend'], agentVersion: b.agentVersion as string };
}
