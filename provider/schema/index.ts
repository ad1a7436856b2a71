// schema.json, the one source of truth of the resource model, and what derives from it at run
// time: validation with defaults (composer, both providers), replace-vs-update diffs, and the
// Terraform attribute names. The format is documented in docs/schema-format.md.
import rawSchema from '../../schema.json';

export type ScalarType = 'string' | 'integer' | 'boolean';
export type AttributeType = ScalarType | { list: AttributeType } | { object: Record<string, AttributeType> };

export type AttributeRole = 'id' | 'owner' | 'adopt' | 'name' | 'scope';

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
  /** Integer range, inclusive (never beyond 2^53-1, whatever schema.json says). */
  min?: number;
  max?: number;
  /** String length in characters (code points); for a list, of each element. */
  minLength?: number;
  maxLength?: number;
  /** Most elements a list may have. */
  maxItems?: number;
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
  /** Pulumi stack config key of a provider attribute (`tessera:endpoint`). */
  config?: string;
  /**
   * id: the composer-assigned id. owner: set by the providers, computed for users (accepted
   * through the API). name: the object's name, unique within its scope. scope: the object the
   * name is unique within (a volume's cluster). Name and scope are its identity: creates are
   * idempotent by them, and a replacement that keeps them must delete first.
   */
  role?: AttributeRole;
  /** An input that shapes the placement the engine computes, or an output that is part of it. */
  placement?: boolean;
  /** For a writeOnly attribute: the attribute whose change re-sends the value. */
  versionAttribute?: string;
}

