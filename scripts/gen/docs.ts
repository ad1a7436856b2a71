// schema.json -> docs/reference/<resource>.md: one page per resource and data source with every
// attribute (type, required/optional/computed, default, allowed values, bounds, sensitive,
// write-only, replace vs in place) and an example in Pulumi TypeScript and Terraform HCL.
import { AttributeSpec, AttributeType, BlockSpec, boundsText, schema, tfName } from '../../provider/schema';
import { GENERATED_HEADER, GeneratedFile } from './types';

export const ownedDirs = ['docs/reference'];

/** Examples per schema type: Pulumi TypeScript and HCL (kept here; the attributes come from schema.json). */
const EXAMPLES: Record<string, { pulumi: string; hcl: string }> = {
  tessera_cluster: {
    pulumi: `import * as tessera from '../../sdk'; // the repo's sdk/, as in examples/pulumi-platform

const kafka = new tessera.Cluster('kafka', {
  servers: ['k01', 'k02', 'k03'],
  networkTransportsAllowed: ['nvmetcp', 'roce'],
});
export const clusterId = kafka.id;`,
    hcl: `resource "tessera_cluster" "kafka" {
  name                       = "kafka"
  servers                    = ["k01", "k02", "k03"]
  network_transports_allowed = ["nvmetcp", "roce"]
}`,
  },
  tessera_volume: {
    pulumi: `const logs = new tessera.Volume('k01-log', {
  cluster: kafka.id,
  type: 'ssd',
  sizeGiB: 1500,
  redundancy: true,          // RAID1, halves in different storage groups and enclosures
  encrypt: true,
  keyPolicy: policy.id,
  fsType: 'xfs',
  server: 'k01',
  mountPath: '/srv/kafka/data',
});
export const members = logs.members;`,
    hcl: `resource "tessera_volume" "k01_log" {
  cluster     = tessera_cluster.kafka.id
  name        = "k01-log"
  type        = "ssd"
  size_gib    = 1500
  redundancy  = true
  encrypt     = true
  key_policy  = tessera_key_policy.kafka.id
  fs_type     = "xfs"
  server      = "k01"
  mount_path  = "/srv/kafka/data"
}`,
  },
  tessera_slice: {
    pulumi: `const cache = new tessera.Slice('k01-cache', {
  cluster: kafka.id,
  sizeGiB: 64,               // grows in place; shrinking is refused
  server: 'k01',
});
export const cacheDevice = cache.devicePath;`,
    hcl: `resource "tessera_slice" "k01_cache" {
  cluster  = tessera_cluster.kafka.id
  name     = "k01-cache"
  size_gib = 64
  server   = "k01"
}`,
  },
  tessera_key_policy: {
    pulumi: `const config = new pulumi.Config();
const policy = new tessera.KeyPolicy('kafka', {
  secret: config.requireSecret('kafkaKeySecret'), // kept encrypted in the state
});
export const fingerprint = policy.fingerprint;`,
    hcl: `resource "tessera_key_policy" "kafka" {
  name              = "kafka"
  secret_wo         = var.kafka_key_secret   # write-only (Terraform >= 1.11): never in state
  secret_wo_version = 1                      # bump to rotate
}`,
  },
  tessera_capacity: {
    pulumi: `const mirroredSsd = tessera.getCapacity({ type: 'ssd', redundancy: true });
export const largestMirroredSsdGiB = mirroredSsd.maximumVolumeSizeGiB;`,
    hcl: `data "tessera_capacity" "mirrored_ssd" {
  type       = "ssd"
  redundancy = true
}

output "largest_mirrored_ssd_gib" {
  value = data.tessera_capacity.mirrored_ssd.maximum_volume_size_gib
}`,
  },
  tessera_inventory: {
    pulumi: `const pool = tessera.getInventory();
export const storageGroups = pool.storageGroups;`,
    hcl: `data "tessera_inventory" "pool" {}

output "storage_groups" {
  value = data.tessera_inventory.pool.storage_groups
}`,
  },
};

function typeText(t: AttributeType): string {
  if (typeof t === 'string') return t;
  if ('list' in t) return `list(${typeText(t.list)})`;
  return `object({ ${Object.entries(t.object).map(([k, v]) => `${k}: ${typeText(v)}`).join(', ')} })`;
}

