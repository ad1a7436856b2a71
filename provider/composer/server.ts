// The composer's HTTP layer on node:http(s): routing, bearer auth and roles, JSON bodies with
// size limits, problem+json errors, access logs (never headers), request metrics.
import * as http from 'node:http';
import type { ResourceKind } from '../api/contract';
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

interface Route {
  method: string;
  pattern: RegExp;
  /** Route template for logs and metrics (no ids). */
  name: string;
  /** undefined = no authentication. */
  access?: (params: string[]) => Access;
  /** Body limit in bytes (0 = no body). */
  bodyLimit?: number;
  write?: boolean;
  handle(ctx: RequestContext, res: http.ServerResponse): Promise<unknown> | unknown;
}

const KINDS = '(clusters|volumes|slices|key-policies)';
const ID = '([A-Za-z0-9._-]{1,128})';
const MB = 1024 * 1024;

export interface HttpDeps {
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
}

const bool = (q: URLSearchParams, name: string) => {
  const v = q.get(name);
  if (v === null) return false;
  if (v === 'true' || v === '1' || v === '') return true;
  if (v === 'false' || v === '0') return false;
  throw problems.field(name, `must be true or false, got ${JSON.stringify(v)}`);
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
      handle: (c) => svc().listOperations(c.query.get('state') ?? undefined, pageRequest(c.query)),
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
      handle: (c, r) => {
        r.setHeader('cache-control', 'no-store');
        return svc().volumeKey(c.params[0], c.params[1], intParam(c.query, 'version', 1, 1_000_000));
      },
    },
  ];
}

const RAW = Symbol('raw response already written');

function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) {
      reject(new HttpProblem(413, 'payload_too_large', `the body is ${declared} bytes; at most ${limit} are accepted here`));
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new HttpProblem(413, 'payload_too_large', `the body exceeds ${limit} bytes`));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
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
    const finish = () => {
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      const labels = { method: req.method ?? '?', route: routeName, status: String(res.statusCode) };
      d.requestLatency.observe(labels, seconds);
      d.requests.inc(labels);
      if (routeName !== '/healthz' && routeName !== '/readyz' && routeName !== '/metrics')
        d.log.debug('request', { ...labels, ms: Math.round(seconds * 1000), who: principal?.name });
    };
    res.on('finish', finish);
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
          const raw = await readBody(req, route.bodyLimit);
          const ct = String(req.headers['content-type'] ?? 'application/json');
          if (raw.length > 0 && !/^application\/(merge-patch\+)?json\b/i.test(ct) && !/^text\/plain\b/i.test(ct))
            throw new HttpProblem(415, 'unsupported_media_type', `send application/json, not ${ct}`);
          if (raw.length === 0) body = undefined;
          else {
            try {
              body = JSON.parse(raw.toString('utf8'));
            } catch (e) {
              throw new HttpProblem(400, 'malformed_json', `the body is not valid JSON: ${(e as Error).message}`);
            }
          }
        } else req.resume();
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
