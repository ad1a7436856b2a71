// The OpenAPI 3 document served at /openapi.json: every route of server.ts with its parameters,
// bodies and the statuses it can answer (test/composer/openapi.test.ts holds the route table
// against it). Resource bodies derive from schema.json through provider/schema; wire types follow
// provider/api/contract.ts; the semantics are in docs/api.md.
import {
  AGENT_BACKENDS,
  OBSERVED_STATES,
  OPERATION_KINDS,
  OPERATION_STATES,
  SERVER_HEALTH,
  VOLUME_STATES,
} from '../api/contract';
import { MAX_DRIVES_PER_ENCLOSURE, MAX_DRIVE_SIZE_GIB, NAME_RE, PORTAL_RE } from '../inventory';
import { DRIVE_TYPES, TRANSPORTS } from '../model/inventory';
import { RAID_LEVELS, VOLUME_TYPES } from '../model/placement';
import { AttributeSpec, AttributeType, BlockSpec, isInput, schema } from '../schema';
import { EXPORT_STATES } from '../api/enclosure';
import { RESOURCE_KINDS } from './layout';
import { DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT } from './paging';
import { ID_PATTERN } from './server';

type Json = Record<string, unknown>;

function ref(name: string): Json {
  return { $ref: `#/components/schemas/${name}` };
}
function obj(props: Json, required: string[] = Object.keys(props), description?: string, additionalProperties: boolean = false): Json {
  return { type: 'object', ...(description ? { description } : {}), properties: props, required, additionalProperties };
}
const STR = { type: 'string' };
const INT0 = { type: 'integer', minimum: 0 };
const strings = { type: 'array', items: STR };
const transportList = { type: 'array', items: { type: 'string', enum: [...TRANSPORTS] } };
const NAME = { type: 'string', pattern: NAME_RE.source };
const TAGS = { type: 'array', items: { type: 'string', pattern: '^[^\\s,]+$' } };

// ---------------------------------------------------------------- schemas from schema.json

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
    // provider/schema refuses duplicates in lists of scalars.
    const items = typeSchema(t.list, spec && typeof t.list === 'string' ? { ...spec, min: spec.min, max: spec.max } : undefined);
    const s: Json = { type: 'array', items };
    if (spec?.maxItems !== undefined) s.maxItems = spec.maxItems;
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
const META = { id: { type: 'string' }, owner: OWNER, createdAt: TIME, updatedAt: TIME };

/**
 * What the composer adds to a resource's schema.json outputs, narrowed to its own enums
 * (contract.ts: Volume, Slice, KeyPolicy), and which outputs every object carries.
 */
const OUTPUT_EXTRAS: Record<string, { props: Json; required: string[] }> = {
  Cluster: { props: {}, required: [] },
  Volume: {
    props: { state: { type: 'string', enum: [...VOLUME_STATES] }, raidLevel: { type: 'string', enum: [...RAID_LEVELS] }, transport: { type: 'string', enum: [...TRANSPORTS] }, observed: ref('ObservedReport') },
    required: ['state', 'raidLevel', 'transport', 'members', 'capacityGiB'],
  },
  Slice: {
    props: { state: { type: 'string', enum: [...VOLUME_STATES] }, transport: { type: 'string', enum: [...TRANSPORTS] }, observed: ref('ObservedReport') },
    required: ['state', 'transport', 'members', 'capacityGiB'],
  },
  KeyPolicy: {
    props: {
      rotation: obj({ volumes: INT0, current: INT0, pending: { type: 'array', items: { type: 'string' } } }, ['volumes', 'current', 'pending'], 'Rotation progress: volumes under the policy and how many run the current version.'),
    },
    required: ['fingerprint', 'version', 'rotation'],
  },
};

