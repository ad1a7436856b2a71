// The Kafka platform of examples/hcl-platform as a CDKTF app (cdktf 0.21, or its fork cdktn:
// see docs/terraform.md). `cdktf synth` (or `npx tsx main.ts`, which is what synth runs) writes
// cdktf.out/stacks/kafka-platform/cdk.tf.json; `tofu init -plugin-dir=<mirror>` and
// `tofu apply` there, or `cdktf deploy kafka-platform --auto-approve --skip-provider-lock` with
// TERRAFORM_BINARY_NAME=tofu (docs/terraform.md "cdktf deploy against Tessera").
//
// Environment: TESSERA_ENDPOINT / TESSERA_TOKEN (read by the provider), TF_VAR_kafka_secret (the
// key policy's secret: an ephemeral variable into the write-only secretWo, so it is in neither
// the state nor a saved plan; TF_VAR_kafka_secret_version bumps it to rotate the key),
// TESSERA_ATTACH=false to compose without staging
// on the brokers, CACHE_SIZE_GIB / CACHE_TYPE to resize or retype the cache tier,
// KAFKA_BROKERS=k1,k2,k3.
import { App, TerraformOutput, TerraformStack, TerraformVariable } from 'cdktf';
import type { Construct } from 'constructs';
import { keyPolicy, provider, ScaleOutCluster } from '@tessera/cdktf';

export interface PlatformOptions {
  brokers: string[];
  attach: boolean;
  cacheType: string;
  cacheSizeGiB: number;
}

export class KafkaPlatform extends TerraformStack {
  readonly kafka: ScaleOutCluster;

  constructor(scope: Construct, id: string, opts: PlatformOptions) {
    super(scope, id);
    new provider.TesseraProvider(this, 'tessera', {});
    const secret = new TerraformVariable(this, 'kafka_secret', { type: 'string', sensitive: true, description: 'Customer secret for the kafka key policy (ephemeral)' });
    // cdktf 0.21 has no `ephemeral` option yet: the escape hatch writes it (OpenTofu >= 1.11, Terraform >= 1.11).
    secret.addOverride('ephemeral', true);
    const version = new TerraformVariable(this, 'kafka_secret_version', { type: 'number', default: 1, description: 'Bump with a new kafka_secret to rotate the key' });
    // Write-only: never stored. (`secret` also exists, for engines without write-only
    // attributes, but it is PLAINTEXT in the state and in saved plans: avoid it.)
    const keys = new keyPolicy.KeyPolicy(this, 'kafka-keys', { name: 'kafka-keys', secretWo: secret.stringValue, secretWoVersion: version.numberValue });

    // One cluster; per broker a RAID1 ssd log volume mirrored across storage groups and
    // enclosures, encrypted under the key policy, and an SSD slice volume for the cache tier.
    this.kafka = new ScaleOutCluster(this, 'kafka', {
      servers: opts.brokers,
      keyPolicy: keys.id,
      stage: opts.attach,
      volumes: [
        {
          name: 'log',
          type: 'ssd',
          sizeGib: 1000,
          redundancy: true,
          sgResiliency: true,
          jbodResiliency: true,
          encrypt: true,
          requiredTags: ['nvme'],
          fsType: 'xfs',
          mountPath: '/srv/kafka/data',
        },
        { name: 'cache', type: opts.cacheType, sizeGib: opts.cacheSizeGiB, mountPath: '/srv/kafka/cache' },
      ],
    });

    new TerraformOutput(this, 'log_volume_ids', { value: opts.brokers.map((b) => this.kafka.volumes[b][0].id) });
    new TerraformOutput(this, 'cache_volume_ids', { value: opts.brokers.map((b) => this.kafka.volumes[b][1].id) });
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
