// Clusters: a create, update or delete request checked against the state (servers in the
// inventory, the default key policy, volumes still on a server or in the cluster), the caller's
// scope and role (only provisioners, admins and unscoped operators create and delete clusters;
// ../callers.ts) and the owner, and started as its operation type (../operations/cluster-*.ts).
import type { Cluster } from '../../api/contract';
import { type ClusterAttribute, diffInputs, type FieldFailure, KINDS } from '../../schema';
import type { ComposerContext } from '../context';
import { RESOURCE_TYPE, WHAT } from '../kinds';
import { keys } from '../layout';
import { findPolicy, idByName } from '../lookups';
import { type Caller, inScope, isAdmin, mayProvision, seesCluster } from '../callers';
import { QUOTA_ATTRIBUTES } from '../quotas';
import { clusterCreate, clusterDelete, clusterUpdate, objectAdopt, type Operations } from '../operations';
import { problems } from '../problem';
import { adoptAsked, applyPatch, type Body, type CreateOptions, type CreateResult, inputsOf, now, nullFields, ownerTakeover, requireOwner, same, sameSpecOr409, validate } from './common';

export class Clusters {
  constructor(
    private readonly ctx: ComposerContext,
    private readonly ops: Operations,
  ) {}

  async create(body: unknown, { dryRun, adopt: adoptQuery }: CreateOptions, caller: Caller): Promise<CreateResult<Cluster>> {
    const v = validate('clusters', body, 'create');
    const adopt = adoptAsked('clusters', body, adoptQuery);
    const name = v.name as string;
    const owner = v.owner as string | undefined;
    this.requireProvision(caller, 'create');
    this.requireMaySet(caller, Object.keys(v).filter((k) => v[k] !== undefined && !same(v[k], [])));
    if (!inScope(caller, name, v.labels as string[] | undefined))
      throw problems.forbidden(`${caller.token} (role ${caller.role}) may only create clusters inside its scope (${scopeWords(caller)}), not ${name}`);
    const failures = this.refs(v);
    if (failures.length > 0) throw problems.validation(failures);
    const run = async (): Promise<CreateResult<Cluster>> => {
      const s = this.ctx.state;
      const existingId = idByName(s, 'clusters', undefined, name);
      if (existingId) {
        const existing = s.clusters.get(existingId)!;
        // A name in scope held by a cluster the caller may not see (its labels differ): answered like a name outside the scope.
        if (!seesCluster(caller, existing)) throw problems.forbidden(`${caller.token} (role ${caller.role}) may only create clusters inside its scope (${scopeWords(caller)}), not ${name}`);
        const answer = sameSpecOr409(s, 'clusters', existing, v) as Cluster;
        if (!ownerTakeover('clusters', existing, name, owner, adopt) || dryRun) return { status: 200, body: answer };
        return { status: 200, body: (await this.ops.start(objectAdopt, { kind: 'clusters', cur: existing, owner }, { caller, owner })) as Cluster };
      }
      if (dryRun) return { status: 200, body: { dryRun: true } };
      return { status: 201, body: await this.ops.start(clusterCreate, { v }, { caller, owner }) };
    };
    if (dryRun) return run();
    return this.ctx.writes.mutate(keys.name('clusters', undefined, name), 'create', 'clusters', run);
  }

  /** Servers must be in the inventory, the default key policy must exist. */
  private refs(v: Body): FieldFailure[] {
    const s = this.ctx.state;
    const out: FieldFailure[] = [];
    const servers = (v.servers as string[] | undefined) ?? [];
    const known = new Set((s.inventory?.servers ?? []).map((x) => x.name));
    servers.forEach((name, i) => {
      if (!known.has(name)) out.push({ field: `servers[${i}]`, reason: s.inventory ? `unknown server ${name} (not in the inventory)` : `unknown server ${name} (no inventory is loaded)` });
    });
    if (typeof v.keyPolicy === 'string' && !findPolicy(s, v.keyPolicy)) out.push({ field: 'keyPolicy' satisfies ClusterAttribute, reason: `key policy ${v.keyPolicy} does not exist` });
    return out;
  }

