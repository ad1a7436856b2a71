// HTTP client for the composer's REST API (/v1), shared by the resource handlers of both
// providers and by the agent (provider/agent/client.ts). Retries with exponential back-off on
// connection errors and on answers that say "not now" (502/503/504, 429 with Retry-After), and
// follows the leader a standby names on not_leader — but only to a configured endpoint and never
// from https to http (docs/api.md, "Clients: retries and leader following") — so a leader change
// or a composer restart never fails a `pulumi up`. problem+json answers become ComposerError.
import * as http from 'node:http';
import * as https from 'node:https';
import { Readable, Transform } from 'node:stream';
import * as tls from 'node:tls';
import axios, { AxiosError, AxiosInstance, AxiosRequestConfig, AxiosResponse } from 'axios';
import { PROBLEM, type ListPage } from '../api/contract';
import { ComposerError, ConnectionConfig } from './types';

/** About 30 s of retrying in all: more than a leader failover takes (DESIGN: within 5 s). */
export const DEFAULT_RETRY = { attempts: 10, baseDelayMs: 200, maxDelayMs: 5000 };

/** Connection-level failures worth retrying: the composer is restarting or changing leader. */
const RETRYABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ECONNABORTED', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ERR_SOCKET_CONNECTION_TIMEOUT']);

export interface RequestOptions {
  query?: Record<string, string | number | boolean | string[] | undefined>;
  body?: unknown;
  /** Statuses that are answers, not errors (e.g. 404 for read). */
  accept?: number[];
  /** Override the configured number of attempts (e.g. 2 for an optional plan-time check). */
  attempts?: number;
  /** A large body streamed with progress; re-opened for every attempt. Replaces `body`. */
  upload?: UploadBody;
  /** Per-attempt timeout (default 30 s). */
  timeoutMs?: number;
  /** Aborts the request (e.g. an agent's long poll when it stops); an aborted request is not retried. */
  signal?: AbortSignal;
}

export interface UploadBody {
  /** Exact byte length of what open() yields (sent as content-length). */
  length: number;
  /** A fresh stream of the body, called once per attempt. */
  open: () => Readable;
  contentType?: string;
  /** Called with 0 when an attempt starts, then as chunks are handed to the socket. */
  onProgress?: (sentBytes: number, totalBytes: number) => void;
}

const UPLOAD_CHUNK = 64 * 1024;

/** A body factory over a Buffer, handing it out in chunks as the socket asks for them. */
export function bufferUpload(body: Buffer, contentType = 'application/json', onProgress?: UploadBody['onProgress']): UploadBody {
  return {
    length: body.length,
    contentType,
    onProgress,
    open() {
      let at = 0;
      return new Readable({
        highWaterMark: UPLOAD_CHUNK,
        read() {
          if (at >= body.length) return void this.push(null);
          const chunk = body.subarray(at, at + UPLOAD_CHUNK);
          at += chunk.length;
          this.push(chunk);
        },
      });
    },
  };
}

/** The upload's stream for one attempt, counting bytes as they pass on towards the socket. */
function countedStream(upload: UploadBody): Readable {
  let sent = 0;
  upload.onProgress?.(0, upload.length);
  const source = upload.open();
  const counter = new Transform({
    highWaterMark: UPLOAD_CHUNK,
    transform(chunk: Buffer, _enc, done) {
      sent += chunk.length;
      upload.onProgress?.(sent, upload.length);
      done(null, chunk);
    },
  });
  source.on('error', (e) => counter.destroy(e));
  return source.pipe(counter);
}

