// `tessera inventory synth` and `tessera inventory validate`, run as the real CLI.
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { parseInventory, synthesizeInventory } from '../../provider/inventory';

const run = promisify(execFile);
const BIN = path.join(__dirname, '../../bin/tessera');
let dir: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-inv-'));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

async function tessera(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(BIN, args, { maxBuffer: 64 << 20 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

test('synth writes the same inventory the library makes, YAML or JSON, and validate accepts it', async () => {
  const yamlFile = path.join(dir, 'synth.yaml');
  const jsonFile = path.join(dir, 'synth.json');
  const a = await tessera('inventory', 'synth', '--servers', '40', '--drives', '600', '--seed', '5', '--out', yamlFile);
  expect(a.code).toBe(0);
  expect(a.stderr).toMatch(/wrote .*synth\.yaml: 40 servers, 600 drives/);
  expect((await tessera('inventory', 'synth', '--servers', '40', '--drives', '600', '--seed', '5', '--out', jsonFile)).code).toBe(0);
  const expected = synthesizeInventory({ servers: 40, drives: 600, seed: 5 });
  expect(parseInventory(fs.readFileSync(yamlFile, 'utf8'))).toEqual(expected);
  expect(parseInventory(fs.readFileSync(jsonFile, 'utf8'), jsonFile)).toEqual(expected);
  const v = await tessera('inventory', 'validate', yamlFile, '--json');
  expect(v.code).toBe(0);
  expect(JSON.parse(v.stdout)).toMatchObject({ valid: true, servers: 40, drives: { hdd: expect.any(Number), ssd: expect.any(Number) } });
}, 60000);

test('validate lists every problem with its path and exits 1', async () => {
  const bad = path.join(dir, 'bad.yaml');
  fs.writeFileSync(
    bad,
    [
      'bandwidthDomains: [rack-a]',
      'storageGroups:',
      '  - name: sg',
      '    enclosures:',
      '      - {name: e, transports: [fc], portal: "e:1", uplinkGbps: 1, bandwidthDomain: rack-a,',
      '         drives: [{serial: s, type: hdd, sizeGiB: 10}, {serial: s, type: ssd, sizeGiB: 10}]}',
      'servers: [{name: k, transports: [iscsi], nicGbps: 1, bandwidthDomain: rack-z}]',
    ].join('\n'),
  );
  const r = await tessera('inventory', 'validate', bad);
  expect(r.code).toBe(1);
  expect(r.stderr).toContain('storageGroups[0].enclosures[0].transports[0]: unknown transport "fc"');
  expect(r.stderr).toContain('storageGroups[0].enclosures[0].drives[0].rpm: is required for hdd drives');
  expect(r.stderr).toContain('storageGroups[0].enclosures[0].drives[1].serial: duplicate drive serial "s"');
  expect(r.stderr).toContain('servers[0].bandwidthDomain: unknown bandwidth domain "rack-z"');
  const j = await tessera('inventory', 'validate', bad, '--json');
  expect(JSON.parse(j.stdout).errors).toHaveLength(4);
}, 60000);

test('usage errors exit 2', async () => {
  const r = await tessera('inventory', 'synth', '--drives', '10');
  expect(r.code).toBe(2);
  expect(r.stderr).toContain('--servers is required');
}, 60000);
