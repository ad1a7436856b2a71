// gRPC status for CSI answers: one error type the RPC handlers throw, and the one mapping from the
// composer's problem codes (docs/api.md "Errors") to CSI status codes (docs/csi.md "Errors").
import { status } from '@grpc/grpc-js';
import { ComposerError } from '../client';
import { PROBLEM } from '../api/wire.generated';

export class CsiError extends Error {
  constructor(readonly code: status, message: string) {
    super(message);
    this.name = 'CsiError';
  }
}

export const invalid = (message: string) => new CsiError(status.INVALID_ARGUMENT, message);

/** A composer answer as a CSI status; the composer's sentence (the engine's explanation) is kept. */
export function fromComposer(err: unknown, what: string): CsiError {
  if (err instanceof CsiError) return err;
  if (err instanceof ComposerError) {
    const msg = `${what}: ${err.message}`;
    switch (err.code) {
      case PROBLEM.insufficientCapacity:
      case PROBLEM.quotaExceeded:
        return new CsiError(status.RESOURCE_EXHAUSTED, msg);
      case PROBLEM.validationFailed:
      case PROBLEM.shrinkRefused:
        return new CsiError(status.INVALID_ARGUMENT, msg);
      case PROBLEM.conflictExists:
      case PROBLEM.ownerConflict:
        return new CsiError(status.ALREADY_EXISTS, msg);
      case PROBLEM.notFound:
        return new CsiError(status.NOT_FOUND, msg);
      case PROBLEM.unauthorized:
        return new CsiError(status.UNAUTHENTICATED, msg);
      case PROBLEM.forbidden:
        return new CsiError(status.PERMISSION_DENIED, msg);
      case PROBLEM.inUse:
      case PROBLEM.moveInProgress:
      case PROBLEM.conflict:
        return new CsiError(status.FAILED_PRECONDITION, msg);
      default:
        return new CsiError(err.status >= 500 || err.status === 0 ? status.UNAVAILABLE : status.INTERNAL, msg);
    }
  }
  return new CsiError(status.INTERNAL, `${what}: ${(err as Error)?.message ?? String(err)}`);
}
