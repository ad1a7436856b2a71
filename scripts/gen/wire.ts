// provider/api/wire.json (with schema.json for the resource bodies) -> the composer's wire types,
// validator tables, problem-code constants and route table (provider/api/wire.generated.ts), and
// the OpenAPI document it serves (provider/api/openapi.generated.json). The format is
// docs/wire-format.md; this module is its one reader.
import { MAX_DRIVES_PER_ENCLOSURE, MAX_DRIVE_SIZE_GIB, NAME_RE, PORTAL_RE } from '../../provider/inventory';
import { DRIVE_TYPES, TRANSPORTS, type Drive, type Enclosure, type Inventory, type Server, type StorageGroup } from '../../provider/model/inventory';
import { DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT } from '../../provider/composer/paging';
import { AttributeSpec, AttributeType, BlockSpec, COLLECTIONS, isInput, KINDS, RESOURCE_TYPES, schema } from '../../provider/schema';
import { ROUTE_AUTHS, wire, type ResponseDescription, type RouteDescription, type WireSchema } from '../../provider/api/wire';
import { GENERATED_HEADER, GeneratedFile } from './types';

export const WIRE_TYPES_PATH = 'provider/api/wire.generated.ts';
export const OPENAPI_PATH = 'provider/api/openapi.generated.json';

type Json = Record<string, unknown>;

/**
 * Names wire.json may $ref that other sources own, with their TypeScript type: the element of a
 * volume's `members` (schema.json; the engine's Member), the inventory document (validated by
 * provider/inventory, docs/inventory.md) and the resource bodies (schema.json, contract.ts).
 */
const MEMBER = { from: '../model/placement', name: 'Member' };
/** Enums and messages the model declares in TypeScript: the generated file checks they agree. */
const MODEL_TYPES: Record<string, { from: string; name: string }> = {
  Transport: { from: '../model/inventory', name: 'Transport' },
  RaidLevel: { from: '../model/placement', name: 'RaidLevel' },
  VolumeType: { from: '../model/placement', name: 'VolumeType' },
  Placement: { from: '../model/placement', name: 'Placement' },
};
const PROBLEM_CODE = 'ProblemCode';

const resources = Object.values(schema.resources);
const kindNames = resources.map((r) => r.kind);

// ---------------------------------------------------------------- names and references

const upperSnake = (name: string) => name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
/** The values constant of an enum: VolumeState -> VOLUME_STATES. */
export const enumConst = (name: string) => `${upperSnake(name)}S`;
const lowerFirst = (name: string) => name[0].toLowerCase() + name.slice(1);
const camel = (code: string) => code.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());

const problemCodes = Object.keys(wire.problems);

function enumSchema(name: string): WireSchema | undefined {
  if (name === PROBLEM_CODE) return { type: 'string', enum: problemCodes };
  const e = wire.enums[name];
  return e ? { type: 'string', enum: e.values } : undefined;
}

/** The schema.json element of a volume's members (what the engine's Member is). */
function memberType(): Record<string, AttributeType> {
  const t = schema.resources.tessera_volume.attributes.members.type as { list: { object: Record<string, AttributeType> } };
  return t.list.object;
}

function memberSchema(): WireSchema {
  const fields = Object.entries(memberType());
  return {
    type: 'object',
    properties: Object.fromEntries(fields.map(([k, t]) => [k, { type: t as 'string' | 'integer' }])),
    required: fields.map(([k]) => k),
  };
}

/** A message with its `extends` folded in. */
function flatMessage(name: string): WireSchema {
  const m = wire.messages[name];
  if (!m) throw new Error(`wire.json: no message ${name}`);
  if (!m.extends) return m;
  const base = flatMessage(m.extends);
  const { extends: _e, ...rest } = m;
  return { ...rest, properties: { ...base.properties, ...m.properties }, required: [...(base.required ?? []), ...(m.required ?? [])] };
}

function check(cond: unknown, what: string): asserts cond {
  if (!cond) throw new Error(`wire.json: ${what}`);
}

