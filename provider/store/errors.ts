// Errors shared by both store implementations, so callers can react to them by class, not by text.

/** The requested history is gone: re-read the current state and watch from its revision. */
export class CompactedError extends Error {
  readonly code = 'store_compacted';
  constructor(readonly requestedRevision: number, readonly compactRevision: number) {
    super(`watch fromRevision ${requestedRevision}: history before revision ${compactRevision} has been compacted`);
    this.name = 'CompactedError';
  }
}

export class LeaseNotFoundError extends Error {
  readonly code = 'store_lease_not_found';
  constructor(readonly leaseId: string) {
    super(`lease ${leaseId}: not found (expired or revoked)`);
    this.name = 'LeaseNotFoundError';
  }
}

/** A request the store refuses before touching anything (bad key, duplicate keys in one txn, ...). */
export class StoreRequestError extends Error {
  readonly code = 'store_bad_request';
  constructor(readonly field: string, readonly reason: string) {
    super(`${field}: ${reason}`);
    this.name = 'StoreRequestError';
  }
}

export class StoreClosedError extends Error {
  readonly code = 'store_closed';
  constructor(kind: string) {
    super(`${kind} store: already closed`);
    this.name = 'StoreClosedError';
  }
}

/**
 * A write was sent and no answer came back (deadline, dropped reply, cut connection): it may have
 * been applied, may be applied later, or not at all. Never retry it blindly; establish the outcome
 * (docs/store.md, "Outcome unknown").
 */
export class OutcomeUnknownError extends Error {
  readonly code = 'store_outcome_unknown';
  constructor(
    readonly what: string,
    err: unknown,
  ) {
    super(`${what}: no answer from the store, outcome unknown: ${(err as Error)?.message ?? String(err)}`);
    this.name = 'OutcomeUnknownError';
  }
}
