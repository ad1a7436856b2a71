// The shape of a resource's state as the native provider stores it: the Pulumi attributes of
// schema.json (package-schema.ts: no id, no Terraform-only write-only forms) plus the composer
// identity, sensitive attributes and secret inputs wrapped as secrets. One place for what
// Create, Read and Update answer with, and for what Diff, Update and Delete read back.
import { isInput, KINDS, resourceSpec, type ResourceType } from '../schema';
import type { Props } from '../handlers/types';
import { pulumiAttributes, pulumiInputs } from './package-schema';
import { COMPOSER_KEY } from './server';
import { decode, type Decoded, encode, UNKNOWN } from './values';
import type { Struct } from 'google-protobuf/google/protobuf/struct_pb';

/** Sensitive attributes of a type: always secret in what the provider answers. */
export function sensitiveOf(type: string): string[] {
  return [...KINDS[type as ResourceType].sensitive];
}

/** The recorded composer identity in a state, if any. */
export function recordedComposer(state: Props): string | undefined {
  const c = state[COMPOSER_KEY];
  return typeof c === 'string' && c ? c : undefined;
}

/** State without the provider's own keys: what the handlers see. */
export function withoutHidden(props: Props): Props {
  const out: Props = { ...props };
  delete out[COMPOSER_KEY];
  return out;
}

/** The state to store: Pulumi attributes only, the composer identity, secrets wrapped. */
export function encodeState(type: string, props: Props, composer: string | undefined, secrets: Iterable<string> = []): Struct {
  const out: Props = {};
  for (const f of pulumiAttributes(type)) if (props[f] !== undefined) out[f] = props[f];
  if (composer) out[COMPOSER_KEY] = composer;
  return encode(out, [...secrets, ...sensitiveOf(type)]);
}

/** The preview's outputs: the inputs, the given known outputs, every other output unknown. */
export function previewState(type: string, inputs: Props, known: Props, composer: string | undefined, secrets: Iterable<string>): Struct {
  const spec = resourceSpec(type);
  const out: Props = {};
  for (const f of pulumiAttributes(type)) {
    if (isInput(spec.attributes[f])) out[f] = inputs[f];
    else out[f] = known[f] !== undefined ? known[f] : UNKNOWN;
  }
  return encodeState(type, out, composer, secrets);
}

/** The inputs of an object read from the composer (an import): its input attributes that are set. */
export function inputsOf(type: string, props: Props): Props {
  const out: Props = {};
  for (const f of pulumiInputs(type)) if (props[f] !== undefined && props[f] !== null) out[f] = props[f];
  return out;
}

export function decodeState(s: Struct | undefined): Decoded & { clean: Props } {
  const d = decode(s);
  return { ...d, clean: withoutHidden(d.props) };
}
