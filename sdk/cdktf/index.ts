// Tessera for CDKTF: the generated bindings (sdk/cdktf/.gen, from schema.json by `npm run gen`)
// and ScaleOut, the construct for the scale-out pattern (the twin of the Pulumi component):
// one cluster, N servers, M volumes per server, each volume staged on its server.
import { TerraformProvider } from 'cdktf';
import { Construct } from 'constructs';
import { Cluster } from './.gen/providers/tessera/cluster';
import { Volume, type VolumeConfig } from './.gen/providers/tessera/volume';

export * from './.gen/providers/tessera';

/** Volume options shared by every volume of the pattern (cluster, name, server are set per volume). */
export type ScaleOutVolumeOptions = Omit<VolumeConfig, 'cluster' | 'name' | 'server' | 'mountPath' | 'provider' | 'dependsOn' | 'count' | 'forEach' | 'lifecycle' | 'connection' | 'provisioners'>;

export interface ScaleOutProps {
  /** Cluster name; volume names are `<name>-<server>-<index>`. */
  name: string;
  /** Inventory servers that run the application (the cluster's members). */
  servers: string[];
  /** Volumes per server (M). */
  volumesPerServer: number;
  volume: ScaleOutVolumeOptions;
  /** Volume i is mounted at `<mountPathPrefix>/<i>`; omit to stage without a mount path. */
  mountPathPrefix?: string;
  /** Stage each volume on its server (default true; false composes only, no agent needed). */
  stage?: boolean;
  /** Default key policy id for the cluster's encrypted volumes. */
  keyPolicy?: string;
  networkTransportsAllowed?: string[];
  provider?: TerraformProvider;
}

const NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export class ScaleOut extends Construct {
  readonly cluster: Cluster;
  /** volumes[s][i]: volume i of server s, in the order of `servers`. */
  readonly volumes: Volume[][];

  constructor(scope: Construct, id: string, props: ScaleOutProps) {
    super(scope, id);
    if (!NAME.test(props.name)) throw new Error(`name: must match ${NAME.source}, got ${JSON.stringify(props.name)}`);
    if (props.servers.length === 0) throw new Error('servers: must name at least one server');
    if (!Number.isInteger(props.volumesPerServer) || props.volumesPerServer < 1)
      throw new Error(`volumesPerServer: must be a positive integer, got ${props.volumesPerServer}`);
    if (props.mountPathPrefix !== undefined && !props.mountPathPrefix.startsWith('/'))
      throw new Error(`mountPathPrefix: must be an absolute path, got ${JSON.stringify(props.mountPathPrefix)}`);
    this.cluster = new Cluster(this, 'cluster', {
      name: props.name,
      servers: props.servers,
      keyPolicy: props.keyPolicy,
      networkTransportsAllowed: props.networkTransportsAllowed,
      provider: props.provider,
    });
    const stage = props.stage ?? true;
    this.volumes = props.servers.map((server) =>
      Array.from({ length: props.volumesPerServer }, (_, i) => {
        const name = `${props.name}-${server}-${i}`;
        if (!NAME.test(name)) throw new Error(`servers: volume name ${JSON.stringify(name)} derived from server ${JSON.stringify(server)} is not a valid name`);
        return new Volume(this, `${server}-${i}`, {
          ...props.volume,
          cluster: this.cluster.id,
          name,
          server: stage ? server : undefined,
          mountPath: stage && props.mountPathPrefix ? `${props.mountPathPrefix}/${i}` : undefined,
          provider: props.provider,
        });
      }),
    );
  }
}
