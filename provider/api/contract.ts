// The composer's REST contract (/v1), shared by the composer, the agent, the resource handlers
// and the CLI. Attribute names are schema.json's (camelCase). Types here are the wire shapes;
// the resources' schema.json attributes come from resources.generated.ts (`npm run gen`).
import type { Inventory, Transport } from '../model/inventory';
import type { Placement, RaidLevel } from '../model/placement';
import type { ClusterAttributes, KeyPolicyAttributes, SliceAttributes, VolumeAttributes } from './resources.generated';

export const API_PREFIX = '/v1';

/**
 * Paths (all JSON; `Authorization: Bearer <token>` on everything but /healthz and /readyz):
 *   GET  /healthz  /readyz  /metrics (Prometheus text)  /openapi.json
 *   PUT  /v1/inventory              (admin)  body: Inventory            -> InventorySummary
 *   GET  /v1/inventory                        -> Inventory
 *   GET  /v1/inventory/summary                -> InventorySummary
 *   GET  /v1/capacity?type=ssd&redundancy=true&requiredTags=a,b...   -> CapacityResponse
 *   POST /v1/{clusters|volumes|slices|key-policies}[?dryRun=true]   body: create fields
 *        201 created | 200 same spec already exists | 409 conflict_exists (fields differ)
 *        dryRun: 200 DryRunResponse, nothing reserved
 *   GET  /v1/{kind}[?cluster=ID]  -> ListPage<T>        GET /v1/{kind}/{id} -> T
 *   PATCH /v1/{kind}/{id}  body: changed fields -> T     (409 replace_required, 422 shrink_refused)
 *   DELETE /v1/{kind}/{id} -> 204 (also when absent)     (409 in_use for a key policy in use)
 *   POST /v1/volumes/{id}/purge  -> 204  (frees a Retained volume's drives)
 *   GET  /v1/operations[?state=pending]  -> ListPage<Operation>   GET /v1/operations/{id}
 *   GET  /v1/servers  -> ListPage<ServerStatus>
 *   Lists take ?limit=1..1000 (default 500) and ?cursor=<the previous page's nextCursor>.
 *  Agent channel (role agent, scoped to its own server):
 *   POST /v1/agents/{server}/register  body: AgentFacts -> ServerStatus
 *   POST /v1/agents/{server}/heartbeat -> 204
 *   GET  /v1/agents/{server}/assignments?since=REV&waitSeconds=30 -> AssignmentsResponse (long poll)
 *   PUT  /v1/agents/{server}/status/{volumeId}  body: ObservedState -> 204
 *   GET  /v1/agents/{server}/keys/{volumeId}[?version=N] -> VolumeKey (403 unless assigned to server)
 */

export type ResourceKind = 'clusters' | 'volumes' | 'slices' | 'key-policies';

export interface ObjectMeta {
  id: string;
  /** Free text set by the caller: a Pulumi URN or a Terraform address. */
  owner?: string;
  createdAt: string;
  updatedAt: string;
}

/** A cluster: its schema.json attributes (resources.generated.ts) plus the object metadata. */
export type Cluster = ObjectMeta & ClusterAttributes;

export const VOLUME_STATES = ['pending', 'staged', 'unstaged', 'failed', 'retained', 'deleting'] as const;
export type VolumeState = (typeof VOLUME_STATES)[number];

/**
 * What the composer knows beyond schema.json about a staged Volume or Slice: its outputs
 * narrowed to the composer's own enums, and the agent's report.
 */
interface StagedObject {
  state: VolumeState;
  transport: Transport;
  /** Block device on the server; absent until the agent first reports it. */
  devicePath?: string;
  /** Observed state on the server, as the agent last reported it. */
  observed?: ObservedState;
}

export interface Volume extends ObjectMeta, Omit<VolumeAttributes, keyof StagedObject>, StagedObject {
  raidLevel: RaidLevel;
}

export interface Slice extends ObjectMeta, Omit<SliceAttributes, keyof StagedObject>, StagedObject {}

export interface KeyPolicy extends ObjectMeta, KeyPolicyAttributes {
  /** Rotation progress: volumes under the policy and how many run the current version. */
  rotation: { volumes: number; current: number; pending: string[] };
  // `secret` is accepted on create/PATCH and NEVER returned (schema.json marks it sensitive).
}

