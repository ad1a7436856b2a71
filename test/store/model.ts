// A reference model of the Store contract (single-threaded, in memory), written from the
// contract's comments and etcd's documented semantics, to check both stores against.
import type { Compare, KeyValue, Op, TxnRequest, WatchEvent } from '../../provider/store/store';

export class StoreModel {
  revision: number;
  readonly kvs = new Map<string, KeyValue>();
  readonly events: WatchEvent[] = [];

  constructor(startRevision: number) {
    this.revision = startRevision;
  }

  private holds(c: Compare): boolean {
    const kv = this.kvs.get(c.key);
    if (c.target === 'value') return kv !== undefined && kv.value === c.value;
    const actual = c.target === 'version' ? kv?.version ?? 0 : kv?.modRevision ?? 0;
    return c.op === '=' ? actual === c.value : c.op === '<' ? actual < c.value : actual > c.value;
  }

  private sorted(prefix: string): KeyValue[] {
    const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));
    return [...this.kvs.keys()].filter((k) => k.startsWith(prefix)).sort(byteOrder).map((k) => ({ ...this.kvs.get(k)! }));
  }

  txn(req: TxnRequest): { succeeded: boolean; revision: number; results: KeyValue[][] } {
    const succeeded = req.compare.every((c) => this.holds(c));
    const ops: Op[] = succeeded ? req.success : req.failure ?? [];
    const next = this.revision + 1;
    let changed = false;
    const del = (key: string) => {
      if (!this.kvs.delete(key)) return;
      changed = true;
      this.events.push({ type: 'delete', kv: { key, value: '', createRevision: 0, modRevision: next, version: 0 } });
    };
    const results = ops.map((op): KeyValue[] => {
      switch (op.type) {
        case 'put': {
          const old = this.kvs.get(op.key);
          const kv: KeyValue = { key: op.key, value: op.value, createRevision: old?.createRevision ?? next, modRevision: next, version: (old?.version ?? 0) + 1 };
          this.kvs.set(op.key, kv);
          changed = true;
          this.events.push({ type: 'put', kv: { ...kv } });
          return [];
        }
        case 'delete':
          del(op.key);
          return [];
        case 'deletePrefix':
          for (const kv of this.sorted(op.prefix)) del(kv.key);
          return [];
        case 'get': {
          const kv = this.kvs.get(op.key);
          return kv ? [{ ...kv }] : [];
        }
        case 'range':
          return this.sorted(op.prefix);
      }
    });
    if (changed) this.revision = next;
    return { succeeded, revision: this.revision, results };
  }
}
