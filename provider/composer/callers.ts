// Who is asking, as the service sees it: the token's id (its name, never its secret), its role
// and cluster scope, and the request id. The one place that says what a scope lets a caller see
// (a cluster named in it or carrying one of its labels, and everything in such a cluster) and
// what a journal entry records about the caller (docs/api.md "Tokens and roles", "Audit").
import type { Cluster, OperationAudit } from '../api/contract';
import type { Principal, Role, Scope } from './auth';
import type { ComposerState } from './state';

export interface Caller {
  /** The token's id (its name in the tokens file), or `system` for the composer itself. */
  token: string;
  role: Role | 'system';
  /** Absent: every cluster. */
  scope?: Scope;
  /** The request this call serves (the `x-request-id` answered). */
  requestId?: string;
}

/** The composer acting on its own (the CLI's local commands, tests driving the service directly). */
export const SYSTEM: Caller = { token: 'system', role: 'system' };

export function callerOf(p: Principal, requestId: string): Caller {
  return { token: p.name, role: p.role, scope: p.scope, requestId };
}

/** Admin (and the composer itself): sees every cluster and may act for any owner. */
export function isAdmin(c: Caller): boolean {
  return c.role === 'admin' || c.role === 'system';
}

/** May this caller create and delete clusters (within its scope)? Scoped operators may not: that is the provisioner's role. */
export function mayProvision(c: Caller): boolean {
  return isAdmin(c) || c.role === 'provisioner' || (c.role === 'operator' && !c.scope);
}

/** Is a cluster of this name and these labels inside the caller's scope? */
export function inScope(c: Caller, name: string, labels: readonly string[] | undefined): boolean {
  if (!c.scope) return true;
  return c.scope.clusters.includes(name) || (labels ?? []).some((l) => c.scope!.clusterLabels.includes(l));
}

export function seesCluster(c: Caller, cluster: Pick<Cluster, 'name'> & { labels?: string[] }): boolean {
  return inScope(c, cluster.name, cluster.labels);
}

/** Does the caller see an object of the state: a cluster in scope, or a volume or slice of one. */
export function seesObject(s: ComposerState, c: Caller, kind: string, obj: unknown): boolean {
  if (!c.scope) return true;
  if (kind === 'clusters') return seesCluster(c, obj as Cluster);
  const cluster = (obj as { cluster?: string }).cluster;
  if (cluster === undefined) return true; // key policies: pool-wide (docs/api.md "Tokens and roles")
  const cl = s.clusters.get(cluster);
  return !!cl && seesCluster(c, cl);
}

/** The caller as a journal entry records it (never a secret): token id, role, scope, the owner acted for, the request. */
export function auditOf(c: Caller, owner: string | undefined): OperationAudit {
  const out: OperationAudit = { token: c.token, role: c.role };
  if (c.scope) out.scope = { clusters: c.scope.clusters, clusterLabels: c.scope.clusterLabels };
  if (owner !== undefined) out.owner = owner;
  if (c.requestId !== undefined) out.requestId = c.requestId;
  return out;
}
