// schema.json -> the provider's Terraform schema: the ONE derivation of it. The provider serves
// these blocks (GetProviderSchema), and scripts/gen renders the same blocks as the
// `providers schema -json` document (provider/terraform/schema.generated.json, and the input of
// the CDKTF binding generator). Pure: no I/O. Names are snake_case (tfName: sizeGiB -> size_gib);
// values cross between Terraform's and the handlers' (camelCase, schema.json) shapes here.
import { type AttributeSpec, type AttributeType, type BlockSpec, boundsText, isInput, schema, tfName } from '../schema';
import { TIMEOUT_ACTIONS } from '../handlers/timeouts';
import { type CtyType, type CtyValue, isUnknown, typeJson } from './cty';

export { tfName };

/** Address the `providers schema -json` document keys the provider by (OpenTofu's registry). */
export const PROVIDER_SOURCE = 'registry.opentofu.org/tessera/tessera';

/**
 * Version of every resource and data source schema: schema.json's `version`. Terraform stores it
 * with each resource's state and sends it back to UpgradeResourceState.
 */
export const SCHEMA_VERSION: number = schema.version;

export function ctyTypeOf(t: AttributeType): CtyType {
  if (t === 'string') return 'string';
  if (t === 'integer') return 'number';
  if (t === 'boolean') return 'bool';
  if ('list' in t) return ['list', ctyTypeOf(t.list)];
  const attrs: Record<string, CtyType> = {};
  for (const [k, v] of Object.entries(t.object)) attrs[tfName(k)] = ctyTypeOf(v);
  return ['object', attrs];
}

/** How Terraform sees one schema.json attribute. */
export interface TfAttribute {
  /** schema.json name (camelCase). */
  name: string;
  tfName: string;
  spec: AttributeSpec;
  type: CtyType;
  /** What Terraform shows: schema.json's text plus the default, allowed values, bounds and replace rule. */
  description: string;
  required: boolean;
  optional: boolean;
  /** Set by the provider: outputs, and optional inputs whose default the provider fills in. */
  computed: boolean;
  sensitive: boolean;
  writeOnly: boolean;
}

/** A nested block (NestingMode SINGLE) the provider adds: `timeouts` on placed resources. */
export interface TfNestedBlock {
  typeName: string;
  description: string;
  attributes: { tfName: string; description: string }[];
  type: CtyType;
}

/** The block Terraform users know from other providers: `timeouts { create = "20m" }`. */
export const TIMEOUTS_BLOCK = 'timeouts';

const timeoutsBlock: TfNestedBlock = {
  typeName: TIMEOUTS_BLOCK,
  description: 'How long to wait for the agent (create, update: staging on the server; delete: the release of the drives). Go durations, e.g. "20m". Default 2 minutes each.',
  attributes: TIMEOUT_ACTIONS.map((a) => ({ tfName: a, description: `Timeout of ${a} (e.g. "20m").` })),
  type: ['object', Object.fromEntries(TIMEOUT_ACTIONS.map((a) => [a, 'string' as CtyType]))],
};

export interface TfBlock {
  typeName: string;
  /** Nested blocks (not schema.json attributes): `timeouts` on placed resources. */
  blocks: TfNestedBlock[];
  /** Schema version: SCHEMA_VERSION for resources and data sources, 0 for the provider. */
  version: number;
  spec: BlockSpec;
  attributes: TfAttribute[];
  byTfName: Map<string, TfAttribute>;
  type: CtyType;
}

function describe(a: AttributeSpec): string {
  const notes: string[] = [];
  if (a.default !== undefined) notes.push(`Default: ${JSON.stringify(a.default)}.`);
  if (a.allowed) notes.push(`One of: ${a.allowed.map((v) => JSON.stringify(v)).join(', ')}.`);
  const bounds = boundsText(a);
  if (bounds.length) notes.push(`Bounds: ${bounds.join('; ')}.`);
  if (a.update === 'replace' && !a.inPlaceWhen) notes.push('Changing it replaces the object.');
  if (a.inPlaceWhen) notes.push(`In place when ${Object.entries(a.inPlaceWhen).map(([k, v]) => `${tfName(k)} is ${v.join('/')}`).join(' and ')}; otherwise replaces.`);
  return [a.description, ...notes].join(' ');
}

