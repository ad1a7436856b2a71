// Turning a request body into a validated intent, the same way for every collection: schema.json
// validation with PATCH-null semantics, patches, the inputs of an object, the idempotent
// create's "same spec and same owner, or 409" answer, and who may delete an owned object.
import type { DryRunResponse, ResourceKind } from '../../api/contract';
import { inputNames, isInput, KINDS, resourceSpec, validateInput } from '../../schema';
import type { ComposerState } from '../state';
import { type Caller, isAdmin } from '../callers';
import { RESOURCE_TYPE, WHAT } from '../kinds';
import { problems } from '../problem';
import { toWire } from './wire';

export type Body = Record<string, unknown>;
export type CreateResult<T> = { status: 200 | 201; body: T } | { status: 200; body: DryRunResponse };

/** The query of a create: a dry run, or an explicit take-over of another owner's object. */
export interface CreateOptions {
  dryRun: boolean;
  adopt: boolean;
}

export const now = () => new Date().toISOString();
export const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** The body checked against schema.json: defaults applied (create), nulls resolved (update). */
export function validate(kind: ResourceKind, body: unknown, mode: 'create' | 'update'): Body {
  const { value, failures } = validateInput(RESOURCE_TYPE[kind], body, { mode });
  const adopt = KINDS[RESOURCE_TYPE[kind]].adopt;
  if (mode === 'update' && typeof body === 'object' && body !== null && (body as Body)[adopt] !== undefined) {
    failures.push({ field: adopt, reason: 'is read by the create only (a takeover of another owner\'s object); a PATCH cannot adopt' });
  }
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
  // The adopt attribute is a request, not state (docs/api.md "Owners"): read by adoptAsked().
  delete value[adopt];
  return value;
}

/** A create asks to take over another owner's object: `?adopt=true`, or the schema's adopt attribute true in the body. */
export function adoptAsked(kind: ResourceKind, body: unknown, query: boolean): boolean {
  if (query) return true;
  return typeof body === 'object' && body !== null && (body as Body)[KINDS[RESOURCE_TYPE[kind]].adopt] === true;
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
  const attrs = resourceSpec(RESOURCE_TYPE[kind]).attributes;
  const adopt = KINDS[RESOURCE_TYPE[kind]].adopt;
  for (const n of inputNames(RESOURCE_TYPE[kind])) {
    if (sensitive.includes(n) || n === adopt) continue;
    // An object stored before an attribute existed holds its default.
    if (!same(ex[n] ?? attrs[n]?.default, v[n])) differing.push(n);
  }
  if (differing.length > 0) throw problems.conflictExists(WHAT[kind], String(v.name), differing);
  return toWire(s, kind, existing);
}

const shownOwner = (o: string | undefined) => (o === undefined ? 'no owner' : o);

/**
 * The owner half of the idempotent create (docs/api.md "Owners"): an existing object of the same
 * spec is the caller's only when it has the same owner. Another owner's object is a 409 naming
 * both, unless the create says adopt (then the caller takes it over: true). Ownerless objects
 * (made through the API without one) are "no owner" and compare like any other.
 */
export function ownerTakeover(kind: ResourceKind, existing: { id: string; owner?: string }, name: string, owner: string | undefined, adopt: boolean): boolean {
  if (existing.owner === owner) return false;
  if (adopt) return true;
  throw problems.ownerConflict(
    `${WHAT[kind]} ${name} (${existing.id}) already exists with the same spec but belongs to ${shownOwner(existing.owner)}, not ${shownOwner(owner)}: two owners never share an object silently; take it over explicitly with adopt=true (or import it), or choose another name`,
    KINDS[RESOURCE_TYPE[kind]].owner,
  );
}

/**
 * Who may delete (or purge) an owned object: its owner (the providers send it from their state),
 * or an admin token; an ownerless object, anyone who may change it. The owner is what the caller
 * says it acts for: a guard against one stack or workspace destroying another's object, not an
 * access control (that is the token's scope).
 */
export function requireOwner(kind: ResourceKind, cur: { id: string; name?: string; owner?: string }, owner: string | undefined, caller: Caller, action = 'delete'): void {
  if (cur.owner === undefined || cur.owner === owner || isAdmin(caller)) return;
  throw problems.ownerConflict(
    `${WHAT[kind]} ${cur.id}${cur.name ? ` (${cur.name})` : ''} belongs to ${cur.owner}; this ${action} is for ${shownOwner(owner)}: only its owner or an admin token may ${action} it (pass ?owner= with its owner)`,
    KINDS[RESOURCE_TYPE[kind]].owner,
  );
}
