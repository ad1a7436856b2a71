// The one HTTP transport to the composer's REST API (/v1), under every client facade (resources:
// provider/client/resources.ts; agent channel: provider/client/agent.ts). It trusts a private CA
// and presents a client certificate when configured; retries with jittered exponential back-off on
// connection errors and on answers that say "not now" (502/503/504, 429 with Retry-After); follows
// the leader a standby names, but only to a configured endpoint and never from https to http
// (docs/api.md, "Clients: retries and leader following"), so a leader change or a composer restart
// never fails a `pulumi up` or an agent; and turns problem+json answers into ComposerError.
import * as http from 'node:http';
import * as https from 'node:https';
import * as tls from 'node:tls';
import { API_VERSION, API_VERSION_HEADER, COMPOSER_ID_HEADER } from '../api/contract';
import { VERSION } from '../version';
import { endpointKey, leaderToFollow, parseEndpoints } from './endpoints';
import { CLIENT_CODES, ComposerError, REQUEST_ID_HEADER, namedLeader, newRequestId, problemToError, withRequestId } from './errors';
import { countedStream, type UploadBody } from './upload';

export interface RetryPolicy {
  /** Attempts per request, the first included. */
  attempts: number;
  /** Back-off before the second attempt; doubles per attempt up to maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
}

/** About 30 s of retrying in all: more than a leader failover takes (docs/api.md, "HA"). */
export const DEFAULT_RETRY: RetryPolicy = { attempts: 10, baseDelayMs: 200, maxDelayMs: 5000 };

export interface ConnectionConfig {
  /** Composer URL, e.g. http://127.0.0.1:7420, or several HA replicas separated by commas. */
  endpoint: string;
  /** Bearer token. Sent only to the configured endpoints; never logged. */
  token: string;
  /** Retries with back-off on connection errors, 502/503/504 and 429 with Retry-After before giving up. */
  retry?: RetryPolicy;
  /** PEM certificate(s) of a private CA trusted for https endpoints, besides the system roots. */
  ca?: string;
  /** PEM client certificate and its private key, presented to https endpoints that ask for one. */
  cert?: string;
  key?: string;
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | string[] | undefined>;
  body?: unknown;
  /** Statuses that are answers, not errors (e.g. 404 for read). */
  accept?: number[];
  /** Override the configured number of attempts (e.g. 2 for an optional plan-time check). */
  attempts?: number;
  /** A large body streamed with progress; re-opened for every attempt. Replaces `body`. */
  upload?: UploadBody;
  /** The X-Request-Id to send (default: a new `tc-` id per call, the same on every retry). */
  requestId?: string;
  /** Per-attempt timeout (default 30 s). */
  timeoutMs?: number;
  /** Aborts the request (e.g. an agent's long poll when it stops); an aborted request is not retried. */
  signal?: AbortSignal;
}

export type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

/** One HTTP answer as read off the socket: status, lower-cased headers, the body parsed when it is JSON. */
interface HttpAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** Parsed JSON; the text when it does not parse; '' for an empty body. */
  data: unknown;
}

/** Default per-attempt timeout: a composer that accepted the connection but does not answer. */
const DEFAULT_TIMEOUT_MS = 30_000;

/** A failed attempt that never got an answer, with the socket-level code (ECONNREFUSED, ...). */
class AttemptError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

/** The body as sent: JSON text for anything but a string (what the composer reads). */
function encodeBody(body: unknown): Buffer | undefined {
  if (body === undefined) return undefined;
  return Buffer.from(typeof body === 'string' ? body : JSON.stringify(body), 'utf8');
}

/** JSON when it parses (whatever the content type says), else the text. */
function decodeBody(text: string): unknown {
  if (text === '') return '';
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export interface ComposerResponse<T> {
  status: number;
  data: T;
  /** The answering composer's identity (COMPOSER_ID_HEADER); absent from composers before it. */
  composerId?: string;
}

/** Connection-level failures worth retrying: the composer is restarting or changing leader. */
const RETRYABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ECONNABORTED', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ERR_SOCKET_CONNECTION_TIMEOUT']);

/** Sockets per composer and client: a thousand simulated agents in one process share them. */
const MAX_SOCKETS = 64;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * The back-off before attempt `attempt + 1`: the exponential step min(max, base * 2^attempt),
 * of which the upper half is random. Clients that lost the same composer at the same moment (a
 * thousand agents when the leader dies) then come back spread over time instead of together.
 */
export function backoffMs(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return Math.round(step / 2 + (random() * step) / 2);
}

