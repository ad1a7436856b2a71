// `tessera composer start` with --tls-cert/--tls-key/--advertise as a real child process, a
// self-signed certificate from openssl, and the client commands trusting it with --ca-file.
import { ChildProcess, execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { type ComposerChild, composerStartArgs, spawnComposer, writeComposerFiles } from '../helpers/composer';
import { smallInventory, tempDir, TOKENS, tok } from './fixtures';

const run = promisify(execFile);
const BIN = path.resolve(__dirname, '../../bin/tessera');
jest.setTimeout(120_000);

let dir: string;
let cert: string;
let key: string;
let tokenFile: string;
const children: ChildProcess[] = [];

beforeAll(() => {
  dir = tempDir('tessera-cli-tls-');
  cert = path.join(dir, 'cert.pem');
  key = path.join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { stdio: 'ignore' });
  writeComposerFiles(dir, { tokens: TOKENS, inventory: smallInventory() });
  tokenFile = path.join(dir, 'admin.token');
  fs.writeFileSync(tokenFile, tok('root') + '\n');
});
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
});

const startArgs = (extra: string[]) => composerStartArgs(dir, { args: extra });

/** The composer child on the files of `dir` (test/helpers/composer.ts), killed after the suite. */
async function start(extra: string[]): Promise<ComposerChild> {
  const child = await spawnComposer(dir, { args: extra });
  children.push(child.proc);
  return child;
}

function get(url: string, ca?: Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const cb = (res: http.IncomingMessage) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    };
    const req = url.startsWith('https:') ? https.get(url, { ca }, cb) : http.get(url, cb);
    req.setTimeout(5000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

const tessera = (args: string[], env: Record<string, string> = {}) => run(BIN, args, { env: { ...process.env, TESSERA_CA_FILE: '', ...env }, timeout: 60_000 });

test('composer start over TLS: https URL, /readyz with the CA, plain http refused, client commands with --ca-file', async () => {
  const advertise = 'https://localhost:7999';
  const { proc, url } = await start(['--tls-cert', cert, '--tls-key', key, '--advertise', advertise]);
  expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  const ca = fs.readFileSync(cert);
  // Leadership is taken right after the URL is printed: wait for it.
  let ready = await get(`${url}/readyz`, ca);
  for (let i = 0; i < 100 && JSON.parse(ready.body).role !== 'leader'; i++) {
    await new Promise((r) => setTimeout(r, 100));
    ready = await get(`${url}/readyz`, ca);
  }
  expect(ready.status).toBe(200);
  expect(JSON.parse(ready.body)).toMatchObject({ status: 'ready', role: 'leader', leader: advertise });
  // Without the CA the certificate is not trusted.
  await expect(get(`${url}/readyz`)).rejects.toThrow(/self[- ]signed|unable to verify/i);
  // Plain HTTP to the TLS port gets no HTTP answer.
  const plain = url.replace(/^https:/, 'http:');
  await expect(get(`${plain}/readyz`)).rejects.toThrow(/socket hang up|ECONNRESET/);

  const base = ['--endpoint', url, '--token-file', tokenFile];
  const volumes = await tessera(['volumes', 'ls', '--json', ...base, '--ca-file', cert]);
  expect(JSON.parse(volumes.stdout)).toEqual([]);
  const show = await tessera(['inventory', 'show', '--json', ...base], { TESSERA_CA_FILE: cert });
  expect(JSON.parse(show.stdout)).toMatchObject({ driveCount: 32 });
  // Without the CA: a certificate error, not a hang.
  await expect(tessera(['volumes', 'ls', ...base])).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/SELF_SIGNED|self[- ]signed|CERT/i) });
  await expect(tessera(['volumes', 'ls', ...base, '--ca-file', path.join(dir, 'missing.pem')])).rejects.toMatchObject({ code: 2, stderr: expect.stringMatching(/--ca-file .*missing\.pem: cannot read \(ENOENT\)/) });
  await expect(tessera(['volumes', 'ls', ...base, '--ca-file', tokenFile])).rejects.toMatchObject({ code: 2, stderr: expect.stringMatching(/--ca-file .*admin\.token: not a PEM certificate/) });
  proc.kill('SIGTERM');
  await new Promise((r) => proc.once('exit', r));
});

test('bad --tls-cert / --tls-key paths and contents name the flag', async () => {
  const missing = path.join(dir, 'nope.pem');
  await expect(tessera(startArgs(['--tls-cert', missing, '--tls-key', key]))).rejects.toMatchObject({ code: 2, stderr: expect.stringMatching(/--tls-cert .*nope\.pem: cannot read \(ENOENT\)/) });
  await expect(tessera(startArgs(['--tls-cert', cert, '--tls-key', missing]))).rejects.toMatchObject({ code: 2, stderr: expect.stringMatching(/--tls-key .*nope\.pem: cannot read \(ENOENT\)/) });
  await expect(tessera(startArgs(['--tls-cert', key, '--tls-key', key]))).rejects.toMatchObject({ code: 2, stderr: expect.stringMatching(/--tls-cert .*key\.pem: not a PEM certificate/) });
  await expect(tessera(startArgs(['--tls-cert', cert, '--tls-key', cert]))).rejects.toMatchObject({ code: 2, stderr: expect.stringMatching(/--tls-key .*cert\.pem: not a PEM private key/) });
  await expect(tessera(startArgs(['--tls-cert', cert]))).rejects.toMatchObject({ code: 2, stderr: expect.stringMatching(/--tls-cert and --tls-key go together/) });
});
