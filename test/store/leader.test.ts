// Leader election over both stores: one leader, agreement on its address, fencing, resignation, and
// failover within 5 s after the leader process is killed -9 (its lease runs out, a standby wins).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EtcdStore } from '../../provider/store/etcd';
import { campaign, Leadership } from '../../provider/store/leader';
import { SqliteStore } from '../../provider/store/sqlite';
import type { Store } from '../../provider/store/store';
import { EtcdCluster, startEtcd, stopAllEtcd } from '../helpers/etcd';
import { Child, startTsChild } from './child';
import { waitFor } from './conformance';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-leader-'));
let etcd: EtcdCluster;
const children: Child[] = [];

beforeAll(async () => {
  etcd = await startEtcd();
}, 60_000);
afterAll(async () => {
  for (const c of children) await c.kill9();
  await stopAllEtcd();
  fs.rmSync(dir, { recursive: true, force: true });
}, 60_000);

const backends: Array<[string, () => string, () => Promise<Store>]> = [
  ['sqlite', () => `sqlite:${path.join(dir, 'leader.db')}`, () => SqliteStore.open(path.join(dir, 'leader.db'), { pollIntervalMs: 50 })],
  ['etcd', () => etcd.storeUrl, () => EtcdStore.connect(etcd.endpoints)],
];

describe.each(backends)('leader election on %s', (kind, storeUrl, open) => {
  test('three campaigners: exactly one leads, all agree on its address; resign hands over; fences follow', async () => {
    const name = `trio-${kind}`;
    const stores = await Promise.all([open(), open(), open()]);
    const people: Leadership[] = [];
    try {
      for (const [i, s] of stores.entries()) people.push(await campaign(s, { name, address: `http://node${i}`, ttlSeconds: 2 }));
      const leaders = () => people.filter((p) => p.isLeader());
      expect(leaders()).toHaveLength(1);
      const first = leaders()[0];
      await waitFor('agreement on the leader', () => people.every((p) => p.leaderAddress() === first.leaderAddress()));
      const fence = first.fence()!;
      expect(fence).toMatchObject({ key: first.key, target: 'modRevision' });
      expect(people.filter((p) => p !== first).every((p) => p.fence() === undefined)).toBe(true);
      const ok = await stores[0].txn({ compare: [fence], success: [{ type: 'put', key: `/fenced/${name}`, value: 'first' }] });
      expect(ok.succeeded).toBe(true);

      const changes: boolean[] = [];
      first.onChange((s) => changes.push(s.isLeader));
      const resignedAt = Date.now();
      await first.resign();
      expect(first.isLeader()).toBe(false);
      expect(changes).toEqual([false]);
      const rest = people.filter((p) => p !== first);
      await waitFor('a successor', () => rest.some((p) => p.isLeader()), 5_000);
      expect(Date.now() - resignedAt).toBeLessThan(2_000); // resigning frees the key at once
      expect(rest.filter((p) => p.isLeader())).toHaveLength(1);
      const second = rest.find((p) => p.isLeader())!;
      await waitFor('agreement on the successor', () => rest.every((p) => p.leaderAddress() === second.leaderAddress()));
      expect(second.leaderAddress()).not.toBe(first.leaderAddress());
      // The old leader's fence no longer holds; the new one's does.
      const stale = await stores[0].txn({ compare: [fence], success: [{ type: 'put', key: `/fenced/${name}`, value: 'stale' }] });
      expect(stale.succeeded).toBe(false);
      const fresh = await stores[0].txn({ compare: [second.fence()!], success: [{ type: 'put', key: `/fenced/${name}`, value: 'second' }] });
      expect(fresh.succeeded).toBe(true);
    } finally {
      for (const p of people) await p.resign();
      for (const s of stores) await s.close();
    }
  }, 30_000);

  test('kill -9 of the leader process: the standby process leads within 5 s', async () => {
    const name = `failover-${kind}`;
    const a = startTsChild('test/store/fixtures/campaigner.ts', [storeUrl(), name, 'http://a']);
    children.push(a);
    await a.waitForLine(/^ready leader=1 address=http:\/\/a$/);
    const b = startTsChild('test/store/fixtures/campaigner.ts', [storeUrl(), name, 'http://b']);
    children.push(b);
    await b.waitForLine(/^ready leader=0 address=http:\/\/a$/);
    await new Promise((r) => setTimeout(r, 1_000)); // let a renew its lease at least once
    await a.kill9();
    const killedAt = Date.now();
    await b.waitForLine(/^state leader=1 address=http:\/\/b$/, 10_000);
    const failoverMs = Date.now() - killedAt;
    if (process.env.SHOW_FAILOVER) process.stderr.write(`failover ${kind}: ${failoverMs} ms\n`);
    expect(failoverMs).toBeLessThan(5_000);
    // A third process joining now follows b.
    const c = startTsChild('test/store/fixtures/campaigner.ts', [storeUrl(), name, 'http://c']);
    children.push(c);
    await c.waitForLine(/^ready leader=0 address=http:\/\/b$/);
    await b.kill9();
    await c.kill9();
  }, 60_000);

  test('a leader frozen past its TTL (SIGSTOP) is replaced, and steps down as soon as it wakes', async () => {
    const name = `frozen-${kind}`;
    const a = startTsChild('test/store/fixtures/campaigner.ts', [storeUrl(), name, 'http://a']);
    children.push(a);
    await a.waitForLine(/^ready leader=1 address=http:\/\/a$/);
    const b = startTsChild('test/store/fixtures/campaigner.ts', [storeUrl(), name, 'http://b']);
    children.push(b);
    await b.waitForLine(/^ready leader=0 address=http:\/\/a$/);
    a.proc.kill('SIGSTOP');
    try {
      await b.waitForLine(/^state leader=1 address=http:\/\/b$/, 10_000);
    } finally {
      a.proc.kill('SIGCONT');
    }
    const wokeAt = Date.now();
    // Its lease is gone: it must give up leadership before anything else, then follow b.
    await a.waitForLine(/^state leader=0 /, 5_000);
    expect(Date.now() - wokeAt).toBeLessThan(2_000);
    await a.waitForLine(/^state leader=0 address=http:\/\/b$/, 10_000);
    const aStates = a.lines.filter((l) => l.startsWith('state'));
    expect(aStates.some((l) => l.includes('leader=1'))).toBe(false);
    await a.kill9();
    await b.kill9();
  }, 60_000);
});

test('campaign refuses bad options, naming the field', async () => {
  const store = await SqliteStore.open(path.join(dir, 'bad.db'));
  try {
    await expect(campaign(store, { name: 'a/b', address: 'x' })).rejects.toThrow(/^name: /);
    await expect(campaign(store, { name: 'ok', address: '' })).rejects.toThrow(/^address: /);
    await expect(campaign(store, { name: 'ok', address: 'x', ttlSeconds: 0.5 })).rejects.toThrow(/^ttlSeconds: /);
  } finally {
    await store.close();
  }
});