function tfAttribute(name: string, spec: AttributeSpec, isProvider: boolean): TfAttribute {
  const input = isInput(spec);
  return {
    name,
    tfName: tfName(name),
    spec,
    type: ctyTypeOf(spec.type),
    description: describe(spec),
    required: !!spec.required,
    optional: !spec.required && input,
    // A default the provider applies makes the attribute optional+computed: the plan shows the
    // default rather than null. Write-only attributes are never computed. Provider attributes
    // are all optional (they fall back to the environment) and never computed.
    computed: !isProvider && (!input || (!spec.writeOnly && spec.default !== undefined)),
    sensitive: !!spec.sensitive,
    writeOnly: !!spec.writeOnly,
  };
}

type BlockKind = 'provider' | 'resource' | 'dataSource';

function block(typeName: string, spec: BlockSpec, kind: BlockKind): TfBlock {
  const attributes = Object.entries(spec.attributes).map(([n, a]) => tfAttribute(n, a, kind === 'provider'));
  // Terraform data sources and resources carry an `id`; data sources here have none in
  // schema.json, so the provider adds a computed one (a stable digest of the query).
  if (kind === 'dataSource' && !attributes.some((a) => a.tfName === 'id')) {
    attributes.push(tfAttribute('id', { type: 'string', computed: true, description: 'Identifier of this read: the query it answers.' }, false));
  }
  const objAttrs: Record<string, CtyType> = {};
  for (const a of attributes) objAttrs[a.tfName] = a.type;
  const blocks = kind === 'resource' && spec.placed ? [timeoutsBlock] : [];
  for (const nb of blocks) objAttrs[nb.typeName] = nb.type;
  return {
    typeName,
    blocks,
    version: kind === 'provider' ? 0 : SCHEMA_VERSION,
    spec,
    attributes,
    byTfName: new Map(attributes.map((a) => [a.tfName, a])),
    type: ['object', objAttrs],
  };
}

export const providerBlock: TfBlock = block(
  'tessera',
  { kind: 'Provider', api: '', description: schema.provider.description, attributes: schema.provider.attributes },
  'provider',
);
export const resourceBlocks: Map<string, TfBlock> = new Map(
  Object.entries(schema.resources).map(([type, spec]) => [type, block(type, spec, 'resource')]),
);
export const dataSourceBlocks: Map<string, TfBlock> = new Map(
  Object.entries(schema.dataSources).map(([type, spec]) => [type, block(type, spec, 'dataSource')]),
);

/** The tfplugin6 Schema message for a block (GetProviderSchema). */
export function schemaMessage(b: TfBlock): Record<string, unknown> {
  return {
    version: b.version,
    block: {
      version: 0,
      description: b.spec.description,
      description_kind: 0,
      attributes: b.attributes.map((a) => ({
        name: a.tfName,
        type: typeJson(a.type),
        description: a.description,
        description_kind: 0,
        required: a.required,
        optional: a.optional,
        computed: a.computed,
        sensitive: a.sensitive,
        write_only: a.writeOnly,
      })),
      block_types: b.blocks.map((nb) => ({
        type_name: nb.typeName,
        nesting: 1, // SINGLE
        min_items: 0,
        max_items: 0,
        block: {
          version: 0,
          description: nb.description,
          description_kind: 0,
          attributes: nb.attributes.map((a) => ({ name: a.tfName, type: typeJson('string'), description: a.description, description_kind: 0, optional: true })),
          block_types: [],
        },
      })),
    },
  };
}

