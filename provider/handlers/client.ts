// HTTP client for the composer's REST API (/v1), shared by the resource handlers of both
// providers. Retries with exponential back-off on 503 (honouring Retry-After, following the
// leader's address on not_leader) and on connection errors, so a leader change or a composer
// restart never fails a `pulumi up`. problem+json answers become ComposerError.
import * as https from 'node:https';
import { Readable, Transform } from 'node:stream';
import * as tls from 'node:tls';
import axios, { AxiosError, AxiosInstance, AxiosRequestConfig, AxiosResponse } from 'axios';
import type { ListPage } from '../api/contract';
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

/** The endpoints of an `endpoint` setting: one URL, or several (HA replicas) separated by commas. */
export function parseEndpoints(endpoint: string | undefined): string[] {
  const list = (endpoint ?? '').split(',').map((e) => e.trim().replace(/\/+$/, '')).filter((e) => e !== '');
  if (list.length === 0 || list.some((e) => !/^https?:\/\/[^\s/]+/.test(e))) {
    throw new ComposerError(
      `endpoint: must be an http(s) URL (or several, comma-separated), got ${JSON.stringify(endpoint ?? '')} (set tessera:endpoint or TESSERA_ENDPOINT)`,
      0,
      'bad_config',
    );
  }
  return [...new Set(list)];
}

export class ComposerClient {
  private baseURL: string;
  /** Every replica known: the configured ones and leaders learned from not_leader answers. */
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
      // A private CA is trusted by this client's own agent only (no process-wide state).
      httpsAgent: config.ca ? new https.Agent({ ca: [...tls.rootCertificates, config.ca], keepAlive: true }) : undefined,
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
    const attempts = Math.max(1, opts.attempts ?? this.retry.attempts);
    for (let attempt = 0; attempt < attempts; attempt++) {
      const backoff = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** attempt);
      let res: AxiosResponse;
      try {
        const headers: Record<string, string> = this.config.token ? { authorization: `Bearer ${this.config.token}` } : {};
        const req: AxiosRequestConfig = { method, url: this.baseURL + url, data: opts.body, headers, timeout: opts.timeoutMs };
        if (opts.upload) {
          headers['content-type'] = opts.upload.contentType ?? 'application/json';
          headers['content-length'] = String(opts.upload.length);
          // Streamed as-is: no redirect buffering, no body size cap.
          Object.assign(req, { data: countedStream(opts.upload), maxBodyLength: Infinity, maxRedirects: 0 });
        }
        res = await this.http.request(req);
      } catch (err) {
        const e = err as AxiosError;
        if (e.code && RETRYABLE_CODES.has(e.code)) {
          lastError = new ComposerError(`${method} ${path}: cannot reach the composer at ${this.baseURL} (${e.code})`, 0, 'unreachable');
          this.rotate();
          await sleep(backoff);
          continue;
        }
        // Never let axios' error (which holds the request config, token included) escape.
        throw new ComposerError(`${method} ${path}: ${e.code ?? 'request failed'}: ${e.message}`, 0, e.code ?? 'request_failed');
      }
      if (res.status === 503) {
        const problem = (res.data ?? {}) as { code?: string; leader?: string };
        const leader = typeof problem.leader === 'string' ? problem.leader.replace(/\/+$/, '') : undefined;
        if (problem.code === 'not_leader' && leader && /^https?:\/\//.test(leader) && leader !== this.baseURL) {
          // Follow the leader right away; the standby told us where it is.
          if (!this.known.includes(leader)) this.known.push(leader);
          this.baseURL = leader;
          lastError = problemToError(method, path, res);
          if (attempt > 0) await sleep(Math.min(backoff, 250));
          continue;
        }
        lastError = problemToError(method, path, res);
        await sleep(Math.min(this.retry.maxDelayMs, retryAfterMs(res.headers?.['retry-after']) ?? backoff));
        continue;
      }
      if ((res.status >= 200 && res.status < 300) || opts.accept?.includes(res.status)) {
        return { status: res.status, data: res.data as T };
      }
      throw problemToError(method, path, res);
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
