// The composer client against real HTTP servers on 127.0.0.1 that answer 503, not_leader or
// nothing at all, the way a composer does during a leader change or a restart.
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import { ComposerClient, ComposerError, retryAfterMs } from '../../provider/handlers';
import { bufferUpload } from '../../provider/client';
import { makeTestCa } from '../helpers/pki';

function serve(handler: http.RequestListener, port = 0): Promise<{ url: string; server: http.Server; port: number }> {
  return new Promise((resolve) => {
    const server = http.createServer(handler);
    server.listen(port, '127.0.0.1', () => {
      const p = (server.address() as AddressInfo).port;
      resolve({ url: `http://127.0.0.1:${p}`, server, port: p });
    });
  });
}

function close(server: http.Server): Promise<void> {
  return new Promise((r) => server.close(() => r()));
}

function problem(res: http.ServerResponse, status: number, body: Record<string, unknown>, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/problem+json', ...headers });
  res.end(JSON.stringify({ type: 'about:blank', title: 'x', status, ...body }));
}

describe('ComposerClient', () => {
  const fast = { attempts: 6, baseDelayMs: 20, maxDelayMs: 200 };

  it('retries a 503 honouring Retry-After, then succeeds', async () => {
    const seen: number[] = [];
    const { url, server } = await serve((req, res) => {
      seen.push(Date.now());
      if (seen.length < 3) return problem(res, 503, { code: 'unavailable', detail: 'starting' }, { 'retry-after': '0.3' });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: true, auth: req.headers.authorization }));
    });
    try {
      const client = new ComposerClient({ endpoint: url, token: 't0k', retry: fast });
      const res = await client.request<{ ok: boolean; auth: string }>('GET', '/v1/x');
      expect(res.data).toEqual({ ok: true, auth: 'Bearer t0k' });
      expect(seen).toHaveLength(3);
      // Retry-After (300 ms) wins over the 20 ms back-off.
      expect(seen[1] - seen[0]).toBeGreaterThanOrEqual(190);
    } finally {
      await close(server);
    }
  });

  it('follows the leader address a standby gives on not_leader when it is a configured endpoint', async () => {
    const leader = await serve((req, res) => {
      res.writeHead(201, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: 'vol-1', path: req.url }));
    });
    // A trailing slash is the same endpoint as the configured one.
    const standby = await serve((_req, res) => problem(res, 503, { code: 'not_leader', detail: 'standby', leader: `${leader.url}/` }, { 'retry-after': '5' }));
    try {
      const client = new ComposerClient({ endpoint: `${standby.url},${leader.url}`, token: 't', retry: fast });
      const started = Date.now();
      const res = await client.request<{ id: string; path: string }>('POST', '/v1/volumes', { body: { name: 'a' }, query: { dryRun: true } });
      expect(res.status).toBe(201);
      expect(res.data).toEqual({ id: 'vol-1', path: '/v1/volumes?dryRun=true' });
      expect(client.endpoint).toBe(leader.url);
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      await close(leader.server);
      await close(standby.server);
    }
  });

  it('backs off (Retry-After) when not_leader names the replica itself, e.g. mid-election', async () => {
    const seen: number[] = [];
    let self = '';
    const { url, server } = await serve((_req, res) => {
      seen.push(Date.now());
      if (seen.length < 3) return problem(res, 503, { code: 'not_leader', detail: 'electing', leader: self }, { 'retry-after': '0.2' });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    });
    self = url;
    try {
      const client = new ComposerClient({ endpoint: url, token: 't', retry: fast });
      expect((await client.request<{ ok: boolean }>('GET', '/v1/x')).data).toEqual({ ok: true });
      expect(seen[2] - seen[1]).toBeGreaterThanOrEqual(150);
    } finally {
      await close(server);
    }
  });

  it('retries connection refused until the composer comes back', async () => {
    const probe = await serve((_q, r) => r.end());
    const port = probe.port;
    await close(probe.server);
    const client = new ComposerClient({ endpoint: `http://127.0.0.1:${port}`, token: 't', retry: { attempts: 12, baseDelayMs: 50, maxDelayMs: 200 } });
    const pending = client.request<{ up: boolean }>('GET', '/v1/inventory/summary');
    await new Promise((r) => setTimeout(r, 300));
    const back = await serve((_q, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"up":true}');
    }, port);
    try {
      expect((await pending).data).toEqual({ up: true });
    } finally {
      await close(back.server);
    }
  });

  it('gives up after the attempts with an error naming the endpoint, never the token', async () => {
    const probe = await serve((_q, r) => r.end());
    const port = probe.port;
    await close(probe.server);
    const client = new ComposerClient({ endpoint: `http://127.0.0.1:${port}`, token: 'super-secret-token', retry: { attempts: 3, baseDelayMs: 10, maxDelayMs: 20 } });
    const err = (await client.request('GET', '/v1/x').catch((e) => e)) as ComposerError;
    expect(err).toBeInstanceOf(ComposerError);
    expect(err.code).toBe('unreachable');
    expect(err.message).toContain(`127.0.0.1:${port}`);
    expect(JSON.stringify({ ...err, message: err.message, stack: err.stack })).not.toContain('super-secret-token');
  });

  it('turns problem+json into ComposerError with code, status and field errors', async () => {
    const { url, server } = await serve((_q, res) =>
      problem(res, 422, { code: 'validation_failed', detail: 'invalid volume', errors: [{ field: 'sizeGiB', reason: 'must be >= 1, got 0' }] }),
    );
    try {
      const client = new ComposerClient({ endpoint: url, token: 't', retry: fast });
      const err = (await client.request('POST', '/v1/volumes', { body: {} }).catch((e) => e)) as ComposerError;
      expect(err).toBeInstanceOf(ComposerError);
      expect(err.status).toBe(422);
      expect(err.code).toBe('validation_failed');
      expect(err.fieldErrors).toEqual([{ field: 'sizeGiB', reason: 'must be >= 1, got 0' }]);
      expect(err.message).toContain('sizeGiB: must be >= 1, got 0');
    } finally {
      await close(server);
    }
  });

  it('treats statuses listed in accept as answers (404 on read)', async () => {
    const { url, server } = await serve((_q, res) => problem(res, 404, { code: 'not_found', detail: 'no such volume' }));
    try {
      const client = new ComposerClient({ endpoint: url, token: 't', retry: fast });
      expect((await client.request('GET', '/v1/volumes/x', { accept: [404] })).status).toBe(404);
      await expect(client.request('GET', '/v1/volumes/x')).rejects.toMatchObject({ code: 'not_found', status: 404 });
    } finally {
      await close(server);
    }
  });

  it('parses Retry-After as seconds or an HTTP date and refuses a bad endpoint', () => {
    expect(retryAfterMs('2')).toBe(2000);
    expect(retryAfterMs(new Date(Date.now() + 3000).toUTCString(), Date.now())).toBeGreaterThan(1000);
    expect(retryAfterMs('soon')).toBeUndefined();
    expect(() => new ComposerClient({ endpoint: 'localhost:7420', token: '' })).toThrow(/endpoint: must be an http\(s\) URL/);
  });

  it('streams an upload with progress, re-sending it to the (configured) leader a standby names', async () => {
    const body = Buffer.alloc(300 * 1024, 'a');
    const leader = await serve((req, res) => {
      let n = 0;
      req.on('data', (d: Buffer) => (n += d.length));
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ received: n, length: req.headers['content-length'] }));
      });
    });
    const standby = await serve((req, res) => {
      req.resume();
      req.on('end', () => problem(res, 503, { code: 'not_leader', leader: leader.url }));
    });
    try {
      const progress: number[][] = [];
      const client = new ComposerClient({ endpoint: `${standby.url},${leader.url}`, token: 't', retry: fast });
      const upload = bufferUpload(body, 'application/json', (sent, total) => progress.push([sent, total]));
      const res = await client.request<{ received: number; length: string }>('PUT', '/v1/inventory', { upload });
      expect(res.data).toEqual({ received: body.length, length: String(body.length) });
      expect(client.endpoint).toBe(leader.url);
      // Two attempts, each from 0 to the full length in several steps.
      const starts = progress.filter(([s]) => s === 0).length;
      expect(starts).toBe(2);
      expect(progress.filter(([s]) => s === body.length).length).toBe(2);
      expect(progress.length).toBeGreaterThan(6);
      expect(progress.every(([, t]) => t === body.length)).toBe(true);
    } finally {
      await close(standby.server);
      await close(leader.server);
    }
  });

  it('an attempt without an answer in timeoutMs is retried, then given up as unreachable; the body of every attempt is the same JSON', async () => {
    const bodies: string[] = [];
    const { url, server } = await serve((req, res) => {
      let b = '';
      req.on('data', (d: Buffer) => (b += d.toString()));
      req.on('end', () => {
        bodies.push(`${req.headers['content-type']} ${b}`);
        if (bodies.length < 2) return; // the first attempt never gets an answer
        res.writeHead(201, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ attempt: bodies.length }));
      });
    });
    try {
      const client = new ComposerClient({ endpoint: url, token: 't', retry: fast });
      const t0 = Date.now();
      const res = await client.request<{ attempt: number }>('POST', '/v1/volumes', { body: { name: 'v', sizeGiB: 1 }, timeoutMs: 300 });
      expect(res).toMatchObject({ status: 201, data: { attempt: 2 } });
      expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
      expect(bodies).toEqual(['application/json {"name":"v","sizeGiB":1}', 'application/json {"name":"v","sizeGiB":1}']);
      const silent = await serve(() => undefined);
      try {
        const gone = new ComposerClient({ endpoint: silent.url, token: 'secret-token-value', retry: { attempts: 2, baseDelayMs: 10, maxDelayMs: 20 } });
        const err = (await gone.request('GET', '/v1/x', { timeoutMs: 150 }).catch((e: unknown) => e)) as ComposerError;
        expect(err).toBeInstanceOf(ComposerError);
        expect(err.code).toBe('unreachable');
        expect(err.message).toMatch(/cannot reach the composer at http:\/\/127\.0\.0\.1:\d+ \(ETIMEDOUT\)/);
        expect(err.message).not.toContain('secret-token-value');
      } finally {
        silent.server.closeAllConnections();
        await close(silent.server);
      }
    } finally {
      server.closeAllConnections();
      await close(server);
    }
  });

  it('an aborted request is not retried and rejects at once; an answer that is not JSON is returned as text; a cut-off answer is retried', async () => {
    let requests = 0;
    const { url, server } = await serve((req, res) => {
      requests++;
      if (req.url === '/v1/text') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        return void res.end('plain words');
      }
      if (req.url === '/v1/cut' && requests < 4) {
        // Headers and half a body, then the connection dies: no answer to read.
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
        res.write('{"half":');
        return void setTimeout(() => res.destroy(), 20);
      }
      if (req.url === '/v1/cut') return void res.end('{"whole":true}');
      // /v1/wait never answers: only the abort ends it.
    });
    try {
      const client = new ComposerClient({ endpoint: url, token: 't', retry: fast });
      const ac = new AbortController();
      const t0 = Date.now();
      const pending = client.request('GET', '/v1/wait', { signal: ac.signal }).catch((e: unknown) => e);
      setTimeout(() => ac.abort(), 100);
      const err = (await pending) as ComposerError;
      expect(err).toBeInstanceOf(ComposerError);
      expect(err.code).toBe('ERR_CANCELED');
      expect(Date.now() - t0).toBeLessThan(2000);
      expect(requests).toBe(1);
      expect((await client.request('GET', '/v1/text')).data).toBe('plain words');
      expect((await client.request('GET', '/v1/cut')).data).toEqual({ whole: true });
      expect(requests).toBe(4);
    } finally {
      server.closeAllConnections();
      await close(server);
    }
  });

  describe('leader following: only configured endpoints, never https to http', () => {
    /** A would-be leader that records whether a request reached it, and with which Authorization. */
    async function recorder(): Promise<{ url: string; server: http.Server; seen: (string | undefined)[] }> {
      const seen: (string | undefined)[] = [];
      const s = await serve((req, res) => {
        seen.push(req.headers.authorization);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"stolen":true}');
      });
      return { ...s, seen };
    }

    it('does not follow a leader outside the configured endpoints: fails naming it, the token never reaches it', async () => {
      const foreign = await recorder();
      let asked = 0;
      const standby = await serve((req, res) => {
        asked++;
        req.resume();
        problem(res, 503, { code: 'not_leader', detail: 'standby', leader: foreign.url }, { 'retry-after': '0' });
      });
      try {
        const client = new ComposerClient({ endpoint: standby.url, token: 'secret-operator-token', retry: fast });
        const err = (await client.request('POST', '/v1/volumes', { body: { name: 'a' } }).catch((e) => e)) as ComposerError;
        expect(err).toBeInstanceOf(ComposerError);
        expect(err.code).toBe('leader_not_followed');
        expect(err.message).toContain(foreign.url);
        expect(err.message).toMatch(/not one of the configured endpoints/);
        expect(err.message).not.toContain('secret-operator-token');
        expect(foreign.seen).toEqual([]);
        // A clear failure at once, not a retry loop against the standby.
        expect(asked).toBe(1);
        expect(client.endpoint).toBe(standby.url);
      } finally {
        await close(standby.server);
        await close(foreign.server);
      }
    });

    it('with several endpoints, a foreign leader named by one replica sends the request to the next configured one', async () => {
      const foreign = await recorder();
      const leader = await serve((req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ auth: req.headers.authorization }));
      });
      // The standby advertises an address the client was not configured with (e.g. another name).
      const standby = await serve((_req, res) => problem(res, 503, { code: 'not_leader', leader: foreign.url }));
      try {
        const client = new ComposerClient({ endpoint: `${standby.url},${leader.url}`, token: 'tok-abc', retry: fast });
        expect((await client.request<{ auth: string }>('GET', '/v1/x')).data).toEqual({ auth: 'Bearer tok-abc' });
        expect(client.endpoint).toBe(leader.url);
        expect(foreign.seen).toEqual([]);
      } finally {
        await close(standby.server);
        await close(leader.server);
        await close(foreign.server);
      }
    });

    it('never follows https to http, even to a configured endpoint', async () => {
      const ca = makeTestCa();
      const cert = ca.issue('127.0.0.1', 'server');
      const plain = await recorder();
      const tlsStandby = https.createServer({ cert: cert.certPem, key: cert.keyPem }, (req, res) => {
        req.resume();
        problem(res, 503, { code: 'not_leader', leader: plain.url });
      });
      await new Promise<void>((r) => tlsStandby.listen(0, '127.0.0.1', () => r()));
      const tlsUrl = `https://127.0.0.1:${(tlsStandby.address() as AddressInfo).port}`;
      try {
        const client = new ComposerClient({ endpoint: `${tlsUrl},${plain.url}`, token: 'tls-only-token', ca: ca.certPem, retry: fast });
        const err = (await client.request('GET', '/v1/x').catch((e) => e)) as ComposerError;
        expect(err.code).toBe('leader_not_followed');
        expect(err.message).toContain(plain.url);
        expect(err.message).toMatch(/downgrade https to plain http/);
        expect(plain.seen).toEqual([]);
      } finally {
        await new Promise((r) => tlsStandby.close(r));
        await close(plain.server);
      }
    });
  });

  describe('retry policy: connection errors, 502/503/504 and 429 with Retry-After only', () => {
    /** A server answering `status` (with `body`, `headers`) `times` times, then 200. */
    async function answering(status: number, body: Record<string, unknown>, headers: Record<string, string> = {}, times = Infinity) {
      let n = 0;
      const s = await serve((req, res) => {
        req.resume();
        if (++n <= times) return problem(res, status, body, headers);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"ok":true}');
      });
      return { ...s, count: () => n };
    }

    it.each([
      [507, 'capacity_exhausted'],
      [409, 'insufficient_capacity'],
      [422, 'insufficient_capacity'],
    ])('a %i %s answer is requested exactly once and thrown', async (status, code) => {
      const s = await answering(status, { code, detail: 'the pool cannot place 100 GiB of ssd', errors: [{ field: 'sizeGiB', reason: 'no room' }] }, { 'retry-after': '0' });
      try {
        const client = new ComposerClient({ endpoint: s.url, token: 't', retry: fast });
        await expect(client.request('POST', '/v1/volumes', { body: {} })).rejects.toMatchObject({ status, code });
        expect(s.count()).toBe(1);
      } finally {
        await close(s.server);
      }
    });

    it('a 429 without Retry-After is not retried; other 4xx/5xx are not retried', async () => {
      for (const [status, headers] of [[429, {}], [500, { 'retry-after': '0' }], [400, { 'retry-after': '0' }], [401, {}]] as [number, Record<string, string>][]) {
        const s = await answering(status, { code: `c${status}`, detail: 'no' }, headers);
        try {
          const client = new ComposerClient({ endpoint: s.url, token: 't', retry: fast });
          await expect(client.request('GET', '/v1/x')).rejects.toMatchObject({ status });
          expect([status, s.count()]).toEqual([status, 1]);
        } finally {
          await close(s.server);
        }
      }
    });

    it.each([
      [502, {}],
      [504, {}],
      [429, { 'retry-after': '0.05' }],
    ] as [number, Record<string, string>][])('a %i answer is retried, then the request succeeds', async (status, headers) => {
      const s = await answering(status, { code: `c${status}`, detail: 'not now' }, headers, 2);
      try {
        const client = new ComposerClient({ endpoint: s.url, token: 't', retry: fast });
        expect((await client.request<{ ok: boolean }>('GET', '/v1/x')).data).toEqual({ ok: true });
        expect(s.count()).toBe(3);
      } finally {
        await close(s.server);
      }
    });
  });
});
