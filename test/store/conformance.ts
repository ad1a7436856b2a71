// One behavioural suite for every Store implementation (docs/store.md). Each test works under its
// own key prefix, so one backend serves the whole suite; revisions are always compared relatively.
import fc from 'fast-check';
import { LeaseNotFoundError, StoreRequestError } from '../../provider/store/errors';
import type { Compare, Op, Store, TxnRequest, WatchEvent } from '../../provider/store/store';
import { StoreModel } from './model';

export interface StoreBackend {
  /** A new, independent handle (connection) on the same backend. */
  open(): Promise<Store>;
}

let counter = 0;
function uniquePrefix(): string {
  counter += 1;
  return `/conf/${process.pid}-${Date.now().toString(36)}-${counter}/`;
}

export async function waitFor(what: string, predicate: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Collects watch events in arrival order. */
function collector(): { events: WatchEvent[]; batches: WatchEvent[][]; onEvent: (e: WatchEvent[]) => void } {
  const c = { events: [] as WatchEvent[], batches: [] as WatchEvent[][], onEvent: (e: WatchEvent[]) => { c.batches.push(e); c.events.push(...e); } };
  return c;
}

export function defineStoreConformance(label: string, backend: () => StoreBackend): void {
  describe(`Store conformance: ${label}`, () => {
    let store: Store;
    let p: string;
    const extra: Store[] = [];

    beforeEach(async () => {
      store = await backend().open();
      p = uniquePrefix();
    });
    afterEach(async () => {
      await store.close();
      for (const s of extra.splice(0)) await s.close();
    });
    async function another(): Promise<Store> {
      const s = await backend().open();
      extra.push(s);
      return s;
    }

    test('put then get returns the value with create/mod revision and version', async () => {
      const before = await store.revision();
      const r1 = await store.put(p + 'a', 'one');
      expect(r1).toBe(before + 1);
      expect(await store.get(p + 'a')).toEqual({ key: p + 'a', value: 'one', createRevision: r1, modRevision: r1, version: 1 });
      const r2 = await store.put(p + 'a', 'two');
      expect(r2).toBe(r1 + 1);
      expect(await store.get(p + 'a')).toEqual({ key: p + 'a', value: 'two', createRevision: r1, modRevision: r2, version: 2 });
      expect(await store.revision()).toBe(r2);
      expect(await store.get(p + 'missing')).toBeUndefined();
    });

    test('values keep any text exactly, including empty, JSON and non-ASCII', async () => {
      const values = ['', '{"a":[1,2,{"b":null}]}', 'żółw 🐢 \u0000 tab\t', 'x'.repeat(100_000)];
      for (const [i, v] of values.entries()) await store.put(`${p}v${i}`, v);
      for (const [i, v] of values.entries()) expect((await store.get(`${p}v${i}`))?.value).toBe(v);
    });

    test('range returns exactly the keys under the prefix, sorted, honouring limit', async () => {
      for (const k of ['b', 'a', 'c/1', 'c/0', 'ä', 'a0']) await store.put(p + 'r/' + k, k);
      await store.put(p + 'r0', 'outside');
      await store.put(p + 'q', 'outside');
      const all = await store.range(p + 'r/');
      expect(all.map((kv) => kv.key.slice(p.length + 2))).toEqual(['a', 'a0', 'b', 'c/0', 'c/1', 'ä']);
      expect((await store.range(p + 'r/c/')).map((kv) => kv.value)).toEqual(['c/0', 'c/1']);
      expect((await store.range(p + 'r/', { limit: 2 })).map((kv) => kv.value)).toEqual(['a', 'a0']);
      expect(await store.range(p + 'nothing/')).toEqual([]);
    });

    test('delete removes a key once; deleting an absent key changes no revision', async () => {
      const r1 = await store.put(p + 'd', 'x');
      expect(await store.delete(p + 'd')).toBe(true);
      const afterDelete = await store.revision();
      expect(afterDelete).toBe(r1 + 1);
      expect(await store.get(p + 'd')).toBeUndefined();
      expect(await store.delete(p + 'd')).toBe(false);
      expect(await store.revision()).toBe(afterDelete);
    });

    test('a key recreated after delete starts again at version 1 with a new createRevision', async () => {
      const r1 = await store.put(p + 'k', '1');
      await store.put(p + 'k', '2');
      await store.delete(p + 'k');
      const r4 = await store.put(p + 'k', '3');
      expect(await store.get(p + 'k')).toEqual({ key: p + 'k', value: '3', createRevision: r4, modRevision: r4, version: 1 });
      expect(r4).toBe(r1 + 3);
    });

    test('txn create-if-absent succeeds once; the loser reads the winner in its failure branch', async () => {
      const k = p + 'lock';
      const create = (v: string) => store.txn({
        compare: [{ key: k, target: 'version', op: '=', value: 0 }],
        success: [{ type: 'put', key: k, value: v }],
        failure: [{ type: 'get', key: k }],
      });
      const first = await create('A');
      expect(first.succeeded).toBe(true);
      expect(first.results).toEqual([[]]);
      const second = await create('B');
      expect(second.succeeded).toBe(false);
      expect(second.revision).toBe(first.revision);
      expect(second.results[0].map((kv) => kv.value)).toEqual(['A']);
    });

    test('txn compares on modRevision, version and value, with =, < and >', async () => {
      const k = p + 'c';
      const rev = await store.put(k, 'v1');
      const check = async (compare: Parameters<Store['txn']>[0]['compare'][number]) =>
        (await store.txn({ compare: [compare], success: [] })).succeeded;
      expect(await check({ key: k, target: 'modRevision', op: '=', value: rev })).toBe(true);
      expect(await check({ key: k, target: 'modRevision', op: '=', value: rev - 1 })).toBe(false);
      expect(await check({ key: k, target: 'modRevision', op: '<', value: rev + 1 })).toBe(true);
      expect(await check({ key: k, target: 'modRevision', op: '>', value: rev })).toBe(false);
      expect(await check({ key: k, target: 'version', op: '=', value: 1 })).toBe(true);
      expect(await check({ key: k, target: 'version', op: '>', value: 0 })).toBe(true);
      expect(await check({ key: k, target: 'version', op: '<', value: 1 })).toBe(false);
      expect(await check({ key: k, target: 'value', op: '=', value: 'v1' })).toBe(true);
      expect(await check({ key: k, target: 'value', op: '=', value: 'v2' })).toBe(false);
      // An absent key has version 0 and modRevision 0, and no value compares equal to it.
      expect(await check({ key: p + 'absent', target: 'version', op: '=', value: 0 })).toBe(true);
      expect(await check({ key: p + 'absent', target: 'modRevision', op: '=', value: 0 })).toBe(true);
      expect(await check({ key: p + 'absent', target: 'value', op: '=', value: '' })).toBe(false);
      // All compares must hold.
      const both = await store.txn({
        compare: [{ key: k, target: 'version', op: '=', value: 1 }, { key: k, target: 'value', op: '=', value: 'nope' }],
        success: [{ type: 'put', key: k, value: 'changed' }],
      });
      expect(both.succeeded).toBe(false);
      expect((await store.get(k))?.value).toBe('v1');
    });

    test('all writes of one txn share one revision; reads report per-op results', async () => {
      const before = await store.revision();
      await store.put(p + 'old', 'gone-soon');
      const res = await store.txn({
        compare: [],
        success: [
          { type: 'put', key: p + 'x', value: '1' },
          { type: 'put', key: p + 'y', value: '2' },
          { type: 'delete', key: p + 'old' },
          { type: 'get', key: p + 'x' },
          { type: 'range', prefix: p },
        ],
      });
      expect(res.succeeded).toBe(true);
      expect(res.revision).toBe(before + 2);
      expect(res.results.slice(0, 3)).toEqual([[], [], []]);
      expect(res.results[3].map((kv) => [kv.key, kv.value, kv.modRevision])).toEqual([[p + 'x', '1', before + 2]]);
      expect(res.results[4].map((kv) => kv.key)).toEqual([p + 'x', p + 'y']);
      expect((await store.get(p + 'y'))?.modRevision).toBe(before + 2);
      expect(await store.revision()).toBe(before + 2);
    });

    test('deletePrefix removes every key under the prefix in one revision', async () => {
      for (const k of ['1', '2', '3']) await store.put(p + 'dp/' + k, k);
      await store.put(p + 'dq', 'stays');
      const res = await store.txn({ compare: [], success: [{ type: 'deletePrefix', prefix: p + 'dp/' }] });
      expect(await store.range(p + 'dp/')).toEqual([]);
      expect((await store.get(p + 'dq'))?.value).toBe('stays');
      expect(await store.revision()).toBe(res.revision);
    });

    test('bad requests are refused naming the field, and change nothing', async () => {
      const before = await store.revision();
      await expect(store.put('', 'x')).rejects.toThrow(StoreRequestError);
      await expect(store.txn({ compare: [], success: [{ type: 'put', key: p + 'a', value: '1' }, { type: 'put', key: p + 'a', value: '2' }] }))
        .rejects.toThrow(/success\[1\]\.key: duplicate key/);
      await expect(store.txn({ compare: [{ key: p + 'a', target: 'value', op: '<', value: 'x' } as never], success: [] }))
        .rejects.toThrow(/compare\[0\]\.op/);
      await expect(store.put(p + 'a', 42 as unknown as string)).rejects.toThrow(/value: must be a string/);
      await expect(store.grantLease(0)).rejects.toThrow(/ttlSeconds/);
      expect(await store.revision()).toBe(before);
      expect(await store.get(p + 'a')).toBeUndefined();
    });

    test('a txn of 128 ops is accepted; 129 are refused (etcd\'s limit, enforced by both stores)', async () => {
      const ops = (n: number) => Array.from({ length: n }, (_, i) => ({ type: 'put' as const, key: `${p}many/${i}`, value: String(i) }));
      const ok = await store.txn({ compare: [], success: ops(128) });
      expect(ok.succeeded).toBe(true);
      expect(await store.range(p + 'many/')).toHaveLength(128);
      await expect(store.txn({ compare: [], success: ops(129) })).rejects.toThrow(/^success: at most 128 operations per transaction/);
    });

    test('a large range comes back whole and sorted (paged where the store pages)', async () => {
      const n = 2_500;
      for (let i = 0; i < n; i += 125) {
        await store.txn({ compare: [], success: Array.from({ length: 125 }, (_, j) => ({ type: 'put' as const, key: `${p}big/${String(i + j).padStart(5, '0')}`, value: 'v'.repeat(200) })) });
      }
      const all = await store.range(p + 'big/');
      expect(all).toHaveLength(n);
      expect(all.map((kv) => kv.key)).toEqual(Array.from({ length: n }, (_, i) => `${p}big/${String(i).padStart(5, '0')}`));
      const some = await store.range(p + 'big/', { limit: 1_234 });
      expect(some).toHaveLength(1_234);
      expect(some[1_233].key).toBe(`${p}big/01233`);
    });

    test('random transactions behave exactly like the reference model, and so does the watch', async () => {
      // Keys share prefixes on purpose ('a' / 'ab' / 'a/x'), so prefix ops have something to get wrong.
      const names = ['a', 'ab', 'a/x', 'b', 'b/c', 'ä'];
      const key = fc.constantFrom(...names);
      const compare: fc.Arbitrary<(base: number) => Compare> = fc.oneof(
        fc.record({ k: key, op: fc.constantFrom('=', '<', '>'), v: fc.integer({ min: 0, max: 3 }) })
          .map(({ k, op, v }) => () => ({ key: k, target: 'version', op, value: v }) as Compare),
        fc.record({ k: key, op: fc.constantFrom('=', '<', '>'), d: fc.integer({ min: -1, max: 8 }) })
          .map(({ k, op, d }) => (base: number) => ({ key: k, target: 'modRevision', op, value: d < 0 ? 0 : base + d }) as Compare),
        fc.record({ k: key, v: fc.constantFrom('0', '1', '2') }).map(({ k, v }) => () => ({ key: k, target: 'value', op: '=', value: v }) as Compare),
      );
      const op: fc.Arbitrary<Op> = fc.oneof(
        fc.record({ k: key, v: fc.constantFrom('0', '1', '2') }).map(({ k, v }) => ({ type: 'put', key: k, value: v }) as Op),
        key.map((k) => ({ type: 'delete', key: k }) as Op),
        fc.constantFrom('a', 'b/', 'x').map((pr) => ({ type: 'deletePrefix', prefix: pr }) as Op),
        key.map((k) => ({ type: 'get', key: k }) as Op),
        fc.constantFrom('', 'a', 'a/', 'b').map((pr) => ({ type: 'range', prefix: pr }) as Op),
      );
      /** Drop writes the stores refuse on purpose (a key written twice, or inside a deleted prefix). */
      const legal = (ops: Op[]): Op[] => {
        const out: Op[] = [];
        for (const o of ops) {
          const written = out.filter((x) => x.type === 'put' || x.type === 'delete').map((x) => (x as { key: string }).key);
          const prefixes = out.filter((x) => x.type === 'deletePrefix').map((x) => (x as { prefix: string }).prefix);
          if ((o.type === 'put' || o.type === 'delete') && (written.includes(o.key) || prefixes.some((pr) => o.key.startsWith(pr)))) continue;
          if (o.type === 'deletePrefix' && written.some((k) => k.startsWith(o.prefix))) continue;
          out.push(o);
        }
        return out;
      };
      const txn = fc.record({
        compare: fc.array(compare, { maxLength: 2 }),
        success: fc.array(op, { maxLength: 4 }),
        failure: fc.array(op, { maxLength: 3 }),
      });

      let run = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(txn, { minLength: 1, maxLength: 12 }), async (txns) => {
          const root = `${p}model${run++}/`;
          const base = await store.revision();
          const model = new StoreModel(base);
          const seen: WatchEvent[] = [];
          const w = await store.watch(root, base, (e) => seen.push(...e));
          const strip = (k: string) => k.slice(root.length);
          const at = (o: Op): Op => (o.type === 'range' || o.type === 'deletePrefix' ? { ...o, prefix: root + o.prefix } : { ...o, key: root + o.key });
          try {
            for (const t of txns) {
              const req: TxnRequest = {
                compare: t.compare.map((c) => {
                  const cc = c(base);
                  return { ...cc, key: root + cc.key };
                }),
                success: legal(t.success).map(at),
                failure: legal(t.failure).map(at),
              };
              const expected = model.txn(req);
              const actual = await store.txn(req);
              expect({ ...actual, results: actual.results.map((r) => r.map((kv) => ({ ...kv, key: strip(kv.key) }))) })
                .toEqual({ ...expected, results: expected.results.map((r) => r.map((kv) => ({ ...kv, key: strip(kv.key) }))) });
            }
            const byKey = [...model.kvs.values()].sort((x, y) => Buffer.compare(Buffer.from(x.key), Buffer.from(y.key)));
            expect(await store.range(root)).toEqual(byKey);
            await waitFor('the watch to catch up with the model', () => seen.length >= model.events.length, 5_000);
            expect(seen).toEqual(model.events);
          } finally {
            await w.close();
          }
        }),
        { numRuns: 25 },
      );
    }, 60_000);

    test('concurrent compare-and-swap increments from two handles lose no update', async () => {
      const other = await another();
      const k = p + 'counter';
      await store.put(k, '0');
      const increment = async (s: Store) => {
        for (;;) {
          const kv = (await s.get(k))!;
          const res = await s.txn({
            compare: [{ key: k, target: 'modRevision', op: '=', value: kv.modRevision }],
            success: [{ type: 'put', key: k, value: String(Number(kv.value) + 1) }],
          });
          if (res.succeeded) return;
        }
      };
      await Promise.all(Array.from({ length: 60 }, (_, i) => increment(i % 2 ? store : other)));
      expect((await store.get(k))?.value).toBe('60');
      expect((await other.get(k))?.version).toBe(61);
    });

    test('watch from now delivers puts and deletes under the prefix, in order, once', async () => {
      const c = collector();
      const w = await store.watch(p + 'w/', undefined, c.onEvent);
      const r1 = await store.put(p + 'w/a', '1');
      await store.put(p + 'elsewhere', 'x');
      const r2 = await store.put(p + 'w/b', '2');
      await store.delete(p + 'w/a');
      await waitFor('3 events', () => c.events.length >= 3);
      await sleep(200);
      expect(c.events.map((e) => [e.type, e.kv.key.slice(p.length), e.kv.value])).toEqual([
        ['put', 'w/a', '1'], ['put', 'w/b', '2'], ['delete', 'w/a', ''],
      ]);
      expect(c.events[0].kv).toMatchObject({ modRevision: r1, createRevision: r1, version: 1 });
      expect(c.events[1].kv.modRevision).toBe(r2);
      expect(c.events[2].kv.modRevision).toBe(r2 + 1);
      await w.close();
      await store.put(p + 'w/c', 'after close');
      await sleep(300);
      expect(c.events).toHaveLength(3);
    });

    test('watch from a past revision replays history exactly once, then continues live', async () => {
      const start = await store.revision();
      await store.put(p + 'h/1', 'a');
      await store.put(p + 'h/1', 'b');
      await store.put(p + 'h/2', 'c');
      await store.delete(p + 'h/1');
      const c = collector();
      const w = await store.watch(p + 'h/', start, c.onEvent);
      await store.put(p + 'h/3', 'd');
      await waitFor('5 events', () => c.events.length >= 5);
      await sleep(200);
      expect(c.events.map((e) => `${e.type}:${e.kv.key.slice(p.length)}=${e.kv.value}`)).toEqual([
        'put:h/1=a', 'put:h/1=b', 'put:h/2=c', 'delete:h/1=', 'put:h/3=d',
      ]);
      const revs = c.events.map((e) => e.kv.modRevision);
      expect(revs).toEqual([start + 1, start + 2, start + 3, start + 4, start + 5]);
      expect(c.events[1].kv.version).toBe(2);
      await w.close();
    });

    test('watch from a revision in the middle skips what came before it', async () => {
      await store.put(p + 'm/1', 'a');
      const mid = await store.put(p + 'm/2', 'b');
      await store.put(p + 'm/3', 'c');
      const c = collector();
      const w = await store.watch(p + 'm/', mid, c.onEvent);
      await waitFor('1 event', () => c.events.length >= 1);
      await sleep(200);
      expect(c.events.map((e) => e.kv.key.slice(p.length))).toEqual(['m/3']);
      await w.close();
    });

    test('the events of one txn arrive together with one modRevision', async () => {
      const c = collector();
      const w = await store.watch(p + 't/', undefined, c.onEvent);
      const res = await store.txn({ compare: [], success: [
        { type: 'put', key: p + 't/a', value: '1' }, { type: 'put', key: p + 't/b', value: '2' },
      ] });
      await waitFor('2 events', () => c.events.length >= 2);
      expect(c.batches[0].map((e) => e.kv.modRevision)).toEqual([res.revision, res.revision]);
      await w.close();
    });

    test('a watcher sees the writes of another handle', async () => {
      const other = await another();
      const c = collector();
      const w = await store.watch(p + 'o/', undefined, c.onEvent);
      await other.put(p + 'o/x', 'from-other');
      await waitFor('event from other handle', () => c.events.length >= 1);
      expect(c.events[0].kv.value).toBe('from-other');
      await w.close();
    });

    test('keys attached to a revoked lease disappear, with delete events; the lease cannot be reused', async () => {
      const lease = await store.grantLease(5);
      expect(lease.id).toMatch(/^[0-9]+$/);
      await store.put(p + 'l/a', 'x', { lease: lease.id });
      await store.txn({ compare: [], success: [{ type: 'put', key: p + 'l/b', value: 'y', lease: lease.id }] });
      await store.put(p + 'l/c', 'no lease');
      expect((await store.get(p + 'l/a'))?.lease).toBe(lease.id);
      expect((await store.get(p + 'l/c'))?.lease).toBeUndefined();
      const c = collector();
      const w = await store.watch(p + 'l/', undefined, c.onEvent);
      await lease.revoke();
      expect((await store.range(p + 'l/')).map((kv) => kv.key)).toEqual([p + 'l/c']);
      await waitFor('2 delete events', () => c.events.length >= 2);
      expect(c.events.map((e) => e.type)).toEqual(['delete', 'delete']);
      await expect(store.put(p + 'l/d', 'z', { lease: lease.id })).rejects.toThrow(LeaseNotFoundError);
      expect(await store.get(p + 'l/d')).toBeUndefined();
      await w.close();
    });

    test('a lease is kept alive past its TTL while its holder lives, and expires after the holder goes', async () => {
      const holder = await backend().open();
      const lease = await holder.grantLease(1);
      let lost = false;
      lease.onLost(() => { lost = true; });
      await holder.put(p + 'alive', 'yes', { lease: lease.id });
      await sleep(3_500);
      expect((await store.get(p + 'alive'))?.value).toBe('yes');
      expect(lost).toBe(false);
      const c = collector();
      const w = await store.watch(p, undefined, c.onEvent);
      await holder.close(); // stops the keep-alive without revoking
      const closedAt = Date.now();
      await waitFor('the lease to expire', async () => (await store.get(p + 'alive')) === undefined, 10_000);
      expect(Date.now() - closedAt).toBeLessThan(5_000);
      await waitFor('delete event', () => c.events.length >= 1);
      expect(c.events[0]).toMatchObject({ type: 'delete', kv: { key: p + 'alive' } });
      await w.close();
    }, 30_000);

    test('watch refuses a bad fromRevision', async () => {
      await expect(store.watch(p, -1, () => undefined)).rejects.toThrow(/fromRevision/);
    });
  });
}
