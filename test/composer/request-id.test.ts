// Request ids end to end: the provider client sends one per call (the same on every retry), the
// composer keeps a well-formed incoming id (else makes one), answers with it, logs one JSON line per
// request with it, and the client's error names it — so a failure is found in the composer's log.
import * as http from 'node:http';
import { ComposerClient, ComposerError } from '../../provider/client';
import { ADMIN_TOKEN, TestComposer, startTestComposer } from '../helpers/composer';

let tc: TestComposer;
beforeAll(async () => {
  tc = await startTestComposer();
});
afterAll(async () => {
  await tc.close();
});

const requestLines = () => tc.logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'request');

function rawGet(path: string, headers: Record<string, string>): Promise<{ status: number; id: string | undefined }> {
  return new Promise((resolve, reject) => {
    http
      .get(tc.url + path, { headers }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, id: res.headers['x-request-id'] as string | undefined }));
      })
      .on('error', reject);
  });
}

test("a failing provider call's error names the request id the composer logged for it", async () => {
  const client = new ComposerClient({ endpoint: tc.url, token: ADMIN_TOKEN, retry: { attempts: 1, baseDelayMs: 10, maxDelayMs: 10 } });
  const err = (await client.request('GET', '/v1/volumes/vol-does-not-exist').catch((e: unknown) => e)) as ComposerError;
  expect(err).toBeInstanceOf(ComposerError);
  expect(err.status).toBe(404);
  expect(err.requestId).toMatch(/^tc-[0-9a-f]{16}$/);
  expect(err.message).toContain(`[request ${err.requestId}]`);
  const line = requestLines().find((l) => l.requestId === err.requestId);
  expect(line).toMatchObject({ level: 'info', method: 'GET', status: '404', route: '/v1/{kind}/{id}' });
  // The caller is named by its token id; no line holds the secret or the authorization header.
  expect(typeof line!.who).toBe('string');
  expect(tc.logs.join('\n')).not.toContain(ADMIN_TOKEN);
  expect(tc.logs.join('\n').toLowerCase()).not.toContain('bearer');
});

test('a well-formed incoming X-Request-Id is kept; a malformed one is replaced', async () => {
  const kept = await rawGet('/v1/volumes', { authorization: `Bearer ${ADMIN_TOKEN}`, 'x-request-id': 'ci-run-42.step_3' });
  expect(kept.id).toBe('ci-run-42.step_3');
  expect(requestLines().some((l) => l.requestId === 'ci-run-42.step_3' && l.status === '200')).toBe(true);
  const bad = await rawGet('/v1/volumes', { authorization: `Bearer ${ADMIN_TOKEN}`, 'x-request-id': 'has space; and "quotes"' });
  expect(bad.id).toMatch(/^req-[0-9a-f]{16}$/);
  expect(tc.logs.join('\n')).not.toContain('has space');
  expect(requestLines().some((l) => l.requestId === bad.id)).toBe(true);
});

test('a given request id is sent as is; otherwise each call has its own', async () => {
  const before = requestLines().length;
  // A caller's own id is sent as given; without one each call gets a fresh id.
  const client = new ComposerClient({ endpoint: tc.url, token: ADMIN_TOKEN, retry: { attempts: 1, baseDelayMs: 10, maxDelayMs: 10 } });
  await client.request('GET', '/v1/volumes', { requestId: 'given-id-1' });
  await client.request('GET', '/v1/volumes');
  const lines = requestLines().slice(before);
  expect(lines.map((l) => l.requestId)).toContain('given-id-1');
  expect(new Set(lines.map((l) => l.requestId)).size).toBe(2);
});

test('every attempt of one call carries the same id (retries are found together in the log)', async () => {
  // A real HTTP server that is unavailable twice (503 + Retry-After 0), then answers.
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    seen.push(String(req.headers['x-request-id']));
    if (seen.length < 3) {
      res.writeHead(503, { 'content-type': 'application/problem+json', 'retry-after': '0' });
      res.end(JSON.stringify({ code: 'unavailable', detail: 'draining' }));
    } else {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const { port } = server.address() as { port: number };
    const client = new ComposerClient({ endpoint: `http://127.0.0.1:${port}`, token: 't', retry: { attempts: 5, baseDelayMs: 1, maxDelayMs: 5 } });
    await client.request('GET', '/v1/volumes');
    expect(seen).toHaveLength(3);
    expect(new Set(seen).size).toBe(1);
    expect(seen[0]).toMatch(/^tc-[0-9a-f]{16}$/);
  } finally {
    server.close();
  }
});
