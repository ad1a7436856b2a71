// Property values on the wire: google.protobuf.Struct with Pulumi's two sentinels, the unknown
// (a value not known during a preview) and the secret wrapper (an object with the secret
// signature key). The provider accepts secrets (Configure answers acceptSecrets), so it unwraps
// them on the way in and wraps every sensitive attribute, and every input that came in secret,
// on the way out: the state never holds them in the clear (docs/pulumi.md "Secrets").
import { Struct } from 'google-protobuf/google/protobuf/struct_pb';
import type { Props } from '../handlers/types';

/** The value Pulumi sends for inputs not known yet during a preview. */
export const UNKNOWN = '04da6b54-80e4-46f7-96ec-b56ff0331ba9';
/** The key and value that mark an object as a secret wrapper: { [SIG]: SECRET_SIG, value }. */
export const SIG_KEY = '4dabf18193072939515e22adb298388d';
export const SECRET_SIG = '1b47061264138c4ac30d75fd1eb44270';

export function isSecret(v: unknown): v is { value: unknown } {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && (v as Record<string, unknown>)[SIG_KEY] === SECRET_SIG;
}

export function secret(value: unknown): Record<string, unknown> {
  return { [SIG_KEY]: SECRET_SIG, value };
}

function unwrap(v: unknown, found: { secret: boolean }): unknown {
  if (isSecret(v)) {
    found.secret = true;
    return unwrap(v.value, found);
  }
  if (Array.isArray(v)) return v.map((x) => unwrap(x, found));
  if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unwrap(x, found)]));
  return v;
}

export interface Decoded {
  props: Props;
  /** Top-level keys whose value was (or held) a secret. */
  secrets: Set<string>;
}

/** A Struct (or nothing) as plain props, secrets unwrapped and remembered by top-level key. */
export function decode(s: Struct | undefined): Decoded {
  const raw = (s?.toJavaScript() ?? {}) as Props;
  const props: Props = {};
  const secrets = new Set<string>();
  for (const [k, v] of Object.entries(raw)) {
    const found = { secret: false };
    props[k] = unwrap(v, found);
    if (found.secret) secrets.add(k);
  }
  return { props, secrets };
}

/** Plain props as a Struct, the listed keys wrapped as secrets; undefined values are left out. */
export function encode(props: Props, secrets: Iterable<string> = []): Struct {
  const wrap = new Set(secrets);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined) continue;
    out[k] = wrap.has(k) && v !== null && v !== UNKNOWN ? secret(v) : v;
  }
  return Struct.fromJavaScript(out as Parameters<typeof Struct.fromJavaScript>[0]);
}

/** Fields whose value (or a part of it) is not known yet. */
export function unknownFields(props: Props): string[] {
  return Object.entries(props)
    .filter(([, v]) => v === UNKNOWN || (typeof v === 'object' && v !== null && JSON.stringify(v).includes(UNKNOWN)))
    .map(([k]) => k);
}
