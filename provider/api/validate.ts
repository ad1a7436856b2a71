// Checks a value against a message of the wire description (docs/wire-format.md): one failure
// per bad field, named by its path (`transports[1]`, `facts.nicGbps`) with the reason in the
// words of the schema.json validator (provider/schema). Returns the value with only the fields
// the message knows. The tables it walks are generated (wire.generated.ts, `npm run gen`).
import type { FieldFailure } from '../schema';
import type { WireSchema } from './wire';

export interface Checked<T> {
  value: T;
  failures: FieldFailure[];
}

const SHOWN_CHARS = 60;

function kindOf(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

/** A refused value in a reason: cut short, so a failure stays small whatever was sent. */
function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > SHOWN_CHARS ? `${text.slice(0, SHOWN_CHARS)}... (${kindOf(value)})` : text;
}

/** Length in code points, as JSON Schema counts it. */
const codePoints = (s: string) => [...s].length;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

type Table = Readonly<Record<string, WireSchema>>;

function check(table: Table, s: WireSchema, value: unknown, field: string, out: FieldFailure[]): unknown {
  if (s.$ref !== undefined) {
    const target = table[s.$ref];
    if (!target) throw new Error(`wire schema: no message ${s.$ref} in the generated table`);
    return check(table, target, value, field, out);
  }
  const fail = (reason: string) => {
    out.push({ field, reason });
    return undefined;
  };
  const inEnum = () => s.enum === undefined || s.enum.includes(value as string | number | boolean);
  const enumReason = () => (s.enum!.length === 1 ? `must be ${String(s.enum![0])}, got ${shown(value)}` : `must be one of ${s.enum!.join(', ')}, got ${shown(value)}`);
  switch (s.type) {
    case 'string': {
      if (typeof value !== 'string') return fail(`must be a string, got ${shown(value)}`);
      const n = codePoints(value);
      if (s.minLength !== undefined && n < s.minLength) return fail(s.minLength === 1 ? 'must not be empty' : `must be at least ${s.minLength} characters`);
      if (s.maxLength !== undefined && n > s.maxLength) return fail(`must be at most ${s.maxLength} characters, got ${n}`);
      if (s.pattern !== undefined && !new RegExp(s.pattern).test(value)) return fail(`${shown(value)} does not match ${s.pattern}`);
      if (!inEnum()) return fail(enumReason());
      return value;
    }
    case 'integer':
    case 'number': {
      const integer = s.type === 'integer';
      if (typeof value !== 'number' || !Number.isFinite(value) || (integer && !Number.isSafeInteger(value))) return fail(`must be ${integer ? 'an integer' : 'a number'}, got ${shown(value)}`);
      if (s.minimum !== undefined && value < s.minimum) return fail(`must be >= ${s.minimum}, got ${value}`);
      if (s.exclusiveMinimum !== undefined && value <= s.exclusiveMinimum) return fail(`must be > ${s.exclusiveMinimum}, got ${value}`);
      if (s.maximum !== undefined && value > s.maximum) return fail(`must be <= ${s.maximum}, got ${value}`);
      if (!inEnum()) return fail(enumReason());
      return value;
    }
    case 'boolean':
      if (typeof value !== 'boolean') return fail(`must be true or false, got ${shown(value)}`);
      if (!inEnum()) return fail(enumReason());
      return value;
    case 'array': {
      if (!Array.isArray(value)) return fail(`must be a list, got ${shown(value)}`);
      // Refused whole before any element is looked at: one failure, however long the list.
      if (s.maxItems !== undefined && value.length > s.maxItems) return fail(`must have at most ${s.maxItems} items, got ${value.length}`);
      if (s.minItems !== undefined && value.length < s.minItems) return fail(`must have at least ${s.minItems} items, got ${value.length}`);
      const seen = new Set<string>();
      return value.map((v, i) => {
        const at = `${field}[${i}]`;
        const key = JSON.stringify(v);
        if (s.uniqueItems && seen.has(key)) out.push({ field: at, reason: `duplicate value ${shown(v)}` });
        seen.add(key);
        return s.items ? check(table, s.items, v, at, out) : v;
      });
    }
    case 'object':
      return checkObject(table, s, value, field, out);
    default:
      throw new Error(`wire schema at ${field || '(body)'}: no type`);
  }
}

function checkObject(table: Table, s: WireSchema, value: unknown, field: string, out: FieldFailure[]): unknown {
  const at = (k: string) => (field ? `${field}.${k}` : k);
  if (!isObject(value)) {
    out.push(field ? { field, reason: `must be an object, got ${shown(value)}` } : { field: '(body)', reason: 'must be a JSON object' });
    return undefined;
  }
  const props = s.properties ?? {};
  const result: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    // Own properties only: `constructor` or `toString` are unknown fields, not prototype members.
    const p = Object.hasOwn(props, k) ? props[k] : undefined;
    if (p) {
      if (v !== undefined) result[k] = check(table, p, v, at(k), out);
    } else if (typeof s.additionalProperties === 'object') result[k] = check(table, s.additionalProperties, v, at(k), out);
    else if (s.additionalProperties !== true && s.properties !== undefined) out.push({ field: at(k), reason: `unknown attribute (known: ${Object.keys(props).join(', ')})` });
    else if (s.properties === undefined && s.additionalProperties === undefined) result[k] = v; // a free-form object
  }
  for (const k of s.required ?? []) if (value[k] === undefined) out.push({ field: at(k), reason: 'is required' });
  return result;
}

/** `value` against message `name` of `table`: the known fields, and every failure. */
export function checkMessage<T>(table: Table, name: string, value: unknown): Checked<T> {
  const failures: FieldFailure[] = [];
  const s = table[name];
  if (!s) throw new Error(`wire schema: no message ${name}`);
  const checked = check(table, s, value, '', failures);
  return { value: (failures.length === 0 ? checked : {}) as T, failures };
}

/**
 * A query string against a route's declared parameters, in their order: integers as digits only,
 * booleans as the two words `true` and `false` (`?dryRun=` must not quietly mean true), strings
 * against their enum. Absent parameters take their default. Undeclared ones are not looked at.
 */
export function parseQuery(params: Readonly<Record<string, WireSchema>>, q: URLSearchParams): Checked<Record<string, unknown>> {
  const value: Record<string, unknown> = {};
  const failures: FieldFailure[] = [];
  for (const [name, s] of Object.entries(params)) {
    const v = q.get(name);
    if (v === null) {
      if (s.default !== undefined) value[name] = s.default;
      continue;
    }
    const fail = (reason: string) => failures.push({ field: name, reason: `${reason}, got ${JSON.stringify(v)}` });
    if (s.type === 'boolean') {
      if (v === 'true' || v === 'false') value[name] = v === 'true';
      else fail('must be true or false');
    } else if (s.type === 'integer') {
      const min = s.minimum ?? 0;
      const max = s.maximum ?? Number.MAX_SAFE_INTEGER;
      if (/^\d{1,15}$/.test(v) && Number(v) >= min && Number(v) <= max) value[name] = Number(v);
      else fail(`must be an integer between ${min} and ${max}`);
    } else if (s.enum !== undefined && !s.enum.includes(v)) fail(`must be one of ${s.enum.join(', ')}`);
    else value[name] = v;
  }
  return { value, failures };
}
