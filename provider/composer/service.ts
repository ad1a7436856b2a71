// The composer service: the one object server.ts, the CLI and the tests call. A façade that keeps
// the public method names and forwards each to the module with that job: reads, clusters,
// volumes and slices, key policies, inventory (./resources/), the agent and enclosure channels
// (./channels/),
// leadership and recovery (./leadership.ts); mutations run as operation types (./operations/)
// through the commit layer (./writes.ts, ./commit.ts). HTTP lives in server.ts; nothing here sees
// a request object. docs/operations.md draws the modules.
import type {
  AssignmentsResponse,
  CapacityResponse,
  Cluster,
  DriveStatus,
  EnclosureAssignments,
  EnclosureStatus,
  FeasibilityAnswer,
  InventorySummary,
  KeyPolicy,
  ListPage,
  Operation,
  PoolDrive,
  PoolSummary,
  ResourceKind,
  ServerStatus,
  Slice,
  Volume,
  VolumeKey,
} from '../api/contract';
import type { Store } from '../store/store';
import { type Caller, SYSTEM } from './callers';
import { AgentChannel } from './channels/agent';
import { EnclosureChannel } from './channels/enclosure';
import { ComposerContext, type ServiceOptions } from './context';
import type { VolumeKind } from './kinds';
import { Leadership } from './leadership';
import { Operations, operationRegistry } from './operations';
import type { PageRequest } from './paging';
import { Clusters } from './resources/clusters';
import { Drives } from './resources/drives';
import type { CreateOptions, CreateResult } from './resources/common';
import { InventoryResource } from './resources/inventory';
import { KeyPolicies } from './resources/key-policies';
import { type PoolFilter, PoolResource } from './resources/pool';
import { type OperationFilter, Reads } from './resources/reads';
import { planFeasibility } from './resources/feasibility';
import { Volumes } from './resources/volumes';
import { toWire } from './resources/wire';
import type { ComposerState } from './state';

export type { Fencing } from './commit';
export type { ServiceOptions } from './context';
export type { CreateOptions, CreateResult } from './resources/common';
export type { OperationFilter } from './resources/reads';
export { sealAad } from './layout';

export class ComposerService {
  private readonly ctx: ComposerContext;
  private readonly leadership: Leadership;
  private readonly reads: Reads;
  private readonly inventory: InventoryResource;
  private readonly clusters: Clusters;
  private readonly volumes: Volumes;
  private readonly keyPolicies: KeyPolicies;
  private readonly agents: AgentChannel;
  private readonly enclosureChannel: EnclosureChannel;
  private readonly drivesModule: Drives;
  private readonly pool: PoolResource;

  constructor(opts: ServiceOptions, state: ComposerState) {
    const ctx = (this.ctx = new ComposerContext(opts, state));
    const ops = new Operations(ctx, operationRegistry());
    this.keyPolicies = new KeyPolicies(ctx, ops);
    this.leadership = new Leadership(ctx, ops, () => this.keyPolicies.checkMasterKey());
    this.reads = new Reads(ctx);
    this.inventory = new InventoryResource(ctx, ops);
    this.pool = new PoolResource(ctx);
    this.clusters = new Clusters(ctx, ops);
    this.volumes = new Volumes(ctx, ops);
    this.drivesModule = new Drives(ctx, ops, (id, server) => this.volumes.update('volumes', id, { server }, SYSTEM));
    this.agents = new AgentChannel(ctx, ops, () => this.keyPolicies.requireMasterKey(), this.drivesModule);
    this.enclosureChannel = new EnclosureChannel(ctx, this.drivesModule);
  }

  /** The in-memory state (replaced on every reload). */
  get state(): ComposerState {
    return this.ctx.state;
  }
  set state(s: ComposerState) {
    this.ctx.state = s;
  }
  /** The replica answers writes (index.ts clears it while the role changes). */
  get ready(): boolean {
    return this.ctx.ready;
  }
  set ready(r: boolean) {
    this.ctx.ready = r;
  }
  get store(): Store {
    return this.ctx.store;
  }

