// The composer's HTTP layer on node:http(s): the server and its connection limits and timeouts,
// routing, bearer auth and roles, JSON bodies with size and depth limits, problem+json errors,
// access logs (never headers), request metrics; the volume-key route only over TLS. The routes,
// their access, limits and query parameters are provider/api/wire.json's (generated ROUTES,
// docs/wire-format.md); this module gives each its handler.
import * as crypto from 'node:crypto';
import * as http from 'node:http';
import * as https from 'node:https';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { API_VERSION, API_VERSION_HEADER, COMPOSER_ID_HEADER, PATH_PARAM_PATTERN, PROBLEM, ROUTES, type ResourceKind, type RouteId, type RouteQueries, type RouteResponses, type RouteSpec } from '../api/contract';
import { parseQuery } from '../api/validate';
import { CAPACITY_QUERY, type DataSourceType, type FieldFailure } from '../schema';
import { Access, Authenticator, authorize, Principal } from './auth';
import { type Caller, callerOf } from './callers';
import type { Logger } from './log';
import { Counter, Histogram } from './metrics';
import { pageRequest, type PageRequest } from './paging';
import { HttpProblem, problems } from './problem';
import type { ComposerService } from './service';
import { isUiPath, serveUi } from './ui';

export interface RequestContext {
  principal?: Principal;
  /** The authenticated caller (token id, role, scope, request id); absent on unauthenticated routes. */
  caller?: Caller;
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

/** What an id or server name in a path may be (provider/api/wire.json `pathParams`). */
export const ID_PATTERN = PATH_PARAM_PATTERN;

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
  metricsText: () => Promise<string>;
  openapi: () => unknown;
  requestLatency: Histogram;
  requests: Counter;
  isLeader: () => boolean;
  leaderAddress: () => string | undefined;
  isReady: () => boolean;
  /** Serve tlsOnly routes (volume keys) over plain HTTP too: development labs only. */
  insecureDev?: boolean;
  /** The composer identity (created with the store), sent on every answer. */
  identity: string;
}

/** The query-parameter types of each data source a route reads its query from (kinds registry). */
const DATA_SOURCE_QUERIES: Readonly<Partial<Record<DataSourceType, Readonly<Partial<Record<string, 'string' | 'integer' | 'boolean' | 'list'>>>>>> = {
  tessera_capacity: CAPACITY_QUERY,
};

/** The query-parameter types of a route's `queryFrom` (a route table naming another is a bug, found at start-up). */
function queryTypes(type: string): Readonly<Partial<Record<string, 'string' | 'integer' | 'boolean' | 'list'>>> {
  const types = Object.hasOwn(DATA_SOURCE_QUERIES, type) ? DATA_SOURCE_QUERIES[type as DataSourceType] : undefined;
  if (!types) throw new Error(`no query-parameter types for data source ${type}`);
  return types;
}

/**
 * A data source's query string -> typed input for schema validation, by the registry's
 * query-parameter types (lists comma-separated). Values of the wrong shape stay strings, so the
 * schema validator names them; unknown names and outputs pass through for it to refuse.
 */
export function dataSourceQuery(type: string, q: URLSearchParams): Record<string, unknown> {
  const types = queryTypes(type);
  const out: Record<string, unknown> = {};
  for (const [k, v] of q) {
    const t = Object.hasOwn(types, k) ? types[k] : undefined;
    if (t === 'integer') out[k] = /^-?\d+$/.test(v) ? Number(v) : v;
    else if (t === 'boolean') out[k] = v === 'true' ? true : v === 'false' ? false : v;
    else if (t === 'list') out[k] = v === '' ? [] : v.split(',');
    else out[k] = v;
  }
  return out;
}

const RAW = Symbol('raw response already written');
type Raw = typeof RAW;

