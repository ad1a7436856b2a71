// The composer's HTTP layer against hostile or broken clients, on real composers and raw sockets
// on 127.0.0.1: header, body and keep-alive timeouts, the connection cap, answers given before a
// body arrived (401, 413) closing instead of draining, clients leaving mid-request, deeply nested
// JSON, and keys named like Object.prototype members (docs/api.md "Limits and timeouts").
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import type { RunningComposer } from '../../provider/composer';
import { composerStartArgs } from '../helpers/composer';
import { Captured, client, smallInventory, startTest, tempDir, TOKENS, tok } from './fixtures';

jest.setTimeout(60_000);

interface Started {
  composer: RunningComposer;
  dir: string;
  logs: Captured;
}
let fast: Started; // short timeouts
let std: Started; // defaults
let capped: Started; // maxConnections 4
const dirs: string[] = [];
const children: ChildProcess[] = [];

beforeAll(async () => {
  fast = await startTest({ headersTimeoutMs: 500, requestTimeoutMs: 1000, keepAliveTimeoutMs: 300 });
  std = await startTest();
  capped = await startTest({ maxConnections: 4 });
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const s of [fast, std, capped]) {
    if (!s) continue;
    await s.composer.close();
    dirs.push(s.dir);
  }
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

const portOf = (url: string) => Number(new URL(url).port);

interface Exchange {
  /** Everything the server sent. */
  text: string;
  /** The server closed (or reset) the connection before waitMs. */
  closed: boolean;
  /** Milliseconds from connect to close (or to waitMs). */
  ms: number;
  /** A write error the client saw (EPIPE/ECONNRESET after the server closed). */
  writeError?: string;
}

/**
 * One raw connection: sends `first`, then `drip` every `everyMs` (a slow client) until the server
 * closes the connection or `waitMs` passes; collects what the server answers.
 */
function exchange(url: string, first: string, opts: { drip?: string; everyMs?: number; waitMs: number }): Promise<Exchange> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const sock = net.connect(portOf(url), '127.0.0.1');
    let text = '';
    let writeError: string | undefined;
    let timer: NodeJS.Timeout | undefined;
    let done = false;
    const finish = (closed: boolean) => {
      if (done) return;
      done = true;
      clearInterval(timer);
      clearTimeout(stop);
      sock.destroy();
      resolve({ text, closed, ms: Date.now() - t0, writeError });
    };
    const stop = setTimeout(() => finish(false), opts.waitMs);
    sock.on('connect', () => {
      if (first) sock.write(first);
      if (opts.drip) timer = setInterval(() => sock.write(opts.drip!), opts.everyMs ?? 100);
    });
    sock.on('data', (d) => (text += d.toString('latin1')));
    sock.on('error', (e: NodeJS.ErrnoException) => (writeError = e.code ?? e.message));
    sock.on('close', () => finish(true));
  });
}

