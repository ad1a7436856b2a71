// List endpoints in pages (`limit`, `cursor` -> `{ items, nextCursor? }`) against a real composer:
// id order, no object listed twice or skipped while creates and deletes land between the pages,
// the default and maximum page sizes, refused bad parameters, and the clients that follow pages
// (ComposerClient.listAll and the CLI's `ls`).
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import type { RunningComposer } from '../../provider/composer';
import { ComposerClient } from '../../provider/client';
import { client, startTest, tok } from './fixtures';

jest.setTimeout(180_000);
const BIN = path.resolve(__dirname, '../../bin/tessera');

let composer: RunningComposer;
let dir: string;
let ops: ReturnType<typeof client>;

beforeAll(async () => {
  ({ composer, dir } = await startTest());
  ops = client(composer.url, tok('ops'));
});
afterAll(async () => {
  await composer.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

interface Listed {
  id: string;
}

async function createClusters(prefix: string, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = await ops.post('/v1/clusters', { name: `${prefix}-${i}` });
    expect(r.status).toBe(201);
    ids.push(r.body.id);
  }
  return ids;
}

/** Runs `work` with at most `width` at a time. */
async function inParallel(n: number, width: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < n) await work(next++);
  }));
}

test('pages in id order: creates and deletes between page reads neither repeat nor skip an object that exists throughout', async () => {
  const initial = await createClusters('pg', 30);
  const deletedLater = new Set<string>();
  const createdMeanwhile: string[] = [];
  const seen: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const r = await ops.get(`/v1/clusters?limit=7${cursor ? `&cursor=${cursor}` : ''}`);
    expect(r.status).toBe(200);
    expect(r.body.items.length).toBeLessThanOrEqual(7);
    seen.push(...r.body.items.map((c: Listed) => c.id));
    cursor = r.body.nextCursor;
    pages++;
    // Between two page reads: three creates (random ids land before and after the cursor) and
    // the delete of one object not yet listed.
    createdMeanwhile.push(...(await createClusters(`pg-more-${pages}`, 3)));
    const unseen = initial.find((id) => !seen.includes(id) && !deletedLater.has(id));
    if (unseen && cursor) {
      expect((await ops.del(`/v1/clusters/${unseen}`)).status).toBe(204);
      deletedLater.add(unseen);
    }
  } while (cursor !== undefined);
  // 30 objects, 7 a page, one deleted per page: at least 4 pages, more when creates land after
  // the cursor (random ids). "More than 4" failed the rare run where every create landed before.
  expect(pages).toBeGreaterThanOrEqual(4);
  expect(new Set(seen).size).toBe(seen.length);
  expect([...seen].sort()).toEqual(seen);
  const throughout = initial.filter((id) => !deletedLater.has(id));
  expect(throughout.filter((id) => !seen.includes(id))).toEqual([]);
  for (const id of deletedLater) expect(seen).not.toContain(id);
  // Whatever was created meanwhile and is listed at all is listed once (checked above); the last
  // created sort after the first pages' cursors often enough that some must show up.
  expect(createdMeanwhile.some((id) => seen.includes(id))).toBe(true);
});

