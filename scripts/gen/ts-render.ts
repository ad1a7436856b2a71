// Shared by the generators that render schema.json attributes as TypeScript (pulumi-types.ts,
// api-types.ts): type expressions, doc comments and which attributes belong to which surface.
// No generate() here, so scripts/gen.ts does not run it as a generator.
import { AttributeSpec, AttributeType, BlockSpec, boundsText } from '../../provider/schema';

/** Terraform-only attributes: write-only values and their version companions (Pulumi has secrets). */
export function terraformOnly(spec: BlockSpec, field: string): boolean {
  const a = spec.attributes[field];
  return !!a.writeOnly || Object.values(spec.attributes).some((w) => w.writeOnly && w.versionAttribute === field);
}

/** The generated name of one element of an object (or list of object) attribute: Volume.members -> VolumeMember. */
export function objectTypeName(kind: string, field: string): string {
  return `${kind}${field[0].toUpperCase()}${field.slice(1).replace(/s$/, '')}`;
}

/** The object element type of an attribute (itself or its list's element), if it has one. */
export function objectElement(a: AttributeSpec): Record<string, AttributeType> | undefined {
  const inner = typeof a.type === 'object' && 'list' in a.type ? a.type.list : a.type;
  return typeof inner === 'object' && 'object' in inner ? inner.object : undefined;
}

/**
 * A TypeScript type for a value (plain) or an input (every level wrapped in pulumi.Input).
 * Object elements are named by `objectName` (default: objectTypeName).
 */
export function tsType(
  t: AttributeType,
  a: AttributeSpec,
  kind: string,
  field: string,
  input: boolean,
  objectName: (kind: string, field: string) => string = objectTypeName,
): string {
  const wrap = (s: string) => (input ? `pulumi.Input<${s}>` : s);
  if (t === 'string') return wrap(a.allowed ? a.allowed.map((v) => JSON.stringify(v)).join(' | ') : 'string');
  if (t === 'integer') return wrap(a.allowed ? a.allowed.join(' | ') : 'number');
  if (t === 'boolean') return wrap('boolean');
  if ('list' in t) {
    const elem = tsType(t.list, a, kind, field, input, objectName);
    return wrap(`${elem.includes('|') ? `(${elem})` : elem}[]`);
  }
  return wrap(objectName(kind, field));
}

/** The members of an object element type, one `name: type;` line each. */
export function objectMembers(fields: Record<string, AttributeType>, indent = '  '): string[] {
  return Object.entries(fields).map(([k, t]) => `${indent}${k}: ${t === 'integer' ? 'number' : t};`);
}

/** A JSDoc comment for an attribute: description, default, bounds, update behaviour, secrecy. */
export function doc(a: AttributeSpec, indent: string, resource: BlockSpec): string {
  const lines = [a.description];
  if (a.default !== undefined) lines.push(`Default: \`${JSON.stringify(a.default)}\`.`);
  const bounds = boundsText(a);
  if (bounds.length) lines.push(`Bounds: ${bounds.join('; ')}.`);
  if (a.update === 'replace' && !a.inPlaceWhen && (a.required || a.optional)) lines.push(`Changing it replaces the ${resource.kind}.`);
  if (a.inPlaceWhen) lines.push(`Updated in place when ${Object.entries(a.inPlaceWhen).map(([k, v]) => `${k} is ${v.join('/')}`).join(' and ')}; otherwise replaces the ${resource.kind}.`);
  if (a.sensitive) lines.push('Secret: kept encrypted in the Pulumi state.');
  return `${indent}/** ${lines.join(' ')} */\n`;
}

/** Attributes always present once created: required, defaulted or composer-computed. */
export function alwaysSet(a: AttributeSpec): boolean {
  return !!(a.required || a.default !== undefined || a.computed);
}
