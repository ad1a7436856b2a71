// The store contract (docs/store.md): a revisioned, transactional key-value store with watch and
// leases, after the etcd v3 model. Two implementations (SQLite, etcd) pass one conformance suite.
// Keys and values are strings; values are usually JSON. Revisions are store-wide and increase by
// one per committed transaction that changes something.

export interface KeyValue {
  key: string;
  value: string;
  /** Revision of the transaction that created the key (since its last deletion). */
  createRevision: number;
  /** Revision of the transaction that last modified the key. */
  modRevision: number;
  /** Number of modifications since creation, starting at 1. */
  version: number;
  /** Lease the key is attached to, if any ('0' or undefined = none). */
  lease?: string;
}

/** A condition on one key, checked atomically at commit. */
export type Compare =
  | { key: string; target: 'modRevision'; op: '=' | '<' | '>'; value: number }
  | { key: string; target: 'version'; op: '=' | '<' | '>'; value: number } // version 0 = absent
  | { key: string; target: 'value'; op: '='; value: string };

export type Op =
  | { type: 'put'; key: string; value: string; lease?: string }
  | { type: 'delete'; key: string }
  | { type: 'deletePrefix'; prefix: string }
  | { type: 'get'; key: string }
  | { type: 'range'; prefix: string };

export interface TxnRequest {
  compare: Compare[];
  success: Op[];
  failure?: Op[];
}

export interface TxnResponse {
  succeeded: boolean;
  /** Revision after the transaction. */
  revision: number;
  /** One entry per op of the branch that ran: the KeyValue(s) read for get/range, [] otherwise. */
  results: KeyValue[][];
}

export interface WatchEvent {
  type: 'put' | 'delete';
  kv: KeyValue; // for delete: key and modRevision of the deletion, value ''
}

export interface Watcher {
  close(): Promise<void>;
}

export interface Lease {
  id: string;
  /** Keep alive until revoked; fires onLost if the lease expires or cannot be renewed. */
  revoke(): Promise<void>;
  onLost(cb: () => void): void;
}

export interface Store {
  get(key: string): Promise<KeyValue | undefined>;
  /** All keys starting with prefix, sorted by key. */
  range(prefix: string, opts?: { limit?: number }): Promise<KeyValue[]>;
  put(key: string, value: string, opts?: { lease?: string }): Promise<number>;
  delete(key: string): Promise<boolean>;
  txn(request: TxnRequest): Promise<TxnResponse>;
  /**
   * Events for keys under prefix with revision > fromRevision (or from now), in revision order,
   * delivered exactly once each, including across the store's own reconnects.
   * Rejects with CompactedError (./errors) when that history is gone: re-read, then watch from the
   * read's revision. onError is called at most once if the watch ends for good later (e.g. the
   * history it still needed was compacted); the watcher is then closed.
   */
  watch(
    prefix: string,
    fromRevision: number | undefined,
    onEvent: (events: WatchEvent[]) => void,
    onError?: (err: Error) => void,
  ): Promise<Watcher>;
  /** A lease with a TTL in seconds, kept alive in the background. Keys put with it vanish when it ends. */
  grantLease(ttlSeconds: number): Promise<Lease>;
  /** Current store revision. */
  revision(): Promise<number>;
  close(): Promise<void>;
  /** 'sqlite' | 'etcd' */
  readonly kind: string;
}