/**
 * A dry-run create: nothing is stored or reserved, so no id is made up. Volumes and slices carry
 * the placement they would get; clusters and key policies only say the request was accepted.
 */
export interface DryRunResponse {
  dryRun: true;
  placement?: Placement;
}

export interface InventorySummary {
  storageGroups: string[];
  enclosureCount: number;
  driveCount: number;
  servers: string[];
  revision: number;
}

export interface CapacityResponse {
  availableGiB: number;
  maximumVolumeSizeGiB: number;
  byStorageGroup: Record<string, number>;
}

export const OPERATION_KINDS = ['create', 'update', 'delete', 'purge', 'rotate'] as const;
export type OperationKind = (typeof OPERATION_KINDS)[number];
export const OPERATION_STATES = ['pending', 'done', 'rolled_back', 'failed'] as const;
export type OperationState = (typeof OPERATION_STATES)[number];

export interface Operation {
  id: string;
  kind: OperationKind;
  /** The resource collection, or `inventory` for an inventory load. */
  resource: ResourceKind | 'inventory';
  objectId: string;
  state: OperationState;
  startedAt: string;
  finishedAt?: string;
  /** What the operation reserved (allocation id) or changed, and why it failed if it did. */
  detail?: Record<string, unknown>;
  error?: string;
}

export const SERVER_HEALTH = ['up', 'down', 'unknown'] as const;
/** A page of a list endpoint, in key order (ids; names for servers): docs/api.md "Lists and pages". */
export interface ListPage<T> {
  items: T[];
  /** Present when more items follow: pass it back as `?cursor=` for the next page. */
  nextCursor?: string;
}

export interface ServerStatus {
  name: string;
  /** up after a heartbeat within the grace period, down after missed heartbeats, unknown before any. */
  health: (typeof SERVER_HEALTH)[number];
  lastHeartbeat?: string;
  facts?: AgentFacts;
}

export const AGENT_BACKENDS = ['linux', 'lab', 'simulated'] as const;

export interface AgentFacts {
  hostname: string;
  transports: Transport[];
  nicGbps: number;
  backend: (typeof AGENT_BACKENDS)[number];
  agentVersion: string;
}

/** What the composer wants staged on a server. */
export interface Assignment {
  volumeId: string;
  kind: 'volume' | 'slice';
  cluster: string;
  name: string;
  placement: Placement;
  fsType: 'ext4' | 'xfs' | 'none';
  encrypt: boolean;
  keyPolicy?: string;
  /** The key version the agent should be using (rotation bumps it). */
  keyVersion?: number;
  mountPath?: string;
  /** Bumps on every change of this assignment (move, grow, mountPath, rotation). */
  generation: number;
}

export interface AssignmentsResponse {
  /** Pass back as `since` to wait for the next change. */
  revision: number;
  /** The full desired set for the server: anything staged and not listed must be unstaged. */
  assignments: Assignment[];
}

export const OBSERVED_STATES = ['staging', 'staged', 'unstaging', 'unstaged', 'failed'] as const;

export interface ObservedState {
  state: (typeof OBSERVED_STATES)[number];
  generation: number;
  devicePath?: string;
  mountedAt?: string;
  keyVersion?: number;
  /** Staged, but a RAID1/RAID10 array runs without these members (labels): still serving. */
  degraded?: string[];
  /** When failed: the step and the tool's stderr. */
  step?: string;
  error?: string;
  reportedAt?: string;
}

export interface VolumeKey {
  volumeId: string;
  version: number;
  cipher: string;
  keySizeBits: number;
  /** Base64 of the derived key. Only ever sent to the agent of the assigned server. */
  key: string;
}

/** application/problem+json */
export interface Problem {
  type: string;
  title: string;
  status: number;
  /** Stable machine code: validation_failed, not_found, conflict_exists, replace_required,
   * shrink_refused, insufficient_capacity, in_use, unauthorized, forbidden, not_leader, ... */
  code: string;
  detail: string;
  /** One entry per bad field for validation_failed; the differing fields for conflict_exists. */
  errors?: { field: string; reason: string }[];
  /** not_leader: where the leader is. */
  leader?: string;
}

export type { Inventory };
