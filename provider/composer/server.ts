// The composer's HTTP layer on node:http(s): the server and its connection limits and timeouts,
// routing, bearer auth and roles, JSON bodies with size and depth limits, problem+json errors,
// access logs (never headers), request metrics; the volume-key route only over TLS.
import * as http from 'node:http';
import * as https from 'node:https';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { OPERATION_STATES, type ResourceKind } from '../api/contract';
import type { FieldFailure } from '../schema';
import { Access, Authenticator, authorize, Principal } from './auth';
import type { Logger } from './log';
import { Counter, Histogram } from './metrics';
import { pageRequest } from './paging';
import { HttpProblem, problems } from './problem';
import type { ComposerService } from './service';

export interface RequestContext {
  principal?: Principal;
  params: string[];
  query: URLSearchParams;
  body: unknown;
}

export interface Route {
  method: string;
  pattern: RegExp;
  /** Route template for logs and metrics (no ids). */
  name: string;
  /** undefined = no authentication. */
  access?: (params: string[]) => Access;
  /** Body limit in bytes (0 = no body). */
  bodyLimit?: number;
  write?: boolean;
  /** Answered only on a TLS connection (unless HttpDeps.insecureDev): it serves key material. */
  tlsOnly?: boolean;
  handle(ctx: RequestContext, res: http.ServerResponse): Promise<unknown> | unknown;
}

const KINDS = '(clusters|volumes|slices|key-policies)';
/** What an id or server name in a path may be (provider/composer/openapi.ts documents it). */
export const ID_PATTERN = '[A-Za-z0-9._-]{1,128}';
const ID = `(${ID_PATTERN})`;
const MB = 1024 * 1024;

/** Connection limits and timeouts; docs/api.md "Limits and timeouts" explains each. */
export interface HttpLimits {
  /** The request line and headers must arrive within this (from the connection or the request's first byte). */
  headersTimeoutMs: number;
  /** A request body must arrive within this, plus 1 s per MiB received (so large uploads at a sane rate pass). */
  requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this. */
  keepAliveTimeoutMs: number;
  /** Open connections at most; more are closed on accept. */
  maxConnections: number;
}

export const DEFAULT_HTTP_LIMITS: HttpLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  // Agents hold up to two connections each (a long poll and a report); the default fits ~4,000.
  maxConnections: 8192,
};

/** Arrays and objects nest at most this deep in a body (inventories need 8). */
export const MAX_JSON_DEPTH = 64;

/** The body deadline grows by one second per this many bytes received. */
const BODY_BYTES_PER_SECOND = 1024 * 1024;

/** Limits from options: each a positive integer, or the default. Errors name the option. */
export function httpLimits(given: Partial<HttpLimits>): HttpLimits {
  const out = { ...DEFAULT_HTTP_LIMITS };
  for (const key of Object.keys(DEFAULT_HTTP_LIMITS) as (keyof HttpLimits)[]) {
    const v = given[key];
    if (v === undefined) continue;
    if (!Number.isSafeInteger(v) || v < 1) throw new Error(`${key}: must be a positive integer, got ${JSON.stringify(v)}`);
    out[key] = v;
  }
  return out;
}

export interface HttpDeps {
  limits: HttpLimits;
  service: () => ComposerService;
  auth: Authenticator;
  log: Logger;
  metricsText: () => string;
  openapi: () => unknown;
  requestLatency: Histogram;
  requests: Counter;
  isLeader: () => boolean;
  leaderAddress: () => string | undefined;
  isReady: () => boolean;
  /** Serve tlsOnly routes (volume keys) over plain HTTP too: development labs only. */
  insecureDev?: boolean;
}

// Only the two words: `?dryRun=` (say, an unset template variable) must not quietly mean true.
const bool = (q: URLSearchParams, name: string) => {
  const v = q.get(name);
  if (v === null || v === 'false') return false;
  if (v === 'true') return true;
  throw problems.field(name, `must be true or false, got ${JSON.stringify(v)}`);
};
const oneOf = <T extends string>(q: URLSearchParams, name: string, allowed: readonly T[]): T | undefined => {
  const v = q.get(name);
  if (v === null) return undefined;
  if (!(allowed as readonly string[]).includes(v)) throw problems.field(name, `must be one of ${allowed.join(', ')}, got ${JSON.stringify(v)}`);
  return v as T;
};
const intParam = (q: URLSearchParams, name: string, min: number, max: number): number | undefined => {
  const v = q.get(name);
  if (v === null) return undefined;
  if (!/^\d{1,15}$/.test(v) || Number(v) < min || Number(v) > max) throw problems.field(name, `must be an integer between ${min} and ${max}, got ${JSON.stringify(v)}`);
  return Number(v);
};