/** Retry-After is seconds or an HTTP date. */
export function retryAfterMs(header: unknown, now = Date.now()): number | undefined {
  if (typeof header !== 'string' || header.trim() === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(header.trim())) return Math.round(Number(header) * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * How long to wait before sending a request again after this answer, or undefined when it must
 * not be sent again. Only answers that mean "not now, try again" are retried: 502/503/504 (a
 * replica restarting, electing, or a proxy without a backend), and 429 when it says when
 * (Retry-After). Everything else is the composer's answer about the request itself — any 4xx
 * (e.g. 409/422 insufficient_capacity), 507, 500 — and repeating it would only repeat the answer
 * (docs/api.md, "Clients: retries and leader following").
 */
export function retryDelayMs(status: number, retryAfter: unknown, backoff: number, maxDelayMs: number): number | undefined {
  const after = retryAfterMs(retryAfter);
  if (status === 429) return after === undefined ? undefined : Math.min(maxDelayMs, after);
  if (status === 502 || status === 503 || status === 504) return Math.min(maxDelayMs, after ?? backoff);
  return undefined;
}

/** Query strings the composer understands: lists as comma-separated values. */
export function encodeQuery(query: RequestOptions['query']): string {
  if (!query) return '';
  const parts: string[] = [];
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined) continue;
    const s = Array.isArray(v) ? v.join(',') : String(v);
    if (Array.isArray(v) && v.length === 0) continue;
    parts.push(`${encodeURIComponent(k)}=${encodeURIComponent(s)}`);
  }
  return parts.length ? `?${parts.join('&')}` : '';
}

export class Transport {
  private baseURL: string;
  /** The configured replicas: the only addresses requests (and so the token) go to. */
  private readonly known: string[];
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;
  private readonly retry: RetryPolicy;

  /** `known` overrides the parsing of `config.endpoint` (a facade that checked them itself). */
  constructor(
    private readonly config: ConnectionConfig,
    known?: string[],
  ) {
    this.known = known ?? parseEndpoints(config.endpoint);
    this.baseURL = this.known[0];
    this.retry = { ...DEFAULT_RETRY, ...(config.retry ?? {}) };
    this.httpAgent = new http.Agent({ keepAlive: true, maxSockets: MAX_SOCKETS });
    // A private CA (and a client certificate) belong to this client's own agent only: no
    // process-wide state.
    this.httpsAgent = new https.Agent({
      keepAlive: true,
      maxSockets: MAX_SOCKETS,
      ca: config.ca ? [...tls.rootCertificates, config.ca] : undefined,
      cert: config.cert,
      key: config.key,
    });
  }