/** Every $ref in wire.json names a message, an enum or a supplied name; every route's codes are catalogued. */
function lint(): void {
  const supplied = new Set(['Member', 'InventoryInput', 'Inventory', ...kindNames.flatMap((k) => [k, `${k}Input`, `${k}Patch`])]);
  const known = (n: string) => !!wire.messages[n] || !!enumSchema(n) || supplied.has(n);
  const walk = (s: WireSchema, at: string) => {
    if (s.$ref) check(known(s.$ref), `${at}: $ref ${s.$ref} names nothing`);
    for (const [k, p] of Object.entries(s.properties ?? {})) walk(p, `${at}.${k}`);
    if (s.items) walk(s.items, `${at}[]`);
    if (typeof s.additionalProperties === 'object') walk(s.additionalProperties, `${at}{}`);
  };
  for (const [n, m] of Object.entries(wire.messages)) walk(m, n);
  for (const [k, o] of Object.entries(wire.resourceOutputs)) for (const [p, s] of Object.entries(o.properties)) walk(s, `${k}.${p}`);
  for (const r of expandedRoutes()) {
    for (const c of [...(r.problems ?? []), ...Object.keys(r.notes ?? {})]) check(wire.problems[c], `route ${r.id}: unknown problem code ${c}`);
    for (const res of Object.values(r.responses)) for (const n of responseNames(res)) check(known(n), `route ${r.id}: response ${n} names nothing`);
    if (r.body) check(known(r.body.message), `route ${r.id}: body ${r.body.message} names nothing`);
    check((ROUTE_AUTHS as readonly string[]).includes(r.auth), `route ${r.id}: auth ${r.auth} is not one of ${ROUTE_AUTHS.join(', ')}`);
  }
}

// ---------------------------------------------------------------- routes

export interface ExpandedRoute extends RouteDescription {
  /** The resource kind of an expanded `{kind}` route. */
  kind?: string;
  /** The route as the server holds it (a `{kind}` route once, for every collection). */
  template: RouteDescription;
}

function applyKind(text: string, kind: string): string {
  return text.replace(/\{Kind\}/g, kind);
}

/** A `{kind}` route for one resource kind: `{Kind}` filled in, byKind merged over the template. */
function forKind(r: RouteDescription, spec: BlockSpec): ExpandedRoute {
  const k = spec.kind;
  const over = r.byKind?.[k] ?? {};
  const fill = (res: Record<string, ResponseDescription>) =>
    Object.fromEntries(
      Object.entries(res).map(([status, d]) => [
        status,
        { ...d, ...(d.message ? { message: applyKind(d.message, k) } : {}), ...(d.page ? { page: applyKind(d.page, k) } : {}), ...(d.oneOf ? { oneOf: d.oneOf.map((n) => applyKind(n, k)) } : {}) },
      ]),
    );
  return {
    ...r,
    id: applyKind(r.id, k),
    path: r.path.replace('/v1/{kind}', spec.api),
    summary: applyKind(over.summary ?? r.summary ?? '', k),
    query: { ...r.query, ...over.query },
    body: r.body ? { ...r.body, message: applyKind(r.body.message, k) } : undefined,
    responses: fill({ ...r.responses, ...over.responses }),
    problems: [...(r.problems ?? []), ...(over.problems ?? [])],
    notes: { ...r.notes, ...over.notes },
    kind: k,
    template: r,
  };
}

/** Every documented operation: `{kind}` routes once per resource kind of schema.json. */
export function expandedRoutes(): ExpandedRoute[] {
  return wire.routes.flatMap((r) => (r.path.includes('{kind}') ? resources.map((spec) => forKind(r, spec)) : [{ ...r, template: r }]));
}

const pathParams = (path: string) => [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).filter((p) => p !== 'kind');

/** The server's handler key of a route: `{Kind}` routes are one handler (create{Kind} -> createResource). */
export const handlerId = (r: RouteDescription) => r.id.replace('{Kind}', 'Resource');

/** The regular expression the server matches a route's path with. */
function routePattern(r: RouteDescription): string {
  const kinds = `(${COLLECTIONS.join('|')})`;
  const escaped = r.path.replace(/[.]/g, '\\.');
  return `^${escaped.replace(/\{([^}]+)\}/g, (_m, p: string) => {
    if (p === 'kind') return kinds;
    check(wire.pathParams.names[p], `route ${r.id}: path parameter ${p} is not in pathParams`);
    return `(${wire.pathParams.pattern})`;
  })}$`;
}

function responseNames(d: ResponseDescription): string[] {
  return [...(d.message ? [d.message] : []), ...(d.page ? [d.page] : []), ...(d.oneOf ?? [])];
}

/**
 * Codes a route can answer besides its own: what the HTTP layer (provider/composer/server.ts)
 * answers before the handler runs, from the route's flags.
 */