export interface ComposerResponse<T> {
  status: number;
  data: T;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
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
export function retryDelayMs(status: number, retryAfter: unknown, backoffMs: number, maxDelayMs: number): number | undefined {
  const after = retryAfterMs(retryAfter);
  if (status === 429) return after === undefined ? undefined : Math.min(maxDelayMs, after);
  if (status === 502 || status === 503 || status === 504) return Math.min(maxDelayMs, after ?? backoffMs);
  return undefined;
}

/** An endpoint's identity: scheme, host and port (default ports elided, host lower-cased), path. */
function endpointKey(url: string): string | undefined {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, '')}`;
  } catch {
    return undefined;
  }
}

/**
 * Whether a not_leader answer's `leader` may be followed from `current`. The bearer token goes
 * wherever the request goes, so a standby (or whatever answers in its name) must not be able to
 * send it to a host that is not one of the configured endpoints, nor from https onto plain http
 * (docs/api.md, "Clients: retries and leader following"). Returns the configured endpoint to use,
 * or why the address is not followed.
 */
export function leaderToFollow(current: string, leader: string, configured: readonly string[]): { follow: string } | { refused: string } {
  const key = endpointKey(leader);
  if (current.startsWith('https:') && !leader.startsWith('https:')) return { refused: 'it would downgrade https to plain http' };
  const match = key === undefined ? undefined : configured.find((c) => endpointKey(c) === key);
  if (!match) return { refused: `it is not one of the configured endpoints (${configured.join(', ')}), and the token is sent only to those` };
  return { follow: match };
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

/** Turn a non-2xx answer into a ComposerError carrying the problem details. */
export function problemToError(method: string, path: string, res: Pick<AxiosResponse, 'status' | 'data'>): ComposerError {
  const p = (res.data ?? {}) as { code?: string; title?: string; detail?: string; errors?: { field: string; reason: string }[] };
  const code = typeof p.code === 'string' ? p.code : `http_${res.status}`;
  const fieldErrors = Array.isArray(p.errors) ? p.errors.filter((e) => e && typeof e.field === 'string').map((e) => ({ field: e.field, reason: String(e.reason) })) : [];
  const detail = p.detail || p.title || (typeof res.data === 'string' && res.data.length < 300 ? res.data : '') || `HTTP ${res.status}`;
  // Field errors the detail does not already say.
  const fields = fieldErrors.filter((f) => !detail.includes(f.reason)).map((f) => `${f.field}: ${f.reason}`).join('; ');
  const message = fields ? `${detail} (${fields})` : detail;
  return new ComposerError(`${method} ${path}: ${code}: ${message}`, res.status, code, fieldErrors);
}

/**
 * The endpoints of an `endpoint` setting: one URL, or several (HA replicas) separated by commas.
 * `setting` and `hint` name where the value came from in the error.
 */
export function parseEndpoints(endpoint: string | undefined, setting = 'endpoint', hint = ' (set tessera:endpoint or TESSERA_ENDPOINT)'): string[] {
  const list = (endpoint ?? '').split(',').map((e) => e.trim().replace(/\/+$/, '')).filter((e) => e !== '');
  if (list.length === 0 || list.some((e) => !/^https?:\/\/[^\s/]+/.test(e))) {
    throw new ComposerError(`${setting}: must be an http(s) URL (or several, comma-separated), got ${JSON.stringify(endpoint ?? '')}${hint}`, 0, 'bad_config');
  }
  return [...new Set(list)];
}

/** Sockets per composer and client: a thousand simulated agents in one process share them. */
const MAX_SOCKETS = 64;

export class ComposerClient {
  private baseURL: string;
  /** The configured replicas: the only addresses requests (and so the token) go to. */
  private readonly known: string[];
  private readonly http: AxiosInstance;
  private readonly retry: { attempts: number; baseDelayMs: number; maxDelayMs: number };

  constructor(private readonly config: ConnectionConfig) {
    this.known = parseEndpoints(config.endpoint);
    this.baseURL = this.known[0];
    this.retry = { ...DEFAULT_RETRY, ...(config.retry ?? {}) };
    this.http = axios.create({
      timeout: 30_000,
      // Every status is an answer here; this module decides what is an error.
      validateStatus: () => true,
      // No proxies from the environment: the composer is addressed directly.
      proxy: false,
      headers: { accept: 'application/json, application/problem+json' },
      httpAgent: new http.Agent({ keepAlive: true, maxSockets: MAX_SOCKETS }),
      // A private CA (and a client certificate) belong to this client's own agent only: no
      // process-wide state.
      httpsAgent: new https.Agent({
        keepAlive: true,
        maxSockets: MAX_SOCKETS,
        ca: config.ca ? [...tls.rootCertificates, config.ca] : undefined,
        cert: config.cert,
        key: config.key,
      }),
    });
  }

  /** After a connection failure, try the next known replica (a dead leader's standby takes over). */
  private rotate(): void {
    if (this.known.length < 2) return;
    const i = this.known.indexOf(this.baseURL);
    this.baseURL = this.known[(i + 1) % this.known.length];
  }

  get endpoint(): string {
    return this.baseURL;
  }

  async request<T>(method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', path: string, opts: RequestOptions = {}): Promise<ComposerResponse<T>> {
    const url = path + encodeQuery(opts.query);
    let lastError: unknown;
    /** Configured endpoints whose not_leader answer named a leader that is not followed. */
    const refusedBy = new Set<string>();
    const attempts = Math.max(1, opts.attempts ?? this.retry.attempts);
    for (let attempt = 0; attempt < attempts; attempt++) {
      const backoff = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** attempt);
      let res: AxiosResponse;
      try {
        const headers: Record<string, string> = this.config.token ? { authorization: `Bearer ${this.config.token}` } : {};
        const req: AxiosRequestConfig = { method, url: this.baseURL + url, data: opts.body, headers, timeout: opts.timeoutMs, signal: opts.signal, maxRedirects: 0 };
        if (opts.upload) {
          headers['content-type'] = opts.upload.contentType ?? 'application/json';
          headers['content-length'] = String(opts.upload.length);
          // Streamed as-is: no redirect buffering, no body size cap.
          Object.assign(req, { data: countedStream(opts.upload), maxBodyLength: Infinity });
        }
        res = await this.http.request(req);
      } catch (err) {
        const e = err as AxiosError;
        if (e.code && RETRYABLE_CODES.has(e.code) && !opts.signal?.aborted) {
          lastError = new ComposerError(`${method} ${path}: cannot reach the composer at ${this.baseURL} (${e.code})`, 0, 'unreachable');
          this.rotate();
          await sleep(backoff);
          continue;
        }
        // Never let axios' error (which holds the request config, token included) escape.
        throw new ComposerError(`${method} ${path}: ${e.code ?? 'request failed'}: ${e.message}`, 0, e.code ?? 'request_failed');
      }
      if ((res.status >= 200 && res.status < 300) || opts.accept?.includes(res.status)) {
        return { status: res.status, data: res.data as T };
      }
      const problem = (res.data ?? {}) as { code?: string; leader?: string };
      const leader = typeof problem.leader === 'string' ? problem.leader.replace(/\/+$/, '') : '';
      if (res.status === 503 && problem.code === PROBLEM.notLeader && /^https?:\/\//.test(leader) && endpointKey(leader) !== endpointKey(this.baseURL)) {
        const verdict = leaderToFollow(this.baseURL, leader, this.known);
        if ('follow' in verdict) {
          // Follow the leader right away; the standby told us where it is.
          this.baseURL = verdict.follow;
          lastError = problemToError(method, path, res);
          if (attempt > 0) await sleep(Math.min(backoff, 250));
          continue;
        }
        // Not followed. Another configured replica may be the leader under the name it is
        // configured by (an advertise URL can differ from it): try those (none over plain http
        // after https) before giving up.
        const why = `${method} ${path}: the standby at ${this.baseURL} names ${leader} as the leader; not followed: ${verdict.refused}`;
        refusedBy.add(this.baseURL);
        const next = this.known.find((e) => !refusedBy.has(e) && !(this.baseURL.startsWith('https:') && !e.startsWith('https:')));
        if (!next) throw new ComposerError(why, 503, 'leader_not_followed');
        lastError = new ComposerError(why, 503, 'leader_not_followed');
        this.baseURL = next;
        continue;
      }
      const delay = retryDelayMs(res.status, res.headers?.['retry-after'], backoff, this.retry.maxDelayMs);
      if (delay === undefined) throw problemToError(method, path, res);
      lastError = problemToError(method, path, res);
      await sleep(delay);
    }
    throw lastError instanceof Error ? lastError : new ComposerError(`${method} ${path}: gave up`, 0, 'unreachable');
  }

  /**
   * Every item of a list endpoint (`{ items, nextCursor? }`, docs/api.md "Lists and pages"),
   * following the pages. Objects that exist throughout come once each; ones created or deleted
   * meanwhile may or may not be there, as with any listing of a changing table.
   */
  async listAll<T>(path: string, query: RequestOptions['query'] = {}): Promise<T[]> {
    const items: T[] = [];
    let cursor: string | undefined;
    do {
      const { data } = await this.request<ListPage<T>>('GET', path, { query: { ...query, cursor } });
      items.push(...data.items);
      cursor = data.nextCursor;
    } while (cursor !== undefined);
    return items;
  }
}
