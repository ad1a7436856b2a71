// The wire description (provider/api/wire.json, docs/wire-format.md) and what is generated from
// it: validators that name every bad field, the query parser, the problem catalogue the composer
// raises, the route table, and the generator's refusal of a description that names nothing.
import {
  MESSAGE_SCHEMAS,
  OPERATION_RESOURCES,
  PROBLEM,
  PROBLEM_STATUS,
  ROUTES,
  validateAgentFacts,
  validateAssignmentsResponse,
  validateObservedState,
  validateVolumeKey,
} from '../../provider/api/contract';
import { parseQuery } from '../../provider/api/validate';
import { wire } from '../../provider/api/wire';
import { RESOURCE_KINDS } from '../../provider/composer/layout';
import { HttpProblem } from '../../provider/composer/problem';
import { expandedRoutes, handlerId, wireTypes } from '../../scripts/gen/wire';

const facts = { hostname: 'k1.lab', transports: ['nvmetcp'], nicGbps: 25, backend: 'simulated', agentVersion: '0.1.0' };

describe('validators', () => {
  test('a good message passes with only the fields it knows (agent messages ignore further fields)', () => {
    expect(validateAgentFacts({ ...facts, kernel: '6.1' })).toEqual({ value: facts, failures: [] });
    const observed = { state: 'staged', generation: 3, devicePath: '/dev/md/v1', keyVersion: 2 };
    expect(validateObservedState({ ...observed, reportedAt: '2026-01-01T00:00:00Z' })).toEqual({ value: observed, failures: [] });
  });

  test('every bad field is named by its path, with the reason and the value refused', () => {
    const { failures } = validateAgentFacts({ hostname: '', transports: ['nvmetcp', 'tape'], nicGbps: 0, backend: 'tape' });
    expect(failures).toEqual([
      { field: 'hostname', reason: 'must not be empty' },
      { field: 'transports[1]', reason: 'must be one of roce, nvmetcp, iscsi, got "tape"' },
      { field: 'nicGbps', reason: 'must be > 0, got 0' },
      { field: 'backend', reason: 'must be one of linux, lab, simulated, got "tape"' },
      { field: 'agentVersion', reason: 'is required' },
    ]);
    expect(validateObservedState({ state: 'staged', generation: 1.5, keyVersion: null, error: 'x'.repeat(8193) }).failures).toEqual([
      { field: 'generation', reason: 'must be an integer, got 1.5' },
      { field: 'keyVersion', reason: 'must be an integer, got null' },
      { field: 'error', reason: 'must be at most 8192 characters, got 8193' },
    ]);
  });

  test('a body that is not an object is one failure on (body)', () => {
    for (const body of [undefined, null, [], 'staged', 3]) expect(validateObservedState(body).failures).toEqual([{ field: '(body)', reason: 'must be a JSON object' }]);
  });

  test('nested messages name the whole path; closed messages refuse unknown fields', () => {
    const a = { volumeId: 'v1', kind: 'volume', cluster: 'c1', name: 'n', fsType: 'ext4', encrypt: false, generation: 1 };
    const placement = { type: 'ssd', raidLevel: 'none', transport: 'nvmetcp', capacityGiB: 10, members: [{ serial: 's', enclosure: 'e', storageGroup: 'g', offsetGiB: 0, sizeGiB: '10', mirror: 0, stripe: 0 }] };
    expect(validateAssignmentsResponse({ revision: 1, assignments: [{ ...a, placement }] }).failures).toEqual([
      { field: 'assignments[0].placement.members[0].sizeGiB', reason: 'must be an integer, got "10"' },
    ]);
    const key = { volumeId: 'v1', version: 1, cipher: 'aes-xts-plain64', keySizeBits: 512, key: 'AAAA' };
    expect(validateVolumeKey(key).failures).toEqual([]);
    expect(validateVolumeKey({ ...key, keySizeBits: 384, secret: 'x' }).failures).toEqual([
      { field: 'keySizeBits', reason: 'must be one of 256, 512, got 384' },
      { field: 'secret', reason: 'unknown attribute (known: volumeId, version, cipher, keySizeBits, key)' },
    ]);
  });

  test('the validators\' table has every message, with enums inlined', () => {
    expect(Object.keys(MESSAGE_SCHEMAS).sort()).toEqual(Object.keys(wire.messages).sort());
    const refs = [...JSON.stringify(MESSAGE_SCHEMAS).matchAll(/"\$ref":"([^"]+)"/g)].map((m) => m[1]);
    expect(refs.length).toBeGreaterThanOrEqual(5);
    for (const r of refs) expect(Object.keys(wire.messages)).toContain(r);
  });
});

