// schema.json -> the Terraform provider schema as `terraform providers schema -json` prints it:
// what the provider answers to GetProviderSchema, and the input of the CDKTF binding generator.
import { AttributeSpec, AttributeType, BlockSpec, schema, tfName } from '../../provider/schema';
import type { GeneratedFile } from './types';

export const PROVIDER_SOURCE = 'registry.terraform.io/tessera/tessera';
export const TERRAFORM_SCHEMA_PATH = 'provider/terraform/schema.generated.json';

type CtyType = string | [string, CtyType] | [string, Record<string, CtyType>];

export function ctyType(t: AttributeType): CtyType {
  if (t === 'string') return 'string';
  if (t === 'integer') return 'number';
  if (t === 'boolean') return 'bool';
  if (typeof t === 'object' && 'list' in t) return ['list', ctyType(t.list)];
  if (typeof t === 'object' && 'object' in t) {
    return ['object', Object.fromEntries(Object.entries(t.object).map(([k, v]) => [tfName(k), ctyType(v)]))];
  }
  throw new Error(`unsupported attribute type ${JSON.stringify(t)}`);
}

function describe(name: string, a: AttributeSpec): string {
  const notes: string[] = [];
  if (a.default !== undefined) notes.push(`Default: ${JSON.stringify(a.default)}.`);
  if (a.allowed) notes.push(`One of: ${a.allowed.map((v) => JSON.stringify(v)).join(', ')}.`);
  if (a.update === 'replace' && !a.inPlaceWhen) notes.push('Changing it replaces the object.');
  if (a.inPlaceWhen) notes.push(`In place when ${Object.entries(a.inPlaceWhen).map(([k, v]) => `${tfName(k)} is ${v.join('/')}`).join(' and ')}; otherwise replaces.`);
  void name;
  return [a.description, ...notes].join(' ');
}

interface TfAttribute {
  type: CtyType;
  description: string;
  description_kind: 'plain';
  required?: true;
  optional?: true;
  computed?: true;
  sensitive?: true;
  write_only?: true;
}

export function tfAttribute(name: string, a: AttributeSpec): TfAttribute {
  const out: TfAttribute = { type: ctyType(a.type), description: describe(name, a), description_kind: 'plain' };
  if (a.required) out.required = true;
  if (a.optional) out.optional = true;
  // The provider fills in defaults at plan time, so a defaulted attribute is also computed.
  if (a.computed || (a.optional && a.default !== undefined)) out.computed = true;
  if (a.sensitive) out.sensitive = true;
  if (a.writeOnly) out.write_only = true;
  return out;
}

function block(spec: { description: string; attributes: Record<string, AttributeSpec> }) {
  return {
    attributes: Object.fromEntries(Object.entries(spec.attributes).map(([n, a]) => [tfName(n), tfAttribute(n, a)])),
    description: spec.description,
    description_kind: 'plain',
  };
}

/** Terraform data sources conventionally carry a computed `id` (schema.json does not model it). */
function withDataSourceId(spec: BlockSpec): BlockSpec {
  if (spec.attributes.id) return spec;
  return { ...spec, attributes: { id: { type: 'string', computed: true, description: 'Identifier of this read (constant per data source and arguments).' }, ...spec.attributes } };
}

export function terraformProviderSchema() {
  const blocks = (m: Record<string, BlockSpec>, dataSources = false) =>
    Object.fromEntries(Object.entries(m).map(([t, s]) => [t, { version: schema.version, block: block(dataSources ? withDataSourceId(s) : s) }]));
  return {
    format_version: '1.0',
    provider_schemas: {
      [PROVIDER_SOURCE]: {
        provider: { version: 0, block: block(schema.provider) },
        resource_schemas: blocks(schema.resources),
        data_source_schemas: blocks(schema.dataSources, true),
      },
    },
  };
}

export function generate(): GeneratedFile[] {
  return [{ path: TERRAFORM_SCHEMA_PATH, content: JSON.stringify(terraformProviderSchema(), null, 2) + '\n' }];
}
