// Input bounds and the mountPath rule at the HTTP level, against a real composer (real HTTP on
// 127.0.0.1, real SQLite file): what schema.json bounds (docs/schema-format.md) and what
// provider/model/mountpath.ts refuses comes back as a 422 naming the field, nothing is written,
// and a sensitive value is never echoed or logged.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Captured, client, startTest, tempDir, tok } from './fixtures';
import { RunningComposer, startComposer } from '../../provider/composer';
import { schema } from '../../provider/schema';

let composer: RunningComposer;
let dir: string;
let logs: Captured;
let ops: ReturnType<typeof client>;
let clusterId: string;

beforeAll(async () => {
  ({ composer, dir, logs } = await startTest());
  ops = client(composer.url, tok('ops'));
  const r = await ops.post('/v1/clusters', { name: 'prod', servers: ['k1', 'k2'] });
  expect(r.status).toBe(201);
  clusterId = r.body.id;
});
afterAll(async () => {
  await composer.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const volume = (extra: Record<string, unknown>) => ({ cluster: clusterId, name: 'bounded', sizeGiB: 10, ...extra });
const fields = (body: { errors?: { field: string }[] }) => (body.errors ?? []).map((e) => e.field);

async function expectNothingWritten(run: () => Promise<void>): Promise<void> {
  const before = (await ops.get('/v1/operations')).body.items.length;
  const volumes = (await ops.get('/v1/volumes')).body.items.length;
  await run();
  expect((await ops.get('/v1/operations')).body.items.length).toBe(before);
  expect((await ops.get('/v1/volumes')).body.items.length).toBe(volumes);
}

describe('integer bounds', () => {
  test.each([
    ['minVolumeSize', 1e300],
    ['maxVolumeSize', 2 ** 53 + 1],
    ['sizeGiB', 1_048_577],
  ])('%s = %d: 422 naming the field and the bound', async (field, value) => {
    await expectNothingWritten(async () => {
      const r = await ops.post('/v1/volumes', volume({ [field]: value }));
      expect(r.status).toBe(422);
      expect(r.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect(r.body.errors).toContainEqual({ field, reason: expect.stringMatching(/^must be <= 1048576, got /) });
    });
  });

  test('a PATCH is bounded the same way', async () => {
    const kp = await ops.post('/v1/key-policies', { name: 'bounded-kp', secretWo: 'w'.repeat(20), secretWoVersion: 1 });
    expect(kp.status).toBe(201);
    const r = await ops.patch(`/v1/key-policies/${kp.body.id}`, { secretWo: 'v'.repeat(20), secretWoVersion: 2 ** 53 + 1 });
    expect(r.status).toBe(422);
    expect(fields(r.body)).toEqual(['secretWoVersion']);
  });
});

describe('list and string bounds', () => {
  test('10,000 tags: 422 (not 507) with one error naming the field and the limit', async () => {
    const tags = Array.from({ length: 10_000 }, (_, i) => `t${i}`);
    await expectNothingWritten(async () => {
      const r = await ops.post('/v1/volumes', volume({ requiredTags: tags }));
      expect(r.status).toBe(422);
      const max = schema.resources.tessera_volume.attributes.requiredTags.maxItems;
      expect(r.body.errors).toEqual([{ field: 'requiredTags', reason: `must have at most ${max} items, got 10000` }]);
    });
  });

  test('too many cluster servers, too long a server name', async () => {
    const r = await ops.post('/v1/clusters', { name: 'huge', servers: Array.from({ length: 6000 }, (_, i) => `s${i}`) });
    expect(r.status).toBe(422);
    expect(fields(r.body)).toEqual(['servers']);
    const s = await ops.post('/v1/volumes', volume({ server: 'k'.repeat(300) }));
    expect(s.status).toBe(422);
    expect(s.body.errors).toContainEqual({ field: 'server', reason: 'must be at most 128 characters, got 300' });
  });
});

describe('sensitive values are never echoed', () => {
  const SECRET = 'do-not-echo-this-secret-0123456789';
  test.each([
    ['secret', [SECRET]],
    ['secret', { nested: SECRET }],
    ['secretWo', [SECRET]],
  ])('%s with the wrong type: the type only', async (field, value) => {
    const r = await ops.post('/v1/key-policies', { name: 'echo', [field]: value, secretWoVersion: 1 });
    expect(r.status).toBe(422);
    expect(r.body.errors).toContainEqual({ field, reason: `must be a string, got ${Array.isArray(value) ? 'a list' : 'an object'}` });
    expect(JSON.stringify(r.body)).not.toContain(SECRET);
    expect(logs.lines.join('\n')).not.toContain(SECRET);
  });
});

describe('mountPath', () => {
  test.each([
    ['/etc', '/etc', /inside \/etc, a system directory/],
    ['/etc/cron.d', '/etc/cron.d', /inside \/etc, a system directory/],
    ['/usr/bin', '/usr/bin', /inside \/usr, a system directory/],
    ['/var/lib', '/var/lib', /would hide system directories/],
    ['/var/lib/dpkg', '/var/lib/dpkg', /outside the allowed mount roots/],
    ['/root/data', '/root/data', /inside \/root, a system directory/],
    ['/run/app', '/run/app', /inside \/run, a system directory/],
    ['/lib64/x', '/lib64/x', /inside \/lib64, a system directory/],
    ['/', '/', /would hide system directories/],
    ['a newline', '/srv/a\nb', /control character U\+000A/],
    ['a tab', '/srv/a\tb', /control character U\+0009/],
    ['a 256-byte component', `/srv/${'a'.repeat(256)}`, /256 bytes long; at most 255/],
    ['a 128-character, 256-byte component', `/srv/${'\u00e9'.repeat(128)}`, /256 bytes long; at most 255/],
    ['//', '/srv//x', /must be normalised/],
    ['/./', '/srv/./x', /must be normalised/],
    ['/opt/app', '/opt/app', /outside the allowed mount roots \(\/mnt, \/srv, \/data, \/var\/lib\/tessera\)/],
  ])('%s is refused', async (_what, mountPath, reason) => {
    await expectNothingWritten(async () => {
      const r = await ops.post('/v1/volumes', volume({ server: 'k1', mountPath }));
      expect(r.status).toBe(422);
      const e = r.body.errors.find((x: { field: string }) => x.field === 'mountPath');
      expect(e?.reason).toMatch(reason);
    });
  });

  test('a path over 4095 bytes in total is refused', async () => {
    // Two bytes per character: within maxLength (characters) but over PATH_MAX (bytes).
    const long = `/srv${`/${'\u00e9'.repeat(120)}`.repeat(17)}`;
    expect(Buffer.byteLength(long)).toBeGreaterThan(4095);
    expect(long.length).toBeLessThanOrEqual(schema.resources.tessera_volume.attributes.mountPath.maxLength!);
    const r = await ops.post('/v1/volumes', volume({ server: 'k1', mountPath: long }));
    expect(r.status).toBe(422);
    expect(r.body.errors).toContainEqual({ field: 'mountPath', reason: expect.stringMatching(/is 4101 bytes long; at most 4095 bytes \(PATH_MAX\)/) });
  });

  test.each(['/srv/kafka/data', '/mnt/a', '/data', '/var/lib/tessera/kafka'])('%s is accepted, and a PATCH to a system tree is refused', async (mountPath) => {
    const name = `mp-${mountPath.replace(/[^a-z]/g, '')}`;
    const r = await ops.post('/v1/volumes', { cluster: clusterId, name, sizeGiB: 10, server: 'k1', mountPath });
    expect(r.status).toBe(201);
    expect(r.body.mountPath).toBe(mountPath);
    const p = await ops.patch(`/v1/volumes/${r.body.id}`, { mountPath: '/etc/kafka' });
    expect(p.status).toBe(422);
    expect(fields(p.body)).toEqual(['mountPath']);
    expect((await ops.get(`/v1/volumes/${r.body.id}`)).body.mountPath).toBe(mountPath);
  });

  test('a composer with its own mount roots accepts them, still refuses system trees, and refuses a root that is one', async () => {
    const d = tempDir();
    const root = path.join(d, 'mnt');
    const { composer: lab, dir: labDir } = await startTest({ mountRoots: [root] });
    try {
      const api = client(lab.url, tok('ops'));
      const c = (await api.post('/v1/clusters', { name: 'lab', servers: ['k1'] })).body.id;
      expect((await api.post('/v1/volumes', { cluster: c, name: 'inroot', sizeGiB: 10, server: 'k1', mountPath: `${root}/app` })).status).toBe(201);
      const out = await api.post('/v1/volumes', { cluster: c, name: 'outside', sizeGiB: 10, server: 'k1', mountPath: '/srv/app' });
      expect(out.status).toBe(422);
      expect(out.body.errors[0].reason).toContain(`outside the allowed mount roots (${root})`);
      const etc = await api.post('/v1/volumes', { cluster: c, name: 'system', sizeGiB: 10, server: 'k1', mountPath: '/etc/app' });
      expect(etc.status).toBe(422);
      expect(etc.body.errors[0].reason).toContain('inside /etc, a system directory');
    } finally {
      await lab.close();
      fs.rmSync(labDir, { recursive: true, force: true });
      fs.rmSync(d, { recursive: true, force: true });
    }
    for (const bad of [['/'], ['/etc'], ['/usr/local'], ['/var/lib'], ['relative']]) {
      await expect(startComposer({ store: 'sqlite::memory:', tokens: [], mountRoots: bad })).rejects.toThrow(/^mountRoots\[0\]: /);
    }
  });
});
