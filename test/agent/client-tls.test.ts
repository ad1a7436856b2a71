// The key channel only over TLS (docs/agent.md, "Key channel"): a real HTTPS composer with a
// certificate from a private CA made here, the agent's client trusting it and fetching a volume
// key; plain HTTP refused by the composer (403 tls_required, no key) and by the agent (an http://
// composer) unless insecure-dev says otherwise; a client certificate presented; and a standby
// naming a leader outside the configured endpoints never gets the token sent there.
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { AgentClient, ComposerClient, ComposerError } from '../../provider/client';
import { startAgent } from '../../provider/agent/daemon';
import type { RunningComposer } from '../../provider/composer';
import { deriveVolumeKey } from '../../provider/keys/crypto';
import { captureLogs, MASTER_KEY, tempDir, tok, TOKENS } from '../composer/fixtures';
import { spawnComposer, startTestComposer, type TestComposerOptions } from '../helpers/composer';
import { makeTestCa, TestCa } from '../helpers/pki';

jest.setTimeout(120_000);
const run = promisify(execFile);
const BIN = path.resolve(__dirname, '../../bin/tessera');
const SECRET = 'tls-test-secret-for-the-key-channel-01';

let dir: string;
let ca: TestCa;
let certFile: string;
let keyFile: string;
const closers: (() => Promise<unknown>)[] = [];

beforeAll(() => {
  dir = tempDir('tessera-agent-tls-');
  ca = makeTestCa();
  const server = ca.issue('127.0.0.1', 'server');
  certFile = path.join(dir, 'server.pem');
  keyFile = path.join(dir, 'server.key');
  fs.writeFileSync(certFile, server.certPem);
  fs.writeFileSync(keyFile, server.keyPem, { mode: 0o600 });
});

afterAll(async () => {
  for (const c of closers.reverse()) await c().catch(() => undefined);
  fs.rmSync(dir, { recursive: true, force: true });
});

async function composer(name: string, extra: TestComposerOptions = {}) {
  const logs = captureLogs();
  const { composer: c } = await startTestComposer({ dbFile: path.join(dir, `${name}.db`), tokens: TOKENS, masterKey: MASTER_KEY, log: logs.sink, ...extra });
  closers.push(() => c.close());
  return { c, logs };
}

/** An encrypted volume on k1 under a key policy, made by the operator; its expected key. */
async function encryptedVolume(c: RunningComposer, caPem?: string): Promise<{ id: string; key: string }> {
  const ops = new ComposerClient({ endpoint: c.url, token: tok('ops'), ca: caPem });
  const kp = (await ops.request<{ id: string }>('POST', '/v1/key-policies', { body: { name: 'gold', secret: SECRET } })).data;
  const cl = (await ops.request<{ id: string }>('POST', '/v1/clusters', { body: { name: 'secure', servers: ['k1'], keyPolicy: kp.id } })).data;
  const vol = (await ops.request<{ id: string }>('POST', '/v1/volumes', { body: { cluster: cl.id, name: 'enc', sizeGiB: 10, encrypt: true, server: 'k1' } })).data;
  const key = deriveVolumeKey({ secret: SECRET, volumeId: vol.id, policyId: kp.id, version: 1, keySizeBits: 512 }).toString('base64');
  return { id: vol.id, key };
}

