// schema.json -> the plain wire types of the composer's resources (provider/api/resources.generated.ts):
// one <Kind>Attributes interface per resource with every attribute the REST API returns, so
// provider/api/contract.ts declares each schema attribute once (it adds what schema.json lacks).
import { AttributeSpec, BlockSpec, schema } from '../../provider/schema';
import { alwaysSet, doc, objectElement, objectMembers, objectTypeName, terraformOnly, tsType } from './ts-render';
import { GENERATED_HEADER, GeneratedFile } from './types';

export const API_TYPES_PATH = 'provider/api/resources.generated.ts';

/** The id and owner are carried by contract.ts's ObjectMeta on every object, not per resource; adopt is a create's request, never answered. */
const isObjectMeta = (a: AttributeSpec): boolean => a.role === 'id' || a.role === 'owner' || a.role === 'adopt';

/**
 * Hand-written types that object attributes use, by attribute name: the allocation engine's
 * Member is what the API returns in `members`. The generated file checks at compile time that
 * the type and schema.json's element shape are the same.
 */
const SHARED_OBJECT_TYPES: Record<string, { name: string; from: string }> = {
  members: { name: 'Member', from: '../model/placement' },
};

/** Attributes on the wire: not object metadata, never a secret, not a Terraform-only counter. */
export function apiFields(spec: BlockSpec): [string, AttributeSpec][] {
  return Object.entries(spec.attributes).filter(([f, a]) => !isObjectMeta(a) && !a.sensitive && !terraformOnly(spec, f));
}

export function sharedObjectType(kind: string, field: string): string {
  const shared = SHARED_OBJECT_TYPES[field];
  if (!shared) throw new Error(`${kind}.${field}: object attribute has no shared type in scripts/gen/api-types.ts SHARED_OBJECT_TYPES`);
  return shared.name;
}

/** Names of the shared types (for imports). */
export function sharedObjectTypeNames(): string[] {
  return [...new Set(Object.values(SHARED_OBJECT_TYPES).map((t) => t.name))].sort();
}

/** Compile-time checks that each shared type has exactly schema.json's element shape. */
function shapeChecks(): string[] {
  const out: string[] = [];
  for (const spec of Object.values(schema.resources)) {
    for (const [field, a] of apiFields(spec)) {
      const fields = objectElement(a);
      if (!fields) continue;
      const shape = `${objectTypeName(spec.kind, field)}Schema`;
      out.push(`/** schema.json's shape of one element of ${spec.kind}.${field}. */\ntype ${shape} = {\n${objectMembers(fields).join('\n')}\n};`);
      out.push(`/** Fails to compile when ${sharedObjectType(spec.kind, field)} and schema.json's ${spec.kind}.${field} drift apart. */\nexport const ${shape[0].toLowerCase()}${shape.slice(1)}Matches: SameShape<${sharedObjectType(spec.kind, field)}, ${shape}> = true;\n`);
    }
  }
  return out;
}

export function apiTypes(): string {
  const imports = new Map<string, Set<string>>();
  const parts: string[] = [];
  for (const spec of Object.values(schema.resources)) {
    const fields = apiFields(spec).map(([field, a]) => {
      if (objectElement(a)) {
        const shared = SHARED_OBJECT_TYPES[field];
        if (shared) imports.set(shared.from, (imports.get(shared.from) ?? new Set()).add(shared.name));
      }
      return `${doc(a, '  ', spec)}  ${field}${alwaysSet(a) ? '' : '?'}: ${tsType(a.type, a, spec.kind, field, false, sharedObjectType)};`;
    });
    parts.push(`/** The schema.json attributes of a ${spec.kind} as the composer returns them. ${spec.description} */\nexport interface ${spec.kind}Attributes {\n${fields.join('\n')}\n}\n`);
  }
  const checks = shapeChecks();
  const header = [`// ${GENERATED_HEADER}`, ...[...imports].map(([from, names]) => `import type { ${[...names].sort().join(', ')} } from '${from}';`), ''];
  const sameShape = checks.length ? ['type SameShape<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;\n', ...checks] : [];
  return [...header, ...parts, ...sameShape].join('\n');
}

export function generate(): GeneratedFile[] {
  return [{ path: API_TYPES_PATH, content: apiTypes() }];
}