/** What a route's handler gets: the request, with its query parsed as wire.json declares it. */
interface HandlerContext<Q> extends RequestContext {
  q: Q;
  /** `limit` and `cursor` of a paged route. */
  page: PageRequest;
}
/** Each route's handler: its parsed query in, its described success body (or RAW, written already) out. */
type Handlers = { [K in RouteId]: (c: HandlerContext<RouteQueries[K]>, res: http.ServerResponse) => Promise<RouteResponses[K] | Raw> | RouteResponses[K] | Raw };

/** The access a route needs, from its description. */
function accessOf(spec: RouteSpec): ((params: string[]) => Access) | undefined {
  const server = spec.params.indexOf('server');
  const enclosure = spec.params.indexOf('enclosure');
  switch (spec.auth) {
    case 'none':
      return undefined;
    case 'read':
      return () => ({ area: 'read' });
    case 'inventory':
    case 'resources':
      return () => ({ area: spec.auth as 'inventory' | 'resources', write: spec.write });
    case 'agent':
      return (p) => ({ area: 'agent', server: p[server] });
    case 'enclosure':
      return (p) => ({ area: 'enclosure', enclosure: p[enclosure] });
  }
}

/** Parses the query as the route declares it (the first bad parameter is a 422 naming it), then runs the handler. */
function routeOf(spec: RouteSpec, handle: Handlers[RouteId]): Route {
  if (spec.queryFrom) queryTypes(spec.queryFrom);
  return {
    method: spec.method,
    pattern: new RegExp(spec.pattern),
    name: spec.name,
    access: accessOf(spec),
    bodyLimit: spec.bodyLimit || undefined,
    write: spec.write || undefined,
    tlsOnly: spec.tlsOnly || undefined,
    handle: (c, res) => {
      const parsed = parseQuery(spec.query, c.query);
      if (parsed.failures.length > 0) throw problems.validation(parsed.failures.slice(0, 1));
      const q = spec.queryFrom ? dataSourceQuery(spec.queryFrom, c.query) : parsed.value;
      const page = spec.paged ? pageRequest(c.query) : { limit: 0 };
      return (handle as (c: HandlerContext<unknown>, res: http.ServerResponse) => unknown)({ ...c, q, page }, res);
    },
  };
}

/** The caller of an authenticated route (every route that reaches the service has one). */
function who(c: RequestContext): Caller {
  if (!c.caller) throw problems.unauthorized();
  return c.caller;
}

