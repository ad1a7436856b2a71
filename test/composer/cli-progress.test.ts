// `tessera inventory load` of a large (20,000-drive) synthetic inventory against a real composer:
// parse/validate phases and an upload progress bar on stderr, stdout pure JSON with --json.
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { synthesizeInventory } from '../../provider/inventory';
import { startTest, tok } from './fixtures';
import type { RunningComposer } from '../../provider/composer';

const run = promisify(execFile);
const BIN = path.resolve(__dirname, '../../bin/tessera');
jest.setTimeout(180_000);

let composer: RunningComposer;
let dir: string;

beforeAll(async () => {
  ({ composer, dir } = await startTest({ inventory: undefined }));
});
afterAll(async () => {
  await composer.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('large inventory load: phases, increasing percentages to 100%, --json stdout stays JSON', async () => {
  const inv = synthesizeInventory({ servers: 40, drives: 20_000, seed: 7 });
  const file = path.join(dir, 'big.json');
  fs.writeFileSync(file, JSON.stringify(inv));
  const tokenFile = path.join(dir, 'admin.token');
  fs.writeFileSync(tokenFile, tok('root') + '\n');
  const { stdout, stderr } = await run(BIN, ['inventory', 'load', file, '--json', '--endpoint', composer.url, '--token-file', tokenFile], { timeout: 150_000, maxBuffer: 16 << 20 });

  const summary = JSON.parse(stdout);
  expect(summary).toMatchObject({ driveCount: 20_000, servers: inv.servers.map((s) => s.name) });
  const lines = stderr.split('\n');
  const parsing = lines.findIndex((l) => /^parsing and validating .*big\.json \(\d+ bytes\)$/.test(l));
  const valid = lines.findIndex((l) => /^valid: \d+ storage groups, 20000 drives, 40 servers$/.test(l));
  expect(parsing).toBeGreaterThanOrEqual(0);
  expect(valid).toBeGreaterThan(parsing);
  const pcts = lines.map((l) => /^loading 20000 drives: (\d+)%$/.exec(l)).filter((m) => m !== null).map((m) => Number(m![1]));
  // A line per 10% (stderr is not a TTY here): 0, 10, ..., 100, in order, after validation.
  expect(pcts.length).toBeGreaterThanOrEqual(10);
  for (let i = 1; i < pcts.length; i++) expect(pcts[i]).toBeGreaterThan(pcts[i - 1]);
  expect(pcts[0]).toBeLessThan(10);
  expect(pcts[pcts.length - 1]).toBe(100);
  expect(lines.findIndex((l) => /^loading 20000 drives: \d+%$/.test(l))).toBeGreaterThan(valid);
  expect(stderr).toContain('the composer is applying the inventory');
  // The composer really holds it.
  const shown = await run(BIN, ['inventory', 'show', '--json', '--endpoint', composer.url, '--token-file', tokenFile]);
  expect(JSON.parse(shown.stdout)).toMatchObject({ driveCount: 20_000 });
});

test('inventory load: a bad file names the field; a reader token is refused by the composer', async () => {
  const inv = synthesizeInventory({ servers: 2, drives: 100, seed: 3 });
  const bad = JSON.parse(JSON.stringify(inv));
  bad.storageGroups[0].enclosures[0].drives[0].sizeGiB = -1;
  const badFile = path.join(dir, 'bad.json');
  fs.writeFileSync(badFile, JSON.stringify(bad));
  const env = { ...process.env, TESSERA_ENDPOINT: composer.url, TESSERA_TOKEN: tok('root') };
  await expect(run(BIN, ['inventory', 'load', badFile], { env })).rejects.toMatchObject({ stderr: expect.stringMatching(/storageGroups\[0\]\.enclosures\[0\]\.drives\[0\]\.sizeGiB/) });
  const good = path.join(dir, 'small.json');
  fs.writeFileSync(good, JSON.stringify(inv));
  await expect(run(BIN, ['inventory', 'load', good], { env: { ...env, TESSERA_TOKEN: tok('viewer') } })).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/PUT \/v1\/inventory: forbidden/) });
  await expect(run(BIN, ['inventory', 'load', path.join(dir, 'absent.json')], { env })).rejects.toMatchObject({ code: 2, stderr: expect.stringMatching(/absent\.json: cannot read \(ENOENT\)/) });
});