  // ---------------------------------------------------------------- start-up and recovery

  checkMasterKey(): void {
    this.keyPolicies.checkMasterKey();
  }
  resync(): Promise<void> {
    return this.leadership.resync();
  }
  takeOver(): Promise<void> {
    return this.leadership.takeOver();
  }
  resyncUntilDone(): Promise<void> {
    return this.leadership.resyncUntilDone();
  }
  /** Stop background work (retries) when the composer closes. */
  close(): void {
    this.ctx.closed = true;
  }
  pruneOperations(perScan?: number, batch?: number): Promise<number> {
    return this.leadership.pruneOperations(perScan, batch);
  }
  /**
   * Finish or roll back every pending operation (start-up, take-over, and periodically), then
   * start the rebuilds degraded volumes need (./resources/drives.ts). Returns how many operations ended.
   */
  async reconcile(): Promise<number> {
    const n = await this.leadership.reconcile();
    await this.drivesModule.sweep();
    return n;
  }

  // ---------------------------------------------------------------- inventory

  inventorySummary(): InventorySummary {
    return this.inventory.summary();
  }
  inventoryJson(): string {
    return this.inventory.json();
  }
  loadInventory(doc: unknown, caller: Caller): Promise<InventorySummary> {
    return this.inventory.load(doc, caller);
  }
  followInventory(): Promise<void> {
    return this.inventory.follow();
  }
  capacity(query: Record<string, unknown>, caller: Caller): CapacityResponse {
    return this.inventory.capacity(query, caller);
  }

  // ---------------------------------------------------------------- reads

  list(kind: ResourceKind, cluster: string | undefined, page: PageRequest, caller: Caller): ListPage<unknown> {
    return this.reads.list(kind, cluster, page, caller);
  }
  get(kind: ResourceKind, id: string, caller: Caller): unknown {
    return this.reads.get(kind, id, caller);
  }
  listOperations(filter: OperationFilter, page: PageRequest, caller: Caller): ListPage<Operation> {
    return this.reads.listOperations(filter, page, caller);
  }
  getOperation(id: string, caller: Caller): Operation {
    return this.reads.getOperation(id, caller);
  }

  // ---------------------------------------------------------------- clusters

  createCluster(body: unknown, opts: CreateOptions, caller: Caller): Promise<CreateResult<Cluster>> {
    return this.clusters.create(body, opts, caller);
  }
  updateCluster(id: string, body: unknown, caller: Caller): Promise<Cluster> {
    return this.clusters.update(id, body, caller);
  }
  deleteCluster(id: string, owner: string | undefined, caller: Caller): Promise<void> {
    return this.clusters.delete(id, owner, caller);
  }

  // ---------------------------------------------------------------- volumes and slices

  createVolume(kind: VolumeKind, body: unknown, opts: CreateOptions, caller: Caller): Promise<CreateResult<Volume | Slice>> {
    return this.volumes.create(kind, body, opts, caller);
  }
  updateVolume(kind: VolumeKind, id: string, body: unknown, caller: Caller): Promise<Volume | Slice> {
    return this.volumes.update(kind, id, body, caller);
  }
  deleteVolume(kind: VolumeKind, id: string, owner: string | undefined, caller: Caller): Promise<void> {
    return this.volumes.delete(kind, id, owner, caller);
  }
  purgeVolume(id: string, owner: string | undefined, caller: Caller): Promise<void> {
    return this.volumes.purge(id, owner, caller);
  }
  /** The plan-wide what-if: nothing is reserved (./resources/feasibility.ts). */
  feasibility(body: unknown): FeasibilityAnswer {
    return planFeasibility(this.ctx, body);
  }
  /** Replace the volume's failed members and rebuild onto them (docs/failure.md). */
  async rebuildVolume(id: string, caller: Caller): Promise<Volume> {
    return toWire(this.ctx.state, 'volumes', await this.drivesModule.rebuild(id, caller)) as Volume;
  }
  /** Drives whose health is not ok. */
  drives(page: PageRequest): ListPage<DriveStatus> {
    return this.drivesModule.drives(page);
  }
  /** The pool by storage group, and its drives with their extents, a page at a time (the dashboard's, docs/ui.md). */
  poolSummary(caller: Caller): PoolSummary {
    return this.pool.summary(caller);
  }
  poolDrives(filter: PoolFilter, page: PageRequest, caller: Caller): ListPage<PoolDrive> {
    return this.pool.drives(filter, page, caller);
  }
  /** Drain a drive / every drive of an enclosure, or take an empty drive out of service (docs/failure.md). */
  drainDrive(serial: string): Promise<DriveStatus> {
    return this.drivesModule.drain(serial);
  }
  drainEnclosure(enclosure: string): Promise<ListPage<DriveStatus>> {
    return this.drivesModule.drainEnclosure(enclosure);
  }
  removeDrive(serial: string): Promise<DriveStatus> {
    return this.drivesModule.remove(serial);
  }

