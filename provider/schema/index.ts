// schema.json, the one source of truth of the resource model, and what derives from it at run
// time: validation with defaults (composer, both providers), replace-vs-update diffs, and the
// Terraform attribute names. The format is documented in docs/schema-format.md.
import rawSchema from '../../schema.json';

export type ScalarType = 'string' | 'integer' | 'boolean';
export type AttributeType = ScalarType | { list: AttributeType } | { object: Record<string, AttributeType> };

export interface AttributeSpec {
  type: AttributeType;
  description: string;
  required?: boolean;
  optional?: boolean;
  computed?: boolean;
  /** Computed, and never changes once set (ids, placement): plans keep the prior value. */
  stable?: boolean;
  default?: unknown;
  /** Allowed values (for a list: allowed element values). */
  allowed?: (string | number)[];
  min?: number;
  max?: number;
  minLength?: number;
  pattern?: string;
  sensitive?: boolean;
  writeOnly?: boolean;
  /** How a change is applied: in place, or by replacing the object. */
  update?: 'in-place' | 'replace';
  /** In place only while these other attributes hold one of these values (else replace). */
  inPlaceWhen?: Record<string, unknown[]>;
  /** Only growth is accepted in place; shrinking is refused. */
  growOnly?: boolean;
  /** Environment variable a provider attribute falls back to. */
  env?: string;
}

export interface BlockSpec {
  kind: string;
  api: string;
  description: string;
  attributes: Record<string, AttributeSpec>;
}

export interface TesseraSchema {
  version: number;
  provider: { name: string; description: string; attributes: Record<string, AttributeSpec> };
  resources: Record<string, BlockSpec>;
  dataSources: Record<string, BlockSpec>;
}

export const schema = rawSchema as unknown as TesseraSchema;

export type ResourceType = 'tessera_cluster' | 'tessera_volume' | 'tessera_slice' | 'tessera_key_policy';
export type DataSourceType = 'tessera_capacity' | 'tessera_inventory';

export function resourceSpec(type: string): BlockSpec {
  const spec = schema.resources[type] ?? schema.dataSources[type];
  if (!spec) throw new Error(`unknown resource type ${type}`);
  return spec;
}

/** Which resource an API collection (`volumes`) or kind (`Volume`) names. */
export function resourceTypeOf(kindOrCollection: string): ResourceType {
  for (const [type, spec] of Object.entries(schema.resources)) {
    if (spec.kind === kindOrCollection || spec.api.endsWith(`/${kindOrCollection}`)) return type as ResourceType;
  }
  throw new Error(`unknown resource kind ${kindOrCollection}`);
}