export function layerProblems(r: RouteDescription): string[] {
  const out: string[] = ['headers_too_large'];
  if (r.tlsOnly) out.push('tls_required');
  if (r.auth !== 'none') out.push('unauthorized', 'forbidden');
  if (pathParams(r.path).length > 0) out.push('not_found');
  if (r.body) out.push('malformed_json', 'json_too_deep', 'request_timeout', 'payload_too_large', 'unsupported_media_type', 'validation_failed');
  if (r.write) out.push('not_leader', 'not_ready', 'store_unavailable');
  return out;
}

// ---------------------------------------------------------------- TypeScript

function tsLiteral(v: unknown): string {
  return typeof v === 'string' ? `'${v.replace(/'/g, "\\'")}'` : String(v);
}

function tsType(s: WireSchema): string {
  if (s.$ref) {
    if (s.$ref === 'Member') return MEMBER.name;
    return MODEL_TYPES[s.$ref]?.name ?? s.$ref;
  }
  if (s.enum) return s.enum.map(tsLiteral).join(' | ');
  switch (s.type) {
    case 'string':
      return 'string';
    case 'integer':
    case 'number':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'array': {
      const inner = s.items ? tsType(s.items) : 'unknown';
      return inner.includes(' ') ? `(${inner})[]` : `${inner}[]`;
    }
    default:
      if (typeof s.additionalProperties === 'object') return `Record<string, ${tsType(s.additionalProperties)}>`;
      if (!s.properties) return 'Record<string, unknown>';
      return `{ ${Object.entries(s.properties).map(([k, p]) => `${k}${s.required?.includes(k) ? '' : '?'}: ${tsType(p)};`).join(' ')} }`;
  }
}

const jsdoc = (text: string | undefined, indent = '') => (text ? `${indent}/** ${text} */\n` : '');

function members(props: Record<string, WireSchema>, required: readonly string[]): string {
  return Object.entries(props)
    .map(([k, p]) => `${jsdoc(p.description, '  ')}  ${k}${required.includes(k) ? '' : '?'}: ${tsType(p)};`)
    .join('\n');
}

function interfaceOf(name: string, exportName: string, exported = true): string {
  const m = wire.messages[name];
  const ext = m.extends ? ` extends ${m.extends}` : '';
  return `${jsdoc(m.description)}${exported ? 'export ' : ''}interface ${exportName}${ext} {\n${members(m.properties ?? {}, m.required ?? [])}\n}\n`;
}

/** The validators' table: every message with enums and Member inlined, message $refs kept. */
function runtimeSchema(s: WireSchema): WireSchema {
  if (s.$ref) {
    const e = enumSchema(s.$ref);
    if (e) return { ...e, ...(s.description ? { description: s.description } : {}) };
    if (s.$ref === 'Member') return memberSchema();
    check(wire.messages[s.$ref], `messages may only $ref messages, enums and Member, not ${s.$ref}`);
    return { $ref: s.$ref };
  }
  const out: WireSchema = { ...s };
  delete out.description;
  if (s.properties) out.properties = Object.fromEntries(Object.entries(s.properties).map(([k, p]) => [k, runtimeSchema(p)]));
  if (s.items) out.items = runtimeSchema(s.items);
  if (typeof s.additionalProperties === 'object') out.additionalProperties = runtimeSchema(s.additionalProperties);
  return out;
}

/** Query parameters of a route as the server parses them (enums inlined). */
function routeQuery(r: RouteDescription): Record<string, WireSchema> {
  return Object.fromEntries(Object.entries(r.query ?? {}).map(([k, s]) => [k, runtimeSchema(s)]));
}

function queryType(r: RouteDescription): string {
  if (r.queryFrom) return 'Record<string, unknown>';
  const q = r.query ?? {};
  if (Object.keys(q).length === 0) return 'Record<string, never>';
  // Kind-specific words do not change a parameter's type: the template's declaration types it.
  return `{ ${Object.entries(q).map(([k, s]) => `${k}${s.default !== undefined ? '' : '?'}: ${tsType(s)};`).join(' ')} }`;
}

/**
 * What a route's handler answers, as a TypeScript type: its success bodies (204: nothing). The
 * bodies of `{kind}` routes and raw answers (text, the stored inventory) are typed by their own
 * modules (schema.json through the service), so `unknown` here.
 */
