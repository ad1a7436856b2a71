// The OpenAPI document against the server's route table (provider/composer/server.ts): every
// route is documented with the statuses the HTTP layer answers for it, every documented
// operation is a route, bodies derive from schema.json, and the document has the OpenAPI 3 shape.
import { RESOURCE_KINDS } from '../../provider/composer/layout';
import { openapiDocument } from '../../provider/composer/openapi';
import { buildRoutes, ID_PATTERN, type HttpDeps, type Route } from '../../provider/composer/server';
import { inputNames, KINDS, type ResourceType, resourceSpec, schema, sensitiveNames } from '../../provider/schema';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Op = Record<string, any>;

// The route table is static: building it calls none of its dependencies.
const routes: Route[] = buildRoutes({} as HttpDeps);
const doc = openapiDocument('9.9.9') as Record<string, any>;
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** The concrete document paths a route serves: `{kind}` is one of the resource collections. */
function documentedPaths(r: Route): string[] {
  return r.name.includes('{kind}') ? RESOURCE_KINDS.map((k) => r.name.replace('{kind}', k)) : [r.name];
}
const operations: { path: string; method: string; op: Op }[] = Object.entries(doc.paths as Record<string, Record<string, Op>>).flatMap(([p, item]) =>
  Object.entries(item).map(([method, op]) => ({ path: p, method, op })),
);
const placeholders = (p: string) => [...p.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
const sample = (p: string) => p.replace(/\{[^}]+\}/g, 'x1');

describe('every route of the server is documented, and nothing else', () => {
  test.each(routes.flatMap((r) => documentedPaths(r).map((p) => [`${r.method} ${p}`, r, p] as const)))('%s', (_label, r, p) => {
    const op = doc.paths[p]?.[r.method.toLowerCase()];
    expect(op).toBeDefined();
    // The documented path is one this route answers (and no other route does).
    const matching = routes.filter((x) => x.method === r.method && x.pattern.test(sample(p)));
    expect(matching).toEqual([r]);
  });

  test('every documented operation is exactly one route', () => {
    expect(operations.length).toBeGreaterThan(30);
    for (const { path: p, method } of operations) {
      const matching = routes.filter((r) => r.method === method.toUpperCase() && r.pattern.test(sample(p)));
      expect({ op: `${method} ${p}`, routes: matching.length }).toEqual({ op: `${method} ${p}`, routes: 1 });
      expect(documentedPaths(matching[0])).toContain(p);
    }
  });

  test('routes and documented operations correspond one to one', () => {
    const fromRoutes = routes.flatMap((r) => documentedPaths(r).map((p) => `${r.method} ${p}`)).sort();
    const fromDoc = operations.map((o) => `${o.method.toUpperCase()} ${o.path}`).sort();
    expect(fromDoc).toEqual(fromRoutes);
  });
});

describe('each operation documents what the HTTP layer does for its route', () => {
  // Routes missing from the document fail above; here each documented route is held to its route.
  const pairs = routes.flatMap((r) => documentedPaths(r).map((p) => ({ r, p, op: doc.paths[p]?.[r.method.toLowerCase()] as Op }))).filter((x) => x.op);

  test('path parameters: every placeholder, required, with the pattern the route matches', () => {
    for (const { r, p, op } of pairs) {
      const params = (op.parameters ?? []).filter((x: Op) => x.in === 'path');
      expect(params.map((x: Op) => x.name).sort()).toEqual(placeholders(p).sort());
      for (const x of params) {
        expect(x.required).toBe(true);
        expect(x.schema).toEqual({ type: 'string', pattern: `^${ID_PATTERN}$` });
      }
      // The route captures exactly these parameters with that pattern (besides {kind}).
      expect(r.pattern.source.split(`(${ID_PATTERN})`).length - 1).toBe(params.length);
      // A value outside the pattern reaches no route: 404 not_found, documented.
      if (params.length > 0) {
        expect(routes.some((x) => x.pattern.test(p.replace(/\{[^}]+\}/g, 'a b')))).toBe(false);
        expect(op.responses['404']).toBeDefined();
      }
    }
  });

  test('authentication: bearer exactly where the route checks a token, with 401 and 403', () => {
    for (const { r, p, op } of pairs) {
      if (r.access) {
        expect({ p, security: op.security }).toEqual({ p, security: undefined }); // inherits the document's bearer
        expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['401', '403']));
        expect(op.responses['401'].headers['WWW-Authenticate'].required).toBe(true);
      } else {
        expect({ p, security: op.security }).toEqual({ p, security: [] });
        expect(op.responses['401']).toBeUndefined();
      }
    }
    expect(doc.security).toEqual([{ bearer: [] }]);
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  test('bodies: a JSON request body exactly where the route reads one, with 400, 413, 415 and 422', () => {
    for (const { r, p, op } of pairs) {
      if (r.bodyLimit) {
        expect({ p, required: op.requestBody?.required }).toEqual({ p, required: true });
        expect(op.requestBody.content['application/json'].schema.$ref).toMatch(/^#\/components\/schemas\//);
        expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['400', '413', '415', '422']));
      } else expect({ p, body: op.requestBody }).toEqual({ p, body: undefined });
    }
  });

  test('writes: 503 not_leader with Retry-After on every write route', () => {
    for (const { r, op } of pairs) {
      if (!r.write) continue;
      expect(op.responses['503'].headers['Retry-After'].required).toBe(true);
    }
  });

  test('errors are problem+json; every operation has a success answer', () => {
    for (const { op } of operations) {
      const codes = Object.keys(op.responses);
      expect(codes.some((c) => /^2\d\d$/.test(c))).toBe(true);
      for (const c of codes) {
        expect(c).toMatch(/^[1-5]\d\d$/);
        expect(typeof op.responses[c].description).toBe('string');
        if (Number(c) >= 400) expect(op.responses[c].content['application/problem+json'].schema).toEqual({ $ref: '#/components/schemas/Problem' });
      }
      expect(op.responses['500']).toBeUndefined(); // a 500 is a bug, never an answer
    }
  });
});