/** `<Kind>Input` (create body), `<Kind>Patch` (PATCH body) and `<Kind>` (what the composer answers). */
function resourceSchemas(): Json {
  const out: Json = {};
  for (const r of Object.values(schema.resources)) {
    const input: Json = { owner: { ...OWNER, nullable: true } };
    const patch: Json = { owner: { ...OWNER, nullable: true } };
    const output: Json = { ...META };
    const required: string[] = [];
    const always = ['id', 'createdAt', 'updatedAt'];
    for (const [name, spec] of Object.entries(r.attributes)) {
      if (isInput(spec)) {
        // null means "not given" on create, and "unset" (back to the default) in a PATCH.
        input[name] = attrSchema(spec, !spec.required);
        patch[name] = attrSchema(spec, !spec.required);
        if (spec.required) required.push(name);
      }
      if (!spec.sensitive && name !== 'owner' && name !== 'id') {
        const s = attrSchema(spec);
        delete s.writeOnly;
        output[name] = s;
        if (spec.required || spec.default !== undefined) always.push(name);
      }
    }
    const extra = OUTPUT_EXTRAS[r.kind];
    out[`${r.kind}Input`] = { type: 'object', description: r.description, properties: input, required, additionalProperties: false };
    out[`${r.kind}Patch`] = { type: 'object', description: `Changed fields of a ${r.kind}; null unsets an optional field.`, properties: patch, additionalProperties: false };
    out[r.kind] = { type: 'object', description: r.description, properties: { ...output, ...extra.props }, required: [...always, ...extra.required], additionalProperties: false };
  }
  return out;
}

/** The capacity data source's inputs as query parameters (lists comma-separated). */
function queryParams(block: BlockSpec): Json[] {
  return Object.entries(block.attributes)
    .filter(([, s]) => isInput(s))
    .map(([name, s]) => ({ name, in: 'query', required: false, description: s.description, schema: attrSchema(s), style: 'form', explode: false }));
}

// ---------------------------------------------------------------- wire types (contract.ts)