  // ---------------------------------------------------------------- key policies

  createKeyPolicy(body: unknown, opts: CreateOptions, caller: Caller): Promise<CreateResult<KeyPolicy>> {
    return this.keyPolicies.create(body, opts, caller);
  }
  updateKeyPolicy(id: string, body: unknown, caller: Caller, adopt = false): Promise<KeyPolicy> {
    return this.keyPolicies.update(id, body, caller, adopt);
  }
  deleteKeyPolicy(id: string, owner: string | undefined, caller: Caller): Promise<void> {
    return this.keyPolicies.delete(id, owner, caller);
  }

  // ---------------------------------------------------------------- agent channel

  servers(page: PageRequest, caller: Caller): ListPage<ServerStatus> {
    return this.agents.servers(page, caller);
  }
  register(server: string, body: unknown): Promise<ServerStatus> {
    return this.agents.register(server, body);
  }
  heartbeat(server: string): void {
    this.agents.heartbeat(server);
  }
  assignments(server: string, since: number | undefined, waitSeconds: number): Promise<AssignmentsResponse> {
    return this.agents.assignments(server, since, waitSeconds);
  }
  reportStatus(server: string, volumeId: string, body: unknown): Promise<void> {
    return this.agents.reportStatus(server, volumeId, body);
  }
  volumeKey(server: string, volumeId: string, versionParam: number | undefined): VolumeKey {
    return this.agents.volumeKey(server, volumeId, versionParam);
  }

  // ---------------------------------------------------------------- enclosure channel

  enclosures(page: PageRequest): ListPage<EnclosureStatus> {
    return this.enclosureChannel.list(page);
  }
  /** Every server's agent health and every enclosure's health, for /metrics (not scoped: the metrics reader sees all). */
  healthSnapshot(): { servers: { name: string; health: string }[]; enclosures: { name: string; health: string }[] } {
    const s = this.ctx.state;
    const names = new Set([...(s.inventory?.servers ?? []).map((x) => x.name), ...s.servers.keys()]);
    return {
      servers: [...names].map((name) => ({ name, health: this.ctx.agents.health(name) })),
      enclosures: this.enclosureChannel.list({ limit: Number.MAX_SAFE_INTEGER }).items.map((e) => ({ name: e.name, health: e.health })),
    };
  }
  enclosureRegister(enclosure: string, body: unknown): EnclosureStatus {
    return this.enclosureChannel.register(enclosure, body);
  }
  enclosureHeartbeat(enclosure: string): void {
    this.enclosureChannel.heartbeat(enclosure);
  }
  enclosureAssignments(enclosure: string, since: number | undefined, waitSeconds: number): Promise<EnclosureAssignments> {
    return this.enclosureChannel.assignments(enclosure, since, waitSeconds);
  }
  enclosureReport(enclosure: string, body: unknown): Promise<void> {
    return this.enclosureChannel.report(enclosure, body);
  }
}