function responseType(r: RouteDescription): string {
  if (r.path.includes('{kind}')) return 'unknown';
  const types = Object.entries(r.responses).map(([status, d]) => {
    if (status === '204') return 'undefined';
    if (d.page) return `ListPage<${d.page}>`;
    if (d.oneOf) return d.oneOf.join(' | ');
    if (d.message && wire.messages[d.message]) return MODEL_TYPES[d.message]?.name ?? d.message;
    return 'unknown';
  });
  return [...new Set(types)].join(' | ');
}

const PAGE_DOC = 'A page of a list endpoint, in key order (ids; names for servers): docs/api.md "Lists and pages".';
const CURSOR_DOC = 'Present when more items follow: pass it back as `cursor` for the next page.';

export function wireTypes(): string {
  lint();
  const out: string[] = [`// ${GENERATED_HEADER.replace('schema.json', 'provider/api/wire.json and schema.json')}`];
  const imports = new Map<string, Set<string>>([[MEMBER.from, new Set([MEMBER.name])]]);
  for (const t of Object.values(MODEL_TYPES)) imports.set(t.from, (imports.get(t.from) ?? new Set()).add(t.name));
  for (const [from, names] of [...imports].sort()) out.push(`import type { ${[...names].sort().join(', ')} } from '${from}';`);
  out.push(`import type { Checked } from './validate';`, `import { checkMessage } from './validate';`, `import type { WireSchema } from './wire';`, '');

  out.push('// ---------------------------------------------------------------- enums\n');
  for (const [name, e] of Object.entries(wire.enums)) {
    const union = e.values.map(tsLiteral).join(' | ');
    if (MODEL_TYPES[name]) {
      out.push(`/** ${e.description} Declared by ${MODEL_TYPES[name].from}; fails to compile when the two drift apart. */\nexport const ${lowerFirst(name)}Matches: SameShape<${name}, ${union}> = true;\n`);
      continue;
    }
    out.push(`/** ${e.description} */\nexport const ${enumConst(name)} = [${e.values.map(tsLiteral).join(', ')}] as const;\nexport type ${name} = (typeof ${enumConst(name)})[number];\n`);
  }
  out.push('type SameShape<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;\n');

  out.push('// ---------------------------------------------------------------- problem codes\n');
  out.push(`/** Every code the composer answers (application/problem+json \`code\`): docs/api.md "Errors". */\nexport const PROBLEM = {\n${Object.entries(wire.problems)
    .map(([c, p]) => `  /** ${p.status}: ${p.description}. */\n  ${camel(c)}: '${c}',`)
    .join('\n')}\n} as const;\nexport type ${PROBLEM_CODE} = (typeof PROBLEM)[keyof typeof PROBLEM];\n`);
  out.push(`/** The HTTP status of each code. */\nexport const PROBLEM_STATUS = {\n${Object.entries(wire.problems).map(([c, p]) => `  ${c}: ${p.status},`).join('\n')}\n} as const;\n`);
  out.push(`/** Codes answered with Retry-After. */\nexport const PROBLEM_RETRY_AFTER: readonly ProblemCode[] = [${problemCodes.filter((c) => wire.problems[c].retryAfter).map(tsLiteral).join(', ')}];\n`);

  out.push('// ---------------------------------------------------------------- messages\n');
  for (const name of Object.keys(wire.messages)) {
    if (MODEL_TYPES[name]) {
      out.push(interfaceOf(name, `${name}Shape`, false));
      out.push(`/** Fails to compile when ${MODEL_TYPES[name].from}'s ${name} and wire.json's drift apart. */\nexport const ${lowerFirst(name)}Matches: SameShape<${name}, ${name}Shape> = true;\n`);
    } else out.push(interfaceOf(name, name));
  }
  out.push(`/** ${PAGE_DOC} */\nexport interface ListPage<T> {\n  items: T[];\n  /** ${CURSOR_DOC} */\n  nextCursor?: string;\n}\n`);
  for (const [kind, o] of Object.entries(wire.resourceOutputs)) {
    const req = o.required.filter((r) => r in o.properties);
    out.push(`/** What the composer adds to (or narrows in) schema.json's outputs of a ${kind}. */\nexport interface ${kind}Outputs {\n${members(o.properties, req)}\n}\n`);
  }

  out.push('// ---------------------------------------------------------------- validators\n');
  const table = Object.fromEntries(Object.keys(wire.messages).map((n) => [n, runtimeSchema(flatMessage(n))]));
  out.push(`/** The messages as the validators walk them: enums inlined. */\nexport const MESSAGE_SCHEMAS: Readonly<Record<string, WireSchema>> = ${JSON.stringify(table, null, 2)};\n`);
  for (const name of Object.keys(wire.messages)) {
    out.push(`/** Checks a ${name}: the known fields, and one failure per bad field. */\nexport const validate${name} = (value: unknown): Checked<${name}> => checkMessage<${name}>(MESSAGE_SCHEMAS, '${name}', value);\n`);
  }

  out.push('// ---------------------------------------------------------------- routes\n');
  out.push(`/** What an id or server name in a path may be. */\nexport const PATH_PARAM_PATTERN = ${tsLiteral(wire.pathParams.pattern)};\n`);
  out.push(`/** A path parameter's name (\`kind\` is a {kind} route's collection). */\nexport type PathParam = ${['kind', ...Object.keys(wire.pathParams.names)].map(tsLiteral).join(' | ')};\n`);
  const ids = wire.routes.map(handlerId);
  out.push(`export type RouteId = ${ids.map(tsLiteral).join(' | ')};\n`);
  out.push(`/** A route as the HTTP layer serves it (a \`{kind}\` route once for every resource collection). */
export interface RouteSpec {
  id: RouteId;
  method: 'GET' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';
  /** The route template for logs and metrics (no ids). */
  name: string;
  pattern: string;
  /** Path parameters in the order the pattern captures them (\`kind\` included). */
  params: readonly PathParam[];
  auth: ${ROUTE_AUTHS.map(tsLiteral).join(' | ')};
  write: boolean;
  tlsOnly: boolean;
  /** Body limit in bytes (0 = no body). */
  bodyLimit: number;
  query: Readonly<Record<string, WireSchema>>;
  /** The schema.json data source whose inputs the query string carries. */
  queryFrom?: string;
  paged: boolean;
}
`);
  const specs = wire.routes.map((r) => ({
    id: handlerId(r),
    method: r.method,
    name: r.path,
    pattern: routePattern(r),
    params: [...r.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]),
    auth: r.auth,
    write: !!r.write,
    tlsOnly: !!r.tlsOnly,
    bodyLimit: r.body?.limitBytes ?? 0,
    query: routeQuery(r),
    ...(r.queryFrom ? { queryFrom: r.queryFrom } : {}),
    paged: !!r.paged,
  }));
  out.push(`export const ROUTES: readonly RouteSpec[] = ${JSON.stringify(specs, null, 2)};\n`);
  out.push(`/** The parsed query of each route (absent parameters with a default take it). */\nexport interface RouteQueries {\n${wire.routes.map((r) => `  ${handlerId(r)}: ${queryType(r)};`).join('\n')}\n}\n`);
  out.push(`/** The success body of each route (see responseType in scripts/gen/wire.ts). */\nexport interface RouteResponses {\n${wire.routes.map((r) => `  ${handlerId(r)}: ${responseType(r)};`).join('\n')}\n}\n`);
  return out.join('\n');
}

