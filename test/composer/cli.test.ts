// The client commands of the CLI against a real composer: tables, --json, endpoint and token from
// flags or the environment, clear errors.
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { client, smallInventory, startTest, tok } from './fixtures';
import type { RunningComposer } from '../../provider/composer';

const run = promisify(execFile);
const BIN = path.resolve(__dirname, '../../bin/tessera');
jest.setTimeout(120_000);

let composer: RunningComposer;
let dir: string;
let tokenFile: string;

beforeAll(async () => {
  ({ composer, dir } = await startTest({ inventory: undefined }));
  tokenFile = path.join(dir, 'admin.token');
  fs.writeFileSync(tokenFile, tok('root') + '\n');
});
afterAll(async () => {
  await composer.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const tessera = (args: string[], env: Record<string, string> = {}) => run(BIN, args, { env: { ...process.env, ...env }, timeout: 60_000 });

test('inventory load, show, capacity, ls with tables and --json', async () => {
  const invFile = path.join(dir, 'inv.json');
  fs.writeFileSync(invFile, JSON.stringify(smallInventory()));
  const load = await tessera(['inventory', 'load', invFile, '--endpoint', composer.url, '--token-file', tokenFile]);
  expect(load.stdout).toMatch(/inventory loaded: 2 storage groups, 4 enclosures, 32 drives, 4 servers/);
  expect(load.stderr).toMatch(/loading 32 drives: 100%/);
  const env = { TESSERA_ENDPOINT: composer.url, TESSERA_TOKEN: tok('root') };
  const show = JSON.parse((await tessera(['inventory', 'show', '--json'], env)).stdout);
  expect(show).toMatchObject({ storageGroups: ['sg-a', 'sg-b'], enclosureCount: 4, driveCount: 32 });
  const cap = await tessera(['capacity', '--type', 'ssd'], env);
  expect(cap.stdout).toMatch(/available: 12800 GiB, largest volume that would succeed: \d+ GiB/);
  const ops = client(composer.url, tok('ops'));
  const cl = (await ops.post('/v1/clusters', { name: 'cli', servers: ['k1'] })).body;
  // The owner a CSI driver records (the PVC, docs/csi.md) shows in the table.
  const v = (await ops.post('/v1/volumes', { cluster: cl.id, name: 'from-cli', sizeGiB: 10, owner: 'k8s:team-a/data-kafka-0' })).body;
  const table = (await tessera(['volumes', 'ls'], env)).stdout;
  expect(table.split('\n')[0]).toMatch(/^ID\s+CLUSTER\s+NAME\s+TYPE.*\sOWNER\s/);
  expect(table).toContain(v.id);
  expect(table).toMatch(new RegExp(`${v.id}.*k8s:team-a/data-kafka-0`));
  const json = JSON.parse((await tessera(['volumes', 'ls', '--json', '--cluster', 'cli'], env)).stdout);
  expect(json.map((x: { id: string }) => x.id)).toEqual([v.id]);
  expect((await tessera(['operations', 'ls'], env)).stdout).toMatch(/create\s+volumes/);
  // --by TOKEN: what one token started (the volume by ops; the inventory load at start-up was the composer's own), by its id, never its secret.
  const byOps = (await tessera(['operations', 'ls', '--by', 'ops'], env)).stdout;
  expect(byOps.split('\n')[0]).toMatch(/^ID\s+KIND\s+RESOURCE\s+OBJECT\s+STATE\s+STARTED\s+BY\s+OWNER\s+ERROR/);
  expect(byOps).toContain(v.id);
  expect(byOps).not.toMatch(/inventory/);
  const byRoot = JSON.parse((await tessera(['operations', 'ls', '--by', 'system', '--json'], env)).stdout);
  expect(byRoot.map((o: { resource: string; audit: { token: string } }) => [o.resource, o.audit.token])).toEqual([['inventory', 'system']]);
  expect(byOps + JSON.stringify(byRoot)).not.toContain(tok('ops'));
  expect((await tessera(['servers', 'ls', '--json'], env)).stdout).toContain('"health": "unknown"');
  expect((await tessera(['clusters', 'ls'], env)).stdout).toContain('cli');
});

test('drives drain names what cannot move online; drives remove refuses a drive with members; enclosures drain drains each drive', async () => {
  const env = { TESSERA_ENDPOINT: composer.url, TESSERA_TOKEN: tok('root') };
  const ops = client(composer.url, tok('ops'));
  const cl = (await ops.post('/v1/clusters', { name: 'cli-drain', servers: ['k1'] })).body;
  const v = (await ops.post('/v1/volumes', { cluster: cl.id, name: 'single', sizeGiB: 10, type: 'ssd' })).body;
  const serial = v.members[0].serial as string;
  const drained = (await tessera(['drives', 'drain', serial], env)).stdout;
  expect(drained).toContain(`drive ${serial}: draining, members of ${v.id}`);
  expect(drained).toContain(`cannot move online: volume ${v.id}: a single-drive volume (raidLevel none) is not an md array`);
  const rm = await tessera(['drives', 'remove', serial], env).then(() => undefined, (e: { code: number; stderr: string }) => e);
  expect(rm?.code).not.toBe(0);
  expect(rm?.stderr).toContain(`drive ${serial} still holds members of ${v.id}`);
  expect((await tessera(['drives', 'ls'], env)).stdout).toMatch(new RegExp(`${serial}\\s+\\S+\\s+draining`));
  const enc = v.members[0].enclosure as string;
  const all = JSON.parse((await tessera(['enclosures', 'drain', enc, '--json'], env)).stdout);
  expect(all.items.length).toBeGreaterThan(1);
  expect(all.items.every((d: { health: string }) => d.health === 'draining')).toBe(true);
  await ops.del(`/v1/volumes/${v.id}`);
});

test('errors: no endpoint, bad token', async () => {
  await expect(tessera(['volumes', 'ls'], { TESSERA_ENDPOINT: '', TESSERA_TOKEN: '' })).rejects.toMatchObject({ code: 2, stderr: expect.stringMatching(/--endpoint/) });
  await expect(tessera(['volumes', 'ls', '--endpoint', composer.url], { TESSERA_TOKEN: 'not-a-valid-token-at-all' })).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/unauthorized/) });
});
