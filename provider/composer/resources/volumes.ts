// Volumes and slices: a create, update, delete or purge request checked against the state (the
// cluster and its servers, storage groups, the key policy in force, retained/deleting/moving
// objects), the caller's scope (a cluster it may not see does not exist for it: ../callers.ts) and
// the owner, its placement request built, and started as its operation type
// (../operations/volume-*.ts). Dry runs plan without reserving.
import { PROBLEM } from '../../api/wire.generated';
import type { Cluster, Slice, Volume } from '../../api/contract';
import type { Transport } from '../../model/inventory';
import type { PlacementRequest } from '../../model/placement';
import { diffInputs, type FieldFailure, validateInput, type VolumeAttribute } from '../../schema';
import type { ComposerContext } from '../context';
import { RESOURCE_TYPE, VOLUME_KINDS, type VolumeKind, WHAT } from '../kinds';
import { keys } from '../layout';
import { findCluster, findPolicy, idByName, requireEngine, table } from '../lookups';
import { type Caller, seesCluster } from '../callers';
import { objectAdopt, type Operations, volumeCreate, volumeDelete, volumePurge, volumeUpdate } from '../operations';
import { HttpProblem, problems } from '../problem';
import { checkQuota, heldGiB, underQuota, usageOf } from '../quotas';
import { sliceRules, volumeRules } from '../rules';
import type { StoredVolume } from '../state';
import { adoptAsked, applyPatch, type Body, type CreateOptions, type CreateResult, inputsOf, nullFields, ownerTakeover, requireOwner, sameSpecOr409, validate } from './common';
import { toWire } from './wire';

export class Volumes {
  constructor(
    private readonly ctx: ComposerContext,
    private readonly ops: Operations,
  ) {}

  async create(kind: VolumeKind, body: unknown, { dryRun, adopt: adoptQuery }: CreateOptions, caller: Caller): Promise<CreateResult<Volume | Slice>> {
    const v = validate(kind, body, 'create');
    const adopt = adoptAsked(kind, body, adoptQuery);
    const owner = v.owner as string | undefined;
    const cluster = this.resolveCluster(v, caller);
    v.cluster = cluster.id;
    const { keyPolicyId } = this.refs(kind, v, cluster);
    const request = placementRequest(kind, v, cluster.networkTransportsAllowed);
    const name = v.name as string;
    if (dryRun) {
      const s = this.ctx.state;
      const engine = requireEngine(s);
      const existingId = idByName(s, kind, cluster.id, name);
      if (existingId) {
        const existing = table(s, kind).get(existingId) as StoredVolume;
        sameSpecOr409(s, kind, existing, v);
        ownerTakeover(kind, existing, name, owner, adopt);
        return { status: 200, body: { dryRun: true, placement: s.allocations.get(existingId)! } };
      }
      const planned = engine.plan(request);
      if (!planned.ok) throw problems.capacity(planned.failure.constraint, planned.failure.message);
      checkQuota(s, cluster, usageOf(kind, planned.placement), `this ${WHAT[kind]} (${heldGiB(planned.placement)} GiB placed for ${String(v.sizeGiB)} GiB asked)`);
      return { status: 200, body: { dryRun: true, placement: planned.placement } };
    }
    return this.ctx.writes.mutate(keys.name(kind, cluster.id, name), 'create', kind, async () => {
      const s = this.ctx.state;
      const existingId = idByName(s, kind, cluster.id, name);
      const acting = { caller, owner, cluster: cluster.id };
      if (existingId) {
        const existing = table(s, kind).get(existingId) as StoredVolume;
        const answer = sameSpecOr409(s, kind, existing, v) as Volume;
        if (!ownerTakeover(kind, existing, name, owner, adopt)) return { status: 200, body: answer };
        const adopted = await this.ops.start(objectAdopt, { kind, cur: existing, owner }, acting);
        return { status: 200, body: toWire(s, kind, adopted) as Volume };
      }
      const obj = await underQuota(this.ctx.locks, cluster, () => this.ops.start(volumeCreate, { kind, v, request, keyPolicyId }, acting));
      return { status: 201, body: toWire(s, kind, obj) as Volume };
    });
  }

  /** The cluster a body names, by id or name; one the caller may not see is answered as absent. */
  private resolveCluster(v: Body, caller: Caller): Cluster {
    const found = findCluster(this.ctx.state, v.cluster as string);
    const c = found && seesCluster(caller, found) ? found : undefined;
    if (!c) throw problems.field('cluster' satisfies VolumeAttribute, `cluster ${String(v.cluster)} does not exist`);
    return c;
  }

  /** State-dependent rules of a volume or slice; returns the effective key policy id. */
  private refs(kind: VolumeKind, v: Body, cluster: Cluster): { keyPolicyId?: string } {
    const failures: FieldFailure[] = VOLUME_KINDS[kind].singleExtent ? sliceRules(v) : volumeRules(v, { mountRoots: this.ctx.opts.mountRoots });
    if (typeof v.server === 'string' && !cluster.servers.includes(v.server))
      failures.push({ field: 'server' satisfies VolumeAttribute, reason: `server ${v.server} is not a member of cluster ${cluster.name} (members: ${cluster.servers.join(', ') || 'none'})` });
    const inv = this.ctx.state.inventory;
    const groups = new Set((inv?.storageGroups ?? []).map((g) => g.name));
    ((v.storageGroup as string[] | undefined) ?? []).forEach((g, i) => {
      if (inv && !groups.has(g)) failures.push({ field: `storageGroup[${i}]`, reason: `unknown storage group ${g}` });
    });
    let keyPolicyId: string | undefined;
    if (VOLUME_KINDS[kind].keyed && v.encrypt === true) {
      const ref = (v.keyPolicy as string | undefined) ?? cluster.keyPolicy;
      if (!ref) failures.push({ field: 'encrypt' satisfies VolumeAttribute, reason: `needs a key policy: set keyPolicy on the volume or a default keyPolicy on cluster ${cluster.name}` });
      else {
        const p = findPolicy(this.ctx.state, ref);
        if (!p) failures.push({ field: (v.keyPolicy ? 'keyPolicy' : 'encrypt') satisfies VolumeAttribute, reason: `key policy ${ref} does not exist` });
        else keyPolicyId = p.id;
      }
    }
    if (failures.length > 0) throw problems.validation(failures);
    return { keyPolicyId };
  }

