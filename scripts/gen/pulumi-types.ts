// schema.json -> the typed Pulumi SDK surface: args (inputs) and outputs interfaces per
// resource, and the pulumi.dynamic.Resource classes with one declared Output per attribute.
import { AttributeSpec, AttributeType, BlockSpec, schema } from '../../provider/schema';
import { GENERATED_HEADER, GeneratedFile } from './types';

export const PULUMI_TYPES_PATH = 'sdk/pulumi/types.generated.ts';
export const PULUMI_RESOURCES_PATH = 'sdk/pulumi/resources.generated.ts';
/** The module part of the resources' type tokens: pulumi-nodejs:dynamic/tessera:Volume. */
export const PULUMI_MODULE = 'tessera';

/** Terraform-only attributes: write-only values and their version counters (Pulumi has secrets). */
function terraformOnly(spec: BlockSpec, field: string): boolean {
  const a = spec.attributes[field];
  return !!a.writeOnly || (field.endsWith('Version') && !!spec.attributes[field.slice(0, -'Version'.length)]?.writeOnly);
}

function pulumiInputs(spec: BlockSpec): [string, AttributeSpec][] {
  return Object.entries(spec.attributes).filter(([f, a]) => (a.required || a.optional) && !terraformOnly(spec, f));
}

function objectTypeName(kind: string, field: string): string {
  return `${kind}${field[0].toUpperCase()}${field.slice(1).replace(/s$/, '')}`;
}

/** A TypeScript type for a value (plain) or an input (every level wrapped in pulumi.Input). */
function tsType(t: AttributeType, a: AttributeSpec, kind: string, field: string, input: boolean): string {
  const wrap = (s: string) => (input ? `pulumi.Input<${s}>` : s);
  if (t === 'string') return wrap(a.allowed ? a.allowed.map((v) => JSON.stringify(v)).join(' | ') : 'string');
  if (t === 'integer') return wrap(a.allowed ? a.allowed.join(' | ') : 'number');
  if (t === 'boolean') return wrap('boolean');
  if ('list' in t) {
    const elem = tsType(t.list, a, kind, field, input);
    return wrap(`${elem.includes('|') ? `(${elem})` : elem}[]`);
  }
  return wrap(objectTypeName(kind, field));
}

function doc(a: AttributeSpec, indent: string, resource: BlockSpec): string {
  const lines = [a.description];
  if (a.default !== undefined) lines.push(`Default: \`${JSON.stringify(a.default)}\`.`);
  if (a.min !== undefined || a.max !== undefined) lines.push(`Range: ${a.min ?? '-inf'}..${a.max ?? 'inf'}.`);
  if (a.update === 'replace' && !a.inPlaceWhen && (a.required || a.optional)) lines.push(`Changing it replaces the ${resource.kind}.`);
  if (a.inPlaceWhen) lines.push(`Updated in place when ${Object.entries(a.inPlaceWhen).map(([k, v]) => `${k} is ${v.join('/')}`).join(' and ')}; otherwise replaces the ${resource.kind}.`);
  if (a.sensitive) lines.push('Secret: kept encrypted in the Pulumi state.');
  return `${indent}/** ${lines.join(' ')} */\n`;
}

function objectTypes(spec: BlockSpec): string[] {
  const out: string[] = [];
  for (const [field, a] of Object.entries(spec.attributes)) {
    const inner = typeof a.type === 'object' && 'list' in a.type ? a.type.list : a.type;
    if (typeof inner === 'object' && 'object' in inner) {
      const name = objectTypeName(spec.kind, field);
      if (out.some((s) => s.includes(`interface ${name} `))) continue;
      const members = Object.entries(inner.object).map(([k, t]) => `  ${k}: ${t === 'integer' ? 'number' : t};`);
      out.push(`/** One element of ${spec.kind}.${field}. */\nexport interface ${name} {\n${members.join('\n')}\n}\n`);
    }
  }
  return out;
}

