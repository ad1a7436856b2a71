// etcd store: the conformance suite against a real single-node etcd, then a real 3-member cluster
// losing a member while writes, watches and leases carry on.
import { EtcdStore } from '../../provider/store/etcd';
import { OutcomeUnknownError } from '../../provider/store/errors';
import type { Store, WatchEvent } from '../../provider/store/store';
import { EtcdCluster, EtcdMember, raftLeader, startEtcd, startEtcdCluster, stopAllEtcd } from '../helpers/etcd';
import { defineStoreConformance, waitFor } from './conformance';

let single: EtcdCluster;
beforeAll(async () => {
  single = await startEtcd();
}, 60_000);
afterAll(() => stopAllEtcd(), 60_000);

defineStoreConformance('etcd', () => ({ open: () => EtcdStore.connect(single.endpoints) }));

describe('EtcdStore', () => {
  test('connect names the endpoints when nothing answers', async () => {
    await expect(EtcdStore.connect(['http://127.0.0.1:1'], { connectTimeoutMs: 500 })).rejects.toThrow(/etcd http:\/\/127\.0\.0\.1:1: not reachable/);
  });

  test('connect refuses malformed endpoints, naming which', async () => {
    await expect(EtcdStore.connect(['http://127.0.0.1:2379', 'localhost'])).rejects.toThrow(/^endpoints\[1\]: 'localhost' is not a URL/);
    await expect(EtcdStore.connect([])).rejects.toThrow(/^endpoints: must list at least one/);
  });

  test('a watch from a compacted revision is refused with CompactedError', async () => {
    const store = await EtcdStore.connect(single.endpoints);
    try {
      const first = await store.put('/compact/a', '1');
      const rev = await store.put('/compact/a', '2');
      await store.client.kv.compact({ revision: rev, physical: true });
      await expect(store.watch('/compact/', first - 1, () => undefined)).rejects.toMatchObject({ code: 'store_compacted', compactRevision: rev });
    } finally {
      await store.close();
    }
  });
});

describe('EtcdStore on a 3-member cluster', () => {
  let cluster: EtcdCluster;
  let store: Store;
  beforeAll(async () => {
    cluster = await startEtcdCluster(3);
    store = await EtcdStore.connect(cluster.endpoints);
  }, 60_000);
  afterAll(async () => {
    await store?.close();
    await cluster?.stop();
  }, 60_000);

  let killed: EtcdMember;

  test('kill -9 of the raft leader member: writes, the watch and a lease carry on, nothing acknowledged is lost', async () => {
    const events: WatchEvent[] = [];
    const w = await store.watch('/ha/', undefined, (e) => events.push(...e));
    const lease = await store.grantLease(3);
    let lost = false;
    lease.onLost(() => { lost = true; });
    await store.put('/ha/leased', 'x', { lease: lease.id });
    const acked: string[] = [];
    // The store never re-sends a write (docs/store.md "Outcome unknown"): a put caught on the dying
    // member fails with OutcomeUnknownError, and the caller establishes the outcome. A put of a
    // fixed value is idempotent, so this caller reads it back and sends it again when absent.
    let unknownOutcomes = 0;
    const putResolved = async (key: string, value: string) => {
      for (let attempt = 0; ; attempt++) {
        try {
          await store.put(key, value);
          return;
        } catch (e) {
          if (!(e instanceof OutcomeUnknownError) || attempt > 20) throw e;
          unknownOutcomes++;
          if ((await store.get(key))?.value === value) return;
        }
      }
    };
    const writeSome = async (from: number, n: number) => {
      for (let i = from; i < from + n; i++) {
        await putResolved(`/ha/k${String(i).padStart(4, '0')}`, String(i));
        acked.push(`/ha/k${String(i).padStart(4, '0')}`);
      }
    };
    await writeSome(0, 50);
    killed = await raftLeader(cluster); // the worst member to lose: a new raft election follows
    await killed.kill9();
    const killedAt = Date.now();
    await writeSome(50, 100);
    const resumedIn = Date.now() - killedAt;
    expect(resumedIn).toBeLessThan(10_000);
    console.log(`writes resumed ${resumedIn} ms after the raft leader died; ${unknownOutcomes} put(s) with an unknown outcome resolved by reading back`);
    // Keep-alives continue through the surviving members for longer than the TTL.
    await new Promise((r) => setTimeout(r, 4_000));
    expect(lost).toBe(false);
    expect((await store.get('/ha/leased'))?.value).toBe('x');
    const keys = (await store.range('/ha/k')).map((kv) => kv.key);
    expect(keys).toEqual(acked);
    await waitFor('every put event', () => events.filter((e) => e.kv.key.startsWith('/ha/k')).length >= 150, 20_000);
    const seen = events.filter((e) => e.kv.key.startsWith('/ha/k')).map((e) => e.kv.key);
    expect(seen).toEqual(acked); // exactly once, in order, across the member's death
    await w.close();
    await lease.revoke();
  }, 60_000);

  test('a member restarted after kill -9 rejoins and serves the data written while it was down', async () => {
    const m0 = killed ?? cluster.members[0];
    if (m0.running()) await m0.kill9();
    await store.put('/ha/while-down', 'yes');
    await m0.restart();
    const direct = await EtcdStore.connect([m0.clientUrl]);
    try {
      await waitFor('the restarted member to catch up', async () => (await direct.get('/ha/while-down'))?.value === 'yes', 20_000);
    } finally {
      await direct.close();
    }
  }, 60_000);
});