function wireSchemas(): Json {
  const member = (schema.resources.tessera_volume.attributes.members.type as { list: AttributeType }).list;
  return {
    Problem: obj(
      {
        type: STR,
        title: STR,
        status: { type: 'integer', minimum: 400, maximum: 599 },
        code: STR,
        detail: STR,
        errors: { type: 'array', items: obj({ field: STR, reason: STR }) },
        leader: STR,
      },
      ['type', 'title', 'status', 'code', 'detail'],
      'application/problem+json (docs/api.md, Errors): a stable `code`, and one entry per bad field in `errors`.',
    ),
    Health: obj({ status: { type: 'string', enum: ['ok'] } }),
    Ready: obj({ status: { type: 'string', enum: ['ready'] }, role: { type: 'string', enum: ['leader', 'standby'] }, leader: STR }, ['status', 'role']),
    InventorySummary: obj({ storageGroups: strings, enclosureCount: INT0, driveCount: INT0, servers: strings, revision: INT0 }),
    InventoryInput: obj(
      {
        bandwidthDomains: { type: 'array', items: { oneOf: [NAME, obj({ name: NAME })] } },
        storageGroups: { type: 'array', items: ref('StorageGroup') },
        servers: { type: 'array', items: ref('InventoryServer') },
      },
      ['bandwidthDomains', 'storageGroups'],
      'A topology document (docs/inventory.md): names unique, every bandwidthDomain declared.',
    ),
    Inventory: obj({ bandwidthDomains: { type: 'array', items: obj({ name: NAME }) }, storageGroups: { type: 'array', items: ref('StorageGroup') }, servers: { type: 'array', items: ref('InventoryServer') } }),
    StorageGroup: obj({ name: NAME, enclosures: { type: 'array', items: ref('Enclosure') } }),
    Enclosure: obj({
      name: NAME,
      transports: { ...transportList, minItems: 1, uniqueItems: true },
      portal: { type: 'string', pattern: PORTAL_RE.source },
      uplinkGbps: { type: 'number', exclusiveMinimum: true, minimum: 0 },
      bandwidthDomain: NAME,
      drives: { type: 'array', maxItems: MAX_DRIVES_PER_ENCLOSURE, items: ref('Drive') },
    }),
    Drive: obj(
      { serial: NAME, type: { type: 'string', enum: [...DRIVE_TYPES] }, sizeGiB: { type: 'integer', minimum: 1, maximum: MAX_DRIVE_SIZE_GIB }, rpm: { type: 'integer', minimum: 1, maximum: 100_000, description: 'Required for hdd, absent for ssd.' }, tags: TAGS },
      ['serial', 'type', 'sizeGiB'],
    ),
    InventoryServer: obj({ name: NAME, transports: { ...transportList, minItems: 1, uniqueItems: true }, nicGbps: { type: 'number', exclusiveMinimum: true, minimum: 0 }, bandwidthDomain: NAME, tags: TAGS }, [
      'name',
      'transports',
      'nicGbps',
      'bandwidthDomain',
    ]),
    CapacityResponse: obj({ availableGiB: INT0, maximumVolumeSizeGiB: INT0, byStorageGroup: { type: 'object', additionalProperties: INT0 } }),
    Member: typeSchema(member),
    Placement: obj({ type: { type: 'string', enum: [...VOLUME_TYPES] }, raidLevel: { type: 'string', enum: [...RAID_LEVELS] }, transport: { type: 'string', enum: [...TRANSPORTS] }, capacityGiB: INT0, members: { type: 'array', items: ref('Member') } }),
    DryRunResponse: obj({ dryRun: { type: 'boolean', enum: [true] }, placement: ref('Placement') }, ['dryRun', 'placement'], 'The placement a create would get; nothing is reserved.'),
    DryRunAccepted: obj({ dryRun: { type: 'boolean', enum: [true] } }, ['dryRun'], 'The create would be accepted; nothing is stored (and no id is made up).'),
    Operation: obj(
      {
        id: STR,
        kind: { type: 'string', enum: [...OPERATION_KINDS] },
        resource: { type: 'string', enum: [...RESOURCE_KINDS, 'inventory'] },
        objectId: STR,
        state: { type: 'string', enum: [...OPERATION_STATES] },
        startedAt: TIME,
        finishedAt: TIME,
        detail: { type: 'object', description: 'What the operation reserved or changed.' },
        error: STR,
      },
      ['id', 'kind', 'resource', 'objectId', 'state', 'startedAt'],
    ),
    // The agent's own report: further fields are ignored.
    AgentFacts: obj({ hostname: { type: 'string', minLength: 1 }, transports: transportList, nicGbps: { type: 'number', exclusiveMinimum: true, minimum: 0 }, backend: { type: 'string', enum: [...AGENT_BACKENDS] }, agentVersion: STR }, undefined, undefined, true),
    ServerStatus: obj({ name: STR, health: { type: 'string', enum: [...SERVER_HEALTH] }, lastHeartbeat: TIME, facts: ref('AgentFacts') }, ['name', 'health']),
    Assignment: obj(
      {
        volumeId: STR,
        kind: { type: 'string', enum: ['volume', 'slice'] },
        cluster: STR,
        name: STR,
        placement: ref('Placement'),
        fsType: { type: 'string', enum: ['ext4', 'xfs', 'none'] },
        encrypt: { type: 'boolean' },
        keyPolicy: STR,
        keyVersion: { type: 'integer', minimum: 1 },
        mountPath: STR,
        generation: { type: 'integer', minimum: 1 },
      },
      ['volumeId', 'kind', 'cluster', 'name', 'placement', 'fsType', 'encrypt', 'generation'],
    ),
    AssignmentsResponse: obj({ revision: INT0, assignments: { type: 'array', items: ref('Assignment') } }),
    ObservedState: obj(observedProps(), ['state', 'generation'], 'What the agent observes; further fields are ignored.', true),
    ObservedReport: obj({ ...observedProps(), reportedAt: TIME }, ['state', 'generation'], 'The agent\'s last report on the volume.'),
    VolumeKey: obj({ volumeId: STR, version: { type: 'integer', minimum: 1 }, cipher: STR, keySizeBits: { type: 'integer', enum: [256, 512] }, key: { type: 'string', format: 'byte' } }),
    // The enclosure channel (provider/api/enclosure.ts, provider/composer/enclosures.ts).
    EnclosureFacts: obj({ hostname: { type: 'string', minLength: 1, maxLength: 255 }, version: { type: 'string', maxLength: 64 }, drives: { type: 'array', items: NAME, description: 'Serials of the drives it manages: drives of this enclosure in the inventory.' } }),
    EnclosureExport: obj(
      {
        volumeId: STR,
        kind: { type: 'string', enum: ['volume', 'slice'] },
        serial: STR,
        slice: { type: 'boolean' },
        offsetGiB: INT0,
        sizeGiB: { type: 'integer', minimum: 1 },
        transport: { type: 'string', enum: [...TRANSPORTS] },
        nqn: STR,
        nsUuid: STR,
        iqn: STR,
        server: STR,
        hostNqn: STR,
        initiatorIqn: STR,
      },
      ['volumeId', 'kind', 'serial', 'slice', 'offsetGiB', 'sizeGiB', 'transport', 'server'],
      'One member to export and the one host it is visible to (nqn/nsUuid/hostNqn for NVMe, iqn/initiatorIqn for iSCSI).',
    ),
    EnclosureAssignments: obj({ revision: INT0, portal: STR, transports: transportList, exports: { type: 'array', items: ref('EnclosureExport') } }),
    DriveHealth: obj({ serial: STR, present: { type: 'boolean' }, device: STR, sizeBytes: INT0, ioErrors: INT0, deviceState: STR }, ['serial', 'present']),
    ExportState: obj(
      { volumeId: STR, serial: STR, offsetGiB: INT0, transport: { type: 'string', enum: [...TRANSPORTS] }, target: STR, server: STR, state: { type: 'string', enum: [...EXPORT_STATES] }, error: STR },
      ['volumeId', 'serial', 'offsetGiB', 'transport', 'target', 'server', 'state'],
    ),
    EnclosureReport: obj({ drives: { type: 'array', items: ref('DriveHealth') }, exports: { type: 'array', items: ref('ExportState') } }),
    EnclosureReported: obj({ drives: { type: 'array', items: ref('DriveHealth') }, exports: { type: 'array', items: ref('ExportState') }, reportedAt: TIME }),
    EnclosureStatus: obj({ name: STR, health: { type: 'string', enum: [...SERVER_HEALTH] }, lastHeartbeat: TIME, facts: ref('EnclosureFacts'), report: ref('EnclosureReported') }, ['name', 'health']),
    // A page of a list endpoint (./paging.ts; docs/api.md "Lists and pages").
    ...Object.fromEntries(
      ['Cluster', 'Volume', 'Slice', 'KeyPolicy', 'Operation', 'ServerStatus', 'EnclosureStatus'].map((k) => [
        `${k}List`,
        obj({ items: { type: 'array', items: ref(k) }, nextCursor: { type: 'string', description: 'Present when more items follow: pass it back as `cursor`.' } }, ['items']),
      ]),
    ),
  };
}

