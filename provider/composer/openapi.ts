// The OpenAPI 3 document served at /openapi.json: resource schemas derived from schema.json,
// wire types and paths from provider/api/contract.ts.
import { AttributeSpec, AttributeType, schema } from '../schema';
import { DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT } from './paging';

type Json = Record<string, unknown>;

function typeSchema(t: AttributeType, spec?: AttributeSpec): Json {
  if (typeof t === 'string') {
    const s: Json = { type: t };
    if (spec?.allowed) s.enum = spec.allowed;
    if (spec?.min !== undefined) s.minimum = spec.min;
    if (spec?.max !== undefined) s.maximum = spec.max;
    if (spec?.minLength !== undefined) s.minLength = spec.minLength;
    if (spec?.pattern) s.pattern = spec.pattern;
    return s;
  }
  if ('list' in t) {
    const items = typeSchema(t.list, spec && typeof t.list === 'string' ? { ...spec, min: spec.min, max: spec.max } : undefined);
    return { type: 'array', items };
  }
  return { type: 'object', properties: Object.fromEntries(Object.entries(t.object).map(([k, v]) => [k, typeSchema(v)])) };
}

function attrSchema(spec: AttributeSpec): Json {
  const s = typeSchema(spec.type, spec);
  s.description = spec.description;
  if (spec.default !== undefined) s.default = spec.default;
  if (spec.sensitive) s.writeOnly = true;
  if (spec.computed && !spec.optional && !spec.required) s.readOnly = true;
  if (spec.update) s['x-tessera-update'] = spec.update;
  return s;
}

function resourceSchemas(): Json {
  const out: Json = {};
  for (const r of Object.values(schema.resources)) {
    const input: Json = {};
    const output: Json = {};
    const required: string[] = [];
    for (const [name, spec] of Object.entries(r.attributes)) {
      if (spec.required || spec.optional) input[name] = attrSchema(spec);
      if (spec.required) required.push(name);
      if (!spec.sensitive && !spec.writeOnly) output[name] = attrSchema(spec);
    }
    input.owner = { type: 'string', description: 'Free text: the Pulumi URN or Terraform address that manages the object.' };
    out[`${r.kind}Input`] = { type: 'object', properties: input, required, additionalProperties: false };
    out[r.kind] = { type: 'object', properties: output };
  }
  return out;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schemaRef: Json, description = 'OK') => ({ description, content: { 'application/json': { schema: schemaRef } } });
const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: ref('Problem') } } });
/** A page of a list endpoint (provider/composer/paging.ts). */
const list = (name: string) => ({
  type: 'object',
  required: ['items'],
  properties: { items: { type: 'array', items: ref(name) }, nextCursor: { type: 'string', description: 'present when more items follow: pass it as `cursor`' } },
});
const PAGE_PARAMS = [
  { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: MAX_PAGE_LIMIT, default: DEFAULT_PAGE_LIMIT }, description: 'items per page' },
  { name: 'cursor', in: 'query', schema: { type: 'string' }, description: 'the `nextCursor` of the previous page' },
];

const COMMON_ERRORS = {
  '401': problem('unauthorized: no valid bearer token'),
  '403': problem('forbidden: outside the token role'),
  '422': problem('validation_failed: one entry per bad field'),
  '503': problem('not_leader (with Retry-After and leader) or not_ready'),
};