test('filters apply before paging: ?cluster and ?state pages hold only matching objects, and the journal pages in start order', async () => {
  const [a, b] = await createClusters('flt', 2);
  await inParallel(24, 4, async (i) => {
    const r = await ops.post('/v1/volumes', { cluster: i % 2 === 0 ? a : b, name: `f${i}`, sizeGiB: 1, type: 'slice' });
    expect(r.status).toBe(201);
  });
  const inA: { id: string; cluster: string }[] = [];
  let cursor: string | undefined;
  do {
    const r = await ops.get(`/v1/volumes?cluster=${a}&limit=5${cursor ? `&cursor=${cursor}` : ''}`);
    expect(r.status).toBe(200);
    inA.push(...r.body.items);
    cursor = r.body.nextCursor;
  } while (cursor !== undefined);
  expect(inA).toHaveLength(12);
  expect(inA.every((v) => v.cluster === a)).toBe(true);

  const api = new ComposerClient({ endpoint: composer.url, token: tok('ops') });
  const before = await api.listAll<{ id: string; state: string }>('/v1/operations', { state: 'done' });
  const firstPage = await ops.get('/v1/operations?state=done&limit=10');
  expect(firstPage.body.items.map((o: Listed) => o.id)).toEqual(before.slice(0, 10).map((o) => o.id));
  // Journal entries made between pages start later, so they sort after every cursor: they come
  // at the end, and nothing already there is repeated or lost.
  await createClusters('flt-later', 3);
  const rest = await api.listAll<{ id: string; state: string }>('/v1/operations', { state: 'done' });
  expect(rest.every((o) => o.state === 'done')).toBe(true);
  expect(rest.slice(0, before.length).map((o) => o.id)).toEqual(before.map((o) => o.id));
  expect(rest.length).toBe(before.length + 3);
});

test('servers page by name', async () => {
  const first = await ops.get('/v1/servers?limit=3');
  expect(first.body.items.map((s: { name: string }) => s.name)).toEqual(['k1', 'k2', 'k3']);
  const second = await ops.get(`/v1/servers?limit=3&cursor=${first.body.nextCursor}`);
  expect(second.body.items.map((s: { name: string }) => s.name)).toEqual(['k4']);
  expect(second.body.nextCursor).toBeUndefined();
});

test('bad limit or cursor: 422 naming the parameter', async () => {
  for (const q of ['limit=0', 'limit=1001', 'limit=ten', 'limit=-1']) {
    const r = await ops.get(`/v1/volumes?${q}`);
    expect(r.status).toBe(422);
    expect(r.body.errors[0].field).toBe('limit');
    expect(r.body.detail).toMatch(/^limit: must be an integer between 1 and 1000/);
  }
  for (const q of ['cursor=', 'cursor=not*base64', `cursor=${Buffer.from('vol-123').toString('base64url')}`]) {
    const r = await ops.get(`/v1/operations?${q}`);
    expect(r.status).toBe(422);
    expect(r.body.errors[0].field).toBe('cursor');
  }
});

test('default page 500, at most 1000; ComposerClient.listAll and the CLI ls follow the pages', async () => {
  const [cluster] = await createClusters('big', 1);
  const N = 510;
  await inParallel(N, 16, async (i) => {
    const r = await ops.post('/v1/volumes', { cluster, name: `b${i}`, sizeGiB: 1, type: 'slice' });
    expect(r.status).toBe(201);
  });
  const total = (await ops.get(`/v1/volumes?limit=1000`)).body;
  expect(total.nextCursor).toBeUndefined();
  const all = total.items.map((v: Listed) => v.id);
  expect(all.length).toBeGreaterThan(N);
  const page = (await ops.get('/v1/volumes')).body;
  expect(page.items).toHaveLength(500);
  expect(page.items.map((v: Listed) => v.id)).toEqual(all.slice(0, 500));
  expect(page.nextCursor).toEqual(expect.any(String));

  const api = new ComposerClient({ endpoint: composer.url, token: tok('ops') });
  expect((await api.listAll<Listed>('/v1/volumes')).map((v) => v.id)).toEqual(all);
  const journal = await api.listAll<Listed>('/v1/operations');
  expect(journal.length).toBeGreaterThan(N);

  const env = { ...process.env, TESSERA_ENDPOINT: composer.url, TESSERA_TOKEN: tok('viewer') };
  const tessera = async (args: string[]) => JSON.parse((await promisify(execFile)(BIN, args, { env, timeout: 60_000, maxBuffer: 64 * 1024 * 1024 })).stdout);
  const [volumes, operations] = await Promise.all([tessera(['volumes', 'ls', '--json']), tessera(['operations', 'ls', '--json'])]);
  expect(volumes.map((v: Listed) => v.id)).toEqual(all);
  expect(operations.map((o: Listed) => o.id)).toEqual(journal.map((o) => o.id));
});