function observedProps(): Json {
  const text = { type: 'string', maxLength: 8192 };
  return { state: { type: 'string', enum: [...OBSERVED_STATES] }, generation: INT0, devicePath: text, mountedAt: text, keyVersion: INT0, step: text, error: text };
}

// ---------------------------------------------------------------- responses and operations

const JSON_TYPE = 'application/json';
const body = (schemaRef: Json, description = 'OK') => ({ description, content: { [JSON_TYPE]: { schema: schemaRef } } });
const RETRY_AFTER = { description: 'Seconds to wait before retrying', schema: { type: 'integer', minimum: 1 } };
function problem(description: string, headers?: Json): Json {
  return { description, ...(headers ? { headers } : {}), content: { 'application/problem+json': { schema: ref('Problem') } } };
}

/** Statuses every route of a kind can answer, from what server.ts does before the handler runs. */
const AUTH = {
  '401': problem('unauthorized: no valid bearer token', { 'WWW-Authenticate': { required: true, schema: STR } }),
  '403': problem('forbidden: outside the token\'s role (or, for agents, its server; for enclosure services, its enclosure)'),
};
const BODY = {
  '400': problem('malformed_json: the body is not JSON; json_too_deep: nested deeper than 64 levels'),
  '408': problem('request_timeout: the body did not arrive in time (docs/api.md "Limits and timeouts")'),
  '413': problem('payload_too_large'),
  '415': problem('unsupported_media_type: send application/json'),
};
const WRITE = { '503': problem('not_leader (with `leader`), not_ready or store_unavailable', { 'Retry-After': { ...RETRY_AFTER, required: true } }) };
const NO_PATH = 'not_found: no such object, or the path does not match any endpoint';

const param = (n: string, description: string) => ({ name: n, in: 'path', required: true, description, schema: { type: 'string', pattern: `^${ID_PATTERN}$` } });
const ID = param('id', 'Object id (or the id of an operation).');
const SERVER = param('server', 'Inventory server name; an agent token speaks only for its own server.');
const VOLUME_ID = param('volumeId', 'Volume or slice id.');
const ENCLOSURE = param('enclosure', 'Inventory enclosure name; an enclosure token speaks only for its own enclosure.');
const query = (n: string, s: Json, description: string) => ({ name: n, in: 'query', required: false, description, schema: s });
/** `limit` and `cursor` of every list endpoint. */
const PAGE = () => [
  query('limit', { type: 'integer', minimum: 1, maximum: MAX_PAGE_LIMIT, default: DEFAULT_PAGE_LIMIT }, 'Items per page.'),
  query('cursor', { type: 'string', minLength: 1 }, 'The `nextCursor` of the previous page (with the same filters).'),
];
const jsonBody = (schemaRef: Json, description?: string) => ({ required: true, ...(description ? { description } : {}), content: { [JSON_TYPE]: { schema: schemaRef } } });