function mode(a: AttributeSpec): string {
  if (a.required) return 'required';
  if (a.optional) return a.computed ? 'optional, computed' : 'optional';
  return 'computed';
}

function constraints(a: AttributeSpec): string {
  const out: string[] = [];
  if (a.default !== undefined) out.push(`default \`${JSON.stringify(a.default)}\``);
  if (a.allowed) out.push(`one of ${a.allowed.map((v) => `\`${v}\``).join(', ')}`);
  out.push(...boundsText(a));
  if (a.pattern) out.push(`matches \`${a.pattern}\``);
  if (a.sensitive) out.push('sensitive');
  if (a.writeOnly) out.push('write-only (never stored)');
  if (a.env) out.push(`env \`${a.env}\``);
  return out.join('; ');
}

function onChange(a: AttributeSpec): string {
  if (!(a.required || a.optional)) return a.stable ? 'stable' : '';
  if (a.inPlaceWhen) return `in place when ${Object.entries(a.inPlaceWhen).map(([k, v]) => `${k} = ${v.join('/')}`).join(', ')}; else replace`;
  const base = a.update === 'in-place' ? 'in place' : a.update === 'replace' ? 'replace' : '';
  return a.growOnly ? `${base} (grow only)` : base;
}

function escape(s: string): string {
  return s.replace(/\|/g, '\\|');
}

function page(type: string, spec: BlockSpec, dataSource: boolean): string {
  const ex = EXAMPLES[type];
  const rows = Object.entries(spec.attributes).map(
    ([name, a]) => `| \`${name}\` | \`${tfName(name)}\` | ${typeText(a.type)} | ${mode(a)} | ${escape(constraints(a))} | ${onChange(a)} | ${escape(a.description)} |`,
  );
  return `<!-- ${GENERATED_HEADER} -->
# ${dataSource ? 'Data source' : 'Resource'} \`${type}\` (${spec.kind})

${spec.description}

API: \`${spec.api}\`${dataSource ? '' : ` · Pulumi: \`tessera.${spec.kind}\` · Terraform: \`${type}\``}

## Attributes

Pulumi uses the first name, Terraform/CDKTF the second. "On change" says whether changing an input updates the object in place or replaces it${dataSource ? '' : ' (replacement deletes first: names are reused)'}.

| Pulumi | Terraform | Type | Mode | Constraints | On change | Description |
|---|---|---|---|---|---|---|
${rows.join('\n')}

## Example

${ex ? `Pulumi (TypeScript):

\`\`\`ts
${ex.pulumi}
\`\`\`

Terraform / OpenTofu:

\`\`\`hcl
${ex.hcl}
\`\`\`
` : '_No example yet._\n'}`;
}

function fileName(type: string): string {
  return type.replace(/^tessera_/, '').replace(/_/g, '-');
}

export function generate(): GeneratedFile[] {
  const files: GeneratedFile[] = [];
  const index: string[] = [`<!-- ${GENERATED_HEADER} -->`, '# Reference', '', schema.provider.description, '', '## Provider configuration', ''];
  for (const [name, a] of Object.entries(schema.provider.attributes)) {
    const bounds = boundsText(a).map((b) => `; ${b}`).join('');
    index.push(`- \`${name}\` (Pulumi config \`tessera:${name}\`${a.sensitive ? ', secret' : ''}; Terraform \`${tfName(name)}\`; env \`${a.env}\`${bounds}): ${a.description}`);
  }
  index.push('', '## Resources', '');
  for (const [type, spec] of Object.entries(schema.resources)) {
    files.push({ path: `docs/reference/${fileName(type)}.md`, content: page(type, spec, false) });
    index.push(`- [${spec.kind}](${fileName(type)}.md) (\`${type}\`): ${spec.description}`);
  }
  index.push('', '## Data sources', '');
  for (const [type, spec] of Object.entries(schema.dataSources)) {
    files.push({ path: `docs/reference/${fileName(type)}.md`, content: page(type, spec, true) });
    index.push(`- [${spec.kind}](${fileName(type)}.md) (\`${type}\`): ${spec.description}`);
  }
  files.push({ path: 'docs/reference/README.md', content: index.join('\n') + '\n' });
  return files;
}
