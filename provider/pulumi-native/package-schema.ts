// The Pulumi package schema of the native provider (pulumi-resource-tessera), derived from
// schema.json and nothing else: GetSchema answers with it, `npm run gen` writes it to
// provider/pulumi-native/schema.generated.json, and `pulumi package gen-sdk` makes the
// TypeScript, Python and Go SDKs from it (docs/pulumi.md "The native provider").
import { type AttributeSpec, type AttributeType, type BlockSpec, isInput, KINDS, RESOURCE_TYPES, resourceSpec, schema } from '../schema';
import { VERSION } from '../version';
import { PER_SERVER, SCALE_OUT_DESCRIPTION, SCALE_OUT_TYPE } from '../../sdk/common/scaleout';

/** The package name: every token is tessera:index:<Name>. */
export const PACKAGE = schema.provider.name;
const MODULE = 'index';

/** The token of a resource type (tessera_volume -> tessera:index:Volume). */
export function resourceToken(type: string): string {
  return `${PACKAGE}:${MODULE}:${resourceSpec(type).kind}`;
}

/** The token of a data source's function (tessera_capacity -> tessera:index:getCapacity). */
export function functionToken(type: string): string {
  return `${PACKAGE}:${MODULE}:get${resourceSpec(type).kind}`;
}

/** token -> resource type, and token -> data source type. */
export const RESOURCE_OF_TOKEN: ReadonlyMap<string, string> = new Map(RESOURCE_TYPES.map((t) => [resourceToken(t), t]));
export const DATA_SOURCE_OF_TOKEN: ReadonlyMap<string, string> = new Map(Object.keys(schema.dataSources).map((t) => [functionToken(t), t]));

/**
 * Attributes a Pulumi resource carries: everything but the id (Pulumi keeps it apart) and the
 * Terraform-only write-only forms with their version companions (secretWo, secretWoVersion).
 */
export function pulumiAttributes(type: string): string[] {
  const spec = resourceSpec(type);
  const versions = new Set(Object.values(spec.attributes).map((a) => (a.writeOnly ? a.versionAttribute : undefined)));
  return Object.keys(spec.attributes).filter((f) => spec.attributes[f].role !== 'id' && !spec.attributes[f].writeOnly && !versions.has(f));
}

/** Of those, the inputs a program sets (the owner is the provider's: the URN). */
export function pulumiInputs(type: string): string[] {
  const spec = resourceSpec(type);
  return pulumiAttributes(type).filter((f) => isInput(spec.attributes[f]));
}

export interface PulumiTypeRef {
  type?: string;
  items?: PulumiTypeRef;
  additionalProperties?: PulumiTypeRef;
  $ref?: string;
}

export interface PulumiProperty extends PulumiTypeRef {
  description?: string;
  secret?: boolean;
  default?: unknown;
  replaceOnChanges?: boolean;
  willReplaceOnChanges?: boolean;
}

interface ObjectTypeSpec {
  type: 'object';
  description: string;
  properties: Record<string, PulumiProperty>;
  required: string[];
}