  /**
   * One attempt on node:http directly (no proxy from the environment, no redirect followed: the
   * composer is addressed directly and a redirect is an answer). Every status is an answer; the
   * caller decides what is an error. Rejects with an AttemptError carrying the socket's code when
   * there is no answer: ETIMEDOUT after `timeoutMs` without one, ERR_CANCELED when aborted.
   */
  private send(method: Method, url: string, headers: Record<string, string>, body: Buffer | undefined, opts: RequestOptions): Promise<HttpAnswer> {
    return new Promise((resolve, reject) => {
      if (opts.signal?.aborted) return reject(new AttemptError('the request was aborted', 'ERR_CANCELED'));
      const target = new URL(url);
      const secure = target.protocol === 'https:';
      const all: http.OutgoingHttpHeaders = { accept: 'application/json, application/problem+json', ...headers };
      if (body) {
        all['content-type'] = 'application/json';
        all['content-length'] = body.length;
      }
      const req = (secure ? https : http).request(target, { method, headers: all, agent: secure ? this.httpsAgent : this.httpAgent, timeout: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS, signal: opts.signal });
      let settled = false;
      const fail = (e: AttemptError) => {
        if (settled) return;
        settled = true;
        req.destroy();
        reject(e);
      };
      req.on('timeout', () => fail(new AttemptError(`no answer within ${opts.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms`, 'ETIMEDOUT')));
      req.on('error', (e: NodeJS.ErrnoException) => fail(opts.signal?.aborted ? new AttemptError('the request was aborted', 'ERR_CANCELED') : new AttemptError(e.message, e.code ?? 'ERR_REQUEST')));
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('error', (e: NodeJS.ErrnoException) => fail(new AttemptError(e.message, e.code ?? 'ECONNRESET')));
        res.on('aborted', () => fail(new AttemptError('the answer was cut off', 'ECONNRESET')));
        res.on('end', () => {
          if (settled) return;
          settled = true;
          resolve({ status: res.statusCode ?? 0, headers: res.headers, data: decodeBody(Buffer.concat(chunks).toString('utf8')) });
        });
      });
      if (opts.upload) {
        const stream = countedStream(opts.upload);
        stream.on('error', (e: NodeJS.ErrnoException) => fail(new AttemptError(`reading the upload: ${e.message}`, e.code ?? 'ERR_UPLOAD')));
        stream.pipe(req);
      } else {
        req.end(body);
      }
    });
  }

  /** The endpoint requests go to now (the leader once a standby has named it). */
  get endpoint(): string {
    return this.baseURL;
  }

  /** After a connection failure, try the next known replica (a dead leader's standby takes over). */
  private rotate(): void {
    if (this.known.length < 2) return;
    const i = this.known.indexOf(this.baseURL);
    this.baseURL = this.known[(i + 1) % this.known.length];
  }

  async request<T>(method: Method, path: string, opts: RequestOptions = {}): Promise<ComposerResponse<T>> {
    const url = path + encodeQuery(opts.query);
    let lastError: unknown;
    /** Configured endpoints whose not_leader answer named a leader that is not followed. */
    const refusedBy = new Set<string>();
    const attempts = Math.max(1, opts.attempts ?? this.retry.attempts);
    // One id for every attempt of this call: the composer logs it on each request line, and every
    // error below names it, so a failure (a CI run's) can be found in the composer's log.
    const requestId = opts.requestId ?? newRequestId();
    const tagged = (e: ComposerError): ComposerError => withRequestId(e, requestId);
    for (let attempt = 0; attempt < attempts; attempt++) {
      const backoff = backoffMs(attempt, this.retry);
      let res: HttpAnswer;
      try {
        const headers: Record<string, string> = { [REQUEST_ID_HEADER]: requestId, ...(this.config.token ? { authorization: `Bearer ${this.config.token}` } : {}) };
        if (opts.upload) {
          // Streamed as-is, re-opened for every attempt: no buffering, no body size cap.
          headers['content-type'] = opts.upload.contentType ?? 'application/json';
          headers['content-length'] = String(opts.upload.length);
        }
        res = await this.send(method, this.baseURL + url, headers, opts.upload ? undefined : encodeBody(opts.body), opts);
      } catch (err) {
        const e = err as AttemptError;
        if (e.code && RETRYABLE_CODES.has(e.code) && !opts.signal?.aborted) {
          lastError = tagged(new ComposerError(`${method} ${path}: cannot reach the composer at ${this.baseURL} (${e.code})`, 0, CLIENT_CODES.unreachable));
          this.rotate();
          await sleep(backoff);
          continue;
        }
        // The message is the socket's or ours: it never holds the request's headers (the token).
        throw tagged(new ComposerError(`${method} ${path}: ${e.code ?? 'request failed'}: ${e.message}`, 0, e.code ?? CLIENT_CODES.requestFailed));
      }
      // A composer of another API version: refuse before reading its answer (docs/install.md).
      const api = res.headers?.[API_VERSION_HEADER];
      if (typeof api === 'string' && api !== String(API_VERSION)) {
        throw new ComposerError(
          `${method} ${path}: the composer at ${this.baseURL} speaks Tessera API version ${api}, this client (Tessera ${VERSION}) speaks version ${API_VERSION}: install the provider or SDK release that matches the composer`,
          0,
          CLIENT_CODES.incompatibleApi,
        );
      }
      if ((res.status >= 200 && res.status < 300) || opts.accept?.includes(res.status)) {
        const id = res.headers?.[COMPOSER_ID_HEADER];
        return { status: res.status, data: res.data as T, ...(typeof id === 'string' && id ? { composerId: id } : {}) };
      }
      const leader = namedLeader(res.status, res.data);
      if (leader !== undefined && endpointKey(leader) !== endpointKey(this.baseURL)) {
        const verdict = leaderToFollow(this.baseURL, leader, this.known);
        if ('follow' in verdict) {
          // Follow the leader right away; the standby told us where it is.
          this.baseURL = verdict.follow;
          lastError = tagged(problemToError(method, path, res));
          if (attempt > 0) await sleep(Math.min(backoff, 250));
          continue;
        }
        // Not followed. Another configured replica may be the leader under the name it is
        // configured by (an advertise URL can differ from it): try those (none over plain http
        // after https) before giving up.
        const why = `${method} ${path}: the standby at ${this.baseURL} names ${leader} as the leader; not followed: ${verdict.refused}`;
        refusedBy.add(this.baseURL);
        const next = this.known.find((e) => !refusedBy.has(e) && !(this.baseURL.startsWith('https:') && !e.startsWith('https:')));
        if (!next) throw tagged(new ComposerError(why, 503, CLIENT_CODES.leaderNotFollowed));
        lastError = tagged(new ComposerError(why, 503, CLIENT_CODES.leaderNotFollowed));
        this.baseURL = next;
        continue;
      }
      const delay = retryDelayMs(res.status, res.headers?.['retry-after'], backoff, this.retry.maxDelayMs);
      if (delay === undefined) throw tagged(problemToError(method, path, res));
      lastError = tagged(problemToError(method, path, res));
      await sleep(delay);
    }
    throw lastError instanceof Error ? lastError : tagged(new ComposerError(`${method} ${path}: gave up`, 0, CLIENT_CODES.unreachable));
  }
}