/** Capacity query string -> typed input for schema validation (lists comma-separated). */
export function capacityQuery(q: URLSearchParams): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const ints = ['rpm', 'raidMaxDrives'];
  const bools = ['redundancy', 'striping', 'sgResiliency', 'jbodResiliency', 'softDomains'];
  const lists = ['requiredTags', 'excludedTags', 'storageGroup', 'networkTransportsAllowed'];
  for (const [k, v] of q) {
    if (ints.includes(k)) out[k] = /^-?\d+$/.test(v) ? Number(v) : v;
    else if (bools.includes(k)) out[k] = v === 'true' ? true : v === 'false' ? false : v;
    else if (lists.includes(k)) out[k] = v === '' ? [] : v.split(',');
    else out[k] = v;
  }
  return out;
}

export function buildRoutes(d: HttpDeps): Route[] {
  const svc = d.service;
  const kindOf = (p: string[]) => p[0] as ResourceKind;
  const res = (write: boolean) => () => ({ area: 'resources' as const, write });
  return [
    { method: 'GET', pattern: /^\/healthz$/, name: '/healthz', handle: () => ({ status: 'ok' }) },
    {
      method: 'GET',
      pattern: /^\/readyz$/,
      name: '/readyz',
      handle: () => {
        if (!d.isReady()) throw problems.notReady('loading or recovering state');
        return { status: 'ready', role: d.isLeader() ? 'leader' : 'standby', leader: d.leaderAddress() };
      },
    },
    { method: 'GET', pattern: /^\/openapi\.json$/, name: '/openapi.json', handle: () => d.openapi() },
    {
      method: 'GET',
      pattern: /^\/metrics$/,
      name: '/metrics',
      access: () => ({ area: 'read' }),
      handle: (_c, r) => {
        r.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
        r.end(d.metricsText());
        return RAW;
      },
    },
    {
      method: 'PUT',
      pattern: /^\/v1\/inventory$/,
      name: '/v1/inventory',
      access: () => ({ area: 'inventory', write: true }),
      bodyLimit: 256 * MB,
      write: true,
      handle: (c) => svc().loadInventory(c.body),
    },
    {
      method: 'GET',
      pattern: /^\/v1\/inventory$/,
      name: '/v1/inventory',
      access: () => ({ area: 'inventory', write: false }),
      handle: (_c, r) => {
        const text = svc().inventoryJson();
        r.writeHead(200, { 'content-type': 'application/json' });
        r.end(text);
        return RAW;
      },
    },
    { method: 'GET', pattern: /^\/v1\/inventory\/summary$/, name: '/v1/inventory/summary', access: () => ({ area: 'inventory', write: false }), handle: () => svc().inventorySummary() },
    { method: 'GET', pattern: /^\/v1\/capacity$/, name: '/v1/capacity', access: res(false), handle: (c) => svc().capacity(capacityQuery(c.query)) },
    {
      method: 'GET',
      pattern: /^\/v1\/operations$/,
      name: '/v1/operations',
      access: res(false),
      handle: (c) => svc().listOperations(oneOf(c.query, 'state', OPERATION_STATES), pageRequest(c.query)),
    },
    { method: 'GET', pattern: new RegExp(`^/v1/operations/${ID}$`), name: '/v1/operations/{id}', access: res(false), handle: (c) => svc().getOperation(c.params[0]) },
    { method: 'GET', pattern: /^\/v1\/servers$/, name: '/v1/servers', access: res(false), handle: (c) => svc().servers(pageRequest(c.query)) },
    {
      method: 'POST',
      pattern: new RegExp(`^/v1/${KINDS}$`),
      name: '/v1/{kind}',
      access: res(true),
      bodyLimit: MB,
      write: true,
      handle: async (c, r) => {
        const dryRun = bool(c.query, 'dryRun');
        const kind = kindOf(c.params);
        const s = svc();
        const result =
          kind === 'clusters'
            ? await s.createCluster(c.body, dryRun)
            : kind === 'key-policies'
              ? await s.createKeyPolicy(c.body, dryRun)
              : await s.createVolume(kind, c.body, dryRun);
        r.statusCode = result.status;
        return result.body;
      },
    },
    {
      method: 'GET',
      pattern: new RegExp(`^/v1/${KINDS}$`),
      name: '/v1/{kind}',
      access: res(false),
      handle: (c) => svc().list(kindOf(c.params), c.query.get('cluster') ?? undefined, pageRequest(c.query)),
    },
    { method: 'GET', pattern: new RegExp(`^/v1/${KINDS}/${ID}$`), name: '/v1/{kind}/{id}', access: res(false), handle: (c) => svc().get(kindOf(c.params), c.params[1]) },
    {
      method: 'PATCH',
      pattern: new RegExp(`^/v1/${KINDS}/${ID}$`),
      name: '/v1/{kind}/{id}',
      access: res(true),
      bodyLimit: MB,
      write: true,
      handle: (c) => {
        const kind = kindOf(c.params);
        const s = svc();
        if (kind === 'clusters') return s.updateCluster(c.params[1], c.body);
        if (kind === 'key-policies') return s.updateKeyPolicy(c.params[1], c.body);
        return s.updateVolume(kind, c.params[1], c.body);
      },
    },
    {
      method: 'DELETE',
      pattern: new RegExp(`^/v1/${KINDS}/${ID}$`),
      name: '/v1/{kind}/{id}',
      access: res(true),
      write: true,
      handle: async (c, r) => {
        const kind = kindOf(c.params);
        const s = svc();
        if (kind === 'clusters') await s.deleteCluster(c.params[1]);
        else if (kind === 'key-policies') await s.deleteKeyPolicy(c.params[1]);
        else await s.deleteVolume(kind, c.params[1]);
        r.statusCode = 204;
        return undefined;
      },
    },
    {
      method: 'POST',
      pattern: new RegExp(`^/v1/volumes/${ID}/purge$`),
      name: '/v1/volumes/{id}/purge',
      access: res(true),
      write: true,
      handle: async (c, r) => {
        await svc().purgeVolume(c.params[0]);
        r.statusCode = 204;
        return undefined;
      },
    },
    // Agent channel: agent tokens, each scoped to its own server.
    {
      method: 'POST',
      pattern: new RegExp(`^/v1/agents/${ID}/register$`),
      name: '/v1/agents/{server}/register',
      access: (p) => ({ area: 'agent', server: p[0] }),
      bodyLimit: 64 * 1024,
      write: true,
      handle: (c) => svc().register(c.params[0], c.body),
    },
    {
      method: 'POST',
      pattern: new RegExp(`^/v1/agents/${ID}/heartbeat$`),
      name: '/v1/agents/{server}/heartbeat',
      access: (p) => ({ area: 'agent', server: p[0] }),
      write: true,
      handle: (c, r) => {
        svc().heartbeat(c.params[0]);
        r.statusCode = 204;
        return undefined;
      },
    },
    {
      method: 'GET',
      pattern: new RegExp(`^/v1/agents/${ID}/assignments$`),
      name: '/v1/agents/{server}/assignments',
      access: (p) => ({ area: 'agent', server: p[0] }),
      handle: (c) =>
        svc().assignments(c.params[0], intParam(c.query, 'since', 0, Number.MAX_SAFE_INTEGER), intParam(c.query, 'waitSeconds', 0, 300) ?? 0),
    },
    {
      method: 'PUT',
      pattern: new RegExp(`^/v1/agents/${ID}/status/${ID}$`),
      name: '/v1/agents/{server}/status/{volumeId}',
      access: (p) => ({ area: 'agent', server: p[0] }),
      bodyLimit: 256 * 1024,
      write: true,
      handle: async (c, r) => {
        await svc().reportStatus(c.params[0], c.params[1], c.body);
        r.statusCode = 204;
        return undefined;
      },
    },
    {
      method: 'GET',
      pattern: new RegExp(`^/v1/agents/${ID}/keys/${ID}$`),
      name: '/v1/agents/{server}/keys/{volumeId}',
      access: (p) => ({ area: 'agent', server: p[0] }),
      tlsOnly: true,
      handle: (c, r) => {
        r.setHeader('cache-control', 'no-store');
        return svc().volumeKey(c.params[0], c.params[1], intParam(c.query, 'version', 1, 1_000_000));
      },
    },
    // Enclosure channel (./enclosures.ts): enclosure tokens, each scoped to its own enclosure.
    { method: 'GET', pattern: /^\/v1\/enclosures$/, name: '/v1/enclosures', access: res(false), handle: (c) => svc().enclosures.list(pageRequest(c.query)) },
    {
      method: 'POST',
      pattern: new RegExp(`^/v1/enclosures/${ID}/register$`),
      name: '/v1/enclosures/{enclosure}/register',
      access: (p) => ({ area: 'enclosure', enclosure: p[0] }),
      bodyLimit: 1 * MB,
      write: true,
      handle: (c) => svc().enclosures.register(c.params[0], c.body),
    },
    {
      method: 'POST',
      pattern: new RegExp(`^/v1/enclosures/${ID}/heartbeat$`),
      name: '/v1/enclosures/{enclosure}/heartbeat',
      access: (p) => ({ area: 'enclosure', enclosure: p[0] }),
      write: true,
      handle: (c, r) => {
        svc().enclosures.heartbeat(c.params[0]);
        r.statusCode = 204;
        return undefined;
      },
    },
    {
      method: 'GET',
      pattern: new RegExp(`^/v1/enclosures/${ID}/assignments$`),
      name: '/v1/enclosures/{enclosure}/assignments',
      access: (p) => ({ area: 'enclosure', enclosure: p[0] }),
      handle: (c) =>
        svc().enclosures.assignments(c.params[0], intParam(c.query, 'since', 0, Number.MAX_SAFE_INTEGER), intParam(c.query, 'waitSeconds', 0, 300) ?? 0),
    },
    {
      method: 'PUT',
      pattern: new RegExp(`^/v1/enclosures/${ID}/report$`),
      name: '/v1/enclosures/{enclosure}/report',
      access: (p) => ({ area: 'enclosure', enclosure: p[0] }),
      bodyLimit: 16 * MB,
      write: true,
      handle: (c, r) => {
        svc().enclosures.report(c.params[0], c.body);
        r.statusCode = 204;
        return undefined;
      },
    },
  ];
}