const SCALARS: Record<string, string> = { string: 'string', integer: 'integer', boolean: 'boolean' };

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** Named object types (a volume's members), one per distinct shape, shared across resources. */
class ObjectTypes {
  readonly specs: Record<string, ObjectTypeSpec> = {};
  private readonly byShape = new Map<string, string>();

  ref(kind: string, attr: string, shape: Record<string, AttributeType>): string {
    const key = JSON.stringify(shape);
    const known = this.byShape.get(key);
    if (known) return known;
    // members -> Member; another shape under the same name gets the kind in front.
    const base = capitalize(attr.replace(/s$/, ''));
    let token = `${PACKAGE}:${MODULE}:${base}`;
    if (this.specs[token]) token = `${PACKAGE}:${MODULE}:${kind}${base}`;
    const properties: Record<string, PulumiProperty> = {};
    for (const [f, t] of Object.entries(shape)) properties[f] = this.typeOf(kind, f, t);
    this.specs[token] = { type: 'object', description: `An element of ${attr}.`, properties, required: Object.keys(shape) };
    this.byShape.set(key, token);
    return token;
  }

  typeOf(kind: string, attr: string, t: AttributeType): PulumiTypeRef {
    if (typeof t === 'string') return { type: SCALARS[t] };
    if ('list' in t) return { type: 'array', items: this.typeOf(kind, attr, t.list) };
    return { $ref: `#/types/${this.ref(kind, attr, t.object)}` };
  }
}

/** The description Pulumi shows, with the bounds schema.json enforces. */
function describe(a: AttributeSpec): string {
  const extra: string[] = [];
  if (a.allowed) extra.push(`One of: ${a.allowed.join(', ')}.`);
  if (a.update === 'replace' && !a.inPlaceWhen) extra.push('Changing it replaces the object.');
  return [a.description, ...extra].join(' ');
}

function property(types: ObjectTypes, kind: string, name: string, a: AttributeSpec, asInput: boolean): PulumiProperty {
  const p: PulumiProperty = { ...types.typeOf(kind, name, a.type), description: a.role === 'name' ? `${describe(a)} Defaults to the resource's Pulumi name.` : describe(a) };
  if (a.sensitive) p.secret = true;
  if (asInput && a.default !== undefined && typeof a.default !== 'object') p.default = a.default;
  // Only an unconditional replacement: a conditional one (a growth in place for some types) is the provider's Diff to decide.
  if (a.update === 'replace' && !a.inPlaceWhen) {
    if (asInput) p.willReplaceOnChanges = true;
  }
  return p;
}

function block(types: ObjectTypes, spec: BlockSpec, names: string[], asInput: boolean): Record<string, PulumiProperty> {
  const out: Record<string, PulumiProperty> = {};
  for (const n of names) out[n] = property(types, spec.kind, n, spec.attributes[n], asInput);
  return out;
}

/** The component token (tessera:index:ScaleOutCluster): Construct serves it (rpc/construct.ts). */
export const COMPONENT_TOKEN = SCALE_OUT_TYPE;

/**
 * A template of the component: the volume's (or slice's) inputs but those the layout sets per
 * server (sdk/common/scaleout.ts PER_SERVER), plus the template name. No defaults and no
 * replace marks here: the child resource's own Check and Diff apply them.
 */
function templateType(types: ObjectTypes, type: string): PulumiTypeRef {
  const spec = resourceSpec(type);
  const names = pulumiInputs(type).filter((f) => !(PER_SERVER as readonly string[]).includes(f));
  const properties: Record<string, PulumiProperty> = {
    name: { type: 'string', description: `The template name: each server's ${spec.kind.toLowerCase()} is named \`<server>-<name>\`.` },
  };
  for (const [n, prop] of Object.entries(block(types, spec, names, false))) properties[n] = prop;
  const token = `${PACKAGE}:${MODULE}:${spec.kind}Template`;
  types.specs[token] = {
    type: 'object',
    description: `One ${spec.kind.toLowerCase()} every server of a ScaleOutCluster gets.`,
    properties,
    required: ['name', ...names.filter((f) => spec.attributes[f].required)],
  };
  return { type: 'array', items: { $ref: `#/types/${token}` } };
}

/** The ScaleOutCluster component: inputs as the TypeScript SDK's ScaleOutClusterArgs, outputs the ids it made. */
function scaleOutComponent(types: ObjectTypes): Record<string, unknown> {
  const cluster = resourceSpec('tessera_cluster');
  const names = { type: 'array', items: { type: 'string' } };
  const ids = (what: string): PulumiProperty => ({ type: 'object', additionalProperties: { type: 'string' }, description: `The composer id of each ${what}, by its name (\`<server>-<template>\`).` });
  return {
    isComponent: true,
    description: SCALE_OUT_DESCRIPTION,
    inputProperties: {
      clusterName: { type: 'string', description: "Cluster name (default: the component's name)." },
      servers: { ...names, description: 'The member servers, by inventory name: one set of volumes each.' },
      keyPolicy: { type: 'string', description: "Key policy id for the encrypted volumes (also the cluster's default)." },
      networkTransportsAllowed: property(types, cluster.kind, 'networkTransportsAllowed', cluster.attributes.networkTransportsAllowed, false),
      volumes: { ...templateType(types, 'tessera_volume'), description: 'The volumes every server gets.' },
      slices: { ...templateType(types, 'tessera_slice'), description: 'The slices every server gets.' },
      stage: { type: 'boolean', description: 'Stage each volume and slice on its server (default true). false composes only: no server, no mount path.' },
    },
    requiredInputs: ['servers', 'volumes'],
    properties: { clusterId: { type: 'string', description: 'The composer id of the cluster.' }, volumeIds: ids('volume'), sliceIds: ids('slice') },
    required: ['clusterId', 'volumeIds', 'sliceIds'],
  };
}

/**
 * The Python name of a property: snake_case with a binary unit (GiB, MiB, TiB) as one word
 * (sizeGiB -> size_gib). Pulumi's Python generator splits every capital (size_gi_b) and has no
 * per-property name setting, so the package schema lists these names under
 * language.python.propertyNames and pulumi-gen-sdk applies them (docs/pulumi.md "SDKs").
 */
export function pythonName(name: string): string {
  const words = name.match(/[A-Z][a-z]B(?![a-z])|[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])/g) ?? [name];
  return words.map((w) => w.toLowerCase()).join('_');
}