function resourcePaths(): Json {
  const paths: Json = {};
  for (const r of Object.values(schema.resources)) {
    const k = r.kind;
    const placed = k === 'Volume' || k === 'Slice';
    const capacity = placed ? ", insufficient_capacity (the engine's reason in detail, the failing constraint as errors[0].field)" : '';
    paths[r.api] = {
      post: {
        operationId: `create${k}`,
        summary: `Create a ${k} (idempotent by name${placed ? ' within its cluster' : ''})`,
        parameters: [query('dryRun', { type: 'boolean', default: false }, placed ? 'Answer the placement without reserving anything.' : 'Validate and answer the object without storing it.')],
        requestBody: jsonBody(ref(`${k}Input`)),
        responses: {
          '201': body(ref(k), 'created'),
          '200': body({ oneOf: [ref(k), ref(placed ? 'DryRunResponse' : 'DryRunAccepted')] }, `the same spec already exists, or the dry run${placed ? '\'s placement' : ' accepted'}`),
          '409': problem(`conflict_exists (the differing fields listed), conflict${placed ? `, no_inventory${capacity}` : ''}${k === 'KeyPolicy' ? ', master_key_missing' : ''}`),
          '422': problem('validation_failed: one entry per bad field (schema.json and the cross-field rules of docs/api.md)'),
          ...AUTH,
          ...BODY,
          ...WRITE,
        },
      },
      get: {
        operationId: `list${k}s`,
        summary: `List ${k}s`,
        parameters: [query('cluster', STR, 'Only those of this cluster (id or name).'), ...PAGE()],
        responses: { '200': body(ref(`${k}List`)), '422': problem('validation_failed: a bad limit or cursor'), ...AUTH },
      },
    };
    const path = `${r.api}/{id}`;
    paths[path] = {
      get: { operationId: `get${k}`, summary: `Read a ${k}`, parameters: [ID], responses: { '200': body(ref(k)), '404': problem(NO_PATH), ...AUTH } },
      patch: {
        operationId: `update${k}`,
        summary: `Change a ${k} in place`,
        parameters: [ID],
        requestBody: { ...jsonBody(ref(`${k}Patch`)), content: { [JSON_TYPE]: { schema: ref(`${k}Patch`) }, 'application/merge-patch+json': { schema: ref(`${k}Patch`) } } },
        responses: {
          '200': body(ref(k)),
          '404': problem(NO_PATH),
          '409': problem(`replace_required (the fields listed), conflict${k === 'Cluster' ? ', in_use' : ''}${placed ? `, retained, move_in_progress, no_inventory${capacity}` : ''}${k === 'KeyPolicy' ? ', master_key_missing' : ''}`, placed ? { 'Retry-After': RETRY_AFTER } : undefined),
          '422': problem(`validation_failed${placed ? ' or shrink_refused' : ''}`),
          ...AUTH,
          ...BODY,
          ...WRITE,
        },
      },
      delete: {
        operationId: `delete${k}`,
        summary: `Delete a ${k} (204 also when absent)`,
        parameters: [ID],
        responses: {
          '204': { description: placed ? 'deleted, or being deleted (state deleting) until the agent unstages it' : 'deleted' },
          '404': problem('not_found: the path does not match any endpoint'),
          ...(placed ? {} : { '409': problem(k === 'Cluster' ? 'in_use: volumes or slices still belong to it' : 'in_use: volumes or clusters use it') }),
          ...AUTH,
          ...WRITE,
        },
      },
    };
  }
  return paths;
}