/** Terraform attribute name: snake_case, with "GiB" as one word (sizeGiB -> size_gib). */
export function tfName(name: string): string {
  return name
    .replace(/GiB/g, 'Gib')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

export function fromTfName(type: string, tf: string): string | undefined {
  return Object.keys(resourceSpec(type).attributes).find((n) => tfName(n) === tf);
}

export interface FieldFailure {
  field: string;
  reason: string;
}

/** Is the attribute something a user sets (as opposed to an output only)? */
export function isInput(spec: AttributeSpec): boolean {
  return !!(spec.required || spec.optional);
}

function typeName(t: AttributeType): string {
  if (typeof t === 'string') return t;
  if ('list' in t) return `list of ${typeName(t.list)}`;
  return 'object';
}

function checkValue(field: string, t: AttributeType, spec: AttributeSpec, value: unknown, out: FieldFailure[]): void {
  if (typeof t === 'string') {
    if (t === 'integer') {
      if (typeof value !== 'number' || !Number.isInteger(value)) {
        out.push({ field, reason: `must be an integer, got ${JSON.stringify(value)}` });
        return;
      }
      if (spec.min !== undefined && value < spec.min) out.push({ field, reason: `must be >= ${spec.min}, got ${value}` });
      if (spec.max !== undefined && value > spec.max) out.push({ field, reason: `must be <= ${spec.max}, got ${value}` });
    } else if (t === 'boolean') {
      if (typeof value !== 'boolean') out.push({ field, reason: `must be true or false, got ${JSON.stringify(value)}` });
      return;
    } else {
      if (typeof value !== 'string') {
        out.push({ field, reason: `must be a string, got ${JSON.stringify(value)}` });
        return;
      }
      if (spec.minLength !== undefined && value.length < spec.minLength)
        out.push({ field, reason: `must be at least ${spec.minLength} characters` });
      if (spec.pattern && !new RegExp(spec.pattern).test(value))
        out.push({ field, reason: `${spec.sensitive ? 'value' : JSON.stringify(value)} does not match ${spec.pattern}` });
    }
    if (spec.allowed && !spec.allowed.includes(value as string | number))
      out.push({ field, reason: `must be one of ${spec.allowed.join(', ')}, got ${spec.sensitive ? 'a hidden value' : JSON.stringify(value)}` });
    return;
  }
  if ('list' in t) {
    if (!Array.isArray(value)) {
      out.push({ field, reason: `must be a ${typeName(t)}, got ${JSON.stringify(value)}` });
      return;
    }
    const seen = new Set<string>();
    value.forEach((v, i) => {
      const elemSpec: AttributeSpec = { ...spec, min: spec.min, max: spec.max };
      checkValue(`${field}[${i}]`, t.list, elemSpec, v, out);
      const k = JSON.stringify(v);
      if (typeof t.list === 'string' && seen.has(k)) out.push({ field: `${field}[${i}]`, reason: `duplicate value ${k}` });
      seen.add(k);
    });
    return;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    out.push({ field, reason: `must be an object` });
  }
}

export interface ValidateOptions {
  /** create: required fields must be present and defaults are applied. update: a partial patch. */
  mode: 'create' | 'update';
}

/**
 * Validate user input for a resource or data source against schema.json. Unknown fields,
 * outputs given as inputs, wrong types, ranges, patterns and allowed values each give one
 * failure naming the field. Returns the input with defaults applied (create mode).
 */
export function validateInput(
  type: string,
  input: unknown,
  opts: ValidateOptions = { mode: 'create' },
): { value: Record<string, unknown>; failures: FieldFailure[] } {
  const spec = resourceSpec(type);
  const failures: FieldFailure[] = [];
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { value: {}, failures: [{ field: '(body)', reason: 'must be a JSON object' }] };
  }
  const value: Record<string, unknown> = {};
  for (const [field, v] of Object.entries(input as Record<string, unknown>)) {
    const attr = spec.attributes[field];
    if (!attr) {
      failures.push({ field, reason: `unknown attribute (known: ${Object.keys(spec.attributes).filter((k) => isInput(spec.attributes[k])).join(', ')})` });
      continue;
    }
    if (!isInput(attr)) {
      // `owner` is computed for users but set by providers through the API.
      if (field === 'owner' && (typeof v === 'string' || v === undefined || v === null)) {
        if (typeof v === 'string') value.owner = v;
        continue;
      }
      failures.push({ field, reason: 'is an output and cannot be set' });
      continue;
    }
    if (v === null || v === undefined) continue;
    checkValue(field, attr.type, attr, v, failures);
    value[field] = v;
  }
  if (opts.mode === 'create') {
    for (const [field, attr] of Object.entries(spec.attributes)) {
      if (value[field] !== undefined) continue;
      if (attr.required) failures.push({ field, reason: 'is required' });
      else if (attr.default !== undefined) value[field] = structuredClone(attr.default);
    }
  }
  return { value, failures };
}

export interface SchemaDiff {
  /** Input attributes whose value changed. */
  changed: string[];
  /** Of those, the ones that force replacement. */
  replaces: string[];
  /** Of those, growOnly attributes that shrank (refused). */
  shrinks: string[];
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

/**
 * Compare the prior inputs (with defaults) and new inputs (with defaults) of a resource.
 * Write-only attributes are compared by their version attribute, never by value.
 */
export function diffInputs(type: string, olds: Record<string, unknown>, news: Record<string, unknown>): SchemaDiff {
  const spec = resourceSpec(type);
  const changed: string[] = [];
  const replaces: string[] = [];
  const shrinks: string[] = [];
  for (const [field, attr] of Object.entries(spec.attributes)) {
    if (!isInput(attr) || attr.writeOnly) continue;
    const a = olds[field] ?? attr.default;
    const b = news[field] ?? attr.default;
    if (sameValue(a, b)) continue;
    changed.push(field);
    let inPlace = attr.update === 'in-place';
    if (attr.inPlaceWhen) {
      inPlace = Object.entries(attr.inPlaceWhen).every(([other, values]) => {
        const o = olds[other] ?? spec.attributes[other]?.default;
        const n = news[other] ?? spec.attributes[other]?.default;
        return sameValue(o, n) && values.includes(n);
      });
    }
    if (!inPlace) replaces.push(field);
    else if (attr.growOnly && typeof a === 'number' && typeof b === 'number' && b < a) shrinks.push(field);
  }
  return { changed, replaces, shrinks };
}

/** Attributes a user sets (for the API: the create body). */
export function inputNames(type: string): string[] {
  const spec = resourceSpec(type);
  return Object.keys(spec.attributes).filter((k) => isInput(spec.attributes[k]));
}

/** Attributes only the composer sets. */
export function outputNames(type: string): string[] {
  const spec = resourceSpec(type);
  return Object.keys(spec.attributes).filter((k) => !isInput(spec.attributes[k]));
}

/** Sensitive attributes (never logged, never returned by the composer). */
export function sensitiveNames(type: string): string[] {
  const spec = resourceSpec(type);
  return Object.keys(spec.attributes).filter((k) => spec.attributes[k].sensitive);
}

export function formatFailures(failures: FieldFailure[]): string {
  return failures.map((f) => `${f.field}: ${f.reason}`).join('; ');
}