  /**
   * Quotas are set by admin tokens only (else a team would raise its own); labels by unscoped
   * tokens only (a label decides which scoped tokens see the cluster).
   */
  private requireMaySet(caller: Caller, fields: string[]): void {
    const quotas = fields.filter((f) => (QUOTA_ATTRIBUTES as readonly string[]).includes(f));
    if (quotas.length > 0 && !isAdmin(caller)) throw problems.forbidden(`${caller.token} (role ${caller.role}) cannot set ${quotas.join(', ')}: quotas are set by admin tokens only`);
    if (caller.scope && fields.includes('labels' satisfies ClusterAttribute)) throw problems.forbidden(`${caller.token} (role ${caller.role}, scoped) cannot set labels: they decide which scoped tokens see the cluster`);
  }

  /** Creating and deleting clusters is the provisioner's (or an admin's, or an unscoped operator's). */
  private requireProvision(caller: Caller, action: string): void {
    if (!mayProvision(caller))
      throw problems.forbidden(`${caller.token} (role ${caller.role}${caller.scope ? ', scoped' : ''}) cannot ${action} clusters: that needs a provisioner token (or an admin's)`);
  }

  async update(id: string, body: unknown, caller: Caller): Promise<Cluster> {
    const patch = validate('clusters', body, 'update');
    const unset = nullFields('clusters', body);
    return this.ctx.writes.mutate(keys.object('clusters', id), 'update', 'clusters', async () => {
      const s = this.ctx.state;
      const cur = s.clusters.get(id);
      if (!cur || !seesCluster(caller, cur)) throw problems.notFound(WHAT.clusters, id);
      const next = applyPatch(cur as unknown as Body, patch, unset);
      const diff = diffInputs(RESOURCE_TYPE.clusters, inputsOf('clusters', cur as unknown as Body), inputsOf('clusters', next));
      if (diff.replaces.length > 0) throw problems.replaceRequired(diff.replaces);
      this.requireMaySet(caller, diff.changed);
      const failures = this.refs(next);
      if (failures.length > 0) throw problems.validation(failures);
      // Servers still holding this cluster's volumes cannot leave it.
      const remaining = new Set(next.servers as string[]);
      const stranded = [...s.volumes.values(), ...s.slices.values()].filter((v) => v.cluster === id && v.server && !remaining.has(v.server));
      if (stranded.length > 0)
        throw problems.inUse(
          `servers still hold volumes of this cluster: ${stranded.map((v) => `${v.name} on ${v.server}`).join(', ')}`,
          stranded.map((v) => ({ field: 'servers' satisfies ClusterAttribute, reason: `${v.id} (${v.name}) is attached to ${v.server}` })),
        );
      if (diff.changed.length === 0) return cur;
      return this.ops.start(clusterUpdate, { updated: { ...(next as unknown as Cluster), updatedAt: now() }, changed: diff.changed }, { caller, owner: cur.owner });
    });
  }

  async delete(id: string, owner: string | undefined, caller: Caller): Promise<void> {
    await this.ctx.writes.mutate(keys.object('clusters', id), 'delete', 'clusters', async () => {
      const s = this.ctx.state;
      const cur = s.clusters.get(id);
      // A cluster the caller may not see is absent to it: the answer of a delete of an absent object.
      if (!cur || !seesCluster(caller, cur)) return;
      this.requireProvision(caller, 'delete');
      requireOwner('clusters', cur, owner, caller);
      const members = [...s.volumes.values(), ...s.slices.values()].filter((v) => v.cluster === id);
      if (members.length > 0)
        throw problems.inUse(
          `cluster ${cur.name} still has ${members.length} volume(s)/slice(s): ${members.map((v) => v.id).join(', ')}`,
          members.map((v) => ({ field: KINDS[RESOURCE_TYPE.clusters].id, reason: `used by ${v.id} (${v.name})` })),
        );
      await this.ops.start(clusterDelete, { cluster: cur }, { caller, owner });
    });
  }
}

/** A scope in words, for refusals: the names and labels it allows. */
function scopeWords(c: Caller): string {
  const sc = c.scope!;
  return [sc.clusters.length ? `clusters ${sc.clusters.join(', ')}` : '', sc.clusterLabels.length ? `labels ${sc.clusterLabels.join(', ')}` : ''].filter(Boolean).join('; ');
}
