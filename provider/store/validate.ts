// Request checks shared by both stores, so that both refuse the same requests with the same words.
import { StoreRequestError } from './errors';
import type { Op, TxnRequest } from './store';

export function checkKey(field: string, key: unknown): void {
  if (typeof key !== 'string' || key.length === 0) throw new StoreRequestError(field, 'must be a non-empty string');
}

export function checkValue(field: string, value: unknown): void {
  if (typeof value !== 'string') throw new StoreRequestError(field, 'must be a string');
}

export function checkLeaseId(field: string, lease: unknown): void {
  if (lease === undefined) return;
  if (typeof lease !== 'string' || !/^[0-9]+$/.test(lease)) throw new StoreRequestError(field, 'must be a decimal lease id');
}

export function checkTtl(ttlSeconds: unknown): void {
  if (typeof ttlSeconds !== 'number' || !Number.isInteger(ttlSeconds) || ttlSeconds < 1) {
    throw new StoreRequestError('ttlSeconds', 'must be an integer >= 1');
  }
}

export function checkRevision(field: string, revision: unknown): void {
  if (revision === undefined) return;
  if (typeof revision !== 'number' || !Number.isInteger(revision) || revision < 0) {
    throw new StoreRequestError(field, 'must be an integer >= 0');
  }
}

/**
 * etcd refuses a txn with more than 128 compares or ops per branch (its --max-txn-ops default).
 * Both stores refuse it, so code tested on SQLite does not first fail on etcd.
 */
export const MAX_TXN_OPS = 128;

function checkOps(branch: string, ops: Op[]): void {
  if (!Array.isArray(ops)) throw new StoreRequestError(branch, 'must be an array');
  if (ops.length > MAX_TXN_OPS) throw new StoreRequestError(branch, `at most ${MAX_TXN_OPS} operations per transaction (etcd's limit), got ${ops.length}`);
  // etcd refuses a txn that writes one key twice; refuse it the same way everywhere.
  const written = new Set<string>();
  const deletedPrefixes: string[] = [];
  ops.forEach((op, i) => {
    const f = `${branch}[${i}]`;
    switch (op?.type) {
      case 'put':
        checkKey(`${f}.key`, op.key);
        checkValue(`${f}.value`, op.value);
        checkLeaseId(`${f}.lease`, op.lease);
        if (written.has(op.key)) throw new StoreRequestError(`${f}.key`, `duplicate key '${op.key}' in one transaction`);
        written.add(op.key);
        break;
      case 'delete':
        checkKey(`${f}.key`, op.key);
        if (written.has(op.key)) throw new StoreRequestError(`${f}.key`, `duplicate key '${op.key}' in one transaction`);
        written.add(op.key);
        break;
      case 'deletePrefix':
        if (typeof op.prefix !== 'string') throw new StoreRequestError(`${f}.prefix`, 'must be a string');
        deletedPrefixes.push(op.prefix);
        break;
      case 'get':
        checkKey(`${f}.key`, op.key);
        break;
      case 'range':
        if (typeof op.prefix !== 'string') throw new StoreRequestError(`${f}.prefix`, 'must be a string');
        break;
      default:
        throw new StoreRequestError(`${f}.type`, "must be one of put, delete, deletePrefix, get, range");
    }
  });
  for (const key of written) {
    const p = deletedPrefixes.find((prefix) => key.startsWith(prefix));
    if (p !== undefined) throw new StoreRequestError(branch, `key '${key}' is both written and inside deleted prefix '${p}'`);
  }
}

export function checkTxn(request: TxnRequest): void {
  if (request === null || typeof request !== 'object') throw new StoreRequestError('txn', 'must be an object');
  if (!Array.isArray(request.compare)) throw new StoreRequestError('compare', 'must be an array');
  if (request.compare.length > MAX_TXN_OPS) throw new StoreRequestError('compare', `at most ${MAX_TXN_OPS} compares per transaction (etcd's limit), got ${request.compare.length}`);
  request.compare.forEach((c, i) => {
    const f = `compare[${i}]`;
    checkKey(`${f}.key`, c?.key);
    if (c.target === 'value') {
      if (c.op !== '=') throw new StoreRequestError(`${f}.op`, "must be '=' for target value");
      checkValue(`${f}.value`, c.value);
    } else if (c.target === 'modRevision' || c.target === 'version') {
      if (c.op !== '=' && c.op !== '<' && c.op !== '>') throw new StoreRequestError(`${f}.op`, "must be one of '=', '<', '>'");
      if (typeof c.value !== 'number' || !Number.isInteger(c.value)) throw new StoreRequestError(`${f}.value`, 'must be an integer');
    } else {
      throw new StoreRequestError(`${f}.target`, 'must be one of modRevision, version, value');
    }
  });
  checkOps('success', request.success);
  if (request.failure !== undefined) checkOps('failure', request.failure);
}

/** The first key after every key with this prefix, in byte order; undefined = no upper bound. */
export function prefixEnd(prefix: Buffer): Buffer | undefined {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i] < 0xff) {
      end[i] += 1;
      return end.subarray(0, i + 1);
    }
  }
  return undefined;
}