// ---------------------------------------------------------------- OpenAPI

function ref(name: string): Json {
  return { $ref: `#/components/schemas/${name}` };
}

/** A wire.json schema as OpenAPI 3.0 JSON Schema: enums inlined, numeric exclusiveMinimum as 3.0's boolean. */
function openapiSchema(s: WireSchema): Json {
  if (s.$ref) {
    const e = enumSchema(s.$ref);
    if (e) return { ...e, enum: [...e.enum!], ...(s.description ? { description: s.description } : {}) };
    return ref(s.$ref);
  }
  const out: Json = {};
  for (const [k, v] of Object.entries(s)) {
    if (k === 'properties') out.properties = Object.fromEntries(Object.entries(v as Record<string, WireSchema>).map(([n, p]) => [n, openapiSchema(p)]));
    else if (k === 'items') out.items = openapiSchema(v as WireSchema);
    else if (k === 'additionalProperties') out.additionalProperties = typeof v === 'object' ? openapiSchema(v as WireSchema) : v;
    else if (k === 'exclusiveMinimum') Object.assign(out, { minimum: v, exclusiveMinimum: true });
    else if (k === 'required') out.required = [...(v as string[])];
    else if (k === 'enum') out.enum = [...(v as unknown[])];
    else if (k !== 'extends') out[k] = v;
  }
  // Objects are closed unless they say otherwise (docs/wire-format.md).
  if (s.type === 'object' && s.properties && s.additionalProperties === undefined) out.additionalProperties = false;
  return out;
}

