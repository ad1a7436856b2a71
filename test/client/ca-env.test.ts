// The providers' connection trusts a private CA from TESSERA_CA_FILE, as the CLI (--ca-file) and
// the agent do: a real https server on 127.0.0.1 with a certificate from a test CA.
import * as fs from 'node:fs';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { ComposerClient, ComposerError } from '../../provider/client';
import { connectionFromEnv } from '../../provider/handlers';
import { makeTestCa } from '../helpers/pki';

let server: https.Server;
let url: string;
let dir: string;
let caFile: string;

beforeAll(async () => {
  const ca = makeTestCa();
  const cert = ca.issue('127.0.0.1', 'server');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-ca-env-'));
  caFile = path.join(dir, 'ca.pem');
  fs.writeFileSync(caFile, ca.certPem);
  server = https.createServer({ cert: cert.certPem, key: cert.keyPem }, (req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ ok: true }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
  fs.rmSync(dir, { recursive: true, force: true });
});

const once = { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 };

test('TESSERA_CA_FILE is trusted for an https composer', async () => {
  const conn = connectionFromEnv({ retry: once }, { TESSERA_ENDPOINT: url, TESSERA_TOKEN: 't', TESSERA_CA_FILE: caFile });
  const { data } = await new ComposerClient(conn).request<{ ok: boolean }>('GET', '/v1/x');
  expect(data).toEqual({ ok: true });
});

test('without it the private CA is not trusted', async () => {
  const conn = connectionFromEnv({ retry: once }, { TESSERA_ENDPOINT: url, TESSERA_TOKEN: 't' });
  const err = (await new ComposerClient(conn).request('GET', '/v1/x').catch((e) => e)) as ComposerError;
  expect(err).toBeInstanceOf(ComposerError);
  expect(err.message).toMatch(/certificate|CERT|self.signed/i);
});

test('a TESSERA_CA_FILE that is missing or not a certificate is a bad_config naming the variable', () => {
  const notPem = path.join(dir, 'not.pem');
  fs.writeFileSync(notPem, 'hello');
  for (const [file, reason] of [
    [path.join(dir, 'missing.pem'), /cannot read \(ENOENT\)/],
    [notPem, /not a PEM certificate/],
  ] as const) {
    let err: unknown;
    try {
      connectionFromEnv({}, { TESSERA_ENDPOINT: url, TESSERA_CA_FILE: file });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ComposerError);
    expect((err as ComposerError).code).toBe('bad_config');
    expect((err as ComposerError).message).toMatch(/^TESSERA_CA_FILE: /);
    expect((err as ComposerError).message).toMatch(reason);
  }
});
