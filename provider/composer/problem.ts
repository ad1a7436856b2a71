// application/problem+json errors with stable codes (contract.ts `Problem`). Every failure the
// composer answers is an HttpProblem with a code of the one catalogue (provider/api/wire.json
// `problems`, generated as PROBLEM); anything else that escapes a handler is a bug (500).
import { PROBLEM, PROBLEM_RETRY_AFTER, type Problem, type ProblemCode, type PROBLEM_STATUS } from '../api/contract';
import type { Checked } from '../api/validate';
import type { FieldFailure } from '../schema';

export class HttpProblem<C extends ProblemCode = ProblemCode> extends Error {
  readonly extra: { leader?: string; retryAfterSeconds?: number };

  /** `status` must be the catalogue's for `code` (checked at compile time). */
  constructor(
    readonly status: (typeof PROBLEM_STATUS)[C],
    readonly code: C,
    readonly detail: string,
    readonly errors?: FieldFailure[],
    extra: { leader?: string; retryAfterSeconds?: number } = {},
  ) {
    super(detail);
    this.name = 'HttpProblem';
    // The catalogue's retrying codes always say when to retry.
    this.extra = PROBLEM_RETRY_AFTER.includes(code) ? { retryAfterSeconds: 1, ...extra } : extra;
  }

  toJSON(): Problem {
    const p: Problem = {
      type: `https://tessera.dev/problems/${this.code.replace(/_/g, '-')}`,
      title: TITLES[this.status] ?? 'Error',
      status: this.status,
      code: this.code,
      detail: this.detail,
    };
    if (this.errors && this.errors.length > 0) p.errors = this.errors;
    if (this.extra.leader !== undefined) p.leader = this.extra.leader;
    return p;
  }
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  431: 'Request Header Fields Too Large',
  422: 'Unprocessable Entity',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** A validator's result: its value, or a 422 naming every bad field. */
export function accepted<T>(checked: Checked<T>): T {
  if (checked.failures.length > 0) throw problems.validation(checked.failures);
  return checked.value;
}

export const problems = {
  validation: (errors: FieldFailure[]) =>
    new HttpProblem(422, PROBLEM.validationFailed, errors.map((e) => `${e.field}: ${e.reason}`).join('; '), errors),
  field: (field: string, reason: string) => new HttpProblem(422, PROBLEM.validationFailed, `${field}: ${reason}`, [{ field, reason }]),
  notFound: (what: string, id: string) => new HttpProblem(404, PROBLEM.notFound, `${what} ${id} does not exist`),
  conflictExists: (what: string, name: string, fields: string[]) =>
    new HttpProblem(
      409,
      PROBLEM.conflictExists,
      `${what} ${name} already exists with a different spec: ${fields.join(', ')} differ`,
      fields.map((f) => ({ field: f, reason: 'differs from the existing object' })),
    ),
  /** A create that would share another owner's object, or a change by someone else than its owner. */
  ownerConflict: (detail: string, owner: string) => new HttpProblem(409, PROBLEM.ownerConflict, detail, [{ field: owner, reason: detail }]),
  replaceRequired: (fields: string[]) =>
    new HttpProblem(
      409,
      PROBLEM.replaceRequired,
      `changing ${fields.join(', ')} forces replacement: create a new object instead`,
      fields.map((f) => ({ field: f, reason: 'cannot change in place (forces replacement)' })),
    ),
  shrinkRefused: (field: string, from: number, to: number) =>
    new HttpProblem(422, PROBLEM.shrinkRefused, `${field}: shrinking from ${from} to ${to} is refused`, [
      { field, reason: `shrinking from ${from} to ${to} is refused` },
    ]),
  // A 4xx, not 507: the request cannot succeed as sent until the pool or the request changes,
  // and clients retry 5xx answers (docs/api.md "Errors").
  capacity: (constraint: string, message: string) =>
    new HttpProblem(409, PROBLEM.insufficientCapacity, message, [{ field: constraint, reason: message }]),
  inUse: (detail: string, fields: { field: string; reason: string }[] = []) => new HttpProblem(409, PROBLEM.inUse, detail, fields),
  unauthorized: () => new HttpProblem(401, PROBLEM.unauthorized, 'a valid bearer token is required'),
  forbidden: (detail: string) => new HttpProblem(403, PROBLEM.forbidden, detail),
  notLeader: (leader: string | undefined) =>
    new HttpProblem(503, PROBLEM.notLeader, `this replica is a standby; send writes to the leader${leader ? ` at ${leader}` : ''}`, undefined, {
      leader: leader ?? '',
      retryAfterSeconds: 1,
    }),
  notReady: (detail: string) => new HttpProblem(503, PROBLEM.notReady, detail, undefined, { retryAfterSeconds: 1 }),
  badRequest: (detail: string) => new HttpProblem(400, PROBLEM.badRequest, detail),
  tlsRequired: () =>
    new HttpProblem(
      403,
      PROBLEM.tlsRequired,
      'volume keys are served only over TLS: start the composer with --tls-cert and --tls-key and use an https:// URL (--insecure-dev allows plain HTTP for a development lab)',
    ),
};
