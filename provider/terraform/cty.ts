// cty types and values as the plugin protocol carries them (DynamicValue), and the msgpack
// codec for them. cty's wire rules: null is msgpack nil, an unknown value is any msgpack
// extension (cty writes type 0; refined unknowns use type 12 — both decode to `unknown`),
// numbers are ints, floats or decimal strings, sets and lists are arrays, maps and objects are
// maps (an object always carries every attribute), a `dynamic` value is [type JSON, value].
import { decode as msgpackDecode, encode as msgpackEncode, ExtData } from '@msgpack/msgpack';

export type CtyPrimitive = 'string' | 'number' | 'bool' | 'dynamic';
export type CtyType =
  | CtyPrimitive
  | ['list', CtyType]
  | ['set', CtyType]
  | ['map', CtyType]
  | ['tuple', CtyType[]]
  | ['object', Record<string, CtyType>]
  | ['object', Record<string, CtyType>, string[]];

/** A value not known until apply. One shared instance; compare with `isUnknown`. */
export class Unknown {
  static readonly instance = new Unknown();
  private constructor() {}
  toJSON(): string {
    return '(known after apply)';
  }
}
export const unknown = Unknown.instance;

export type CtyValue = null | string | number | boolean | Unknown | CtyValue[] | { [name: string]: CtyValue };

export function isUnknown(v: unknown): v is Unknown {
  return v === Unknown.instance;
}

/** True when the value, or anything inside it, is unknown. */
export function containsUnknown(v: CtyValue): boolean {
  if (isUnknown(v)) return true;
  if (Array.isArray(v)) return v.some(containsUnknown);
  if (v !== null && typeof v === 'object') return Object.values(v).some(containsUnknown);
  return false;
}

export class CodecError extends Error {
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super(`${path || '(value)'}: ${reason}`);
    this.name = 'CodecError';
  }
}

function child(path: string, key: string | number): string {
  return typeof key === 'number' ? `${path}[${key}]` : path ? `${path}.${key}` : key;
}

// ---- encoding ------------------------------------------------------------------------------

const UNKNOWN_EXT = new ExtData(0, new Uint8Array([0]));

function toWire(v: CtyValue | undefined, t: CtyType, path: string): unknown {
  if (v === null || v === undefined) return null;
  if (isUnknown(v)) return UNKNOWN_EXT;
  if (typeof t === 'string') {
    switch (t) {
      case 'string':
        if (typeof v !== 'string') throw new CodecError(path, `expected a string, got ${typeof v}`);
        return v;
      case 'number':
        if (typeof v !== 'number' || !Number.isFinite(v)) throw new CodecError(path, `expected a finite number, got ${String(v)}`);
        // Integers beyond float64's exact range go as decimal strings, as cty does.
        if (Number.isInteger(v) && !Number.isSafeInteger(v)) return BigInt(v).toString();
        return v;
      case 'bool':
        if (typeof v !== 'boolean') throw new CodecError(path, `expected a bool, got ${typeof v}`);
        return v;
      case 'dynamic': {
        const inner = impliedType(v);
        return [Buffer.from(JSON.stringify(inner)), toWire(v, inner, path)];
      }
    }
  }
  const [kind] = t;
  if (kind === 'list' || kind === 'set') {
    if (!Array.isArray(v)) throw new CodecError(path, `expected a ${kind}`);
    return v.map((e, i) => toWire(e, t[1] as CtyType, child(path, i)));
  }
  if (kind === 'tuple') {
    const elems = t[1] as CtyType[];
    if (!Array.isArray(v) || v.length !== elems.length) throw new CodecError(path, `expected a tuple of ${elems.length}`);
    return v.map((e, i) => toWire(e, elems[i], child(path, i)));
  }
  if (typeof v !== 'object' || Array.isArray(v)) throw new CodecError(path, `expected a ${kind}`);
  const rec = v as Record<string, CtyValue>;
  if (kind === 'map') {
    const out: Record<string, unknown> = {};
    for (const [k, e] of Object.entries(rec)) out[k] = toWire(e, t[1] as CtyType, child(path, k));
    return out;
  }
  // object: every attribute present, null when absent; unexpected attributes are an error.
  const attrs = t[1] as Record<string, CtyType>;
  for (const k of Object.keys(rec)) {
    if (!(k in attrs) && rec[k] !== undefined) throw new CodecError(child(path, k), 'unexpected attribute');
  }
  const out: Record<string, unknown> = {};
  for (const [k, at] of Object.entries(attrs)) out[k] = toWire(rec[k], at, child(path, k));
  return out;
}

/** Encode a value of type `t` as cty msgpack. */
export function encodeValue(v: CtyValue, t: CtyType): Uint8Array {
  return msgpackEncode(toWire(v, t, ''), { ignoreUndefined: false });
}

/** The type cty would infer for a known JS value (for `dynamic` attributes). */
export function impliedType(v: CtyValue): CtyType {
  if (v === null || isUnknown(v)) return 'dynamic';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return 'number';
  if (typeof v === 'boolean') return 'bool';
  if (Array.isArray(v)) return ['tuple', v.map(impliedType)];
  const attrs: Record<string, CtyType> = {};
  for (const [k, e] of Object.entries(v)) attrs[k] = impliedType(e);
  return ['object', attrs];
}