const RAW = Symbol('raw response already written');

/** The client went away before its request was read: not our failure (metered as 499). */
class ClientGone extends Error {}

/** Status recorded for a request whose client left before the answer (nginx's convention). */
const CLIENT_CLOSED = '499';

const tooLarge = (detail: string) => new HttpProblem(413, 'payload_too_large', detail);

/**
 * Does the client still owe body bytes? Then an answer now closes the connection rather than
 * reading (draining) a body nobody will use: a 401 or 413 costs the sender nothing more.
 */
function bodyPending(req: http.IncomingMessage): boolean {
  if (req.complete) return false;
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
}

/**
 * The body, at most `limit` bytes, within `timeoutMs` plus 1 s per MiB received. Over the limit
 * (declared or streamed) is a 413 and too slow a 408, both answered before the rest arrives.
 * `100-continue` is granted only here, after authentication and the leader check.
 */
function readBody(req: http.IncomingMessage, res: http.ServerResponse, limit: number, timeoutMs: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) return Promise.reject(tooLarge(`the body is ${declared} bytes; at most ${limit} are accepted here`));
  if (/^100-continue$/i.test(String(req.headers.expect ?? '')) && !req.complete) res.writeContinue();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const started = Date.now();
    let timer: NodeJS.Timeout | undefined;
    const settle = (err?: Error) => {
      clearTimeout(timer);
      req.off('data', onData).off('end', onEnd).off('error', onGone).off('close', onGone);
      if (err) {
        req.pause();
        reject(err);
      } else resolve(Buffer.concat(chunks, size));
    };
    const check = () => {
      const left = started + timeoutMs + (size / BODY_BYTES_PER_SECOND) * 1000 - Date.now();
      if (left > 0) timer = setTimeout(check, left);
      else settle(new HttpProblem(408, 'request_timeout', `the request body did not arrive in time (${timeoutMs} ms, plus 1 s per MiB received)`));
    };
    const onData = (c: Buffer) => {
      size += c.length;
      if (size > limit) settle(tooLarge(`the body exceeds ${limit} bytes`));
      else chunks.push(c);
    };
    const onEnd = () => settle();
    // 'error' (aborted) or 'close' before 'end': the client is gone.
    const onGone = () => settle(new ClientGone('the client closed the connection before sending its body'));
    req.on('error', () => undefined); // after settling too: an abort is not an uncaught error
    req.on('data', onData).on('end', onEnd).on('error', onGone).on('close', onGone);
    timer = setTimeout(check, timeoutMs);
  });
}

