// A leader change during a run of creates does not fail them: two real composer replicas on a
// real etcd, the handlers configured with both; the leader shuts down mid-run, the standby
// takes over, and every create lands exactly once (idempotent by cluster and name).
import * as crypto from 'node:crypto';
import type { RunningComposer } from '../../provider/composer';
import { handlersFor } from '../../provider/handlers';
import { ComposerClient } from '../../provider/client';
import { EtcdCluster, startEtcd } from '../helpers/etcd';
import { LAB_INVENTORY, OPERATOR_TOKEN, startTestComposer, type TestComposer } from '../helpers/composer';

jest.setTimeout(120_000);

describe('handlers across a composer leader change (real etcd)', () => {
  let etcd: EtcdCluster;
  const replicas: RunningComposer[] = [];
  const harnesses: TestComposer[] = [];
  const token = OPERATOR_TOKEN;
  const masterKey = crypto.randomBytes(32);
  const logs: string[] = [];

  beforeAll(async () => {
    etcd = await startEtcd();
    const start = async (inventory: boolean) => {
      const h = await startTestComposer({ store: etcd.storeUrl, inventory: inventory ? LAB_INVENTORY : false, masterKey, leaseTtlSeconds: 2, log: (l) => logs.push(l) });
      harnesses.push(h);
      return h.composer;
    };
    replicas.push(await start(true));
    await replicas[0].whenLeader(20_000);
    replicas.push(await start(false));
  });

  afterAll(async () => {
    await Promise.allSettled(harnesses.map((h) => h.close()));
    await etcd?.stop();
  });

  it('keeps creating through the hand-over; each object exists once', async () => {
    const [first, second] = replicas;
    expect(first.isLeader()).toBe(true);
    expect(second.isLeader()).toBe(false);
    // Configured standby first: the client is sent to the leader, then falls back when it dies.
    const h = handlersFor({ endpoint: `${second.url},${first.url}`, token, retry: { attempts: 14, baseDelayMs: 100, maxDelayMs: 2000 } });
    const cluster = await h.tessera_cluster.create({ name: 'ha', servers: ['k1', 'k2'] }, 'o');
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) {
      if (i === 5) await first.close(); // the leader goes away mid-run
      const { id } = await h.tessera_slice.create({ cluster: cluster.id, name: `s${i}`, sizeGiB: 4 }, `o${i}`);
      ids.push(id);
    }
    await second.whenLeader(10_000);
    expect(second.isLeader()).toBe(true);
    const list = (await new ComposerClient({ endpoint: second.url, token }).request<{ items: { id: string; name: string; members: { serial: string; offsetGiB: number }[] }[] }>('GET', '/v1/slices')).data.items;
    expect(list.map((s) => s.name).sort()).toEqual(Array.from({ length: 12 }, (_, i) => `s${i}`).sort());
    expect(new Set(list.map((s) => s.id))).toEqual(new Set(ids));
    // No extent given out twice.
    const extents = list.map((s) => `${s.members[0].serial}@${s.members[0].offsetGiB}`);
    expect(new Set(extents).size).toBe(12);
    expect(logs.join('\n')).not.toContain(token);
  });
});