describe('bodies derive from schema.json', () => {
  test.each(Object.values(schema.resources).map((r) => [r.kind, r] as const))('%s', (kind, r) => {
    const s = doc.components.schemas;
    const type = Object.keys(schema.resources).find((t) => schema.resources[t] === r)!;
    const attrs = resourceSpec(type).attributes;
    // Create body: the schema.json inputs (+ owner), required ones required, nothing else accepted.
    expect(Object.keys(s[`${kind}Input`].properties).sort()).toEqual([...inputNames(type), 'owner'].sort());
    expect(s[`${kind}Input`].required.sort()).toEqual(Object.keys(attrs).filter((a) => attrs[a].required).sort());
    expect(s[`${kind}Input`].additionalProperties).toBe(false);
    // adopt is a create's request (docs/api.md "Owners"): in the create body only.
    expect(Object.keys(s[`${kind}Patch`].properties).sort()).toEqual([...inputNames(type).filter((n) => n !== KINDS[type as ResourceType].adopt), 'owner'].sort());
    expect(s[`${kind}Patch`].required).toBeUndefined();
    // Ranges, patterns and allowed values come from schema.json.
    for (const [n, a] of Object.entries(attrs)) {
      if (!(n in s[`${kind}Input`].properties)) continue;
      const p = s[`${kind}Input`].properties[n];
      const scalar = p.type === 'array' ? p.items : p;
      if (a.min !== undefined) expect(scalar.minimum).toBe(a.min);
      if (a.max !== undefined) expect(scalar.maximum).toBe(a.max);
      if (a.pattern !== undefined) expect(scalar.pattern).toBe(a.pattern);
      if (a.allowed !== undefined) expect(scalar.enum).toEqual(a.allowed);
      expect(p.nullable === true).toBe(!a.required);
    }
    // Answers: never a secret, nothing undocumented.
    for (const secret of sensitiveNames(type)) expect(s[kind].properties[secret]).toBeUndefined();
    expect(s[kind].additionalProperties).toBe(false);
    expect(s[kind].required).toEqual(expect.arrayContaining(['id', 'createdAt', 'updatedAt']));
  });

  test('the capacity query parameters are the capacity data source inputs', () => {
    const params = doc.paths['/v1/capacity'].get.parameters.map((x: Op) => x.name).sort();
    expect(params).toEqual(inputNames('tessera_capacity').sort());
  });
});

describe('OpenAPI 3 shape', () => {
  test('top level, operations and parameters', () => {
    expect(doc.openapi).toMatch(/^3\.\d+\.\d+$/);
    expect(doc.info).toEqual(expect.objectContaining({ title: expect.any(String), version: '9.9.9' }));
    const ids = new Set<string>();
    for (const [p, item] of Object.entries(doc.paths as Record<string, Record<string, Op>>)) {
      expect(p).toMatch(/^\//);
      for (const [method, op] of Object.entries(item)) {
        expect(METHODS).toContain(method);
        expect(typeof op.operationId).toBe('string');
        expect(ids.has(op.operationId)).toBe(false);
        ids.add(op.operationId);
        expect(Object.keys(op.responses).length).toBeGreaterThan(0);
        for (const x of op.parameters ?? []) {
          expect(['path', 'query', 'header', 'cookie']).toContain(x.in);
          expect(typeof x.name).toBe('string');
          expect(typeof x.schema).toBe('object');
          if (x.in === 'path') expect(x.required).toBe(true);
        }
      }
    }
  });

  test('every $ref resolves and every schema names a JSON Schema type or a composition', () => {
    const schemas = doc.components.schemas as Record<string, Op>;
    const refs: string[] = [];
    const walk = (node: unknown, inSchema: boolean): void => {
      if (Array.isArray(node)) return node.forEach((n) => walk(n, inSchema));
      if (typeof node !== 'object' || node === null) return;
      const o = node as Op;
      if (typeof o.$ref === 'string') refs.push(o.$ref);
      else if (inSchema) expect(['string', 'integer', 'number', 'boolean', 'array', 'object'].includes(o.type) || o.oneOf || o.anyOf || o.allOf).toBeTruthy();
      for (const [k, v] of Object.entries(o)) {
        if (k === 'properties') Object.values(v as Op).forEach((s) => walk(s, true));
        else if (k === 'items' || k === 'schema' || (k === 'additionalProperties' && typeof v === 'object')) walk(v, true);
        else if (k === 'oneOf' || k === 'anyOf' || k === 'allOf') (v as unknown[]).forEach((s) => walk(s, true));
        else if (k !== 'default' && k !== 'enum' && k !== 'example') walk(v, false);
      }
    };
    walk(doc.paths, false);
    Object.values(schemas).forEach((s) => walk(s, true));
    expect(refs.length).toBeGreaterThan(50);
    for (const r of refs) {
      expect(r).toMatch(/^#\/components\/schemas\//);
      expect(schemas[r.split('/').pop()!]).toBeDefined();
    }
  });
});
