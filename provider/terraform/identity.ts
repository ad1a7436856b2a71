// Resource identity (tfplugin6.9, Terraform >= 1.12; docs/terraform.md "Resource identity"): the
// attributes that name one composer object, derived from schema.json's kinds registry: the
// natural key (the scope, a volume's or slice's cluster, and the name) and the composer id.
// `import { to = ...; identity = { cluster = "...", name = "..." } }` sends it instead of an id
// string; Terraform keeps the identity each read and apply returns in the state. OpenTofu never
// asks for it (no GetResourceIdentitySchemas call): it sends no identity and ignores none. Pure.
import { KINDS, type ResourceType } from '../schema';
import { type CtyType, type CtyValue, encodeDynamicValue, typeJson } from './cty';
import { type TfBlock, tfName } from './schema';

/**
 * Version of every identity schema. It changes only when the identity attributes do; state
 * stores it beside each identity and Terraform sends older ones to UpgradeResourceIdentity.
 */
export const IDENTITY_VERSION = 0;

export interface IdentityAttribute {
  /** schema.json name. */
  name: string;
  tfName: string;
  description: string;
}

export interface IdentityBlock {
  typeName: string;
  attributes: IdentityAttribute[];
  type: CtyType;
}

function identityBlock(b: TfBlock): IdentityBlock {
  const kind = KINDS[b.typeName as ResourceType];
  // The natural key first (scope, name), then the id: any one of the two identifies the object.
  const names = [...kind.identity, kind.id].filter((n, i, all) => all.indexOf(n) === i);
  const attributes = names.map((name) => {
    const a = b.attributes.find((x) => x.name === name);
    if (!a) throw new Error(`${b.typeName}: identity attribute ${name} is not in schema.json`);
    return { name, tfName: a.tfName, description: a.spec.description };
  });
  return { typeName: b.typeName, attributes, type: ['object', Object.fromEntries(attributes.map((a) => [a.tfName, 'string' as CtyType]))] };
}

const blocks = new Map<string, IdentityBlock>();

/** The identity of a resource type (every resource type has one). */
export function identityOf(b: TfBlock): IdentityBlock {
  let ib = blocks.get(b.typeName);
  if (!ib) {
    ib = identityBlock(b);
    blocks.set(b.typeName, ib);
  }
  return ib;
}

/** The tfplugin6 ResourceIdentitySchema message: every attribute may be given on import. */
export function identitySchemaMessage(ib: IdentityBlock): Record<string, unknown> {
  return {
    version: IDENTITY_VERSION,
    identity_attributes: ib.attributes.map((a) => ({
      name: a.tfName,
      type: typeJson('string'),
      required_for_import: false,
      optional_for_import: true,
      description: `${a.description} Import by identity takes the id, or the ${naturalKeyText(ib)}.`,
    })),
  };
}

function naturalKeyText(ib: IdentityBlock): string {
  const kind = KINDS[ib.typeName as ResourceType];
  return kind.identity.map((n) => tfName(n)).join(' and ');
}

/** The identity of an object from its Terraform state (null when the state is null or has no id). */
export function identityFromState(ib: IdentityBlock, state: Record<string, CtyValue> | null): Record<string, CtyValue> | null {
  if (!state || typeof state.id !== 'string') return null;
  return Object.fromEntries(ib.attributes.map((a) => [a.tfName, typeof state[a.tfName] === 'string' ? state[a.tfName] : null]));
}

/**
 * What an import by identity names, as the import id string the handlers resolve (the id, or
 * NAME / SCOPE/NAME): the id when given, else the natural key, every part of which is needed.
 * Throws naming the missing attribute.
 */
export function importRefOf(ib: IdentityBlock, identity: Record<string, CtyValue>): string {
  const kind = KINDS[ib.typeName as ResourceType];
  const value = (name: string): string | undefined => {
    const v = identity[tfName(name)];
    return typeof v === 'string' && v !== '' ? v : undefined;
  };
  const id = value(kind.id);
  if (id) return id;
  const missing = kind.identity.filter((n) => !value(n));
  if (missing.length) {
    throw new Error(
      `identity.${tfName(missing[0])}: required to import ${ib.typeName} by identity without an ${tfName(kind.id)} (give ${tfName(kind.id)}, or ${naturalKeyText(ib)})`,
    );
  }
  return kind.identity.map((n) => value(n)!).join('/');
}

/** The tfplugin6 ResourceIdentityData of an object's state (undefined when it has no id yet). */
export function identityMessage(b: TfBlock, state: Record<string, CtyValue> | null): { identity_data: { msgpack: Buffer } } | undefined {
  const ib = identityOf(b);
  const identity = identityFromState(ib, state);
  return identity ? { identity_data: encodeDynamicValue(identity, ib.type) } : undefined;
}