/** JSON Schema of one schema.json type; for a list, `spec`'s constraints apply to each element. */
function typeSchema(t: AttributeType, spec?: AttributeSpec): Json {
  if (typeof t === 'string') {
    const s: Json = { type: t };
    if (spec?.allowed) s.enum = spec.allowed;
    if (spec?.min !== undefined) s.minimum = spec.min;
    if (spec?.max !== undefined) s.maximum = spec.max;
    if (spec?.minLength !== undefined) s.minLength = spec.minLength;
    if (spec?.maxLength !== undefined) s.maxLength = spec.maxLength;
    if (spec?.pattern) s.pattern = spec.pattern;
    return s;
  }
  if ('list' in t) {
    const s: Json = { type: 'array', items: typeSchema(t.list, typeof t.list === 'string' ? spec : undefined) };
    if (spec?.maxItems !== undefined) s.maxItems = spec.maxItems;
    // provider/schema refuses duplicates in lists of scalars.
    if (typeof t.list === 'string') s.uniqueItems = true;
    return s;
  }
  const props = Object.entries(t.object);
  return { type: 'object', properties: Object.fromEntries(props.map(([k, v]) => [k, typeSchema(v)])), required: props.map(([k]) => k), additionalProperties: false };
}

function attrSchema(spec: AttributeSpec, nullable = false): Json {
  const s = typeSchema(spec.type, spec);
  s.description = spec.description;
  if (spec.default !== undefined) s.default = spec.default;
  if (spec.sensitive) s.writeOnly = true;
  if (spec.update) s['x-tessera-update'] = spec.update;
  if (nullable) s.nullable = true;
  return s;
}

const OWNER = { type: 'string', description: 'Free text: the Pulumi URN or Terraform address that manages the object.' };
const TIME = { type: 'string', format: 'date-time' };

/** `<Kind>Input` (create body), `<Kind>Patch` (PATCH body) and `<Kind>` (what the composer answers), from schema.json. */
function resourceSchemas(): Json {
  const out: Json = {};
  for (const type of RESOURCE_TYPES) {
    const r = schema.resources[type];
    // The id and owner attributes by their role (the kinds registry): the id is the composer's, the owner free text.
    const { id, owner, adopt } = KINDS[type];
    const input: Json = { [owner]: { ...OWNER, nullable: true } };
    const patch: Json = { [owner]: { ...OWNER, nullable: true } };
    const output: Json = { [id]: { type: 'string' }, [owner]: OWNER, createdAt: TIME, updatedAt: TIME };
    const required: string[] = [];
    const always: string[] = [id, 'createdAt', 'updatedAt'];
    for (const [name, spec] of Object.entries(r.attributes)) {
      if (isInput(spec)) {
        // null means "not given" on create, and "unset" (back to the default) in a PATCH.
        input[name] = attrSchema(spec, !spec.required);
        // adopt is a create's request (docs/api.md "Owners"): never patched, never answered.
        if (name !== adopt) patch[name] = attrSchema(spec, !spec.required);
        if (spec.required) required.push(name);
      }
      if (!spec.sensitive && name !== owner && name !== id && name !== adopt) {
        const s = attrSchema(spec);
        delete s.writeOnly;
        output[name] = s;
        if (spec.required || spec.default !== undefined) always.push(name);
      }
    }
    const extra = wire.resourceOutputs[r.kind];
    check(extra, `resourceOutputs has no ${r.kind}`);
    const extraProps = Object.fromEntries(Object.entries(extra.properties).map(([k, s]) => [k, openapiSchema(s)]));
    out[`${r.kind}Input`] = { type: 'object', description: r.description, properties: input, required, additionalProperties: false };
    out[`${r.kind}Patch`] = { type: 'object', description: `Changed fields of a ${r.kind}; null unsets an optional field.`, properties: patch, additionalProperties: false };
    out[r.kind] = { type: 'object', description: r.description, properties: { ...output, ...extraProps }, required: [...always, ...extra.required], additionalProperties: false };
  }
  return out;
}

function obj(props: Json, required: string[] = Object.keys(props), description?: string): Json {
  return { type: 'object', ...(description ? { description } : {}), properties: props, required, additionalProperties: false };
}