// ---- decoding ------------------------------------------------------------------------------

function parseTypeJson(raw: unknown, path: string): CtyType {
  if (raw === 'string' || raw === 'number' || raw === 'bool' || raw === 'dynamic') return raw;
  if (Array.isArray(raw)) {
    const [kind, arg, optional] = raw;
    if ((kind === 'list' || kind === 'set' || kind === 'map') && arg !== undefined) return [kind, parseTypeJson(arg, path)];
    if (kind === 'tuple' && Array.isArray(arg)) return ['tuple', arg.map((a) => parseTypeJson(a, path))];
    if (kind === 'object' && arg && typeof arg === 'object') {
      const attrs: Record<string, CtyType> = {};
      for (const [k, a] of Object.entries(arg as Record<string, unknown>)) attrs[k] = parseTypeJson(a, path);
      return Array.isArray(optional) ? ['object', attrs, optional as string[]] : ['object', attrs];
    }
  }
  throw new CodecError(path, `not a cty type: ${JSON.stringify(raw)}`);
}

function fromWire(w: unknown, t: CtyType, path: string, allowUnknown: boolean): CtyValue {
  if (w === null || w === undefined) return null;
  if (w instanceof ExtData) {
    if (!allowUnknown) throw new CodecError(path, 'unknown value where only known values may appear');
    return unknown;
  }
  if (typeof t === 'string') {
    switch (t) {
      case 'string':
        if (typeof w !== 'string') throw new CodecError(path, `expected a string, got ${typeof w}`);
        return w;
      case 'number':
        if (typeof w === 'number') return w;
        if (typeof w === 'bigint') return Number(w);
        if (typeof w === 'string' && w.trim() !== '' && Number.isFinite(Number(w))) return Number(w);
        throw new CodecError(path, `expected a number, got ${JSON.stringify(w)}`);
      case 'bool':
        if (typeof w !== 'boolean') throw new CodecError(path, `expected a bool, got ${typeof w}`);
        return w;
      case 'dynamic': {
        if (!Array.isArray(w) || w.length !== 2) throw new CodecError(path, 'expected [type, value] for a dynamic value');
        const typeBytes = w[0];
        const typeText = typeof typeBytes === 'string' ? typeBytes : Buffer.from(typeBytes as Uint8Array).toString('utf8');
        return fromWire(w[1], parseTypeJson(JSON.parse(typeText), path), path, allowUnknown);
      }
    }
  }
  const [kind] = t;
  if (kind === 'list' || kind === 'set') {
    if (!Array.isArray(w)) throw new CodecError(path, `expected a ${kind}`);
    return w.map((e, i) => fromWire(e, t[1] as CtyType, child(path, i), allowUnknown));
  }
  if (kind === 'tuple') {
    const elems = t[1] as CtyType[];
    if (!Array.isArray(w) || w.length !== elems.length) throw new CodecError(path, `expected a tuple of ${elems.length}`);
    return w.map((e, i) => fromWire(e, elems[i], child(path, i), allowUnknown));
  }
  if (typeof w !== 'object' || Array.isArray(w) || w instanceof Uint8Array) throw new CodecError(path, `expected a ${kind}`);
  const rec = w as Record<string, unknown>;
  const out: Record<string, CtyValue> = {};
  if (kind === 'map') {
    for (const [k, e] of Object.entries(rec)) out[k] = fromWire(e, t[1] as CtyType, child(path, k), allowUnknown);
    return out;
  }
  const attrs = t[1] as Record<string, CtyType>;
  for (const [k, at] of Object.entries(attrs)) out[k] = fromWire(rec[k], at, child(path, k), allowUnknown);
  return out;
}

export interface DynamicValueWire {
  msgpack?: Uint8Array | Buffer | null;
  json?: Uint8Array | Buffer | null;
}

/**
 * Decode a DynamicValue of type `t`: msgpack when present, otherwise JSON (which cannot carry
 * unknowns). An empty DynamicValue is null. Objects come back with every attribute present.
 */
export function decodeDynamicValue(dv: DynamicValueWire | null | undefined, t: CtyType): CtyValue {
  if (!dv) return null;
  if (dv.msgpack && dv.msgpack.length > 0) return fromWire(msgpackDecode(dv.msgpack), t, '', true);
  if (dv.json && dv.json.length > 0) return fromWire(JSON.parse(Buffer.from(dv.json).toString('utf8')), t, '', false);
  return null;
}

export function encodeDynamicValue(v: CtyValue, t: CtyType): { msgpack: Buffer } {
  return { msgpack: Buffer.from(encodeValue(v, t)) };
}

/** Conform a JSON document (e.g. stored state) to a type, as the JSON DynamicValue does. */
export function fromJson(doc: unknown, t: CtyType): CtyValue {
  return fromWire(doc, t, '', false);
}

/** The type's JSON form, as the protocol's schema `type` bytes carry it. */
export function typeJson(t: CtyType): Buffer {
  return Buffer.from(JSON.stringify(t));
}
