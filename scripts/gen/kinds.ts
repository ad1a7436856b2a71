// schema.json -> the kinds registry (provider/schema/kinds.generated.ts): every resource kind
// with its collection, id prefix, label and attribute roles, the placement attributes and their
// defaults, the capacity query's parameter types and the provider settings, as typed constants,
// so code outside provider/schema/ names none of them by hand (docs/schema-format.md).
import { type AttributeRole, type AttributeSpec, type BlockSpec, isInput, schema } from '../../provider/schema';
import { GENERATED_HEADER, type GeneratedFile } from './types';

export const KINDS_PATH = 'provider/schema/kinds.generated.ts';

const q = (v: unknown): string => JSON.stringify(v).replace(/"/g, "'");
const union = (names: string[]): string => (names.length ? names.map((n) => q(n)).join(' | ') : 'never');
const list = (names: string[]): string => `[${names.map((n) => q(n)).join(', ')}]`;

/** `/v1/key-policies` -> `key-policies`. */
function collectionOf(type: string, spec: BlockSpec): string {
  const m = /^\/v1\/([a-z-]+)$/.exec(spec.api);
  if (!m) throw new Error(`${type}: api ${spec.api} is not a /v1/<collection> path`);
  return m[1];
}

function names(spec: BlockSpec, pick: (a: AttributeSpec, name: string) => boolean): string[] {
  return Object.entries(spec.attributes)
    .filter(([n, a]) => pick(a, n))
    .map(([n]) => n);
}

function one(type: string, role: AttributeRole, found: string[]): string {
  if (found.length !== 1) throw new Error(`${type}: schema.json must mark exactly one attribute "role": "${role}", found ${found.length}`);
  return found[0];
}

function required<T>(type: string, key: string, v: T | undefined): T {
  if (v === undefined) throw new Error(`${type}: schema.json must give "${key}" (docs/schema-format.md)`);
  return v;
}

/** Query-parameter type of a scalar or list attribute (objects cannot be query parameters). */
function paramType(type: string, name: string, a: AttributeSpec): string {
  if (typeof a.type === 'string') return a.type;
  if ('list' in a.type && typeof a.type.list === 'string') return 'list';
  throw new Error(`${type}.${name}: an object attribute cannot be a query parameter`);
}

/** The placement attributes across kinds, with one default each (kinds must agree on it). */
function placementAttributes(): { names: string[]; defaults: Map<string, AttributeSpec> } {
  const order: string[] = [];
  const defaults = new Map<string, AttributeSpec>();
  for (const [type, spec] of Object.entries(schema.resources)) {
    for (const [n, a] of Object.entries(spec.attributes)) {
      if (!a.placement || !isInput(a)) continue;
      if (!spec.placed) throw new Error(`${type}.${n}: placement attribute on a kind that is not placed`);
      if (!order.includes(n)) order.push(n);
      const seen = defaults.get(n);
      if (seen && JSON.stringify(seen.default) !== JSON.stringify(a.default)) throw new Error(`${type}.${n}: default differs from another kind's`);
      if (!seen || seen.default === undefined) defaults.set(n, a);
    }
  }
  return { names: order, defaults };
}

/** A default as a TypeScript expression typed like the attribute (lists keep their element type). */
function defaultExpr(a: AttributeSpec): string {
  if (Array.isArray(a.default)) {
    const elem = typeof a.type === 'object' && 'list' in a.type && a.allowed ? `(${union(a.allowed.map(String))})` : 'string';
    return `${q(a.default)} as ${elem}[]`;
  }
  return typeof a.default === 'string' ? `${q(a.default)} as const` : q(a.default);
}

export function kindsModule(): string {
  const out: string[] = [`// ${GENERATED_HEADER}`, '// The kinds registry: docs/schema-format.md describes each field.', ''];
  const types = Object.keys(schema.resources);
  const dataSources = Object.keys(schema.dataSources);
  const collections = types.map((t) => collectionOf(t, schema.resources[t]));

  out.push(`export type ResourceType = ${union(types)};`);
  out.push(`export type DataSourceType = ${union(dataSources)};`);
  out.push(`/** The composer's REST collections (/v1/<collection>). */`);
  out.push(`export type Collection = ${union(collections)};`);
  out.push(`/** The collections of placed kinds: their objects hold drives and are staged by agents. */`);
  out.push(`export type PlacedCollection = ${union(types.filter((t) => schema.resources[t].placed).map((t) => collectionOf(t, schema.resources[t])))};`);
  out.push('');
  out.push(`export const RESOURCE_TYPES: readonly ResourceType[] = ${list(types)};`);
  out.push(`export const DATA_SOURCE_TYPES: readonly DataSourceType[] = ${list(dataSources)};`);
  out.push(`export const COLLECTIONS: readonly Collection[] = ${list(collections)};`);
  out.push('');

  const all = new Set<string>();
  for (const [type, spec] of [...Object.entries(schema.resources), ...Object.entries(schema.dataSources)]) {
    const attrs = Object.keys(spec.attributes);
    attrs.forEach((a) => all.add(a));
    out.push(`/** The attributes of ${type}. */`);
    out.push(`export type ${spec.kind}Attribute = ${union(attrs)};`);
  }
  out.push(`/** Every attribute name schema.json declares for a resource or data source. */`);
  out.push(`export type AttributeName = ${union([...all])};`);
  out.push(`export const ATTRIBUTE_NAMES: readonly AttributeName[] = ${list([...all])};`);
  out.push('');

  out.push(`export interface KindEntry {`);
  out.push(`  type: ResourceType;`);
  out.push(`  /** Class name: Pulumi tessera.<Kind>. */`);
  out.push(`  kind: string;`);
  out.push(`  collection: Collection;`);
  out.push(`  api: string;`);
  out.push(`  /** Composer-assigned ids are <idPrefix>-<hex>. */`);
  out.push(`  idPrefix: string;`);
  out.push(`  /** The kind in words, for messages. */`);
  out.push(`  label: string;`);
  out.push(`  /** Placed on drives by the engine and staged on a server by an agent. */`);
  out.push(`  placed: boolean;`);
  out.push(`  /** The placement type of every object of the kind, when it has no type input. */`);
  out.push(`  placementType?: string;`);
  out.push(`  /** The composer-assigned id (the providers' resource id). */`);
  out.push(`  id: AttributeName;`);
  out.push(`  /** The attribute the providers set to the URN or Terraform address. */`);
  out.push(`  owner: AttributeName;`);
  out.push(`  /** The create's explicit takeover of another owner's object: sent as ?adopt=true, never stored. */`);
  out.push(`  adopt: AttributeName;`);
  out.push(`  /** The object's name, unique within its scope. */`);
  out.push(`  name: AttributeName;`);
  out.push(`  /** The object the name is unique within (a volume's cluster), if any. */`);
  out.push(`  scope?: AttributeName;`);
  out.push(`  /** Scope and name: they name the object, so a replacement keeping them must delete first. */`);
  out.push(`  identity: readonly AttributeName[];`);
  out.push(`  /** Inputs that shape the placement (a dry-run needs them known). */`);
  out.push(`  placement: readonly AttributeName[];`);
  out.push(`  /** Outputs that are part of the placement: a resize recomputes them. */`);
  out.push(`  placementOutputs: readonly AttributeName[];`);
  out.push(`  /** Sensitive attributes: never logged, never returned by the composer. */`);
  out.push(`  sensitive: readonly AttributeName[];`);
  out.push(`  /** Write-only attribute -> the attribute whose change re-sends it. */`);
  out.push(`  writeOnlyVersions: Readonly<Partial<Record<AttributeName, AttributeName>>>;`);
  out.push(`}`);
  out.push('');
  const prefixes = types.map((t) => required(t, 'idPrefix', schema.resources[t].idPrefix));
  const twice = prefixes.find((x, i) => prefixes.indexOf(x) !== i);
  if (twice) throw new Error(`idPrefix ${twice} is given to two resources: ids would not say their kind`);
  out.push(`export const KINDS: Readonly<Record<ResourceType, KindEntry>> = {`);
  for (const [type, spec] of Object.entries(schema.resources)) {
    const versions: Record<string, string> = {};
    for (const [n, a] of Object.entries(spec.attributes)) {
      if (!a.writeOnly) continue;
      const v = required(`${type}.${n}`, 'versionAttribute', a.versionAttribute);
      if (!spec.attributes[v]) throw new Error(`${type}.${n}: versionAttribute ${v} is not an attribute`);
      versions[n] = v;
    }
    const entry: string[] = [
      `type: ${q(type)}`,
      `kind: ${q(spec.kind)}`,
      `collection: ${q(collectionOf(type, spec))}`,
      `api: ${q(spec.api)}`,
      `idPrefix: ${q(required(type, 'idPrefix', spec.idPrefix))}`,
      `label: ${q(required(type, 'label', spec.label))}`,
      `placed: ${!!spec.placed}`,
      ...(spec.placementType ? [`placementType: ${q(spec.placementType)}`] : []),
      `id: ${q(one(type, 'id', names(spec, (a) => a.role === 'id')))}`,
      `owner: ${q(one(type, 'owner', names(spec, (a) => a.role === 'owner')))}`,
      `adopt: ${q(one(type, 'adopt', names(spec, (a) => a.role === 'adopt')))}`,
      `name: ${q(one(type, 'name', names(spec, (a) => a.role === 'name')))}`,
      ...names(spec, (a) => a.role === 'scope').map((n) => `scope: ${q(n)}`),
      `identity: ${list(names(spec, (a) => a.role === 'scope' || a.role === 'name'))}`,
      `placement: ${list(names(spec, (a) => !!a.placement && isInput(a)))}`,
      `placementOutputs: ${list(names(spec, (a) => !!a.placement && !isInput(a)))}`,
      `sensitive: ${list(names(spec, (a) => !!a.sensitive))}`,
      `writeOnlyVersions: ${Object.keys(versions).length ? `{ ${Object.entries(versions).map(([w, v]) => `${w}: ${q(v)}`).join(', ')} }` : '{}'}`,
    ];
    out.push(`  ${type}: {\n    ${entry.join(',\n    ')},\n  },`);
  }
  out.push(`};`);
  out.push('');
  out.push(`/** Which resource type a REST collection holds. */`);
  out.push(`export const TYPE_OF_COLLECTION: Readonly<Record<Collection, ResourceType>> = {`);
  for (const t of types) out.push(`  ${q(collectionOf(t, schema.resources[t]))}: ${q(t)},`);
  out.push(`};`);
  out.push('');

  const placement = placementAttributes();
  out.push(`/** Attributes that shape a placement (any placed kind), in schema.json order. */`);
  out.push(`export const PLACEMENT_ATTRIBUTES = ${list(placement.names)} as const;`);
  out.push(`export type PlacementAttribute = (typeof PLACEMENT_ATTRIBUTES)[number];`);
  out.push(`/** The placement attributes' defaults (the engine applies them to a request). */`);
  out.push(`export const PLACEMENT_DEFAULTS = {`);
  for (const n of placement.names) {
    const a = placement.defaults.get(n)!;
    if (a.default !== undefined) out.push(`  ${n}: ${defaultExpr(a)},`);
  }
  out.push(`};`);
  out.push('');

  const capacity = Object.entries(schema.dataSources).find(([, s]) => s.api === '/v1/capacity');
  if (capacity) {
    const [type, spec] = capacity;
    out.push(`/** Query-parameter types of GET ${spec.api} (${type}'s inputs; lists are comma-separated). */`);
    out.push(`export const CAPACITY_QUERY: Readonly<Partial<Record<${spec.kind}Attribute, 'string' | 'integer' | 'boolean' | 'list'>>> = {`);
    for (const [n, a] of Object.entries(spec.attributes)) if (a.required || a.optional) out.push(`  ${n}: ${q(paramType(type, n, a))},`);
    out.push(`};`);
    out.push('');
  }

  out.push(`/** The provider settings: environment fallback and Pulumi stack config key of each. */`);
  out.push(`export const PROVIDER_SETTINGS = {`);
  for (const [n, a] of Object.entries(schema.provider.attributes)) {
    out.push(`  ${n}: { env: ${q(required(n, 'env', a.env))}, config: ${q(required(n, 'config', a.config))}, sensitive: ${!!a.sensitive} },`);
  }
  out.push(`} as const;`);
  out.push(`export type ProviderSetting = keyof typeof PROVIDER_SETTINGS;`);
  return out.join('\n') + '\n';
}

export function generate(): GeneratedFile[] {
  return [{ path: KINDS_PATH, content: kindsModule() }];
}