/** An object of the inventory document: its fields are checked against the model's type T (provider/model/inventory.ts). */
function modelObj<T>(props: { [K in keyof T]?: Json }, required?: readonly (keyof T & string)[], description?: string): Json {
  return obj(props as Json, required ? [...required] : undefined, description);
}

/** The inventory document, as provider/inventory validates it (docs/inventory.md). */
function inventorySchemas(): Json {
  const NAME = { type: 'string', pattern: NAME_RE.source };
  const TAGS = { type: 'array', items: { type: 'string', pattern: '^[^\\s,]+$' } };
  const transports = { type: 'array', items: { type: 'string', enum: [...TRANSPORTS] }, minItems: 1, uniqueItems: true };
  const positive = { type: 'number', exclusiveMinimum: true, minimum: 0 };
  return {
    InventoryInput: modelObj<Inventory>(
      { bandwidthDomains: { type: 'array', items: { oneOf: [NAME, obj({ name: NAME })] } }, storageGroups: { type: 'array', items: ref('StorageGroup') }, servers: { type: 'array', items: ref('InventoryServer') } },
      ['bandwidthDomains', 'storageGroups'],
      'A topology document (docs/inventory.md): names unique, every bandwidthDomain declared.',
    ),
    Inventory: modelObj<Inventory>({ bandwidthDomains: { type: 'array', items: obj({ name: NAME }) }, storageGroups: { type: 'array', items: ref('StorageGroup') }, servers: { type: 'array', items: ref('InventoryServer') } }),
    StorageGroup: modelObj<StorageGroup>({ name: NAME, enclosures: { type: 'array', items: ref('Enclosure') } }),
    Enclosure: modelObj<Enclosure>({ name: NAME, transports, portal: { type: 'string', pattern: PORTAL_RE.source }, uplinkGbps: positive, bandwidthDomain: NAME, drives: { type: 'array', maxItems: MAX_DRIVES_PER_ENCLOSURE, items: ref('Drive') } }),
    Drive: modelObj<Drive>(
      { serial: NAME, type: { type: 'string', enum: [...DRIVE_TYPES] }, sizeGiB: { type: 'integer', minimum: 1, maximum: MAX_DRIVE_SIZE_GIB }, rpm: { type: 'integer', minimum: 1, maximum: 100_000, description: 'Required for hdd, absent for ssd.' }, tags: TAGS },
      ['serial', 'type', 'sizeGiB'],
    ),
    InventoryServer: modelObj<Server>({ name: NAME, transports, nicGbps: positive, bandwidthDomain: NAME, tags: TAGS }, ['name', 'transports', 'nicGbps', 'bandwidthDomain']),
  };
}

const JSON_TYPE = 'application/json';

function problemResponse(description: string, headers?: Json): Json {
  return { description, ...(headers ? { headers } : {}), content: { 'application/problem+json': { schema: ref('Problem') } } };
}

/** One response per status the route's codes answer: the codes in words, and the headers they carry. */
function problemResponses(r: ExpandedRoute): Json {
  const codes = [...new Set([...(r.problems ?? []), ...Object.keys(r.notes ?? {}), ...layerProblems(r)])];
  const byStatus = new Map<number, string[]>();
  for (const c of codes) byStatus.set(wire.problems[c].status, [...(byStatus.get(wire.problems[c].status) ?? []), c]);
  const out: Json = {};
  for (const [status, cs] of [...byStatus].sort((a, b) => a[0] - b[0])) {
    check(status !== 500, `route ${r.id}: a 500 is a bug, never an answer`);
    const text = cs.map((c) => `${c}: ${r.notes?.[c] ?? wire.problems[c].description}`).join('; ');
    const headers: Json = {};
    const retrying = cs.filter((c) => wire.problems[c].retryAfter);
    if (retrying.length > 0) headers['Retry-After'] = { description: 'Seconds to wait before retrying', required: retrying.length === cs.length, schema: { type: 'integer', minimum: 1 } };
    if (status === 401) headers['WWW-Authenticate'] = { required: true, schema: { type: 'string' } };
    out[String(status)] = problemResponse(text, Object.keys(headers).length ? headers : undefined);
  }
  return out;
}