/** A block as `providers schema -json` prints it (flags only when set). */
function schemaJsonBlock(b: TfBlock): Record<string, unknown> {
  const attributes: Record<string, unknown> = {};
  for (const a of b.attributes) {
    attributes[a.tfName] = {
      type: a.type,
      description: a.description,
      description_kind: 'plain',
      ...(a.required ? { required: true } : {}),
      ...(a.optional ? { optional: true } : {}),
      ...(a.computed ? { computed: true } : {}),
      ...(a.sensitive ? { sensitive: true } : {}),
      ...(a.writeOnly ? { write_only: true } : {}),
    };
  }
  const blockTypes: Record<string, unknown> = {};
  for (const nb of b.blocks) {
    const nested: Record<string, unknown> = {};
    for (const a of nb.attributes) nested[a.tfName] = { type: 'string', description: a.description, description_kind: 'plain', optional: true };
    blockTypes[nb.typeName] = { nesting_mode: 'single', block: { attributes: nested, description: nb.description, description_kind: 'plain' } };
  }
  return {
    version: b.version,
    block: { attributes, ...(b.blocks.length ? { block_types: blockTypes } : {}), description: b.spec.description, description_kind: 'plain' },
  };
}

/**
 * The provider schema as `tofu providers schema -json` prints it, from the same blocks the
 * provider serves. `providerVersion` adds the `provider_versions` map the CDKTF generator reads.
 */
export function providerSchemaJson(opts: { providerVersion?: string } = {}): Record<string, unknown> {
  const resource_schemas: Record<string, unknown> = {};
  for (const [k, b] of resourceBlocks) resource_schemas[k] = schemaJsonBlock(b);
  const data_source_schemas: Record<string, unknown> = {};
  for (const [k, b] of dataSourceBlocks) data_source_schemas[k] = schemaJsonBlock(b);
  return {
    format_version: '1.0',
    provider_schemas: { [PROVIDER_SOURCE]: { provider: schemaJsonBlock(providerBlock), resource_schemas, data_source_schemas } },
    ...(opts.providerVersion !== undefined ? { provider_versions: { [PROVIDER_SOURCE]: opts.providerVersion } } : {}),
  };
}

// ---- value shapes ---------------------------------------------------------------------------

/** A nested object value from the composer (camelCase keys) into Terraform's shape. */
function toTfValue(v: unknown, t: AttributeType): CtyValue {
  if (v === undefined || v === null) return null;
  if (typeof t === 'string') return v as CtyValue;
  if ('list' in t) return Array.isArray(v) ? v.map((e) => toTfValue(e, t.list)) : null;
  const out: Record<string, CtyValue> = {};
  const rec = v as Record<string, unknown>;
  for (const [k, at] of Object.entries(t.object)) out[tfName(k)] = toTfValue(rec[k], at);
  return out;
}

function fromTfValue(v: CtyValue, t: AttributeType): unknown {
  if (v === null || isUnknown(v)) return undefined;
  if (typeof t === 'string') return v;
  if ('list' in t) return (v as CtyValue[]).map((e) => fromTfValue(e, t.list));
  const out: Record<string, unknown> = {};
  const rec = v as Record<string, CtyValue>;
  for (const [k, at] of Object.entries(t.object)) {
    const x = fromTfValue(rec[tfName(k)], at);
    if (x !== undefined) out[k] = x;
  }
  return out;
}

/** A composer object (schema.json names) as a Terraform object of the block's type. */
export function toTfObject(b: TfBlock, props: Record<string, unknown>): Record<string, CtyValue> {
  const out: Record<string, CtyValue> = {};
  for (const a of b.attributes) out[a.tfName] = toTfValue(props[a.name], a.spec.type);
  return out;
}

/** The known, non-null attributes of a Terraform object, with schema.json names. */
export function fromTfObject(b: TfBlock, obj: Record<string, CtyValue> | null, which: (a: TfAttribute) => boolean = () => true): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!obj) return out;
  for (const a of b.attributes) {
    if (!which(a)) continue;
    const v = fromTfValue(obj[a.tfName], a.spec.type);
    if (v !== undefined) out[a.name] = v;
  }
  return out;
}

/** Terraform attribute path steps for a handler field name like `storageGroup[1]` or `members[0].sizeGiB`. */
export function attributePath(field: string): { steps: Record<string, unknown>[] } | undefined {
  if (!field || field.startsWith('(')) return undefined;
  const steps: Record<string, unknown>[] = [];
  const re = /([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(field))) {
    if (m[1] !== undefined) steps.push({ attribute_name: tfName(m[1]) });
    else steps.push({ element_key_int: Number(m[2]) });
  }
  return steps.length ? { steps } : undefined;
}