export function pulumiTypes(): string {
  const parts = [`// ${GENERATED_HEADER}\nimport type * as pulumi from '@pulumi/pulumi';\n`];
  for (const spec of Object.values(schema.resources)) {
    parts.push(...objectTypes(spec));
    const args = pulumiInputs(spec)
      .map(([field, a]) => {
        // The name defaults to the Pulumi resource name.
        // Attributes with a Terraform write-only twin (secret/secretWo) are required in Pulumi.
        const hasWoTwin = !!spec.attributes[`${field}Wo`]?.writeOnly;
        const optional = (a.optional && !hasWoTwin) || field === 'name' ? '?' : '';
        return `${doc(a, '  ', spec)}  ${field}${optional}: ${tsType(a.type, a, spec.kind, field, true)};`;
      });
    parts.push(`/** Inputs of a ${spec.kind}. ${spec.description} */\nexport interface ${spec.kind}Args {\n${args.join('\n')}\n}\n`);
    const outs = outputFields(spec)
      .map(([field, a]) => `${doc(a, '  ', spec)}  ${field}${alwaysSet(a) ? '' : '?'}: ${tsType(a.type, a, spec.kind, field, false)};`);
    parts.push(`/** State of a ${spec.kind} as the composer reports it. */\nexport interface ${spec.kind}Outputs {\n${outs.join('\n')}\n}\n`);
  }
  // Data sources: plain (not Input) arguments and the full result.
  for (const spec of Object.values(schema.dataSources)) {
    const args = Object.entries(spec.attributes)
      .filter(([, a]) => a.required || a.optional)
      .map(([field, a]) => `${doc(a, '  ', spec)}  ${field}${a.required ? '' : '?'}: ${tsType(a.type, a, spec.kind, field, false)};`);
    if (args.length) parts.push(`/** Arguments of get${spec.kind}. ${spec.description} */\nexport interface Get${spec.kind}Args {\n${args.join('\n')}\n}\n`);
    else parts.push(`/** get${spec.kind} takes no arguments. ${spec.description} */\nexport type Get${spec.kind}Args = Record<string, never>;\n`);
    const result = Object.entries(spec.attributes).map(([field, a]) => `${doc(a, '  ', spec)}  ${field}: ${tsType(a.type, a, spec.kind, field, false)};`);
    parts.push(`/** Result of get${spec.kind} (defaults applied to the arguments). */\nexport interface Get${spec.kind}Result {\n${result.join('\n')}\n}\n`);
  }
  return parts.join('\n');
}

/** Outputs always present once created: required, defaulted or composer-computed. */
function alwaysSet(a: AttributeSpec): boolean {
  return !!(a.required || a.default !== undefined || a.computed);
}

function outputFields(spec: BlockSpec): [string, AttributeSpec][] {
  return Object.entries(spec.attributes).filter(([field]) => field !== 'id' && !terraformOnly(spec, field));
}

export function pulumiResources(): string {
  const kinds = Object.values(schema.resources).map((s) => s.kind);
  const parts = [
    `// ${GENERATED_HEADER}`,
    `import * as pulumi from '@pulumi/pulumi';`,
    `import { dynamicResourceProps, dynamicResourceOptions, providerFor } from './runtime';`,
    `import type { ${kinds.map((k) => `${k}Args, ${k}Outputs`).join(', ')} } from './types.generated';`,
    `import type { ${Object.values(schema.resources).flatMap((s) => objectTypes(s).map((o) => /interface (\w+)/.exec(o)![1])).join(', ')} } from './types.generated';`,
    '',
  ];
  for (const [type, spec] of Object.entries(schema.resources)) {
    const token = `pulumi-nodejs:dynamic/${PULUMI_MODULE}:${spec.kind}`;
    const fields = outputFields(spec).map(([field, a]) => `${doc(a, '  ', spec)}  declare readonly ${field}: pulumi.Output<${tsType(a.type, a, spec.kind, field, false)}${alwaysSet(a) ? '' : ' | undefined'}>;`);
    const secrets = outputFields(spec).filter(([, a]) => a.sensitive).map(([f]) => f);
    parts.push(`/**
 * ${spec.description}
 *
 * Type token \`${token}\`; schema.json resource \`${type}\`.
 */
export class ${spec.kind} extends pulumi.dynamic.Resource {
  static readonly __tesseraType = '${type}';
  static readonly typeToken = '${token}';
  /** Secret outputs, encrypted in the state. */
  static readonly secretOutputs: string[] = ${JSON.stringify(secrets)};

${fields.join('\n')}

  constructor(name: string, args: ${spec.kind}Args, opts?: pulumi.CustomResourceOptions) {
    super(
      providerFor('${type}'),
      name,
      dynamicResourceProps('${type}', ${spec.kind}.typeToken, name, args as unknown as Record<string, unknown>, opts),
      dynamicResourceOptions('${type}', opts),
      '${PULUMI_MODULE}',
      '${spec.kind}',
    );
  }

  /** Adopt an existing ${spec.kind} by its composer id (read from the composer, not created). */
  static get(name: string, id: pulumi.Input<string>, opts?: pulumi.CustomResourceOptions): ${spec.kind} {
    return new ${spec.kind}(name, {} as ${spec.kind}Args, { ...opts, id });
  }

  /** Is \`obj\` a ${spec.kind}? (Works across copies of this module.) */
  static is${spec.kind}(obj: unknown): obj is ${spec.kind} {
    return !!obj && (obj as { constructor?: { __tesseraType?: string } }).constructor?.__tesseraType === '${type}';
  }
}

/** The plain state of a ${spec.kind}, for tests and component outputs. */
export type ${spec.kind}State = ${spec.kind}Outputs;
`);
  }
  return parts.join('\n');
}

export function generate(): GeneratedFile[] {
  return [
    { path: PULUMI_TYPES_PATH, content: pulumiTypes() },
    { path: PULUMI_RESOURCES_PATH, content: pulumiResources() },
  ];
}