describe('query parameters', () => {
  const spec = (id: string) => ROUTES.find((r) => r.id === id)!.query;

  test('typed as declared, with defaults; undeclared names are not looked at', () => {
    expect(parseQuery(spec('agentAssignments'), new URLSearchParams('since=7&other=x'))).toEqual({ value: { since: 7, waitSeconds: 0 }, failures: [] });
    expect(parseQuery(spec('createResource'), new URLSearchParams('dryRun=true')).value).toEqual({ dryRun: true, adopt: false });
    expect(parseQuery(spec('listOperations'), new URLSearchParams('state=done')).value).toEqual({ state: 'done' });
  });

  test('a bad value is named with the allowed ones and the value sent', () => {
    expect(parseQuery(spec('createResource'), new URLSearchParams('dryRun=')).failures).toEqual([{ field: 'dryRun', reason: 'must be true or false, got ""' }]);
    expect(parseQuery(spec('agentAssignments'), new URLSearchParams('since=-1&waitSeconds=301')).failures).toEqual([
      { field: 'since', reason: `must be an integer between 0 and ${Number.MAX_SAFE_INTEGER}, got "-1"` },
      { field: 'waitSeconds', reason: 'must be an integer between 0 and 300, got "301"' },
    ]);
    expect(parseQuery(spec('listOperations'), new URLSearchParams('state=later')).failures).toEqual([
      { field: 'state', reason: 'must be one of pending, done, rolled_back, failed, got "later"' },
    ]);
  });
});

describe('problem catalogue', () => {
  test('PROBLEM names every catalogued code, each with its status', () => {
    expect(Object.values(PROBLEM).sort()).toEqual(Object.keys(wire.problems).sort());
    for (const code of Object.values(PROBLEM)) expect(PROBLEM_STATUS[code]).toBe(wire.problems[code].status);
  });

  test('an HttpProblem takes only a catalogued code with its status; retrying codes carry Retry-After', () => {
    const p = new HttpProblem(409, PROBLEM.noInventory, 'no inventory is loaded');
    expect(p.toJSON()).toMatchObject({ status: 409, code: 'no_inventory', type: 'https://tessera.dev/problems/no-inventory' });
    expect(p.extra.retryAfterSeconds).toBeUndefined();
    expect(new HttpProblem(503, PROBLEM.storeUnavailable, 'x').extra.retryAfterSeconds).toBe(1);
    expect(new HttpProblem(409, PROBLEM.moveInProgress, 'x', undefined, { retryAfterSeconds: 2 }).extra.retryAfterSeconds).toBe(2);
    // @ts-expect-error a status that is not the code's does not compile
    expect(new HttpProblem(404, PROBLEM.conflict, 'x').status).toBe(404);
    // @ts-expect-error nor does a code outside the catalogue
    expect(new HttpProblem(409, 'made_up', 'x').code).toBe('made_up');
  });
});

describe('routes', () => {
  test('the server\'s table is wire.json\'s routes, a {kind} route once for every collection', () => {
    expect(ROUTES.map((r) => r.id)).toEqual(wire.routes.map(handlerId));
    const create = ROUTES.find((r) => r.id === 'createResource')!;
    for (const k of RESOURCE_KINDS) expect(new RegExp(create.pattern).test(`/v1/${k}`)).toBe(true);
    expect(expandedRoutes().filter((r) => r.template.id === 'create{Kind}').map((r) => r.id)).toEqual(['createCluster', 'createVolume', 'createSlice', 'createKeyPolicy']);
    expect([...OPERATION_RESOURCES].sort()).toEqual([...RESOURCE_KINDS, 'inventory'].sort());
  });

  test('generation refuses a route with an uncatalogued code or a $ref that names nothing', () => {
    const routes = wire.routes as RouteList;
    const bad = { ...routes[0], id: 'broken', problems: ['made_up'] };
    routes.push(bad);
    try {
      expect(() => wireTypes()).toThrow('wire.json: route broken: unknown problem code made_up');
      routes[routes.length - 1] = { ...routes[0], id: 'broken', responses: { '200': { message: 'Nothing' } } };
      expect(() => wireTypes()).toThrow('wire.json: route broken: response Nothing names nothing');
    } finally {
      routes.pop();
    }
    expect(() => wireTypes()).not.toThrow();
  });
});

type RouteList = (typeof wire.routes)[number][] & { push(r: unknown): number };