const RESERVED_KEYS = new Set([...Object.getOwnPropertyNames(Object.prototype), 'prototype']);

/**
 * Walks a parsed body without recursion. Nesting deeper than MAX_JSON_DEPTH is a 400: whatever
 * walks the value later (validation, JSON.stringify in a message) would overflow the stack.
 * Keys named like Object.prototype members (`__proto__`, `constructor`, `toString`, ...) are
 * unknown attributes (422): a lookup such as `spec.attributes[key]` finds the prototype's member
 * for them instead of nothing, so they never reach validation or the service.
 */
function checkBodyShape(body: unknown): void {
  const failures: FieldFailure[] = [];
  const stack: { value: object; depth: number; path: string }[] = [];
  const visit = (value: unknown, depth: number, path: string) => {
    if (typeof value !== 'object' || value === null) return;
    if (depth > MAX_JSON_DEPTH)
      throw new HttpProblem(400, 'json_too_deep', `the body nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels (at ${path || 'the top'}); at most ${MAX_JSON_DEPTH} are accepted`);
    stack.push({ value, depth, path });
  };
  visit(body, 1, '');
  while (stack.length > 0) {
    const { value, depth, path } = stack.pop()!;
    if (Array.isArray(value)) {
      value.forEach((v, i) => visit(v, depth + 1, `${path}[${i}]`));
      continue;
    }
    for (const [k, v] of Object.entries(value)) {
      const at = path ? `${path}.${k}` : k;
      if (RESERVED_KEYS.has(k)) failures.push({ field: at, reason: 'unknown attribute (a reserved JavaScript name, never a field)' });
      else visit(v, depth + 1, at);
    }
  }
  if (failures.length > 0) throw problems.validation(failures);
}