/** A client's `x-request-id` is kept when it is short and plain; otherwise the composer makes one. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
export function requestIdOf(header: string | string[] | undefined): string {
  return typeof header === 'string' && REQUEST_ID.test(header) ? header : `req-${crypto.randomBytes(8).toString('hex')}`;
}

/** The route table: every route of wire.json (generated ROUTES) with its handler. */
export function buildRoutes(d: HttpDeps): Route[] {
  const svc = d.service;
  const kindOf = (p: string[]) => p[0] as ResourceKind;
  const noContent = (r: http.ServerResponse) => {
    r.statusCode = 204;
    return undefined;
  };
  const handlers: Handlers = {
    healthz: () => ({ status: 'ok' }),
    readyz: () => {
      if (!d.isReady()) throw problems.notReady('loading or recovering state');
      return { status: 'ready', role: d.isLeader() ? 'leader' : 'standby', leader: d.leaderAddress() };
    },
    openapi: () => d.openapi(),
    metrics: async (_c, r) => {
      const text = await d.metricsText();
      r.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
      r.end(text);
      return RAW;
    },
    loadInventory: (c) => svc().loadInventory(c.body, who(c)),
    getInventory: (_c, r) => {
      const text = svc().inventoryJson();
      r.writeHead(200, { 'content-type': 'application/json' });
      r.end(text);
      return RAW;
    },
    inventorySummary: () => svc().inventorySummary(),
    capacity: (c) => svc().capacity(c.q, who(c)),
    feasibility: (c) => svc().feasibility(c.body),
    listOperations: (c) => svc().listOperations({ state: c.q.state, by: c.q.by, owner: c.q.owner }, c.page, who(c)),
    getOperation: (c) => svc().getOperation(c.params[0], who(c)),
    listServers: (c) => svc().servers(c.page, who(c)),
    createResource: async (c, r) => {
      const kind = kindOf(c.params);
      const s = svc();
      const opts = { dryRun: c.q.dryRun, adopt: c.q.adopt };
      const result =
        kind === 'clusters'
          ? await s.createCluster(c.body, opts, who(c))
          : kind === 'key-policies'
            ? await s.createKeyPolicy(c.body, opts, who(c))
            : await s.createVolume(kind, c.body, opts, who(c));
      r.statusCode = result.status;
      return result.body;
    },
    listResources: (c) => svc().list(kindOf(c.params), c.q.cluster, c.page, who(c)),
    getResource: (c) => svc().get(kindOf(c.params), c.params[1], who(c)),
    updateResource: (c) => {
      const kind = kindOf(c.params);
      const s = svc();
      if (kind === 'clusters') return s.updateCluster(c.params[1], c.body, who(c));
      if (kind === 'key-policies') return s.updateKeyPolicy(c.params[1], c.body, who(c), c.q.adopt);
      return s.updateVolume(kind, c.params[1], c.body, who(c));
    },
    deleteResource: async (c, r) => {
      const kind = kindOf(c.params);
      const s = svc();
      if (kind === 'clusters') await s.deleteCluster(c.params[1], c.q.owner, who(c));
      else if (kind === 'key-policies') await s.deleteKeyPolicy(c.params[1], c.q.owner, who(c));
      else await s.deleteVolume(kind, c.params[1], c.q.owner, who(c));
      return noContent(r);
    },
    purgeVolume: async (c, r) => {
      await svc().purgeVolume(c.params[0], c.q.owner, who(c));
      return noContent(r);
    },
    rebuildVolume: (c) => svc().rebuildVolume(c.params[0], who(c)),
    listDrives: (c) => svc().drives(c.page),
    poolSummary: (c) => svc().poolSummary(who(c)),
    listPoolDrives: (c) => svc().poolDrives({ storageGroup: c.q.storageGroup, enclosure: c.q.enclosure, search: c.q.search }, c.page, who(c)),
    drainDrive: (c) => svc().drainDrive(c.params[0]),
    removeDrive: (c) => svc().removeDrive(c.params[0]),
    drainEnclosure: (c) => svc().drainEnclosure(c.params[0]),
    // Agent channel: agent tokens, each scoped to its own server.
    agentRegister: (c) => svc().register(c.params[0], c.body),
    agentHeartbeat: (c, r) => {
      svc().heartbeat(c.params[0]);
      return noContent(r);
    },
    agentAssignments: (c) => svc().assignments(c.params[0], c.q.since, c.q.waitSeconds),
    agentStatus: async (c, r) => {
      await svc().reportStatus(c.params[0], c.params[1], c.body);
      return noContent(r);
    },
    agentVolumeKey: (c, r) => {
      r.setHeader('cache-control', 'no-store');
      return svc().volumeKey(c.params[0], c.params[1], c.q.version);
    },
    // Enclosure channel (./channels/enclosure.ts): enclosure tokens, each scoped to its own enclosure.
    listEnclosures: (c) => svc().enclosures(c.page),
    enclosureRegister: (c) => svc().enclosureRegister(c.params[0], c.body),
    enclosureHeartbeat: (c, r) => {
      svc().enclosureHeartbeat(c.params[0]);
      return noContent(r);
    },
    enclosureAssignments: (c) => svc().enclosureAssignments(c.params[0], c.q.since, c.q.waitSeconds),
    enclosureReport: async (c, r) => {
      await svc().enclosureReport(c.params[0], c.body);
      return noContent(r);
    },
  };
  return ROUTES.map((spec) => routeOf(spec, handlers[spec.id]));
}


