// Tokens scoped to clusters, against a real composer: the rules as one table of role x scope x
// endpoint with the exact answer of each (docs/api.md "Tokens and roles"). A scoped token sees
// and changes only its clusters' objects and gets 404 (or, for a delete, the answer for an absent
// object) for the others; creating and deleting clusters is the provisioner's; quotas are set by
// admins, labels by unscoped tokens. Then rotation: the tokens file reloaded on change and SIGHUP.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RunningComposer } from '../../provider/composer';
import type { TokenEntry } from '../../provider/composer/auth';
import { spawnComposer, writeComposerFiles } from '../helpers/composer';
import { captureLogs, client, type Reply, startTest, tempDir, TOKENS } from './fixtures';

const secret = (name: string) => `${name}-token-0123456789abcdef`;
const SCOPED: TokenEntry[] = [
  { name: 'kafka-ops', token: secret('kafka-ops'), role: 'operator', clusters: ['kafka'] },
  { name: 'data-reader', token: secret('data-reader'), role: 'reader', clusterLabels: ['team=data'] },
  { name: 'kafka-prov', token: secret('kafka-prov'), role: 'provisioner', clusters: ['kafka', 'kafka-2'] },
  { name: 'any-prov', token: secret('any-prov'), role: 'provisioner' },
];
const ALL = [...TOKENS, ...SCOPED];
const tokenOf = (name: string) => ALL.find((t) => t.name === name)!.token;

let composer: RunningComposer;
let dir: string;
/** Ids of the seeded objects, by the names the table uses. */
const ids: Record<string, string> = {};
const as = (who: string) => client(composer.url, tokenOf(who));