/** Parses a JSON body (an empty one is undefined) and checks its shape. */
function parseBody(raw: Buffer, contentType: string): unknown {
  if (raw.length === 0) return undefined;
  if (!/^application\/(merge-patch\+)?json\b/i.test(contentType) && !/^text\/plain\b/i.test(contentType))
    throw new HttpProblem(415, 'unsupported_media_type', `send application/json, not ${contentType}`);
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch (e) {
    throw new HttpProblem(400, 'malformed_json', `the body is not valid JSON: ${(e as Error).message}`);
  }
  checkBodyShape(body);
  return body;
}

function send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  if (status === 204 || body === undefined) {
    res.writeHead(status === 200 && body === undefined ? 204 : status, headers);
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function sendProblem(res: http.ServerResponse, p: HttpProblem): void {
  const headers: Record<string, string> = { 'content-type': 'application/problem+json' };
  if (p.extra.retryAfterSeconds !== undefined) headers['retry-after'] = String(p.extra.retryAfterSeconds);
  if (p.status === 401) headers['www-authenticate'] = 'Bearer realm="tessera"';
  if (res.headersSent) return;
  const text = JSON.stringify(p.toJSON());
  res.writeHead(p.status, { ...headers, 'content-length': String(Buffer.byteLength(text)) });
  res.end(text);
}

export function createHandler(d: HttpDeps): http.RequestListener {
  const routes = buildRoutes(d);
  return (req, res) => {
    const t0 = process.hrtime.bigint();
    let routeName = 'unmatched';
    let principal: Principal | undefined;
    let metered = false;
    const meter = (status: string) => {
      if (metered) return;
      metered = true;
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      const labels = { method: req.method ?? '?', route: routeName, status };
      d.requestLatency.observe(labels, seconds);
      d.requests.inc(labels);
      if (routeName !== '/healthz' && routeName !== '/readyz' && routeName !== '/metrics')
        d.log.debug('request', { ...labels, ms: Math.round(seconds * 1000), who: principal?.name });
    };
    res.on('finish', () => meter(String(res.statusCode)));
    // Closed without a complete answer: the client left (a long poll given up, a body cut short).
    res.on('close', () => meter(CLIENT_CLOSED));
    const closeIfBodyPending = () => {
      if (!res.headersSent && bodyPending(req)) res.setHeader('connection', 'close');
    };
    void (async () => {
      try {
        const url = new URL(req.url ?? '/', 'http://composer');
        const candidates = routes.filter((r) => r.pattern.test(url.pathname));
        if (candidates.length === 0) throw new HttpProblem(404, 'not_found', `no such endpoint: ${url.pathname}`);
        const route = candidates.find((r) => r.method === req.method);
        if (!route) {
          res.setHeader('allow', [...new Set(candidates.map((r) => r.method))].join(', '));
          throw new HttpProblem(405, 'method_not_allowed', `${req.method} is not allowed on ${url.pathname}`);
        }
        routeName = route.name;
        const params = (route.pattern.exec(url.pathname) ?? []).slice(1);
        // Before authentication: a key route over plain HTTP answers nothing about the token or
        // the volume (docs/api.md, "Agent channel").
        if (route.tlsOnly && !d.insecureDev && (req.socket as TLSSocket).encrypted !== true) throw problems.tlsRequired();
        if (route.access) {
          principal = d.auth.authenticate(req.headers.authorization);
          try {
            authorize(principal, route.access(params));
          } catch (e) {
            if (route.name === '/v1/agents/{server}/keys/{volumeId}')
              d.log.warn('key request refused', { who: principal.name, role: principal.role, server: params[0], volumeId: params[1], reason: (e as Error).message });
            throw e;
          }
        }
        if (route.write && !d.isLeader()) throw problems.notLeader(d.leaderAddress());
        let body: unknown;
        if (route.bodyLimit) {
          const raw = await readBody(req, res, route.bodyLimit, d.limits.requestTimeoutMs);
          body = parseBody(raw, String(req.headers['content-type'] ?? 'application/json'));
        } else {
          closeIfBodyPending();
          req.resume();
        }
        const ctx: RequestContext = { principal, params, query: url.searchParams, body };
        let result: unknown;
        try {
          result = await route.handle(ctx, res);
        } catch (e) {
          if (route.name === '/v1/agents/{server}/keys/{volumeId}' && e instanceof HttpProblem && e.status === 403)
            d.log.warn('key request refused', { who: principal?.name, role: principal?.role, server: params[0], volumeId: params[1], reason: e.detail });
          throw e;
        }
        if (result === RAW) return;
        send(res, res.statusCode && res.statusCode !== 200 ? res.statusCode : 200, result);
      } catch (e) {
        if (e instanceof ClientGone) return; // metered as 499 when the response closes
        closeIfBodyPending();
        if (e instanceof HttpProblem) {
          sendProblem(res, e);
          return;
        }
        d.log.error('internal error', { route: routeName, error: (e as Error).message, stack: (e as Error).stack?.split('\n').slice(0, 4).join(' | ') });
        sendProblem(res, new HttpProblem(500, 'internal', 'internal error; see the composer log'));
      }
    })();
  };
}

/** A problem+json answer written straight to a socket the HTTP parser gave up on. */
function rawProblem(p: HttpProblem): string {
  const text = JSON.stringify(p.toJSON());
  return `HTTP/1.1 ${p.status} ${p.toJSON().title}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`;
}

/**
 * The composer's HTTP(S) server: the handler, plus the limits that keep slow or idle clients
 * from holding sockets (docs/api.md "Limits and timeouts"). Headers are timed by node itself;
 * bodies by readBody (node's requestTimeout would also cut long polls and large uploads).
 */
export function createServer(d: HttpDeps, tls?: { cert: Buffer; key: Buffer }): http.Server {
  const l = d.limits;
  const handler = createHandler(d);
  const options: http.ServerOptions = {
    headersTimeout: l.headersTimeoutMs,
    requestTimeout: 0,
    keepAliveTimeout: l.keepAliveTimeoutMs,
    // node looks for expired headers this often (its default, 30 s, would stretch a 10 s limit)
    connectionsCheckingInterval: Math.min(1000, Math.max(50, Math.floor(l.headersTimeoutMs / 5))),
  };
  const server = tls ? https.createServer({ ...options, ...tls }, handler) : http.createServer(options, handler);
  server.maxConnections = l.maxConnections;
  // Without this listener node answers `100 Continue` itself, inviting the body before the
  // token is checked; readBody grants it once the request may send one.
  server.on('checkContinue', handler);
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const p =
      err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? new HttpProblem(408, 'request_timeout', `the request headers did not arrive within ${l.headersTimeoutMs} ms`)
        : err.code === 'HPE_HEADER_OVERFLOW'
          ? new HttpProblem(431, 'headers_too_large', 'the request headers are too large')
          : err.code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW'
            ? tooLarge('the chunk extensions are too large')
            : problems.badRequest(`malformed HTTP request (${err.code ?? 'parse error'})`);
    // As node does without a listener: the answer is small, written at once, then the socket goes.
    socket.write(rawProblem(p));
    socket.destroy();
  });
  return server;
}
