// Tessera for CDKTF: the generated bindings (sdk/cdktf/.gen, from schema.json by `npm run gen`)
// and ScaleOutCluster, the scale-out pattern as one construct — the twin of the Pulumi
// component (sdk/pulumi/scaleout.ts): a cluster of N servers, each with the same M volumes (and
// optional slices), named `<server>-<template>` inside the cluster.
import type { ITerraformDependable, TerraformProvider } from 'cdktf';
import { Construct } from 'constructs';
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

const NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

function checkNames(field: string, names: string[]): void {
  const seen = new Set<string>();
  names.forEach((n, i) => {
    if (!NAME.test(n)) throw new Error(`ScaleOutCluster: ${field}[${i}]: ${JSON.stringify(n)} must match ${NAME.source}`);
    if (seen.has(n)) throw new Error(`ScaleOutCluster: ${field}[${i}]: duplicate name ${JSON.stringify(n)}`);
    seen.add(n);
  });
}

export class ScaleOutCluster extends Construct {
  readonly cluster: Cluster;
  /** Volumes by server, in template order. */
  readonly volumes: Record<string, Volume[]>;
  /** Slices by server, in template order. */
  readonly slices: Record<string, Slice[]>;

  constructor(scope: Construct, id: string, props: ScaleOutClusterProps) {
    super(scope, id);
    if (props.servers.length === 0) throw new Error('ScaleOutCluster: servers: needs at least one server');
    const clusterName = props.clusterName ?? id;
    if (!NAME.test(clusterName)) throw new Error(`ScaleOutCluster: clusterName: ${JSON.stringify(clusterName)} must match ${NAME.source}`);
    checkNames('servers', props.servers);
    checkNames('volumes', props.volumes.map((v) => v.name));
    checkNames('slices', (props.slices ?? []).map((s) => s.name));
    const stage = props.stage ?? true;
    const meta = { provider: props.provider, dependsOn: props.dependsOn };
    this.cluster = new Cluster(this, 'cluster', {
      name: clusterName,
      servers: props.servers,
      keyPolicy: props.keyPolicy,
      networkTransportsAllowed: props.networkTransportsAllowed,
      ...meta,
    });
    this.volumes = {};
    this.slices = {};
    for (const server of props.servers) {
      this.volumes[server] = props.volumes.map(({ name: tpl, mountPath, ...spec }) => {
        const keyPolicy = spec.encrypt ? (spec.keyPolicy ?? props.keyPolicy) : spec.keyPolicy;
        return new Volume(this, `${server}-${tpl}`, {
          ...spec,
          keyPolicy,
          cluster: this.cluster.id,
          name: `${server}-${tpl}`,
          server: stage ? server : undefined,
          mountPath: stage ? mountPath : undefined,
          ...meta,
        });
      });
      this.slices[server] = (props.slices ?? []).map(
        ({ name: tpl, ...spec }) =>
          new Slice(this, `${server}-slice-${tpl}`, { ...spec, cluster: this.cluster.id, name: `${server}-${tpl}`, server: stage ? server : undefined, ...meta }),
      );
    }
  }

}
