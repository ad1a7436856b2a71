// schema.json -> the typed Pulumi SDK surface: args (inputs) and outputs interfaces per
// resource, and the pulumi.dynamic.Resource classes with one declared Output per attribute.
import { AttributeSpec, BlockSpec, schema } from '../../provider/schema';
import { API_TYPES_PATH, apiFields, sharedObjectType, sharedObjectTypeNames } from './api-types';
import { alwaysSet, doc, objectElement, objectTypeName, terraformOnly, tsType } from './ts-render';
import { GENERATED_HEADER, GeneratedFile } from './types';

export const PULUMI_TYPES_PATH = 'sdk/pulumi/types.generated.ts';
export const PULUMI_RESOURCES_PATH = 'sdk/pulumi/resources.generated.ts';
/** The module part of the resources' type tokens: pulumi-nodejs:dynamic/tessera:Volume. */
export const PULUMI_MODULE = 'tessera';

function pulumiInputs(spec: BlockSpec): [string, AttributeSpec][] {
  return Object.entries(spec.attributes).filter(([f, a]) => (a.required || a.optional) && !terraformOnly(spec, f));
}

/** Object element types: the hand-written type the wire contract uses, under the Pulumi name. */
function objectTypes(spec: BlockSpec): string[] {
  const out: string[] = [];
  for (const [field, a] of Object.entries(spec.attributes)) {
    if (!objectElement(a)) continue;
    const name = objectTypeName(spec.kind, field);
    if (out.some((s) => s.includes(`type ${name} `))) continue;
    out.push(`/** One element of ${spec.kind}.${field} (schema.json's shape, checked in ${API_TYPES_PATH}). */\nexport type ${name} = ${sharedObjectType(spec.kind, field)};\n`);
  }
  return out;
}

export function pulumiTypes(): string {
  const kinds = Object.values(schema.resources).map((s) => s.kind);
  const parts = [
    `// ${GENERATED_HEADER}\nimport type * as pulumi from '@pulumi/pulumi';\n` +
      `import type { ${sharedObjectTypeNames().join(', ')} } from '../../provider/model/placement';\n` +
      `import type { ${kinds.map((k) => `${k}Attributes`).join(', ')} } from '../../${API_TYPES_PATH.replace(/\.ts$/, '')}';\n`,
  ];
  for (const spec of Object.values(schema.resources)) {
    parts.push(...objectTypes(spec));
    const args = pulumiInputs(spec)
      .map(([field, a]) => {
        // The name defaults to the Pulumi resource name.
        // Attributes with a Terraform write-only twin (secret/secretWo) are required in Pulumi.
        const hasWoTwin = !!spec.attributes[`${field}Wo`]?.writeOnly;
        const optional = (a.optional && !hasWoTwin) || a.role === 'name' ? '?' : '';
        return `${doc(a, '  ', spec)}  ${field}${optional}: ${tsType(a.type, a, spec.kind, field, true)};`;
      });
    parts.push(`/** Inputs of a ${spec.kind}. ${spec.description} */\nexport interface ${spec.kind}Args {\n${args.join('\n')}\n}\n`);
    // The wire attributes come from the API types; Outputs add what Pulumi state also holds.
    const wire = new Set(apiFields(spec).map(([f]) => f));
    const outs = outputFields(spec)
      .filter(([field]) => !wire.has(field))
      .map(([field, a]) => `${doc(a, '  ', spec)}  ${field}${alwaysSet(a) ? '' : '?'}: ${tsType(a.type, a, spec.kind, field, false)};`);
    parts.push(`/** State of a ${spec.kind} as the composer reports it. */\nexport interface ${spec.kind}Outputs extends ${spec.kind}Attributes {\n${outs.join('\n')}\n}\n`);
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

function outputFields(spec: BlockSpec): [string, AttributeSpec][] {
  return Object.entries(spec.attributes).filter(([field, a]) => a.role !== 'id' && !terraformOnly(spec, field));
}

export function pulumiResources(): string {
  const kinds = Object.values(schema.resources).map((s) => s.kind);
  const parts = [
    `// ${GENERATED_HEADER}`,
    `import * as pulumi from '@pulumi/pulumi';`,
    `import { dynamicResourceProps, dynamicResourceOptions, providerFor } from './runtime';`,
    `import type { ${kinds.map((k) => `${k}Args, ${k}Outputs`).join(', ')} } from './types.generated';`,
    `import type { ${Object.values(schema.resources).flatMap((s) => objectTypes(s).map((o) => /type (\w+) =/.exec(o)![1])).join(', ')} } from './types.generated';`,
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