export function openapiDocument(version: string): Json {
  const paths: Json = {
    '/healthz': { get: { summary: 'Liveness', security: [], responses: { '200': json({ type: 'object' }) } } },
    '/readyz': { get: { summary: 'Readiness (state loaded, reconciled or following)', security: [], responses: { '200': json({ type: 'object' }), '503': problem('not ready') } } },
    '/metrics': { get: { summary: 'Prometheus metrics', responses: { '200': { description: 'text/plain exposition format' } } } },
    '/openapi.json': { get: { summary: 'This document', security: [], responses: { '200': json({ type: 'object' }) } } },
    '/v1/inventory': {
      put: { summary: 'Load or replace the inventory (admin)', requestBody: { content: { 'application/json': { schema: { type: 'object' } } } }, responses: { '200': json(ref('InventorySummary')), '409': problem('inventory_conflict: allocations no longer fit'), ...COMMON_ERRORS } },
      get: { summary: 'The inventory', responses: { '200': json({ type: 'object' }), '404': problem('no inventory') } },
    },
    '/v1/inventory/summary': { get: { summary: 'Inventory summary', responses: { '200': json(ref('InventorySummary')) } } },
    '/v1/capacity': {
      get: {
        summary: 'Available capacity and the largest volume that would succeed (CSI GetCapacity)',
        parameters: Object.entries(schema.dataSources.tessera_capacity.attributes)
          .filter(([, s]) => s.optional)
          .map(([name, s]) => ({ name, in: 'query', required: false, description: s.description, schema: typeSchema(s.type, s), style: 'form', explode: false })),
        responses: { '200': json(ref('CapacityResponse')), ...COMMON_ERRORS },
      },
    },
    '/v1/operations': { get: { summary: 'The operation journal', parameters: [{ name: 'state', in: 'query', schema: { type: 'string', enum: ['pending', 'done', 'rolled_back', 'failed'] } }, ...PAGE_PARAMS], responses: { '200': json(list('Operation')), ...COMMON_ERRORS } } },
    '/v1/operations/{id}': { get: { summary: 'One operation', parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }], responses: { '200': json(ref('Operation')), '404': problem('not_found') } } },
    '/v1/servers': { get: { summary: 'Servers with agent health', parameters: PAGE_PARAMS, responses: { '200': json(list('ServerStatus')), ...COMMON_ERRORS } } },
    '/v1/volumes/{id}/purge': { post: { summary: 'Free a retained volume', parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }], responses: { '204': { description: 'purged (or absent)' }, '409': problem('not_retained'), ...COMMON_ERRORS } } },
  };
  for (const r of Object.values(schema.resources)) {
    const base = r.api;
    const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };
    paths[base] = {
      post: {
        summary: `Create a ${r.kind} (idempotent by (cluster, name))`,
        parameters: [{ name: 'dryRun', in: 'query', schema: { type: 'boolean' }, description: 'answer the placement without reserving anything' }],
        requestBody: { required: true, content: { 'application/json': { schema: ref(`${r.kind}Input`) } } },
        responses: {
          '201': json(ref(r.kind), 'created'),
          '200': json({ oneOf: [ref(r.kind), ref('DryRunResponse')] }, 'the same spec already exists, or the dry-run placement'),
          '409': problem('conflict_exists: an object of that name differs (fields listed); insufficient_capacity: the pool cannot satisfy the request (the failing constraint as errors[0].field)'),
          ...COMMON_ERRORS,
        },
      },
      get: { summary: `List ${r.kind}s (in pages, by id)`, parameters: [{ name: 'cluster', in: 'query', schema: { type: 'string' } }, ...PAGE_PARAMS], responses: { '200': json(list(r.kind)), ...COMMON_ERRORS } },
    };
    paths[`${base}/{id}`] = {
      get: { summary: `Read a ${r.kind}`, parameters: [idParam], responses: { '200': json(ref(r.kind)), '404': problem('not_found') } },
      patch: {
        summary: `Change a ${r.kind} in place`,
        parameters: [idParam],
        requestBody: { required: true, content: { 'application/json': { schema: { type: 'object' } } } },
        responses: { '200': json(ref(r.kind)), '409': problem('replace_required (fields listed), in_use, or insufficient_capacity (a slice cannot grow)'), ...COMMON_ERRORS, '422': problem('validation_failed or shrink_refused') },
      },
      delete: { summary: `Delete a ${r.kind} (204 also when absent)`, parameters: [idParam], responses: { '204': { description: 'deleted' }, '409': problem('in_use'), ...COMMON_ERRORS } },
    };
  }
  const server = { name: 'server', in: 'path', required: true, schema: { type: 'string' } };
  const volumeId = { name: 'volumeId', in: 'path', required: true, schema: { type: 'string' } };
  Object.assign(paths, {
    '/v1/agents/{server}/register': { post: { summary: 'Agent registers its facts', parameters: [server], requestBody: { content: { 'application/json': { schema: ref('AgentFacts') } } }, responses: { '200': json(ref('ServerStatus')), ...COMMON_ERRORS } } },
    '/v1/agents/{server}/heartbeat': { post: { summary: 'Agent heartbeat', parameters: [server], responses: { '204': { description: 'noted' } } } },
    '/v1/agents/{server}/assignments': {
      get: {
        summary: 'Desired volumes of the server (long poll: waits until the revision passes `since`)',
        parameters: [server, { name: 'since', in: 'query', schema: { type: 'integer' } }, { name: 'waitSeconds', in: 'query', schema: { type: 'integer', maximum: 300 } }],
        responses: { '200': json(ref('AssignmentsResponse')) },
      },
    },
    '/v1/agents/{server}/status/{volumeId}': { put: { summary: 'Observed state of a volume on the server', parameters: [server, volumeId], requestBody: { content: { 'application/json': { schema: ref('ObservedState') } } }, responses: { '204': { description: 'stored' }, ...COMMON_ERRORS } } },
    '/v1/agents/{server}/keys/{volumeId}': {
      get: { summary: 'Derived drive key (only for the agent of the assigned server)', parameters: [server, volumeId, { name: 'version', in: 'query', schema: { type: 'integer' } }], responses: { '200': json(ref('VolumeKey')), ...COMMON_ERRORS } },
    },
  });
  const s = (props: Json, required: string[] = []) => ({ type: 'object', properties: props, required });
  const str = { type: 'string' };
  const int = { type: 'integer' };
  const transports = { type: 'array', items: { type: 'string', enum: ['roce', 'nvmetcp', 'iscsi'] } };
  const wire: Json = {
    Problem: s({ type: str, title: str, status: int, code: str, detail: str, leader: str, errors: { type: 'array', items: s({ field: str, reason: str }) } }, ['type', 'title', 'status', 'code', 'detail']),
    InventorySummary: s({ storageGroups: { type: 'array', items: str }, enclosureCount: int, driveCount: int, servers: { type: 'array', items: str }, revision: int }),
    CapacityResponse: s({ availableGiB: int, maximumVolumeSizeGiB: int, byStorageGroup: { type: 'object', additionalProperties: int } }),
    Placement: s({ type: str, raidLevel: str, transport: str, capacityGiB: int, members: { type: 'array', items: { type: 'object' } } }),
    DryRunResponse: s({ dryRun: { type: 'boolean' }, placement: ref('Placement') }),
    Operation: s({ id: str, kind: str, resource: str, objectId: str, state: str, startedAt: str, finishedAt: str, detail: { type: 'object' }, error: str }),
    AgentFacts: s({ hostname: str, transports, nicGbps: { type: 'number' }, backend: { type: 'string', enum: ['linux', 'lab', 'simulated'] }, agentVersion: str }, ['hostname', 'transports', 'nicGbps', 'backend', 'agentVersion']),
    ServerStatus: s({ name: str, health: { type: 'string', enum: ['up', 'down', 'unknown'] }, lastHeartbeat: str, facts: ref('AgentFacts') }),
    Assignment: s({ volumeId: str, kind: str, cluster: str, name: str, placement: ref('Placement'), fsType: str, encrypt: { type: 'boolean' }, keyPolicy: str, keyVersion: int, mountPath: str, generation: int }),
    AssignmentsResponse: s({ revision: int, assignments: { type: 'array', items: ref('Assignment') } }),
    ObservedState: s({ state: { type: 'string', enum: ['staging', 'staged', 'unstaging', 'unstaged', 'failed'] }, generation: int, devicePath: str, mountedAt: str, keyVersion: int, step: str, error: str }, ['state', 'generation']),
    VolumeKey: s({ volumeId: str, version: int, cipher: str, keySizeBits: int, key: { type: 'string', format: 'byte' } }),
  };
  return {
    openapi: '3.0.3',
    info: { title: 'Tessera composer', version, description: 'Composable storage as code: the control plane REST API (/v1).' },
    security: [{ bearer: [] }],
    paths,
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } }, schemas: { ...resourceSchemas(), ...wire } },
  };
}