test('an agent fetches a volume key from an HTTPS composer it trusts through --ca-file', async () => {
  const { c, logs } = await composer('tls', { tls: { certFile, keyFile } });
  expect(c.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  const vol = await encryptedVolume(c, ca.certPem);
  const agent = new AgentClient({ composer: c.url, token: tok('agent-k1'), server: 'k1', ca: ca.certPem });
  const k = await agent.get(vol.id);
  expect(k).toMatchObject({ version: 1, cipher: 'aes-xts-plain64', keySizeBits: 512 });
  expect(k.key.toString('base64')).toBe(vol.key);
  // Without the CA the composer's certificate is not trusted: no key.
  const untrusting = new AgentClient({ composer: c.url, token: tok('agent-k1'), server: 'k1' });
  await expect(untrusting.get(vol.id)).rejects.toThrow(/self[- ]signed|unable to verify|UNABLE_TO_GET_ISSUER/i);
  // A composer on TLS does not warn about plain HTTP.
  expect(logs.lines.join('\n')).not.toMatch(/tls_required|INSECURE/);
  expect(logs.lines.join('\n')).not.toContain(vol.key);
});

test('a plain-HTTP composer refuses the key endpoint with 403 tls_required, never the key, unless insecure-dev', async () => {
  const { c, logs } = await composer('plain');
  expect(c.url).toMatch(/^http:\/\//);
  expect(logs.lines.some((l) => l.includes('"level":"warn"') && l.includes('tls_required'))).toBe(true);
  const vol = await encryptedVolume(c);
  const res = await fetch(`${c.url}/v1/agents/k1/keys/${vol.id}`, { headers: { authorization: `Bearer ${tok('agent-k1')}` } });
  expect(res.status).toBe(403);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  const text = await res.text();
  expect(JSON.parse(text)).toMatchObject({ status: 403, code: 'tls_required' });
  expect(JSON.parse(text).detail).toMatch(/only over TLS/);
  expect(text).not.toContain(vol.key);
  // The same through the agent's own client (allowed to speak http here): a clear error.
  const agent = new AgentClient({ composer: c.url, token: tok('agent-k1'), server: 'k1', insecureDev: true });
  const err = (await agent.get(vol.id).catch((e) => e)) as ComposerError;
  expect(err).toMatchObject({ status: 403, code: 'tls_required' });
  // Other agent routes still work over http (assignments, for the lab).
  expect((await agent.assignments(undefined, 0)).assignments.map((a) => a.volumeId)).toEqual([vol.id]);

  // Started with insecureDev, the same composer serves the key, and says loudly why it may.
  const dev = await composer('dev', { insecureDev: true });
  expect(dev.logs.lines.some((l) => l.includes('"level":"warn"') && l.includes('INSECURE'))).toBe(true);
  const devVol = await encryptedVolume(dev.c);
  const devAgent = new AgentClient({ composer: dev.c.url, token: tok('agent-k1'), server: 'k1', insecureDev: true });
  expect((await devAgent.get(devVol.id)).key.toString('base64')).toBe(devVol.key);
});

test('the agent refuses an http:// composer unless insecure-dev, which it logs loudly', async () => {
  const url = 'http://127.0.0.1:9';
  expect(() => new AgentClient({ composer: url, token: 't', server: 'k1' })).toThrow(/^composer: http:\/\/127\.0\.0\.1:9 is plain HTTP.*must be https:\/\/.*--insecure-dev/);
  // One https and one http replica: still refused.
  expect(() => new AgentClient({ composer: `https://127.0.0.1:8,${url}`, token: 't', server: 'k1' })).toThrow(/composer: http:\/\/127\.0\.0\.1:9 is plain HTTP/);
  await expect(startAgent({ composer: url, token: 't', server: 'k1', backend: 'simulated' })).rejects.toThrow(/plain HTTP/);

  const dev = await composer('agent-dev', { insecureDev: true });
  const lines: string[] = [];
  const agent = await startAgent({ composer: dev.c.url, token: tok('agent-k1'), server: 'k1', backend: 'simulated', insecureDev: true, heartbeatMs: 60_000, waitSeconds: 1, log: (l) => lines.push(l) });
  closers.push(() => agent.stop());
  // It works over the http composer: it registers.
  for (let i = 0; i < 400 && !lines.some((l) => JSON.parse(l).msg === 'registered'); i++) await new Promise((r) => setTimeout(r, 25));
  await agent.stop();
  expect(lines.some((l) => JSON.parse(l).msg === 'registered')).toBe(true);
  const warning = lines.map((l) => JSON.parse(l)).find((l) => /INSECURE/.test(l.msg));
  expect(warning).toMatchObject({ level: 'warn', composer: dev.c.url });
  expect(warning.msg).toMatch(/--insecure-dev.*plain HTTP.*keys/);
  expect(lines.join('\n')).not.toContain(tok('agent-k1'));
  // An https agent does not warn.
  const quiet: string[] = [];
  const tlsAgent = await startAgent({ composer: 'https://127.0.0.1:9', token: 't', server: 'k2', backend: 'simulated', log: (l) => quiet.push(l) });
  await tlsAgent.stop();
  expect(quiet.join('\n')).not.toMatch(/INSECURE/);
});

test('CLI: `tessera agent start` refuses an http:// --composer without --insecure-dev (exit 2, naming the flag)', async () => {
  const tokenFile = path.join(dir, 'k1.token');
  fs.writeFileSync(tokenFile, `${tok('agent-k1')}\n`, { mode: 0o600 });
  const args = ['agent', 'start', '--composer', 'http://127.0.0.1:9', '--token', tokenFile, '--server', 'k1', '--backend', 'simulated'];
  const err = (await run(BIN, args, { timeout: 60_000 }).catch((e) => e)) as { code: number; stderr: string };
  expect(err.code).toBe(2);
  expect(err.stderr).toMatch(/--composer: http:\/\/127\.0\.0\.1:9 is plain HTTP.*--insecure-dev/);
  const badCa = (await run(BIN, [...args.slice(0, 3), 'https://127.0.0.1:9', ...args.slice(4), '--ca-file', tokenFile], { timeout: 60_000 }).catch((e) => e)) as { code: number; stderr: string };
  expect(badCa.code).toBe(2);
  expect(badCa.stderr).toMatch(/--ca-file .*k1\.token: not a PEM certificate/);
  const halfCert = (await run(BIN, [...args.slice(0, 3), 'https://127.0.0.1:9', ...args.slice(4), '--cert-file', certFile], { timeout: 60_000 }).catch((e) => e)) as { code: number; stderr: string };
  expect(halfCert.code).toBe(2);
  expect(halfCert.stderr).toMatch(/--cert-file and --key-file go together/);
  for (const out of [err.stderr, badCa.stderr, halfCert.stderr]) expect(out).not.toContain(tok('agent-k1'));
});

test('the agent presents its client certificate to a composer endpoint that asks for one', async () => {
  const server = ca.issue('127.0.0.1', 'server');
  const client = ca.issue('agent-k1', 'client');
  const peers: unknown[] = [];
  const s = https.createServer({ cert: server.certPem, key: server.keyPem, ca: ca.certPem, requestCert: true, rejectUnauthorized: true }, (req, res) => {
    peers.push((req.socket as TLSSocket).getPeerCertificate().subject?.CN);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ bandwidthDomains: [], storageGroups: [], servers: [] }));
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  closers.push(() => new Promise((r) => s.close(r)));
  const url = `https://127.0.0.1:${(s.address() as AddressInfo).port}`;
  const withCert = new AgentClient({ composer: url, token: 't', server: 'k1', ca: ca.certPem, cert: client.certPem, key: client.keyPem });
  expect(await withCert.inventory()).toEqual({ bandwidthDomains: [], storageGroups: [], servers: [] });
  expect(peers).toEqual(['agent-k1']);
  const withoutCert = new AgentClient({ composer: url, token: 't', server: 'k1', ca: ca.certPem, retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 } });
  await expect(withoutCert.inventory()).rejects.toThrow(ComposerError);
  expect(peers).toEqual(['agent-k1']);
});

