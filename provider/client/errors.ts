// What a failed composer request becomes: one typed error (ComposerError) carrying the problem
// details (docs/api.md, "Errors"), and the one place that reads problem codes on the client side.
import { randomBytes } from 'node:crypto';
import { PROBLEM } from '../api/wire.generated';
import type { FieldFailure } from '../schema';

/** A composer error carried up to the user: problem details plus the failing fields. */
export class ComposerError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
    readonly fieldErrors: FieldFailure[] = [],
  ) {
    super(message);
    this.name = 'ComposerError';
  }
  /** The X-Request-Id the failed call sent: the composer's log lines for it carry the same id. */
  requestId?: string;
}

/** The request-id header; the composer keeps a well-formed one (provider/composer/server.ts requestIdOf). */
export const REQUEST_ID_HEADER = 'x-request-id';

/** A new client request id: `tc-` and 16 hex digits (within the composer's accepted form). */
export function newRequestId(): string {
  return `tc-${randomBytes(8).toString('hex')}`;
}

/** The error with its request id in the message (shown by pulumi, tofu and the CLI as is). */
export function withRequestId(e: ComposerError, requestId: string): ComposerError {
  if (e.requestId) return e;
  e.message = `${e.message} [request ${requestId}]`;
  e.requestId = requestId;
  return e;
}

/**
 * Codes the client gives failures that never reached a composer answer (the composer's own codes
 * are in provider/composer/problem.ts): a bad endpoint setting, no replica reachable, a leader
 * address that is not followed, a request that failed below HTTP.
 */
export const CLIENT_CODES = {
  badConfig: 'bad_config',
  unreachable: 'unreachable',
  leaderNotFollowed: 'leader_not_followed',
  requestFailed: 'request_failed',
  incompatibleApi: 'incompatible_api',
} as const;

/**
 * The leader a standby names in its answer (503 not_leader with `leader`, docs/api.md "Clients:
 * retries and leader following"), without a trailing slash; undefined for any other answer. The
 * only place the transport matches a composer problem code.
 */
export function namedLeader(status: number, body: unknown): string | undefined {
  const p = (body ?? {}) as { code?: unknown; leader?: unknown };
  if (status !== 503 || p.code !== PROBLEM.notLeader || typeof p.leader !== 'string') return undefined;
  const leader = p.leader.replace(/\/+$/, '');
  return /^https?:\/\//.test(leader) ? leader : undefined;
}

/** Turn a non-2xx answer into a ComposerError carrying the problem details. */
export function problemToError(method: string, path: string, res: { status: number; data: unknown }): ComposerError {
  const p = (res.data ?? {}) as { code?: string; title?: string; detail?: string; errors?: { field: string; reason: string }[] };
  const code = typeof p.code === 'string' ? p.code : `http_${res.status}`;
  const fieldErrors = Array.isArray(p.errors) ? p.errors.filter((e) => e && typeof e.field === 'string').map((e) => ({ field: e.field, reason: String(e.reason) })) : [];
  const detail = p.detail || p.title || (typeof res.data === 'string' && res.data.length < 300 ? res.data : '') || `HTTP ${res.status}`;
  // Field errors the detail does not already say.
  const fields = fieldErrors.filter((f) => !detail.includes(f.reason)).map((f) => `${f.field}: ${f.reason}`).join('; ');
  const message = fields ? `${detail} (${fields})` : detail;
  return new ComposerError(`${method} ${path}: ${code}: ${message}`, res.status, code, fieldErrors);
}