  /** The object of a request, or undefined when absent or outside the caller's scope (the same to it). */
  private visible(kind: VolumeKind, id: string, caller: Caller): StoredVolume | undefined {
    const s = this.ctx.state;
    const cur = table(s, kind).get(id) as StoredVolume | undefined;
    if (!cur) return undefined;
    const cl = s.clusters.get(cur.cluster);
    return !caller.scope || (cl && seesCluster(caller, cl)) ? cur : undefined;
  }

  async update(kind: VolumeKind, id: string, body: unknown, caller: Caller): Promise<Volume | Slice> {
    const patch = validate(kind, body, 'update');
    // nullFields and diffInputs name attributes of RESOURCE_TYPE[kind]: a slice's are a subset of a volume's.
    const unset = nullFields(kind, body) as VolumeAttribute[];
    return this.ctx.writes.mutate(keys.object(kind, id), 'update', kind, async () => {
      const s = this.ctx.state;
      const cur = this.visible(kind, id, caller);
      if (!cur) throw problems.notFound(WHAT[kind], id);
      if (cur.state === 'retained' || cur.state === 'deleting') throw new HttpProblem(409, PROBLEM.retained, `${WHAT[kind]} ${id} is ${cur.state}; only purge applies`);
      if (cur.moving)
        throw new HttpProblem(409, PROBLEM.moveInProgress, `${WHAT[kind]} ${id} is moving from ${cur.moving.from} to ${cur.server}: retry once the old server has unstaged it`, undefined, {
          retryAfterSeconds: 2,
        });
      if (patch.cluster !== undefined && findCluster(s, patch.cluster as string)?.id === cur.cluster) patch.cluster = cur.cluster;
      const next = applyPatch(cur as unknown as Body, patch, unset);
      const olds = inputsOf(kind, cur as unknown as Body);
      const news = inputsOf(kind, next);
      const diff = diffInputs(RESOURCE_TYPE[kind], olds, news);
      if (diff.replaces.length > 0) throw problems.replaceRequired(diff.replaces);
      if (diff.shrinks.length > 0) throw problems.shrinkRefused('sizeGiB' satisfies VolumeAttribute, olds.sizeGiB as number, news.sizeGiB as number);
      if (diff.changed.length === 0) return toWire(s, kind, cur) as Volume;
      const cluster = s.clusters.get(cur.cluster);
      if (!cluster) throw problems.field('cluster' satisfies VolumeAttribute, `cluster ${cur.cluster} no longer exists`);
      const withDefaults = { ...news };
      for (const [k, val] of Object.entries(validateInput(RESOURCE_TYPE[kind], news, { mode: 'create' }).value)) if (withDefaults[k] === undefined) withDefaults[k] = val;
      const { keyPolicyId } = this.refs(kind, withDefaults, cluster);
      const params = { kind, cur, olds, news, changed: diff.changed as VolumeAttribute[], unset, keyPolicyId };
      const updated = await underQuota(this.ctx.locks, cluster, () => this.ops.start(volumeUpdate, params, { caller, owner: cur.owner, cluster: cur.cluster }));
      return toWire(this.ctx.state, kind, updated) as Volume;
    });
  }

  async delete(kind: VolumeKind, id: string, owner: string | undefined, caller: Caller): Promise<void> {
    await this.ctx.writes.mutate(keys.object(kind, id), 'delete', kind, async () => {
      const cur = this.visible(kind, id, caller);
      if (!cur || cur.state === 'retained' || cur.state === 'deleting') return;
      requireOwner(kind, cur, owner, caller);
      await this.ops.start(volumeDelete, { kind, cur }, { caller, owner, cluster: cur.cluster });
    });
  }

  async purge(id: string, owner: string | undefined, caller: Caller): Promise<void> {
    await this.ctx.writes.mutate(keys.object('volumes', id), 'purge', 'volumes', async () => {
      const cur = this.visible('volumes', id, caller);
      if (!cur) return;
      if (cur.state !== 'retained') throw new HttpProblem(409, PROBLEM.notRetained, `volume ${id} is ${cur.state}, not retained: delete it first (purge only frees retained volumes)`);
      requireOwner('volumes', cur, owner, caller, 'purge');
      await this.ops.start(volumePurge, { cur }, { caller, owner, cluster: cur.cluster });
    });
  }
}

/** The placement request of a volume or slice: its placement inputs, the cluster's transports when it allows any (also for a replacement member). */
export function placementRequest(kind: VolumeKind, v: Body, clusterTransports: Transport[]): PlacementRequest {
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
  if (VOLUME_KINDS[kind].singleExtent) return { ...common, type: 'slice', striping: false, redundancy: false, raidMaxDrives: 2, sgResiliency: false, jbodResiliency: false };
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
