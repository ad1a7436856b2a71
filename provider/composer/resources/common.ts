// Turning a request body into a validated intent, the same way for every collection: schema.json
// validation with PATCH-null semantics, patches, the inputs of an object, and the idempotent
// create's "same spec or 409" answer.
import type { DryRunResponse, ResourceKind } from '../../api/contract';
import { inputNames, isInput, KINDS, resourceSpec, validateInput } from '../../schema';
import type { ComposerState } from '../state';
import { RESOURCE_TYPE, WHAT } from '../kinds';
import { problems } from '../problem';
import { toWire } from './wire';

export type Body = Record<string, unknown>;
export type CreateResult<T> = { status: 200 | 201; body: T } | { status: 200; body: DryRunResponse };

export const now = () => new Date().toISOString();
export const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** The body checked against schema.json: defaults applied (create), nulls resolved (update). */
export function validate(kind: ResourceKind, body: unknown, mode: 'create' | 'update'): Body {
  const { value, failures } = validateInput(RESOURCE_TYPE[kind], body, { mode });
  if (mode === 'update') {
    // A PATCH null unsets an optional attribute (docs/api.md): one with a default goes back to
    // its default (the stored object always has it); a required one cannot be unset.
    const attrs = resourceSpec(RESOURCE_TYPE[kind]).attributes;
    for (const f of nullKeys(body)) {
      const a = attrs[f];
      if (a && isInput(a) && a.required) failures.push({ field: f, reason: 'is required and cannot be unset (null)' });
      else if (a && isInput(a) && a.default !== undefined) value[f] = structuredClone(a.default);
    }
  }
  if (failures.length > 0) throw problems.validation(failures);
  return value;
}

/** Keys of a body set to null. */
function nullKeys(body: unknown): string[] {
  if (typeof body !== 'object' || body === null) return [];
  return Object.entries(body as Body)
    .filter(([, v]) => v === null)
    .map(([k]) => k);
}

/** Fields a PATCH null removes: those without a default (validate() restores the others). */
export function nullFields(kind: ResourceKind, body: unknown): string[] {
  const attrs = resourceSpec(RESOURCE_TYPE[kind]).attributes;
  return nullKeys(body).filter((k) => attrs[k]?.default === undefined);
}

export function applyPatch(cur: Body, patch: Body, unset: string[]): Body {
  const next: Body = { ...cur, ...patch };
  for (const f of unset) delete next[f];
  return next;
}

/** The schema inputs an object holds (what a create or update of its collection accepts). */
export function inputsOf(kind: ResourceKind, obj: Body): Body {
  const out: Body = {};
  for (const n of inputNames(RESOURCE_TYPE[kind])) if (obj[n] !== undefined) out[n] = obj[n];
  return out;
}

/**
 * Idempotent create: the existing object when the spec matches, else 409 naming the fields.
 * A sensitive attribute (schema.json; a key policy's secret) is never compared: answering differently for a matching and a wrong
 * secret would let anyone who may create policies test guesses of it. A retried create (the
 * providers re-send the same body after a timeout) still gets its 200; the secret of an
 * existing policy changes only by rotation (PATCH). See docs/api.md "Key policies".
 */
export function sameSpecOr409(s: ComposerState, kind: ResourceKind, existing: unknown, v: Body): unknown {
  const ex = existing as Body;
  const differing: string[] = [];
  const sensitive: readonly string[] = KINDS[RESOURCE_TYPE[kind]].sensitive;
  for (const n of inputNames(RESOURCE_TYPE[kind])) {
    if (sensitive.includes(n)) continue;
    if (!same(ex[n], v[n])) differing.push(n);
  }
  if (differing.length > 0) throw problems.conflictExists(WHAT[kind], String(v.name), differing);
  return toWire(s, kind, existing);
}