test('a standby naming a leader outside the configured endpoints: the agent does not follow, the token never goes there', async () => {
  // The "leader" address the standby will advertise: a TLS server that records Authorization.
  const foreignCert = ca.issue('127.0.0.1', 'server');
  const seen: (string | undefined)[] = [];
  const foreign = https.createServer({ cert: foreignCert.certPem, key: foreignCert.keyPem }, (req, res) => {
    seen.push(req.headers.authorization);
    res.writeHead(204);
    res.end();
  });
  await new Promise<void>((r) => foreign.listen(0, '127.0.0.1', () => r()));
  closers.push(() => new Promise((r) => foreign.close(r)));
  const foreignUrl = `https://127.0.0.1:${(foreign.address() as AddressInfo).port}`;

  // Two real replicas on one SQLite file; the leader advertises the foreign address.
  const leader = await composer('ha', { tls: { certFile, keyFile }, advertiseUrl: foreignUrl });
  const { composer: standby } = await startTestComposer({ dbFile: path.join(dir, 'ha.db'), inventory: false, tokens: TOKENS, masterKey: MASTER_KEY, tls: { certFile, keyFile }, log: () => undefined, leaseTtlSeconds: 3 });
  closers.push(() => standby.close());
  expect(leader.c.isLeader()).toBe(true);
  expect(standby.leaderAddress()).toBe(foreignUrl);

  const agent = new AgentClient({ composer: standby.url, token: tok('agent-k1'), server: 'k1', ca: ca.certPem });
  const err = (await agent.heartbeat().catch((e) => e)) as ComposerError;
  expect(err).toBeInstanceOf(ComposerError);
  expect(err.code).toBe('leader_not_followed');
  expect(err.message).toContain(foreignUrl);
  expect(err.message).toMatch(/not one of the configured endpoints/);
  expect(err.message).not.toContain(tok('agent-k1'));
  expect(seen).toEqual([]);

  // Configured with both replicas, it reaches the real leader instead.
  const both = new AgentClient({ composer: `${standby.url},${leader.c.url}`, token: tok('agent-k1'), server: 'k1', ca: ca.certPem });
  await both.heartbeat();
  expect(both.endpoint).toBe(leader.c.url);
  expect(seen).toEqual([]);
});

test('CLI: `tessera composer start --insecure-dev` on plain HTTP warns loudly at start', async () => {
  const tokensFile = path.join(dir, 'tokens.json');
  fs.writeFileSync(tokensFile, JSON.stringify({ tokens: TOKENS }), { mode: 0o600 });
  const child = await spawnComposer(dir, { store: `sqlite:${path.join(dir, 'cli.db')}`, insecureDev: true });
  const { proc, url } = child;
  closers.push(async () => void (proc.exitCode === null && proc.kill('SIGKILL')));
  expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  for (let i = 0; i < 100 && !child.stderr().includes('INSECURE'); i++) await new Promise((r) => setTimeout(r, 50));
  const warning = child.stderr().split('\n').filter(Boolean).map((l) => JSON.parse(l)).find((l) => /INSECURE/.test(l.msg));
  expect(warning).toMatchObject({ level: 'warn' });
  expect(warning.msg).toMatch(/--insecure-dev: volume keys are served over plain HTTP/);
  proc.kill('SIGTERM');
  await new Promise((r) => proc.once('exit', r));
});
