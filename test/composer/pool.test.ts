// The dashboard's API and files against a real composer (real HTTP, SQLite, engine): GET /v1/pool
// and the paged GET /v1/pool/drives (docs/ui.md), what a scoped reader sees of other clusters'
// extents, and /ui's files with their security headers. The page itself runs in Chromium in
// test/e2e/ui.test.ts.
import * as fs from 'node:fs';
import type { RunningComposer } from '../../provider/composer';
import type { TokenEntry } from '../../provider/composer/auth';
import { startTestComposer } from '../helpers/composer';
import { client, startTest, TOKENS, tok } from './fixtures';

const SCOPED: TokenEntry = { name: 'kafka-reader', token: 'kafka-reader-token-0123456789abcdef', role: 'reader', clusters: ['kafka'] };

let composer: RunningComposer;
let dir: string;
const ids: Record<string, string> = {};
let mirror: { id: string; members: { serial: string; storageGroup: string; offsetGiB: number; sizeGiB: number; mirror: number }[] };

beforeAll(async () => {
  ({ composer, dir } = await startTest({ tokens: [...TOKENS, SCOPED] }));
  const root = client(composer.url, tok('root'));
  for (const name of ['kafka', 'other']) ids[name] = (await root.post('/v1/clusters', { name, servers: ['k1'] })).body.id;
  const v = await root.post('/v1/volumes', { cluster: ids.kafka, name: 'log', type: 'ssd', sizeGiB: 800, redundancy: true, owner: 'urn:pulumi:x::kafka-log' });
  expect(v.status).toBe(201);
  mirror = v.body;
  // Two slices on other cluster's SSDs: extents at offsets on one drive.
  for (const n of ['a', 'b']) expect((await root.post('/v1/slices', { cluster: ids.other, name: `cache-${n}`, sizeGiB: 100, storageGroup: ['sg-b'] })).status).toBe(201);
});
afterAll(async () => {
  await composer.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('GET /v1/pool', () => {
  test('storage groups with drives by health and free capacity, fragmentation and largest run per type', async () => {
    const r = await client(composer.url, tok('viewer')).get('/v1/pool');
    expect(r.status).toBe(200);
    expect(r.body.drives).toBe(32);
    const [a, b] = r.body.storageGroups;
    expect(a).toMatchObject({ name: 'sg-a', enclosures: 2, drives: 16, health: { ok: 16 }, bandwidthDomains: ['bd-a'] });
    // sg-a holds one mirror half (a whole 800 GiB ssd); sg-b the other and two 100 GiB slices.
    expect(a.types.ssd).toEqual({ drives: 8, sizeGiB: 6400, freeGiB: 5600, largestFreeGiB: 800, fragmentation: 0 });
    expect(b.types.ssd.freeGiB).toBe(6400 - 800 - 200);
    expect(b.types.hdd).toEqual({ drives: 8, sizeGiB: 8000, freeGiB: 8000, largestFreeGiB: 1000, fragmentation: 0 });
  });

  test('a reader may ask, an agent may not; no inventory is a 409', async () => {
    expect((await client(composer.url, tok('agent-k1')).get('/v1/pool')).status).toBe(403);
    expect((await client(composer.url).get('/v1/pool')).status).toBe(401);
    const empty = await startTestComposer({ inventory: false, tokens: TOKENS });
    try {
      for (const p of ['/v1/pool', '/v1/pool/drives']) {
        const r = await client(empty.url, tok('viewer')).get(p);
        expect([p, r.status, r.body.code]).toEqual([p, 409, 'no_inventory']);
      }
    } finally {
      await empty.close();
    }
  });
});

describe('GET /v1/pool/drives', () => {
  test('pages in storage group, enclosure, serial order: every drive once, with its extents', async () => {
    const viewer = client(composer.url, tok('viewer'));
    const seen: { serial: string; storageGroup: string; enclosure: string }[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const r = await viewer.get(`/v1/pool/drives?limit=5${cursor ? `&cursor=${cursor}` : ''}`);
      expect(r.status).toBe(200);
      expect(r.body.items.length).toBeLessThanOrEqual(5);
      seen.push(...r.body.items);
      cursor = r.body.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(7);
    expect(seen).toHaveLength(32);
    const keys = seen.map((d) => [d.storageGroup, d.enclosure, d.serial].join('/'));
    expect(keys).toEqual([...keys].sort());
    expect(new Set(keys).size).toBe(32);
    const m0 = mirror.members.find((m) => m.mirror === 0)!;
    const drive = (seen as unknown as { serial: string; extents: unknown[]; freeGiB: number; health: string }[]).find((d) => d.serial === m0.serial)!;
    expect(drive).toMatchObject({ health: 'ok', freeGiB: 0, extents: [{ id: mirror.id, kind: 'volumes', name: 'log', cluster: ids.kafka, offsetGiB: 0, sizeGiB: 800, mirror: 0, stripe: 0 }] });
  });

  test('filters by storage group and enclosure; search matches serial, object id, name or owner', async () => {
    const viewer = client(composer.url, tok('viewer'));
    const sg = await viewer.get('/v1/pool/drives?storageGroup=sg-b&enclosure=enc-b2');
    expect(sg.body.items.map((d: { serial: string }) => d.serial)).toEqual([0, 1, 2, 3].flatMap((i) => [`enc-b2-hdd-${i}`]).concat([0, 1, 2, 3].map((i) => `enc-b2-ssd-${i}`)));
    const bySerial = await viewer.get('/v1/pool/drives?search=B1-SSD-2');
    expect(bySerial.body.items.map((d: { serial: string }) => d.serial)).toEqual(['enc-b1-ssd-2']);
    const byOwner = await viewer.get(`/v1/pool/drives?search=${encodeURIComponent('kafka-log')}`);
    expect(byOwner.body.items.map((d: { serial: string }) => d.serial).sort()).toEqual(mirror.members.map((m) => m.serial).sort());
    const byName = await viewer.get('/v1/pool/drives?search=cache-');
    expect(byName.body.items).toHaveLength(1); // both slices share one SSD, at offsets 0 and 100
    expect(byName.body.items[0].extents.map((e: { offsetGiB: number; name: string }) => [e.offsetGiB, e.name])).toEqual([[0, 'cache-a'], [100, 'cache-b']]);
    expect(byName.body.items[0].freeGiB).toBe(600);
    expect((await viewer.get('/v1/pool/drives?limit=0')).body.errors[0].field).toBe('limit');
  });

  test("a scoped reader sees where other clusters' extents are, never what they are", async () => {
    const scoped = client(composer.url, SCOPED.token);
    const mine = await scoped.get(`/v1/pool/drives?search=${mirror.id}`);
    expect(mine.body.items).toHaveLength(2);
    expect((await scoped.get('/v1/pool/drives?search=cache-')).body.items).toEqual([]);
    const all = await scoped.get('/v1/pool/drives?storageGroup=sg-b&limit=1000');
    const shared = all.body.items.find((d: { extents: { offsetGiB: number }[] }) => d.extents.length === 2);
    expect(shared.extents).toEqual([{ offsetGiB: 0, sizeGiB: 100 }, { offsetGiB: 100, sizeGiB: 100 }]);
  });
});

describe('/ui', () => {
  test('the page, its script and stylesheet, with a strict policy; nothing else', async () => {
    const page = await fetch(`${composer.url}/ui`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await page.text();
    expect(html).toContain('<script defer src="/ui/app.js"></script>');
    expect(html).not.toMatch(/<script>|<style>| style=| on[a-z]+=/);
    expect(page.headers.get('content-security-policy')).toBe(
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    );
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    const js = await fetch(`${composer.url}/ui/app.js`);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect((await js.text()).length).toBeGreaterThan(10_000);
    expect((await fetch(`${composer.url}/ui/style.css`)).headers.get('content-type')).toBe('text/css; charset=utf-8');
    for (const p of ['/ui/app.ts', '/ui/build.json', '/ui/main.tsx', '/ui/%2e%2e%2fserver.ts', '/ui/x/app.js']) expect([p, (await fetch(`${composer.url}${p}`)).status]).toEqual([p, 404]);
    const post = await fetch(`${composer.url}/ui`, { method: 'POST', body: 'x' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });
});