function successResponse(d: ResponseDescription): Json {
  const description = d.description ?? 'OK';
  let schemaOf: Json | undefined;
  if (d.message) schemaOf = ref(d.message);
  else if (d.page) schemaOf = ref(`${d.page}List`);
  else if (d.oneOf) schemaOf = { oneOf: d.oneOf.map(ref) };
  else if (d.any) schemaOf = { type: 'object' };
  const out: Json = { description };
  if (d.text) out.content = { 'text/plain': { schema: { type: 'string' } } };
  else if (schemaOf) out.content = { [JSON_TYPE]: { schema: schemaOf } };
  if (d.headers) out.headers = Object.fromEntries(Object.entries(d.headers).map(([h, v]) => [h, { required: true, schema: { type: 'string', enum: [...v.enum] } }]));
  return out;
}

function parameters(r: ExpandedRoute): Json[] {
  const out: Json[] = pathParams(r.path).map((p) => ({ name: p, in: 'path', required: true, description: wire.pathParams.names[p], schema: { type: 'string', pattern: `^${wire.pathParams.pattern}$` } }));
  for (const [name, s] of Object.entries(r.query ?? {})) {
    const { description, ...rest } = s;
    out.push({ name, in: 'query', required: false, description, schema: openapiSchema(rest) });
  }
  if (r.queryFrom) {
    const block = schema.dataSources[r.queryFrom];
    check(block, `route ${r.id}: no data source ${r.queryFrom} in schema.json`);
    for (const [name, s] of Object.entries(block.attributes))
      if (isInput(s)) out.push({ name, in: 'query', required: false, description: s.description, schema: attrSchema(s), style: 'form', explode: false });
  }
  if (r.paged)
    out.push(
      { name: 'limit', in: 'query', required: false, description: 'Items per page.', schema: { type: 'integer', minimum: 1, maximum: MAX_PAGE_LIMIT, default: DEFAULT_PAGE_LIMIT } },
      { name: 'cursor', in: 'query', required: false, description: 'The `nextCursor` of the previous page (with the same filters).', schema: { type: 'string', minLength: 1 } },
    );
  return out;
}

function operation(r: ExpandedRoute): Json {
  const op: Json = { operationId: r.id, summary: r.summary ?? (r.queryFrom ? schema.dataSources[r.queryFrom].description : r.id) };
  if (r.auth === 'none') op.security = [];
  const params = parameters(r);
  if (params.length) op.parameters = params;
  if (r.body) {
    const content: Json = { [JSON_TYPE]: { schema: ref(r.body.message) } };
    if (r.body.mergePatch) content['application/merge-patch+json'] = { schema: ref(r.body.message) };
    op.requestBody = { required: true, content };
  }
  op.responses = { ...Object.fromEntries(Object.entries(r.responses).map(([s, d]) => [s, successResponse(d)])), ...problemResponses(r) };
  return op;
}

/** The OpenAPI 3 document: every route of wire.json, every body. `info.version` is the composer's at run time. */
export function openapiDocument(): Json {
  lint();
  const paths: Record<string, Json> = {};
  for (const r of expandedRoutes()) (paths[r.path] ??= {})[r.method.toLowerCase()] = operation(r);
  const pages = new Set(expandedRoutes().flatMap((r) => Object.values(r.responses).flatMap((d) => (d.page ? [d.page] : []))));
  const schemas: Json = {
    ...resourceSchemas(),
    ...Object.fromEntries(Object.keys(wire.messages).map((n) => [n, openapiSchema(flatMessage(n))])),
    Member: typeSchema({ object: memberType() }),
    ...inventorySchemas(),
    ...Object.fromEntries([...pages].sort().map((n) => [`${n}List`, obj({ items: { type: 'array', items: ref(n) }, nextCursor: { type: 'string', description: CURSOR_DOC } }, ['items'], PAGE_DOC)])),
  };
  return {
    openapi: '3.0.3',
    info: { title: 'Tessera composer', version: '0.0.0', description: 'Composable storage as code: the control plane REST API (/v1). Semantics: docs/api.md.' },
    security: [{ bearer: [] }],
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'A token of the tokens file; roles admin, operator, reader, agent, enclosure (docs/api.md, Tokens and roles).' } },
      schemas,
    },
  };
}

export function generate(): GeneratedFile[] {
  return [
    { path: WIRE_TYPES_PATH, content: wireTypes() },
    { path: OPENAPI_PATH, content: JSON.stringify(openapiDocument(), null, 2) + '\n' },
  ];
}
