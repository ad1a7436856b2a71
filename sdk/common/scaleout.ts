// The scale-out pattern as data, shared by the Pulumi component (sdk/pulumi/scaleout.ts) and the
// CDKTF construct (sdk/cdktf/index.ts): a cluster of N servers, each with the same M volumes (and
// optional slices), named `<server>-<template>` inside the cluster (docs/pulumi.md,
// docs/terraform.md). expand() checks the names and says what to create; each SDK only turns
// the rows into its own resources. Pure: no SDK, no I/O.

/** The component's type token, in the TypeScript SDK and the native provider's package schema. */
export const SCALE_OUT_TYPE = 'tessera:index:ScaleOutCluster';

export const SCALE_OUT_DESCRIPTION =
  'A cluster of N servers, each with the same volumes (and slices) named `<server>-<template>` inside the cluster (docs/pulumi.md "ScaleOutCluster").';

/** Attributes of a volume or slice that the layout sets per server: a template has none of them (its `name` is the template's). */
export const PER_SERVER = ['cluster', 'name', 'server'] as const;

/** Names of clusters, servers and templates: what the composer accepts in an object name. */
export const NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** What a template needs for expand(); the rest of it is passed through untouched. */
export interface Template {
  name: string;
  encrypt?: unknown;
  keyPolicy?: unknown;
  mountPath?: unknown;
}

export interface ScaleOutProps<V extends Template, S extends Template, K, N, C = string> {
  /** Cluster name (default: the component's name or construct id). A non-string (an SDK's value known later) is passed through unchecked. */
  clusterName?: C;
  /** The member servers, by inventory name: one set of volumes each. */
  servers: string[];
  /** Key policy id for the encrypted volumes (also the cluster's default). */
  keyPolicy?: K;
  networkTransportsAllowed?: N;
  volumes: V[];
  slices?: S[];
  /** Stage each volume and slice on its server (default true). false composes only: no server, no mount path. */
  stage?: boolean;
}

/** One volume or slice to create: its server, its template, and its attributes (without `cluster`). */
export interface Row<A> {
  server: string;
  template: string;
  args: A;
}

export type VolumeRow<V extends Template, K> = Row<Omit<V, 'name' | 'mountPath' | 'keyPolicy'> & { name: string; server?: string; mountPath?: V['mountPath']; keyPolicy?: V['keyPolicy'] | K }>;
export type SliceRow<S extends Template> = Row<Omit<S, 'name'> & { name: string; server?: string }>;

export interface Expansion<V extends Template, S extends Template, K, N, C = string> {
  cluster: { name: C | string; servers: string[]; keyPolicy?: K; networkTransportsAllowed?: N };
  /** Server by server, templates in order. */
  volumes: VolumeRow<V, K>[];
  slices: SliceRow<S>[];
}

/** Throws `ScaleOutCluster: <field>: <reason>` for a bad or duplicate name in `names`. */
function checkNames(field: (i: number) => string, names: string[], what: string): void {
  const seen = new Set<string>();
  names.forEach((n, i) => {
    if (!NAME.test(n)) throw new Error(`ScaleOutCluster: ${field(i)}: ${JSON.stringify(n)} must match ${NAME.source}`);
    if (seen.has(n)) throw new Error(`ScaleOutCluster: ${field(i)}: duplicate ${what} ${JSON.stringify(n)}`);
    seen.add(n);
  });
}

/**
 * The cluster, volumes and slices of a scale-out layout, or an Error naming the field. Encrypted
 * volume templates without their own key policy get the cluster's; unencrypted ones get none
 * (the composer refuses a key policy without encrypt).
 */
export function expand<V extends Template, S extends Template, K, N, C = string>(props: ScaleOutProps<V, S, K, N, C>, defaultName: string): Expansion<V, S, K, N, C> {
  if (props.servers.length === 0) throw new Error('ScaleOutCluster: servers: needs at least one server');
  const clusterName: C | string = props.clusterName ?? defaultName;
  if (typeof clusterName === 'string' && !NAME.test(clusterName)) throw new Error(`ScaleOutCluster: clusterName: ${JSON.stringify(clusterName)} must match ${NAME.source}`);
  checkNames((i) => `servers[${i}]`, props.servers, 'name');
  checkNames((i) => `volumes[${i}].name`, props.volumes.map((v) => v.name), 'template name');
  checkNames((i) => `slices[${i}].name`, (props.slices ?? []).map((s) => s.name), 'template name');
  const stage = props.stage ?? true;
  const out: Expansion<V, S, K, N, C> = {
    cluster: { name: clusterName, servers: props.servers, keyPolicy: props.keyPolicy, networkTransportsAllowed: props.networkTransportsAllowed },
    volumes: [],
    slices: [],
  };
  for (const server of props.servers) {
    for (const { name: template, mountPath, keyPolicy, ...spec } of props.volumes) {
      const args = { ...spec, keyPolicy: spec.encrypt ? (keyPolicy ?? props.keyPolicy) : keyPolicy, name: `${server}-${template}`, server: stage ? server : undefined, mountPath: stage ? mountPath : undefined };
      out.volumes.push({ server, template, args });
    }
    for (const { name: template, ...spec } of props.slices ?? []) {
      out.slices.push({ server, template, args: { ...spec, name: `${server}-${template}`, server: stage ? server : undefined } });
    }
  }
  return out;
}