export interface BlockSpec {
  kind: string;
  api: string;
  /** Resources: the prefix of composer-assigned ids (`vol-…`). */
  idPrefix?: string;
  /** Resources: the kind in words, for messages ("key policy"). */
  label?: string;
  /** Resources: placed on drives by the allocation engine and staged on a server by an agent. */
  placed?: boolean;
  /** Resources: the placement type every object of this kind has (it has no `type` input). */
  placementType?: string;
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

export * from './kinds.generated';

export function resourceSpec(type: string): BlockSpec {
  const spec = schema.resources[type] ?? schema.dataSources[type];
  if (!spec) throw new Error(`unknown resource type ${type}`);
  return spec;
}

/** Terraform attribute name: snake_case, with "GiB" as one word (sizeGiB -> size_gib). */
export function tfName(name: string): string {
  return name
    .replace(/GiB/g, 'Gib')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase();
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

/** The kind of a JSON value, with its article: what a type mismatch shows of a sensitive value. */
function kindOf(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'number') return Number.isInteger(value) ? 'a number' : 'a fractional number';
  return `a ${typeof value}`;
}

const SHOWN_CHARS = 60;

/**
 * How a failure shows the value it refuses: never a sensitive one (its kind only), and a long one
 * cut short so an error stays small whatever was sent.
 */
function shown(value: unknown, spec: AttributeSpec): string {
  if (spec.sensitive) return kindOf(value);
  const text = JSON.stringify(value) ?? String(value);
  return text.length > SHOWN_CHARS ? `${text.slice(0, SHOWN_CHARS)}... (${kindOf(value)})` : text;
}

/** Length in characters as JSON Schema counts them (code points: an emoji is one). */
function codePoints(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length - 1; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

/**
 * The range an integer attribute accepts: schema.json's min/max, never beyond what JSON parsers
 * and JavaScript hold exactly (2^53-1), so no value is silently rounded on the way in.
 */
function integerRange(spec: AttributeSpec): { min: number; max: number } {
  return {
    min: Math.max(spec.min ?? Number.MIN_SAFE_INTEGER, Number.MIN_SAFE_INTEGER),
    max: Math.min(spec.max ?? Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER),
  };
}

/** The bounds of an attribute in words, for docs, Terraform descriptions and SDK comments. */
export function boundsText(a: AttributeSpec): string[] {
  const out: string[] = [];
  if (a.min !== undefined || a.max !== undefined) out.push(`${a.min ?? ''}..${a.max ?? ''}`);
  const each = typeof a.type === 'object' && 'list' in a.type ? ' each' : '';
  if (a.maxItems !== undefined) out.push(`at most ${a.maxItems} items`);
  if (a.minLength !== undefined) out.push(`at least ${a.minLength} characters${each}`);
  if (a.maxLength !== undefined) out.push(`at most ${a.maxLength} characters${each}`);
  return out;
}

function checkValue(field: string, t: AttributeType, spec: AttributeSpec, value: unknown, out: FieldFailure[]): void {
  if (typeof t === 'string') {
    if (t === 'integer') {
      if (typeof value !== 'number' || !Number.isInteger(value)) {
        out.push({ field, reason: `must be an integer, got ${shown(value, spec)}` });
        return;
      }
      const range = integerRange(spec);
      const got = spec.sensitive ? '' : `, got ${value}`;
      if (value < range.min) out.push({ field, reason: `must be >= ${range.min}${got}` });
      if (value > range.max) out.push({ field, reason: `must be <= ${range.max}${got}` });
    } else if (t === 'boolean') {
      if (typeof value !== 'boolean') out.push({ field, reason: `must be true or false, got ${shown(value, spec)}` });
      return;
    } else {
      if (typeof value !== 'string') {
        out.push({ field, reason: `must be a string, got ${shown(value, spec)}` });
        return;
      }
      const length = codePoints(value);
      if (spec.minLength !== undefined && length < spec.minLength) out.push({ field, reason: `must be at least ${spec.minLength} characters` });
      if (spec.maxLength !== undefined && length > spec.maxLength) {
        // Too long to be worth matching against a pattern or the allowed values.
        out.push({ field, reason: `must be at most ${spec.maxLength} characters, got ${length}` });
        return;
      }
      if (spec.pattern && !new RegExp(spec.pattern).test(value))
        out.push({ field, reason: `${spec.sensitive ? 'value' : shown(value, spec)} does not match ${spec.pattern}` });
    }
    if (spec.allowed && !spec.allowed.includes(value as string | number))
      out.push({ field, reason: `must be one of ${spec.allowed.join(', ')}, got ${spec.sensitive ? 'a hidden value' : shown(value, spec)}` });
    return;
  }
  if ('list' in t) {
    if (!Array.isArray(value)) {
      out.push({ field, reason: `must be a ${typeName(t)}, got ${shown(value, spec)}` });
      return;
    }
    // Refused whole before any element is looked at: one failure, however long the list.
    if (spec.maxItems !== undefined && value.length > spec.maxItems) {
      out.push({ field, reason: `must have at most ${spec.maxItems} items, got ${value.length}` });
      return;
    }
    const seen = new Set<string>();
    value.forEach((v, i) => {
      // The element is checked against the attribute's own constraints (allowed, pattern, lengths).
      checkValue(`${field}[${i}]`, t.list, spec, v, out);
      const k = JSON.stringify(v);
      if (typeof t.list === 'string' && seen.has(k)) out.push({ field: `${field}[${i}]`, reason: `duplicate value ${shown(v, spec)}` });
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
 * outputs given as inputs, wrong types, ranges, lengths, list sizes, patterns and allowed values
 * each give one failure naming the field; a sensitive value is never part of a failure. Returns the input with defaults applied (create mode).
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
    // Own properties only: `__proto__`, `constructor` or `toString` are unknown attributes, not Object.prototype members.
    const attr = Object.hasOwn(spec.attributes, field) ? spec.attributes[field] : undefined;
    if (!attr) {
      failures.push({ field, reason: `unknown attribute (known: ${Object.keys(spec.attributes).filter((k) => isInput(spec.attributes[k])).join(', ')})` });
      continue;
    }
    if (!isInput(attr)) {
      // `owner` is computed for users but set by providers through the API (bounded like an input).
      if (attr.role === 'owner') {
        if (v === undefined || v === null) continue;
        const before = failures.length;
        checkValue(field, attr.type, attr, v, failures);
        if (failures.length === before) value[field] = v;
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

/**
 * Validate the provider configuration (endpoint, token) against schema.json's provider
 * attributes: types, lengths, patterns. Absent values are not checked (they fall back to the
 * environment, checked the same way by the caller passing the resolved value).
 */
export function validateProviderConfig(cfg: Record<string, unknown>): FieldFailure[] {
  const failures: FieldFailure[] = [];
  for (const [field, attr] of Object.entries(schema.provider.attributes)) {
    const v = cfg[field];
    if (v !== undefined && v !== null) checkValue(field, attr.type, attr, v, failures);
  }
  return failures;
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

/** Sensitive attributes (never logged, never returned by the composer). */
export function sensitiveNames(type: string): string[] {
  const spec = resourceSpec(type);
  return Object.keys(spec.attributes).filter((k) => spec.attributes[k].sensitive);
}

export function formatFailures(failures: FieldFailure[]): string {
  return failures.map((f) => `${f.field}: ${f.reason}`).join('; ');
}
