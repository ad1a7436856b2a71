// `tessera demo --dashboard` (docs/ui.md): the lab env's reader token reads and cannot write, the
// demo hands it over in a 0600 file and never prints it, and goes on at Enter. The lab env is the
// real one (embedded composer, one simulated agent).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { showDashboard } from '../../provider/cli/commands/demo';
import { startLabEnv, type LabEnv } from '../../provider/demo/lab-env';

let env: LabEnv;
let dir: string;
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-demo-ui-'));
  env = await startLabEnv({ dir: path.join(dir, 'lab'), servers: ['k1'] });
});
afterAll(async () => {
  await env?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('the reader token is in a 0600 file, never on the terminal; the dashboard reads with it; Enter goes on', async () => {
  const said: string[] = [];
  const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => (said.push(String(chunk)), true));
  const input = new PassThrough();
  let done = false;
  const waiting = showDashboard(env, dir, input).then(() => (done = true));
  try {
    await new Promise((r) => setTimeout(r, 100));
    expect(done).toBe(false);
    input.write('\n');
    await waiting;
  } finally {
    spy.mockRestore();
  }
  const file = path.join(dir, 'dashboard.token');
  expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  expect(fs.readFileSync(file, 'utf8')).toBe(`${env.readerToken}\n`);
  expect(said.join('')).toContain(`dashboard: open ${env.url}/ui and log in with the reader token in ${file}`);
  expect(said.join('')).not.toContain(env.readerToken);
  const as = (method: string, p: string) => fetch(`${env.url}${p}`, { method, headers: { authorization: `Bearer ${env.readerToken}`, 'content-type': 'application/json' }, body: method === 'POST' ? '{"name":"x"}' : undefined });
  expect((await as('GET', '/v1/pool')).status).toBe(200);
  expect((await as('POST', '/v1/clusters')).status).toBe(403);
  expect((await fetch(`${env.url}/ui`)).status).toBe(200);
});