/** The first HTTP response in `text`: status, lower-cased headers, body (JSON when it parses). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function parseResponse(text: string): { status: number; headers: Record<string, string>; body: any } {
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) return { status: 0, headers: {}, body: text };
  const [statusLine, ...lines] = text.slice(0, end).split('\r\n');
  const headers: Record<string, string> = {};
  for (const l of lines) {
    const i = l.indexOf(':');
    headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  let raw = text.slice(end + 4);
  if (headers['content-length'] !== undefined) raw = raw.slice(0, Number(headers['content-length']));
  let body: unknown = raw;
  try {
    body = JSON.parse(raw);
  } catch {
    // not JSON
  }
  return { status: Number(statusLine.split(' ')[1]), headers, body };
}

const auth = (name: string) => `Authorization: Bearer ${tok(name)}\r\n`;

describe('timeouts (headers 500 ms, request body 1000 ms, keep-alive 300 ms)', () => {
  test('headers trickled one byte at a time: 408 problem+json at the headers timeout, then closed', async () => {
    const x = await exchange(fast.composer.url, 'GET /healthz HTTP/1.1\r\nHost: x\r\n', { drip: 'X', everyMs: 100, waitMs: 8000 });
    expect(x.closed).toBe(true);
    expect(x.ms).toBeLessThan(5000);
    const r = parseResponse(x.text);
    expect(r.status).toBe(408);
    expect(r.headers['content-type']).toBe('application/problem+json');
    expect(r.body).toMatchObject({ status: 408, code: 'request_timeout' });
    expect(r.body.detail).toMatch(/headers.*500 ms/);
  });

  test('a connection that never sends a byte is closed at the headers timeout', async () => {
    const x = await exchange(fast.composer.url, '', { waitMs: 8000 });
    expect(x.closed).toBe(true);
    expect(x.ms).toBeLessThan(5000);
  });

  test('an authenticated body trickled one byte per 100 ms: 408 at the request timeout, then closed', async () => {
    const head = `POST /v1/volumes HTTP/1.1\r\nHost: x\r\n${auth('ops')}Content-Type: application/json\r\nContent-Length: 1000000\r\n\r\n{`;
    const x = await exchange(fast.composer.url, head, { drip: ' ', everyMs: 100, waitMs: 8000 });
    expect(x.closed).toBe(true);
    expect(x.ms).toBeLessThan(6000);
    const r = parseResponse(x.text);
    expect(r.status).toBe(408);
    expect(r.headers.connection).toBe('close');
    expect(r.body).toMatchObject({ code: 'request_timeout' });
    expect(r.body.detail).toMatch(/body.*1000 ms/);
  });

  test('a large body at a steady rate outlives the request timeout (the deadline grows with what arrived)', async () => {
    // 3 MiB (an inventory padded with JSON whitespace) over ~1.6 s: longer than the 1 s base,
    // faster than the 1 MiB/s the deadline grows by.
    const json = JSON.stringify(smallInventory());
    const total = 3 * 1024 * 1024;
    const padding = total - Buffer.byteLength(json);
    const reply = await new Promise<{ status: number; body: any }>((resolve, reject) => { // eslint-disable-line @typescript-eslint/no-explicit-any
      const sock = net.connect(portOf(fast.composer.url), '127.0.0.1');
      let text = '';
      sock.on('data', (d) => {
        text += d.toString('latin1');
        const r = parseResponse(text);
        if (r.status && typeof r.body === 'object') {
          sock.destroy();
          resolve(r);
        }
      });
      sock.on('error', reject);
      sock.on('connect', async () => {
        sock.write(`PUT /v1/inventory HTTP/1.1\r\nHost: x\r\n${auth('root')}Content-Type: application/json\r\nContent-Length: ${total}\r\n\r\n${json}`);
        const slice = Math.ceil(padding / 16);
        for (let sent = 0; sent < padding; sent += slice) {
          await new Promise((r) => setTimeout(r, 100));
          sock.write(' '.repeat(Math.min(slice, padding - sent)));
        }
      });
    });
    expect(reply.status).toBe(200);
  });

  test.each([
    ['a malformed header line', 'GET /healthz HTTP/1.1\r\nHost x\r\n\r\n', 400, 'bad_request'],
    ['20 KiB of headers', `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20 * 1024)}\r\n\r\n`, 431, 'headers_too_large'],
  ])('%s: problem+json 4xx, then closed', async (_what, head, status, code) => {
    const x = await exchange(std.composer.url, head, { waitMs: 4000 });
    const r = parseResponse(x.text);
    expect(r.status).toBe(status);
    expect(r.headers['content-type']).toBe('application/problem+json');
    expect(r.body).toMatchObject({ status, code });
    expect(x.closed).toBe(true);
  });

  test('an idle keep-alive connection is closed after the keep-alive timeout', async () => {
    const x = await exchange(fast.composer.url, 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n', { waitMs: 8000 });
    expect(parseResponse(x.text).status).toBe(200);
    expect(x.closed).toBe(true);
    // keep-alive 300 ms plus node's 1 s grace (server.keepAliveTimeoutBuffer) against reuse races
    expect(x.ms).toBeLessThan(5000);
  });
});

describe('answers given before the body arrived close the connection instead of draining it', () => {
  test('unauthenticated POST declaring 1 MB: 401 at once and closed; the body is never read', async () => {
    const head = 'POST /v1/volumes HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n{"na';
    const x = await exchange(std.composer.url, head, { drip: ' ', everyMs: 200, waitMs: 4000 });
    const r = parseResponse(x.text);
    expect(r.status).toBe(401);
    expect(r.body).toMatchObject({ code: 'unauthorized' });
    expect(r.headers.connection).toBe('close');
    expect(x.closed).toBe(true);
  });

  test('unauthenticated POST with Expect: 100-continue: 401 without "100 Continue", so the client sends nothing', async () => {
    const head = 'POST /v1/volumes HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\nExpect: 100-continue\r\n\r\n';
    const x = await exchange(std.composer.url, head, { waitMs: 4000 });
    expect(x.text.startsWith('HTTP/1.1 401')).toBe(true);
    expect(x.closed).toBe(true);
  });

  test('authenticated POST with Expect: 100-continue gets "100 Continue" and then its answer', async () => {
    const body = JSON.stringify({ name: 'continued', servers: ['k1'] });
    const sock = net.connect(portOf(std.composer.url), '127.0.0.1');
    let text = '';
    let sent = false;
    const CONTINUE = 'HTTP/1.1 100 Continue\r\n\r\n';
    const status = await new Promise<number>((resolve, reject) => {
      sock.on('error', reject);
      sock.on('data', (d) => {
        text += d.toString('latin1');
        if (text.length < CONTINUE.length && CONTINUE.startsWith(text)) return;
        if (!text.startsWith(CONTINUE)) return reject(new Error(`expected 100 Continue first, got ${JSON.stringify(text.slice(0, 40))}`));
        if (!sent) {
          sent = true;
          sock.write(body);
        }
        const r = parseResponse(text.slice(CONTINUE.length));
        if (r.status && typeof r.body === 'object') resolve(r.status);
      });
      sock.write(`POST /v1/clusters HTTP/1.1\r\nHost: x\r\n${auth('ops')}Content-Type: application/json\r\nContent-Length: ${body.length}\r\nExpect: 100-continue\r\n\r\n`);
    });
    sock.destroy();
    expect(text.startsWith('HTTP/1.1 100 Continue')).toBe(true);
    expect(status).toBe(201);
  });

  test('a declared Content-Length over the route limit: 413 and closed without reading the body', async () => {
    const head = `POST /v1/agents/k1/register HTTP/1.1\r\nHost: x\r\n${auth('agent-k1')}Content-Type: application/json\r\nContent-Length: 10000000\r\n\r\n{"a":`;
    const x = await exchange(std.composer.url, head, { drip: ' ', everyMs: 200, waitMs: 4000 });
    const r = parseResponse(x.text);
    expect(r.status).toBe(413);
    expect(r.body).toMatchObject({ code: 'payload_too_large' });
    expect(x.closed).toBe(true);
  });

  test('a chunked body over the route limit: 413 problem+json, then the connection closes (no reset before the answer)', async () => {
    // /v1/agents/{server}/register accepts 64 KiB; the client streams chunks of 16 KiB as fast as
    // the socket takes them, up to 4 MiB, until the server answers.
    const x = await new Promise<Exchange>((resolve) => {
      const t0 = Date.now();
      const sock = net.connect(portOf(std.composer.url), '127.0.0.1');
      let text = '';
      let writeError: string | undefined;
      let answered = false;
      sock.on('data', (d) => {
        text += d.toString('latin1');
        answered = true;
      });
      sock.on('error', (e: NodeJS.ErrnoException) => (writeError = e.code));
      sock.on('close', () => resolve({ text, closed: true, ms: Date.now() - t0, writeError }));
      setTimeout(() => sock.destroy(), 10_000);
      sock.on('connect', async () => {
        sock.write(`POST /v1/agents/k1/register HTTP/1.1\r\nHost: x\r\n${auth('agent-k1')}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`);
        const chunk = `4000\r\n${' '.repeat(0x4000)}\r\n`;
        for (let i = 0; i < 256 && !answered && !sock.destroyed; i++) {
          if (!sock.write(chunk)) await new Promise((r) => sock.once('drain', r).once('close', r));
        }
      });
    });
    const r = parseResponse(x.text);
    expect(r.status).toBe(413);
    expect(r.headers['content-type']).toBe('application/problem+json');
    expect(r.body).toMatchObject({ code: 'payload_too_large' });
    expect(r.body.detail).toMatch(/65536 bytes/);
    expect(x.closed).toBe(true);
  });

  test('a client that disconnects mid-body is metered as 499, never logged as an internal error 500', async () => {
    const mark = std.logs.lines.length;
    const sock = net.connect(portOf(std.composer.url), '127.0.0.1');
    await new Promise((r) => sock.on('connect', r));
    sock.write(`POST /v1/volumes HTTP/1.1\r\nHost: x\r\n${auth('ops')}Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"name":`);
    await new Promise((r) => setTimeout(r, 200));
    sock.destroy();
    const requestLine = async () => {
      for (let i = 0; i < 60; i++) {
        const line = std.logs.lines.slice(mark).map((l) => JSON.parse(l)).find((l) => l.msg === 'request' && l.route === '/v1/{kind}' && l.method === 'POST');
        if (line) return line;
        await new Promise((r) => setTimeout(r, 50));
      }
      return undefined;
    };
    const line = await requestLine();
    const since = std.logs.lines.slice(mark).join('\n');
    expect(since).not.toContain('internal error');
    expect(line).toMatchObject({ status: '499' });
    const metrics = await client(std.composer.url, tok('viewer')).get('/metrics');
    expect(metrics.body).toContain('tessera_http_requests_total{method="POST",route="/v1/{kind}",status="499"} 1');
    expect(metrics.body).not.toMatch(/status="500"/);
  });
});

describe('JSON bodies', () => {
  const nestedArrays = (n: number) => '['.repeat(n) + ']'.repeat(n);
  const nestedObjects = (n: number) => '{"a":'.repeat(n) + '1' + '}'.repeat(n);

  test.each([
    ['a field holding 100,000 nested arrays', 'POST', '/v1/volumes', 'ops', `{"cluster":"c","name":${nestedArrays(100_000)}}`],
    ['a body of 100,000 nested arrays', 'POST', '/v1/clusters', 'ops', nestedArrays(100_000)],
    ['100,000 nested objects', 'PATCH', '/v1/clusters/abc', 'ops', nestedObjects(100_000)],
    ['an inventory with 100,000 nested arrays', 'PUT', '/v1/inventory', 'root', `{"storageGroups":${nestedArrays(100_000)}}`],
    ['an agent status report 10,000 deep', 'PUT', '/v1/agents/k1/status/v1', 'agent-k1', `{"state":${nestedObjects(10_000)}}`],
  ])('%s: 400 json_too_deep naming the limit', async (_what, method, p, who, text) => {
    const r = await client(std.composer.url, tok(who)).raw(method, p, text);
    expect(r.status).toBe(400);
    expect(r.headers.get('content-type')).toBe('application/problem+json');
    expect(r.body.code).toBe('json_too_deep');
    expect(r.body.detail).toMatch(/deeper than 64 levels/);
  });

  test('nesting at the limit (64 levels) parses and is validated as usual (422 naming the field)', async () => {
    const r = await client(std.composer.url, tok('ops')).raw('POST', '/v1/volumes', `{"cluster":"c","name":${nestedArrays(63)}}`);
    expect(r.status).toBe(422);
    expect(r.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'name', reason: expect.stringMatching(/must be a string/) })]));
  });

  test('__proto__, constructor and toString keys are unknown attributes (422 naming each); nothing is created or polluted', async () => {
    const ops = client(std.composer.url, tok('ops'));
    const text = '{"name":"proto-1","servers":["k1"],"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},"toString":"x"}';
    const r = await ops.raw('POST', '/v1/clusters', text);
    expect(r.status).toBe(422);
    expect(r.body.code).toBe('validation_failed');
    for (const field of ['__proto__', 'constructor', 'toString'])
      expect(r.body.errors).toEqual(expect.arrayContaining([{ field, reason: expect.stringMatching(/^unknown attribute/) }]));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((await ops.get('/v1/clusters')).body.items.map((c: { name: string }) => c.name)).not.toContain('proto-1');
  });

  test('reserved keys deep in a body are named by their path', async () => {
    const inv = JSON.stringify(smallInventory()).replace('"enclosures":', '"__proto__":{"x":1},"enclosures":');
    const r = await client(std.composer.url, tok('root')).raw('PUT', '/v1/inventory', inv);
    expect(r.status).toBe(422);
    expect(r.body.errors).toEqual([{ field: 'storageGroups[0].__proto__', reason: expect.stringMatching(/^unknown attribute/) }]);
  });
});

describe('connection cap (maxConnections 4)', () => {
  const open = async (): Promise<{ sock: net.Socket; get: () => Promise<Exchange> }> => {
    const sock = net.connect(portOf(capped.composer.url), '127.0.0.1');
    let text = '';
    let closed = false;
    sock.on('data', (d) => (text += d.toString('latin1')));
    sock.on('error', () => undefined);
    sock.on('close', () => (closed = true));
    await new Promise((r) => sock.once('connect', r));
    // One request and its answer: resolves on a full response, on close, or after 3 s.
    const get = () =>
      new Promise<Exchange>((resolve) => {
        text = '';
        const t0 = Date.now();
        sock.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
        const poll = setInterval(() => {
          if (closed || /\r\n\r\n\{.*\}$/s.test(text) || Date.now() - t0 > 3000) {
            clearInterval(poll);
            resolve({ text, closed, ms: Date.now() - t0 });
          }
        }, 10);
      });
    return { sock, get };
  };

  test('connections over the cap are refused; the open ones keep being served; a freed slot is reused', async () => {
    const held = [];
    for (let i = 0; i < 4; i++) {
      const c = await open();
      expect(parseResponse((await c.get()).text).status).toBe(200);
      held.push(c);
    }
    const over = await open();
    const refused = await over.get();
    expect(refused.closed).toBe(true);
    expect(refused.text).toBe('');
    expect(parseResponse((await held[0].get()).text).status).toBe(200);
    held[3].sock.destroy();
    let again: Exchange | undefined;
    for (let i = 0; i < 40; i++) {
      await new Promise((r) => setTimeout(r, 50));
      const c = await open();
      again = await c.get();
      c.sock.destroy();
      if (!again.closed) break;
    }
    expect(parseResponse(again!.text).status).toBe(200);
    for (const c of held) c.sock.destroy();
  });
});

describe('tessera composer start limit flags', () => {
  const BIN = path.resolve(__dirname, '../../bin/tessera');
  let dir: string;
  beforeAll(() => {
    dir = tempDir('tessera-http-cli-');
    dirs.push(dir);
    fs.writeFileSync(path.join(dir, 'tokens.json'), JSON.stringify({ tokens: TOKENS }), { mode: 0o600 });
  });
  // No inventory and no master key in `dir`: the harness's argv without them.
  const startArgs = (extra: string[]) => composerStartArgs(dir, { args: extra });
  const start = (extra: string[]) =>
    new Promise<{ url?: string; code?: number | null; stderr: string; proc: ChildProcess }>((resolve) => {
      const proc = spawn(BIN, startArgs(extra), { stdio: ['ignore', 'pipe', 'pipe'] });
      children.push(proc);
      let out = '';
      let stderr = '';
      proc.stderr!.on('data', (d) => (stderr += d.toString()));
      proc.stdout!.on('data', (d) => {
        out += d.toString();
        const m = /^(\S+)\n/m.exec(out);
        if (m) resolve({ url: m[1], stderr, proc });
      });
      proc.on('exit', (code) => resolve({ code, stderr, proc }));
    });

  test.each([
    ['--max-connections', '0'],
    ['--headers-timeout-seconds', 'soon'],
    ['--request-timeout-seconds', '-5'],
    ['--keep-alive-timeout-seconds', '0'],
  ])('%s %s is refused naming the flag', async (flag, value) => {
    const r = await start([flag, value]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(flag);
  });

  test('--headers-timeout-seconds 1 and --max-connections 2 take effect', async () => {
    const r = await start(['--headers-timeout-seconds', '1', '--max-connections', '2']);
    expect(r.url).toBeDefined();
    try {
      // Two connections waiting for their headers hold both slots: a third is refused.
      const slow = [1, 2].map(() => exchange(r.url!, 'GET /healthz HTTP/1.1\r\n', { waitMs: 8000 }));
      await new Promise((res) => setTimeout(res, 300));
      const third = await exchange(r.url!, 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n', { waitMs: 600 });
      expect(third).toMatchObject({ closed: true, text: '' });
      for (const x of await Promise.all(slow)) expect(parseResponse(x.text).status).toBe(408);
      const silent = await exchange(r.url!, 'GET /healthz HTTP/1.1\r\n', { waitMs: 8000 });
      expect(silent.closed).toBe(true);
      expect(parseResponse(silent.text).status).toBe(408);
      expect(parseResponse(silent.text).body.detail).toMatch(/1000 ms/);
    } finally {
      r.proc.kill('SIGTERM');
      await new Promise((res) => r.proc.once('exit', res));
    }
  });
});