/** The client went away before its request was read: not our failure (metered as 499). */
class ClientGone extends Error {}

/** Status recorded for a request whose client left before the answer (nginx's convention). */
const CLIENT_CLOSED = '499';

const tooLarge = (detail: string) => new HttpProblem(413, PROBLEM.payloadTooLarge, detail);

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
      else settle(new HttpProblem(408, PROBLEM.requestTimeout, `the request body did not arrive in time (${timeoutMs} ms, plus 1 s per MiB received)`));
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
      throw new HttpProblem(400, PROBLEM.jsonTooDeep, `the body nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels (at ${path || 'the top'}); at most ${MAX_JSON_DEPTH} are accepted`);
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
    throw new HttpProblem(415, PROBLEM.unsupportedMediaType, `send application/json, not ${contentType}`);
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch (e) {
    throw new HttpProblem(400, PROBLEM.malformedJson, `the body is not valid JSON: ${(e as Error).message}`);
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
    // Every answer names its request; logs and journal entries carry the same id (docs/api.md "Audit").
    const requestId = requestIdOf(req.headers['x-request-id']);
    res.setHeader('x-request-id', requestId);
    let metered = false;
    const meter = (status: string) => {
      if (metered) return;
      metered = true;
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      const labels = { method: req.method ?? '?', route: routeName, status };
      d.requestLatency.observe(labels, seconds);
      d.requests.inc(labels);
      // One JSON line per request with its id (the one the provider sends and shows in its
      // errors, docs/api.md "Request ids and logs"); the caller by token id only, never a header.
      if (routeName !== '/healthz' && routeName !== '/readyz' && routeName !== '/metrics')
        d.log.info('request', { ...labels, ms: Math.round(seconds * 1000), who: principal?.name, requestId });
    };
    res.setHeader(COMPOSER_ID_HEADER, d.identity);
    res.setHeader(API_VERSION_HEADER, String(API_VERSION));
    res.on('finish', () => meter(String(res.statusCode)));
    // Closed without a complete answer: the client left (a long poll given up, a body cut short).
    res.on('close', () => meter(CLIENT_CLOSED));
    const closeIfBodyPending = () => {
      if (!res.headersSent && bodyPending(req)) res.setHeader('connection', 'close');
    };
    void (async () => {
      try {
        const url = new URL(req.url ?? '/', 'http://composer');
        if (isUiPath(url.pathname)) {
          routeName = '/ui';
          req.resume();
          await serveUi(req, res, url.pathname);
          return;
        }
        const candidates = routes.filter((r) => r.pattern.test(url.pathname));
        if (candidates.length === 0) throw new HttpProblem(404, PROBLEM.notFound, `no such endpoint: ${url.pathname}`);
        const route = candidates.find((r) => r.method === req.method);
        if (!route) {
          res.setHeader('allow', [...new Set(candidates.map((r) => r.method))].join(', '));
          throw new HttpProblem(405, PROBLEM.methodNotAllowed, `${req.method} is not allowed on ${url.pathname}`);
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
        const ctx: RequestContext = { principal, caller: principal ? callerOf(principal, requestId) : undefined, params, query: url.searchParams, body };
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
        sendProblem(res, new HttpProblem(500, PROBLEM.internal, 'internal error; see the composer log'));
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
        ? new HttpProblem(408, PROBLEM.requestTimeout, `the request headers did not arrive within ${l.headersTimeoutMs} ms`)
        : err.code === 'HPE_HEADER_OVERFLOW'
          ? new HttpProblem(431, PROBLEM.headersTooLarge, 'the request headers are too large')
          : err.code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW'
            ? tooLarge('the chunk extensions are too large')
            : problems.badRequest(`malformed HTTP request (${err.code ?? 'parse error'})`);
    // As node does without a listener: the answer is small, written at once, then the socket goes.
    socket.write(rawProblem(p));
    socket.destroy();
  });
  return server;
}
