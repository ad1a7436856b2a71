// `tessera composer start --sqlite-driver node` (docs/store.md "SQLite drivers"): a real composer
// process on Node's built-in node:sqlite keeps what it acknowledged across kill -9, and the same
// file then serves a composer on the default driver. A driver it does not know is refused, naming
// the flag, before anything is opened.
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { ADMIN_TOKEN, composerStartArgs, kill9, spawnComposer, tempDir, TESSERA_BIN, writeComposerFiles, type ComposerChild } from '../helpers/composer';

let dir: string;
let child: ComposerChild | undefined;
beforeAll(() => {
  dir = tempDir();
  writeComposerFiles(dir, { masterKey: true });
});
afterAll(async () => {
  await kill9(child);
  fs.rmSync(dir, { recursive: true, force: true });
});

const api = async (url: string, method: string, p: string, body?: unknown) => {
  const r = await fetch(url + p, { method, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: r.status, body: (await r.json().catch(() => undefined)) as Record<string, unknown> };
};

test('a composer on node:sqlite keeps an acknowledged create across kill -9; the default driver reads the same file', async () => {
  child = await spawnComposer(dir, { args: ['--sqlite-driver', 'node'], waitLeader: true });
  const created = await api(child.url, 'POST', '/v1/clusters', { name: 'on-node-sqlite', servers: ['k1'] });
  expect(created.status).toBe(201);
  const v = await api(child.url, 'POST', '/v1/volumes', { cluster: created.body.id, name: 'v1', type: 'ssd', sizeGiB: 100 });
  expect(v.status).toBe(201);
  // node:sqlite's experimental-feature warning is not in the composer's log.
  expect(child.stderr()).not.toMatch(/ExperimentalWarning/);
  await kill9(child);
  child = await spawnComposer(dir, { waitLeader: true });
  const got = await api(child.url, 'GET', `/v1/volumes/${v.body.id}`);
  expect(got.status).toBe(200);
  expect(got.body.members).toEqual(v.body.members);
});

test('an unknown --sqlite-driver is refused, naming the flag and the choices', async () => {
  const run = promisify(execFile)(TESSERA_BIN, [...composerStartArgs(path.join(dir, 'none')), '--sqlite-driver', 'sqlite4'], { timeout: 60_000 });
  await expect(run).rejects.toMatchObject({ code: 2, stderr: expect.stringMatching(/--sqlite-driver: better-sqlite3 or node/) });
});
