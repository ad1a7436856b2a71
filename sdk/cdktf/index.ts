// Tessera for CDKTF: the generated bindings (sdk/cdktf/.gen, from schema.json by `npm run gen`)
// and ScaleOutCluster, the scale-out pattern as one construct — the twin of the Pulumi
// component (sdk/pulumi/scaleout.ts): a cluster of N servers, each with the same M volumes (and
// optional slices), named `<server>-<template>` inside the cluster. Both lay out with the same
// expand() (sdk/common/scaleout.ts).
import type { ITerraformDependable, TerraformProvider } from 'cdktf';
import { Construct } from 'constructs';
import { expand } from '../common/scaleout';
import { Cluster } from './.gen/providers/tessera/cluster';
import { Slice, type SliceConfig } from './.gen/providers/tessera/slice';
import { Volume, type VolumeConfig } from './.gen/providers/tessera/volume';

export * from './.gen/providers/tessera';

type MetaArguments = 'provider' | 'dependsOn' | 'count' | 'forEach' | 'lifecycle' | 'connection' | 'provisioners';

/** One volume every server gets. `name` becomes `<server>-<name>`. */
export interface VolumeTemplate extends Omit<VolumeConfig, 'cluster' | 'name' | 'server' | MetaArguments> {
  name: string;
}

/** One slice every server gets. `name` becomes `<server>-<name>`. */
export interface SliceTemplate extends Omit<SliceConfig, 'cluster' | 'name' | 'server' | MetaArguments> {
  name: string;
}

export interface ScaleOutClusterProps {
  /** Cluster name (default: the construct id). */
  clusterName?: string;
  /** The member servers, by inventory name: one set of volumes each. */
  servers: string[];
  /** Key policy id for the encrypted volumes (also the cluster's default). */
  keyPolicy?: string;
  networkTransportsAllowed?: string[];
  volumes: VolumeTemplate[];
  slices?: SliceTemplate[];
  /** Stage each volume and slice on its server (default true). false composes only: no server, no mount path. */
  stage?: boolean;
  provider?: TerraformProvider;
  dependsOn?: ITerraformDependable[];
}

export class ScaleOutCluster extends Construct {
  readonly cluster: Cluster;
  /** Volumes by server, in template order. */
  readonly volumes: Record<string, Volume[]>;
  /** Slices by server, in template order. */
  readonly slices: Record<string, Slice[]>;

  constructor(scope: Construct, id: string, props: ScaleOutClusterProps) {
    super(scope, id);
    const layout = expand(props, id);
    const meta = { provider: props.provider, dependsOn: props.dependsOn };
    this.cluster = new Cluster(this, 'cluster', { ...layout.cluster, ...meta });
    this.volumes = Object.fromEntries(props.servers.map((s) => [s, []]));
    this.slices = Object.fromEntries(props.servers.map((s) => [s, []]));
    for (const v of layout.volumes) this.volumes[v.server].push(new Volume(this, `${v.server}-${v.template}`, { ...v.args, cluster: this.cluster.id, ...meta }));
    for (const sl of layout.slices) this.slices[sl.server].push(new Slice(this, `${sl.server}-slice-${sl.template}`, { ...sl.args, cluster: this.cluster.id, ...meta }));
  }
}