beforeAll(async () => {
  ({ composer, dir } = await startTest({ tokens: ALL }));
  const root = as('root');
  for (const [name, servers, labels] of [['kafka', ['k1'], []], ['analytics', ['k2'], ['team=data']], ['other', ['k3'], []]] as const) {
    const c = await root.post('/v1/clusters', { name, servers, labels });
    expect(c.status).toBe(201);
    ids[name] = c.body.id;
    const s = await root.post('/v1/slices', { cluster: c.body.id, name: `${name}-s`, sizeGiB: 8 });
    expect(s.status).toBe(201);
    ids[`${name}-s`] = s.body.id;
  }
  ids['other-op'] = (await root.get('/v1/operations?limit=1000')).body.items.find((o: { objectId: string }) => o.objectId === ids['other-s']).id;
});
afterAll(async () => {
  await composer.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** `{name}` in a path or body is the seeded object's id. */
const fill = (s: string) => s.replace(/\{([a-z0-9-]+)\}/g, (_, n: string) => ids[n] ?? n);
const fillBody = (b: unknown) => (b === undefined ? undefined : JSON.parse(fill(JSON.stringify(b))));
const names = (r: Reply) => (r.body.items as { name: string }[]).map((o) => o.name).sort();

type Row = [who: string, method: string, path: string, body: unknown, status: number, then?: (r: Reply) => void | Promise<void>];

// The rules. Rows run in order (some create what later rows look at).
const MATRIX: Row[] = [
  // reads: a scoped token lists and reads only its clusters and their objects
  ['kafka-ops', 'GET', '/v1/clusters', undefined, 200, (r) => expect(names(r)).toEqual(['kafka'])],
  ['data-reader', 'GET', '/v1/clusters', undefined, 200, (r) => expect(names(r)).toEqual(['analytics'])],
  ['ops', 'GET', '/v1/clusters', undefined, 200, (r) => expect(names(r)).toEqual(['analytics', 'kafka', 'other'])],
  ['viewer', 'GET', '/v1/slices', undefined, 200, (r) => expect(names(r)).toEqual(['analytics-s', 'kafka-s', 'other-s'])],
  ['kafka-ops', 'GET', '/v1/clusters/{kafka}', undefined, 200],
  ['kafka-ops', 'GET', '/v1/clusters/{other}', undefined, 404, (r) => expect(r.body.detail).toBe(`cluster ${ids.other} does not exist`)],
  ['kafka-ops', 'GET', '/v1/clusters/{analytics}', undefined, 404],
  ['data-reader', 'GET', '/v1/clusters/{analytics}', undefined, 200],
  ['kafka-ops', 'GET', '/v1/slices', undefined, 200, (r) => expect(names(r)).toEqual(['kafka-s'])],
  ['kafka-ops', 'GET', '/v1/slices?cluster=other', undefined, 200, (r) => expect(names(r)).toEqual([])],
  ['kafka-ops', 'GET', '/v1/slices/{kafka-s}', undefined, 200],
  ['kafka-ops', 'GET', '/v1/slices/{other-s}', undefined, 404],
  ['data-reader', 'GET', '/v1/slices/{analytics-s}', undefined, 200],
  ['data-reader', 'GET', '/v1/slices/{kafka-s}', undefined, 404],
  ['kafka-ops', 'GET', '/v1/servers', undefined, 200, (r) => expect((r.body.items as { name: string }[]).map((s) => s.name)).toEqual(['k1'])],
  ['kafka-ops', 'GET', '/v1/operations/{other-op}', undefined, 404],
  ['viewer', 'GET', '/v1/operations/{other-op}', undefined, 200],
  ['data-reader', 'GET', '/v1/operations?limit=1000', undefined, 200, (r) => expect(new Set((r.body.items as { cluster?: string }[]).map((o) => o.cluster))).toEqual(new Set([ids.analytics]))],
  // writes inside the scope
  ['kafka-ops', 'POST', '/v1/slices', { cluster: 'kafka', name: 'k-new', sizeGiB: 4 }, 201],
  ['kafka-ops', 'PATCH', '/v1/slices/{kafka-s}', { sizeGiB: 9 }, 200],
  ['data-reader', 'POST', '/v1/slices', { cluster: 'analytics', name: 'r-new', sizeGiB: 4 }, 403, (r) => expect(r.body.detail).toBe('data-reader (role reader) is read-only')],
  // ... and outside it: the answers for objects that do not exist
  ['kafka-ops', 'POST', '/v1/slices', { cluster: 'other', name: 'k-new', sizeGiB: 4 }, 422, (r) => expect(r.body.detail).toBe('cluster: cluster other does not exist')],
  ['kafka-ops', 'POST', '/v1/slices', { cluster: 'no-such', name: 'k-new', sizeGiB: 4 }, 422, (r) => expect(r.body.detail).toBe('cluster: cluster no-such does not exist')],
  ['kafka-ops', 'PATCH', '/v1/slices/{other-s}', { sizeGiB: 9 }, 404],
  ['kafka-ops', 'PATCH', '/v1/clusters/{other}', { servers: ['k3', 'k4'] }, 404],
  ['kafka-ops', 'DELETE', '/v1/slices/{other-s}', undefined, 204],
  ['viewer', 'GET', '/v1/slices/{other-s}', undefined, 200, (r) => expect(r.body.state).not.toBe('deleting')],
  // clusters: created and deleted by provisioners (in their scope), admins and unscoped operators
  ['kafka-ops', 'POST', '/v1/clusters', { name: 'kafka-2', servers: [] }, 403, (r) => expect(r.body.detail).toMatch(/kafka-ops \(role operator, scoped\) cannot create clusters: that needs a provisioner token/)],
  ['kafka-prov', 'POST', '/v1/clusters', { name: 'rogue', servers: [] }, 403, (r) => expect(r.body.detail).toMatch(/may only create clusters inside its scope \(clusters kafka, kafka-2\), not rogue/)],
  ['kafka-prov', 'POST', '/v1/clusters', { name: 'other', servers: ['k3'] }, 403],
  ['kafka-prov', 'POST', '/v1/clusters', { name: 'kafka-2', servers: [] }, 201],
  ['kafka-prov', 'GET', '/v1/clusters', undefined, 200, (r) => expect(names(r)).toEqual(['kafka', 'kafka-2'])],
  ['kafka-ops', 'DELETE', '/v1/clusters/{kafka}', undefined, 403, (r) => expect(r.body.detail).toMatch(/cannot delete clusters/)],
  ['kafka-prov', 'DELETE', '/v1/clusters/{other}', undefined, 204],
  ['viewer', 'GET', '/v1/clusters/{other}', undefined, 200],
  ['any-prov', 'POST', '/v1/clusters', { name: 'anywhere', servers: [] }, 201],
  ['ops', 'POST', '/v1/clusters', { name: 'ops-made', servers: [] }, 201],
  // labels: unscoped tokens only; quotas: admins only
  ['kafka-ops', 'PATCH', '/v1/clusters/{kafka}', { labels: ['team=data'] }, 403, (r) => expect(r.body.detail).toMatch(/cannot set labels/)],
  ['kafka-ops', 'PATCH', '/v1/clusters/{kafka}', { servers: ['k1', 'k4'] }, 200],
  ['ops', 'PATCH', '/v1/clusters/{kafka}', { quotaSsdGiB: 100 }, 403, (r) => expect(r.body.detail).toBe('ops (role operator) cannot set quotaSsdGiB: quotas are set by admin tokens only')],
  ['any-prov', 'POST', '/v1/clusters', { name: 'self-quota', servers: [], quotaVolumes: 100 }, 403],
  ['root', 'PATCH', '/v1/clusters/{kafka}', { quotaSsdGiB: 100 }, 200, (r) => expect(r.body.quotaSsdGiB).toBe(100)],
  ['ops', 'PATCH', '/v1/clusters/{analytics}', { labels: ['team=data', 'tier=gold'] }, 200],
  ['data-reader', 'GET', '/v1/clusters/{analytics}', undefined, 200],
  // the pool: the inventory stays an admin's; agent tokens stay their server's
  ['kafka-ops', 'PUT', '/v1/inventory', {}, 403],
  ['kafka-ops', 'GET', '/v1/inventory/summary', undefined, 200],
  ['agent-k1', 'GET', '/v1/clusters', undefined, 403],
  ['agent-k1', 'GET', '/v1/agents/k2/assignments', undefined, 403],
];

const CASES = MATRIX.map(([who, method, path, body, status, then]) => ({ who, method, path, body, status, then }));
test.each(CASES)('$who $method $path -> $status', async ({ who, method, path: p, body, status, then }) => {
  const r = await as(who).raw(method, fill(p), fillBody(body));
  if (r.status !== status) throw new Error(`${who} ${method} ${fill(p)}: expected ${status}, got ${r.status} ${JSON.stringify(r.body)}`);
  await then?.(r);
});

test('the journal names the scoped token, its scope and the request for what it did', async () => {
  const mine = (await as('root').get('/v1/operations?by=kafka-ops&limit=1000')).body.items as { kind: string; audit: Record<string, unknown> }[];
  expect(mine.map((o) => o.kind)).toEqual(['create', 'update', 'update']);
  for (const o of mine) expect(o.audit).toMatchObject({ token: 'kafka-ops', role: 'operator', scope: { clusters: ['kafka'], clusterLabels: [] }, requestId: expect.stringMatching(/^req-/) });
  // It sees its own entries and its clusters', and nothing of the others'.
  const seen = (await as('kafka-ops').get('/v1/operations?limit=1000')).body.items as { cluster?: string; audit?: { token: string } }[];
  expect(seen.every((o) => o.audit?.token === 'kafka-ops' || o.cluster === ids.kafka)).toBe(true);
});

describe('tokens file', () => {
  test('scopes only on reader, operator and provisioner tokens, as non-empty lists of names', () => {
    const { parseTokens } = jest.requireActual('../../provider/composer/auth') as typeof import('../../provider/composer/auth');
    const t = (e: Record<string, unknown>) => JSON.stringify([{ name: 'x', token: 'x'.repeat(20), ...e }]);
    expect(parseTokens(t({ role: 'operator', clusters: ['kafka', 'kafka'] }))[0].clusters).toEqual(['kafka']);
    expect(() => parseTokens(t({ role: 'admin', clusters: ['kafka'] }))).toThrow('tokens[0].clusters: only provisioner, operator, reader tokens are limited to clusters (admin tokens never are)');
    expect(() => parseTokens(t({ role: 'agent', server: 'k1', clusterLabels: ['a'] }))).toThrow(/clusterLabels: only provisioner/);
    expect(() => parseTokens(t({ role: 'reader', clusters: [] }))).toThrow('tokens[0].clusters: must be a non-empty list of names');
    expect(() => parseTokens(t({ role: 'reader', clusters: ['has space'] }))).toThrow('tokens[0].clusters[0]: must be a cluster name');
  });
});

describe('rotating tokens without a restart', () => {
  const entry = (name: string, token: string, role: TokenEntry['role'], extra: Partial<TokenEntry> = {}): TokenEntry => ({ name, token, role, ...extra });

  test('a changed tokens file is picked up: new token in, old one out; a broken file keeps the tokens in force; secrets never logged', async () => {
    const d = tempDir();
    const file = path.join(d, 'tokens.json');
    const write = (tokens: TokenEntry[]) => fs.writeFileSync(file, JSON.stringify({ tokens }), { mode: 0o600 });
    write([entry('ci', 'first-secret-0123456789', 'operator')]);
    const logs = captureLogs();
    const { composer: c, dir: cdir } = await startTest({ tokens: file, tokensPollMs: 50, log: logs.sink });
    try {
      const call = (token: string) => client(c.url, token).get('/v1/clusters');
      expect((await call('first-secret-0123456789')).status).toBe(200);
      write([entry('ci', 'second-secret-0123456789', 'operator', { clusters: ['kafka'] })]);
      const deadline = Date.now() + 10_000;
      while ((await call('second-secret-0123456789')).status !== 200) {
        if (Date.now() > deadline) throw new Error('the changed tokens file was not picked up');
        await new Promise((r) => setTimeout(r, 50));
      }
      expect((await call('first-secret-0123456789')).status).toBe(401);
      // The new scope holds at once.
      expect(names(await call('second-secret-0123456789'))).toEqual([]);
      fs.writeFileSync(file, '{ not json', { mode: 0o600 });
      expect(c.reloadTokens()).toBe(false);
      expect((await call('second-secret-0123456789')).status).toBe(200);
      const text = logs.lines.join('\n');
      expect(text).toMatch(/"msg":"tokens reloaded"[^\n]*"why":"file changed"/);
      expect(text).toMatch(/"msg":"tokens file not reloaded; the tokens in force are kept"/);
      expect(text).not.toContain('first-secret-0123456789');
      expect(text).not.toContain('second-secret-0123456789');
    } finally {
      await c.close();
      fs.rmSync(d, { recursive: true, force: true });
      fs.rmSync(cdir, { recursive: true, force: true });
    }
  });

  test('SIGHUP reloads the tokens file of `tessera composer start`', async () => {
    const d = tempDir();
    writeComposerFiles(d, { tokens: [entry('old', 'old-secret-0123456789', 'reader')] });
    const child = await spawnComposer(d, { waitLeader: true, args: ['--tokens-poll-seconds', '3600'] });
    try {
      const call = (token: string) => client(child.url, token).get('/v1/clusters');
      expect((await call('old-secret-0123456789')).status).toBe(200);
      fs.writeFileSync(path.join(d, 'tokens.json'), JSON.stringify({ tokens: [entry('new', 'new-secret-0123456789', 'reader')] }), { mode: 0o600 });
      child.proc.kill('SIGHUP');
      const deadline = Date.now() + 10_000;
      while ((await call('new-secret-0123456789')).status !== 200) {
        if (Date.now() > deadline) throw new Error(`SIGHUP did not reload the tokens: ${child.stderr()}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      expect((await call('old-secret-0123456789')).status).toBe(401);
      expect(child.stderr()).toMatch(/"msg":"tokens reloaded"[^\n]*"why":"SIGHUP"[^\n]*"added":\["new"\],"removed":\["old"\]/);
    } finally {
      child.proc.kill('SIGKILL');
      fs.rmSync(d, { recursive: true, force: true });
    }
  });
});
