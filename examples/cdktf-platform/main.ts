// The Kafka platform of examples/hcl-platform as a CDKTF app (cdktf 0.21, or its fork cdktn:
// see docs/terraform.md). `cdktf synth` (or `npx tsx main.ts`) writes
// cdktf.out/stacks/kafka-platform/cdk.tf.json; `tofu apply` there, or `cdktf deploy`.
//
// Environment: TESSERA_ENDPOINT / TESSERA_TOKEN (read by the provider), KAFKA_SECRET (the key
// policy's secret, passed as a sensitive variable), TESSERA_ATTACH=false to compose without
// staging on the brokers, CACHE_SIZE_GIB / CACHE_TYPE to resize or retype the cache tier.
import { App, TerraformOutput, TerraformStack, TerraformVariable } from 'cdktf';
import type { Construct } from 'constructs';
import { keyPolicy, provider, ScaleOut, volume } from '../../sdk/cdktf';

export interface PlatformOptions {
  brokers: string[];
  attach: boolean;
  cacheType: string;
  cacheSizeGiB: number;
}

export class KafkaPlatform extends TerraformStack {
  constructor(scope: Construct, id: string, opts: PlatformOptions) {
    super(scope, id);
    new provider.TesseraProvider(this, 'tessera', {});
    const secret = new TerraformVariable(this, 'kafka_secret', { type: 'string', sensitive: true, description: 'Customer secret for the kafka key policy' });
    const keys = new keyPolicy.KeyPolicy(this, 'kafka-keys', { name: 'kafka-keys', secret: secret.stringValue });

    // The cluster and one RAID1 ssd log volume per broker: mirrored across storage groups and
    // enclosures, encrypted under the key policy.
    const logs = new ScaleOut(this, 'kafka', {
      name: 'kafka',
      servers: opts.brokers,
      volumesPerServer: 1,
      keyPolicy: keys.id,
      stage: opts.attach,
      mountPathPrefix: '/var/lib/kafka/data',
      volume: {
        type: 'ssd',
        sizeGib: 1000,
        redundancy: true,
        sgResiliency: true,
        jbodResiliency: true,
        encrypt: true,
        keyPolicy: keys.id,
        requiredTags: ['nvme'],
        fsType: 'xfs',
      },
    });

    // The cache tier: one SSD slice volume per broker, grown in place when needed.
    const caches = opts.brokers.map(
      (b) =>
        new volume.Volume(this, `cache-${b}`, {
          cluster: logs.cluster.id,
          name: `cache-${b}`,
          type: opts.cacheType,
          sizeGib: opts.cacheSizeGiB,
          server: opts.attach ? b : undefined,
          mountPath: opts.attach ? '/var/lib/kafka/cache' : undefined,
        }),
    );

    new TerraformOutput(this, 'log_volume_ids', { value: logs.volumes.map((row) => row[0].id) });
    new TerraformOutput(this, 'cache_volume_ids', { value: caches.map((c) => c.id) });
  }
}

export function platformOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): PlatformOptions {
  const size = Number(env.CACHE_SIZE_GIB ?? '100');
  if (!Number.isInteger(size) || size < 1) throw new Error(`CACHE_SIZE_GIB: must be a positive integer, got ${JSON.stringify(env.CACHE_SIZE_GIB)}`);
  return {
    brokers: (env.KAFKA_BROKERS ?? 'k1,k2,k3').split(',').map((s) => s.trim()).filter(Boolean),
    attach: env.TESSERA_ATTACH !== 'false',
    cacheType: env.CACHE_TYPE ?? 'slice',
    cacheSizeGiB: size,
  };
}

if (require.main === module) {
  const app = new App();
  new KafkaPlatform(app, 'kafka-platform', platformOptionsFromEnv());
  app.synth();
}