export function openapiDocument(version: string): Json {
  const paths: Json = {
    '/healthz': { get: { operationId: 'healthz', summary: 'Liveness', security: [], responses: { '200': body(ref('Health')) } } },
    '/readyz': {
      get: { operationId: 'readyz', summary: 'Readiness: state loaded and reconciled (leader) or following (standby)', security: [], responses: { '200': body(ref('Ready')), '503': problem('not_ready', { 'Retry-After': { ...RETRY_AFTER, required: true } }) } },
    },
    '/openapi.json': { get: { operationId: 'openapi', summary: 'This document', security: [], responses: { '200': body({ type: 'object' }) } } },
    '/metrics': {
      get: { operationId: 'metrics', summary: 'Prometheus metrics (docs/api.md, Metrics)', responses: { '200': { description: 'Prometheus text exposition format', content: { 'text/plain': { schema: STR } } }, ...AUTH } },
    },
    '/v1/inventory': {
      put: {
        operationId: 'loadInventory',
        summary: 'Load or replace the inventory (admin)',
        requestBody: jsonBody(ref('InventoryInput')),
        responses: {
          '200': body(ref('InventorySummary')),
          '409': problem('inventory_conflict: allocations or cluster members would not fit the new inventory'),
          '422': problem('validation_failed: every problem by its path in the document'),
          ...AUTH,
          ...BODY,
          ...WRITE,
        },
      },
      get: { operationId: 'getInventory', summary: 'The inventory (normalised)', responses: { '200': body(ref('Inventory')), '404': problem('not_found: no inventory is loaded'), ...AUTH } },
    },
    '/v1/inventory/summary': { get: { operationId: 'inventorySummary', summary: 'Inventory summary', responses: { '200': body(ref('InventorySummary')), ...AUTH } } },
    '/v1/capacity': {
      get: {
        operationId: 'capacity',
        summary: schema.dataSources.tessera_capacity.description,
        parameters: queryParams(schema.dataSources.tessera_capacity),
        responses: { '200': body(ref('CapacityResponse')), '409': problem('no_inventory'), '422': problem('validation_failed: unknown or bad query parameters'), ...AUTH },
      },
    },
    '/v1/operations': {
      get: {
        operationId: 'listOperations',
        summary: 'The operation journal, oldest first',
        parameters: [query('state', { type: 'string', enum: [...OPERATION_STATES] }, 'Only operations in this state.'), ...PAGE()],
        responses: { '200': body(ref('OperationList')), '422': problem('validation_failed: unknown state, a bad limit or cursor'), ...AUTH },
      },
    },
    '/v1/operations/{id}': { get: { operationId: 'getOperation', summary: 'One operation', parameters: [ID], responses: { '200': body(ref('Operation')), '404': problem(NO_PATH), ...AUTH } } },
    '/v1/servers': {
      get: { operationId: 'listServers', summary: 'Servers with agent health, by name', parameters: PAGE(), responses: { '200': body(ref('ServerStatusList')), '422': problem('validation_failed: a bad limit or cursor'), ...AUTH } },
    },
    ...resourcePaths(),
    '/v1/volumes/{id}/purge': {
      post: {
        operationId: 'purgeVolume',
        summary: 'Free a retained volume\'s drives',
        parameters: [ID],
        responses: { '204': { description: 'purged (or absent)' }, '404': problem('not_found: the path does not match any endpoint'), '409': problem('not_retained, conflict'), ...AUTH, ...WRITE },
      },
    },
    '/v1/agents/{server}/register': {
      post: {
        operationId: 'agentRegister',
        summary: 'The agent registers its facts',
        parameters: [SERVER],
        requestBody: jsonBody(ref('AgentFacts')),
        responses: { '200': body(ref('ServerStatus')), '404': problem('not_found: the server is not in the inventory'), '422': problem('validation_failed'), ...AUTH, ...BODY, ...WRITE },
      },
    },
    '/v1/agents/{server}/heartbeat': {
      post: { operationId: 'agentHeartbeat', summary: 'Agent heartbeat', parameters: [SERVER], responses: { '204': { description: 'noted' }, '404': problem('not_found: the server is not in the inventory'), ...AUTH, ...WRITE } },
    },
    '/v1/agents/{server}/assignments': {
      get: {
        operationId: 'agentAssignments',
        summary: 'The server\'s desired volumes (with since and waitSeconds: waits until its assignment revision passes since)',
        parameters: [
          SERVER,
          query('since', { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER }, 'The revision of the previous answer.'),
          query('waitSeconds', { type: 'integer', minimum: 0, maximum: 300, default: 0 }, 'How long to wait for a change past since.'),
        ],
        responses: { '200': body(ref('AssignmentsResponse')), '404': problem('not_found: the server is not in the inventory'), '422': problem('validation_failed: since or waitSeconds out of range'), ...AUTH },
      },
    },
    '/v1/agents/{server}/status/{volumeId}': {
      put: {
        operationId: 'agentStatus',
        summary: 'Observed state of a volume on the server (reports on volumes no longer assigned there are accepted and ignored)',
        parameters: [SERVER, VOLUME_ID],
        requestBody: jsonBody(ref('ObservedState')),
        responses: { '204': { description: 'stored' }, '404': problem('not_found: the path does not match any endpoint'), '409': problem('conflict'), '422': problem('validation_failed'), ...AUTH, ...BODY, ...WRITE },
      },
    },
    '/v1/agents/{server}/keys/{volumeId}': {
      get: {
        operationId: 'agentVolumeKey',
        summary: 'Derived drive key: only to the agent of the server the volume is assigned to',
        parameters: [SERVER, VOLUME_ID, query('version', { type: 'integer', minimum: 1, maximum: 1_000_000 }, 'Key epoch (default: the latest).')],
        responses: {
          '200': { ...body(ref('VolumeKey')), headers: { 'Cache-Control': { required: true, schema: { type: 'string', enum: ['no-store'] } } } },
          '404': problem('not_found: no such key version (or no longer kept)'),
          '409': problem('not_encrypted, master_key_missing'),
          '422': problem('validation_failed: version out of range'),
          ...AUTH,
          '403': problem('forbidden (not the agent of the assigned server) or tls_required (asked over plain HTTP)'),
        },
      },
    },
    '/v1/enclosures': {
      get: { operationId: 'listEnclosures', summary: 'Enclosures with service health, facts and their last report, by name', parameters: PAGE(), responses: { '200': body(ref('EnclosureStatusList')), '422': problem('validation_failed: a bad limit or cursor'), ...AUTH } },
    },
    '/v1/enclosures/{enclosure}/register': {
      post: {
        operationId: 'enclosureRegister',
        summary: 'The enclosure service registers its facts and drives',
        parameters: [ENCLOSURE],
        requestBody: jsonBody(ref('EnclosureFacts')),
        responses: { '200': body(ref('EnclosureStatus')), '404': problem('not_found: the enclosure is not in the inventory'), '422': problem('validation_failed: a drive that is not the enclosure\'s'), ...AUTH, ...BODY, ...WRITE },
      },
    },
    '/v1/enclosures/{enclosure}/heartbeat': {
      post: {
        operationId: 'enclosureHeartbeat',
        summary: 'Enclosure service heartbeat',
        parameters: [ENCLOSURE],
        responses: { '204': { description: 'noted' }, '404': problem('not_found: not in the inventory; not_registered: this composer has no registration (register again)'), ...AUTH, ...WRITE },
      },
    },
    '/v1/enclosures/{enclosure}/assignments': {
      get: {
        operationId: 'enclosureAssignments',
        summary: 'What the enclosure must export and to which host (with since and waitSeconds: waits until the set changes past since)',
        parameters: [
          ENCLOSURE,
          query('since', { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER }, 'The revision of the previous answer.'),
          query('waitSeconds', { type: 'integer', minimum: 0, maximum: 300, default: 0 }, 'How long to wait for a change past since.'),
        ],
        responses: { '200': body(ref('EnclosureAssignments')), '404': problem('not_found: the enclosure is not in the inventory'), '422': problem('validation_failed: since or waitSeconds out of range'), ...AUTH },
      },
    },
    '/v1/enclosures/{enclosure}/report': {
      put: {
        operationId: 'enclosureReport',
        summary: 'Drive health and export states as the enclosure service sees them',
        parameters: [ENCLOSURE],
        requestBody: jsonBody(ref('EnclosureReport')),
        responses: { '204': { description: 'noted' }, '404': problem('not_found: the enclosure is not in the inventory'), '422': problem('validation_failed'), ...AUTH, ...BODY, ...WRITE },
      },
    },
  };
  // Limits enforced before routing apply to every operation (docs/api.md "Limits and timeouts").
  for (const ops of Object.values(paths) as Record<string, { responses: Json }>[])
    for (const op of Object.values(ops)) op.responses['431'] ??= problem('headers_too_large: the request line and headers exceed the limit');
  return {
    openapi: '3.0.3',
    info: { title: 'Tessera composer', version, description: 'Composable storage as code: the control plane REST API (/v1). Semantics: docs/api.md.' },
    security: [{ bearer: [] }],
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'A token of the tokens file; roles admin, operator, reader, agent, enclosure (docs/api.md, Tokens and roles).' } },
      schemas: { ...resourceSchemas(), ...wireSchemas() },
    },
  };
}
