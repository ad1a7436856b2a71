// The scale-out pattern as one component: a cluster of N servers, each with the same M volumes
// (and optional slices) mounted at the same paths, the way Kafka brokers or Cassandra nodes are
// laid out. Per-server names are `<server>-<template>` inside the cluster; the layout itself is
// sdk/common/scaleout.ts's expand(), shared with the CDKTF construct.
import * as pulumi from '@pulumi/pulumi';
import { expand, PER_SERVER, SCALE_OUT_TYPE } from '../common/scaleout';
import { Cluster, Slice, Volume } from './resources.generated';
import type { SliceArgs, VolumeArgs, VolumeMember } from './types.generated';

export { SCALE_OUT_TYPE };

/** One volume every server gets. `name` becomes `<server>-<name>`. */
export interface VolumeTemplate extends Omit<VolumeArgs, (typeof PER_SERVER)[number]> {
  name: string;
}

/** One slice every server gets. `name` becomes `<server>-<name>`. */
export interface SliceTemplate extends Omit<SliceArgs, (typeof PER_SERVER)[number]> {
  name: string;
}

export interface ScaleOutClusterArgs {
  /** Cluster name (default: the component's name). */
  clusterName?: pulumi.Input<string>;
  /** The member servers, by inventory name: one set of volumes each. */
  servers: string[];
  /** Key policy id for the encrypted volumes (also the cluster's default). */
  keyPolicy?: pulumi.Input<string>;
  networkTransportsAllowed?: VolumeArgs['networkTransportsAllowed'];
  volumes: VolumeTemplate[];
  slices?: SliceTemplate[];
  /** Stage each volume and slice on its server (default true). false composes only: no server, no mount path. */
  stage?: boolean;
}

/** One row of the composition: where a volume or slice lives and what it is made of. */
export interface CompositionRow {
  kind: 'volume' | 'slice';
  name: string;
  server?: string;
  mountPath?: string;
  devicePath?: string;
  raidLevel: string;
  transport: string;
  capacityGiB: number;
  state: string;
  members: VolumeMember[];
}

export class ScaleOutCluster extends pulumi.ComponentResource {
  readonly cluster: Cluster;
  /** Volumes by server, in template order. */
  readonly volumes: Record<string, Volume[]>;
  /** Slices by server, in template order. */
  readonly slices: Record<string, Slice[]>;
  /** Every volume and slice with its members, RAID level, transport and mount. */
  readonly composition: pulumi.Output<CompositionRow[]>;

  constructor(name: string, args: ScaleOutClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super(SCALE_OUT_TYPE, name, {}, opts);
    const layout = expand(args, name);
    const parent = { parent: this };
    this.cluster = new Cluster(name, layout.cluster, parent);
    this.volumes = Object.fromEntries(args.servers.map((s) => [s, []]));
    this.slices = Object.fromEntries(args.servers.map((s) => [s, []]));
    for (const v of layout.volumes) this.volumes[v.server].push(new Volume(`${name}-${v.server}-${v.template}`, { ...v.args, cluster: this.cluster.id }, parent));
    for (const sl of layout.slices) this.slices[sl.server].push(new Slice(`${name}-${sl.server}-${sl.template}`, { ...sl.args, cluster: this.cluster.id }, parent));
    const rows: pulumi.Output<CompositionRow>[] = [];
    for (const server of args.servers) {
      for (const v of this.volumes[server]) {
        const row = pulumi.all({ name: v.name, server: v.server, mountPath: v.mountPath, devicePath: v.devicePath, raidLevel: v.raidLevel, transport: v.transport, capacityGiB: v.capacityGiB, state: v.state, members: v.members } as Record<string, pulumi.Input<unknown>>);
        rows.push(row.apply((r) => ({ kind: 'volume', ...r }) as CompositionRow));
      }
      for (const sl of this.slices[server]) {
        const row = pulumi.all({ name: sl.name, server: sl.server, devicePath: sl.devicePath, transport: sl.transport, capacityGiB: sl.capacityGiB, state: sl.state, members: sl.members } as Record<string, pulumi.Input<unknown>>);
        rows.push(row.apply((r) => ({ kind: 'slice', raidLevel: 'none', ...r }) as CompositionRow));
      }
    }
    this.composition = pulumi.all(rows);
    this.registerOutputs({ clusterId: this.cluster.id, composition: this.composition });
  }
}