/** A property name the Python generator would split inside a unit: it gets an entry. */
const UNIT = /[A-Z][a-z]B(?![a-z])/;

function pythonNames(docs: Record<string, PulumiProperty>[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const d of docs) for (const n of Object.keys(d)) if (UNIT.test(n)) out[n] = pythonName(n);
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

/** The package schema (https://www.pulumi.com/docs/iac/guides/building-extending/packages/schema/). */
export function packageSchema(): Record<string, unknown> {
  const types = new ObjectTypes();
  const providerAttrs = schema.provider.attributes;
  const config: Record<string, PulumiProperty> = {};
  for (const [n, a] of Object.entries(providerAttrs)) config[n] = { type: SCALARS[a.type as string], description: a.description, ...(a.sensitive ? { secret: true } : {}) };

  const resources: Record<string, unknown> = {};
  for (const type of RESOURCE_TYPES) {
    const spec = resourceSpec(type);
    const all = pulumiAttributes(type);
    const inputs = pulumiInputs(type);
    resources[resourceToken(type)] = {
      description: spec.description,
      properties: block(types, spec, all, false),
      // Always present in the state: the required inputs, those with a default, and the stable outputs.
      required: all.filter((f) => spec.attributes[f].required || spec.attributes[f].default !== undefined || (spec.attributes[f].stable && !isInput(spec.attributes[f]))),
      inputProperties: block(types, spec, inputs, true),
      // The name defaults to the Pulumi resource name (rpc/check.ts).
      requiredInputs: inputs.filter((f) => spec.attributes[f].required && f !== KINDS[type].name),
    };
  }

  resources[COMPONENT_TOKEN] = scaleOutComponent(types);

  const functions: Record<string, unknown> = {};
  for (const [type, spec] of Object.entries(schema.dataSources)) {
    const names = Object.keys(spec.attributes);
    const ins = names.filter((f) => isInput(spec.attributes[f]));
    functions[functionToken(type)] = {
      description: spec.description,
      ...(ins.length ? { inputs: { properties: block(types, spec, ins, true), required: ins.filter((f) => spec.attributes[f].required) } } : {}),
      outputs: { properties: block(types, spec, names, false), required: names.filter((f) => spec.attributes[f].computed) },
    };
  }

  const propertyDocs: Record<string, PulumiProperty>[] = [config, ...Object.values(types.specs).map((t) => t.properties)];
  for (const r of Object.values(resources) as { properties: Record<string, PulumiProperty>; inputProperties: Record<string, PulumiProperty> }[]) propertyDocs.push(r.properties, r.inputProperties);
  for (const f of Object.values(functions) as { inputs?: { properties: Record<string, PulumiProperty> }; outputs: { properties: Record<string, PulumiProperty> } }[]) {
    if (f.inputs) propertyDocs.push(f.inputs.properties);
    propertyDocs.push(f.outputs.properties);
  }

  return {
    name: PACKAGE,
    displayName: 'Tessera',
    version: VERSION,
    description: schema.provider.description,
    keywords: ['pulumi', 'tessera', 'storage', 'category/infrastructure', 'kind/native'],
    license: 'Apache-2.0',
    publisher: 'Tessera',
    config: { variables: config },
    provider: { description: 'The Tessera provider: one composer endpoint and token (a stack may hold several explicit providers, one per site).', properties: config, inputProperties: config },
    types: types.specs,
    resources,
    functions,
    language: {
      nodejs: { packageName: '@tessera/pulumi-native', respectSchemaVersion: true },
      // propertyNames is Tessera's (Pulumi's generator ignores unknown keys): see pythonName.
      python: { packageName: 'pulumi_tessera', respectSchemaVersion: true, propertyNames: pythonNames(propertyDocs) },
      go: { importBasePath: 'github.com/tessera/pulumi-tessera/sdk/go/tessera', respectSchemaVersion: true, generateResourceContainerTypes: false },
    },
  };
}

