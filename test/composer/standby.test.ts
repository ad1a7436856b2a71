// Two replicas on one SQLite file (the store notices other writers by polling): the standby
// follows the leader's commits (objects, engine, inventory replacement) through the watch, and
// takes over without a reload when the leader resigns.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startTestComposer } from '../helpers/composer';
import { client, MASTER_KEY, smallInventory, startTest, tok, TOKENS } from './fixtures';

test('a standby follows the leader and takes over with the same state', async () => {
  const { composer: leader, dir, dbFile } = await startTest();
  const { composer: standby } = await startTestComposer({ dbFile, inventory: false, tokens: TOKENS, masterKey: MASTER_KEY, log: () => undefined, leaseTtlSeconds: 3 });
  try {
    expect(leader.isLeader()).toBe(true);
    expect(standby.isLeader()).toBe(false);
    expect(standby.leaderAddress()).toBe(leader.url);
    const L = client(leader.url, tok('ops'));
    const S = client(standby.url, tok('ops'));
    const cl = (await L.post('/v1/clusters', { name: 'follow', servers: ['k1', 'k2'] })).body;
    const vols = [];
    for (let i = 0; i < 5; i++) vols.push((await L.post('/v1/volumes', { cluster: cl.id, name: `f${i}`, sizeGiB: 100, type: i % 2 ? 'ssd' : 'slice', server: 'k1' })).body);
    const until = async (cond: () => Promise<boolean>) => {
      const deadline = Date.now() + 5000;
      while (!(await cond())) {
        if (Date.now() > deadline) throw new Error('standby did not catch up');
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    await until(async () => (await S.get('/v1/volumes')).body.items.length === 5);
    for (const q of ['type=ssd', 'type=slice', 'type=hdd']) expect((await S.get(`/v1/capacity?${q}`)).body).toEqual((await L.get(`/v1/capacity?${q}`)).body);
    // Agents may long-poll a standby: it sees assignments through the watch.
    expect((await client(standby.url, tok('agent-k1')).get('/v1/agents/k1/assignments')).body.assignments).toHaveLength(5);

    // A new inventory (one more server) reaches the standby too.
    const inv = smallInventory();
    inv.servers.push({ name: 'k9', transports: ['iscsi'], nicGbps: 10, bandwidthDomain: 'bd-a', tags: [] });
    expect((await client(leader.url, tok('root')).put('/v1/inventory', inv)).status).toBe(200);
    await until(async () => (await S.get('/v1/inventory/summary')).body.servers.includes('k9'));

    // Hand over: the leader resigns, the standby leads with the same state and takes writes.
    await leader.close();
    await standby.whenLeader(10_000);
    const got = (await S.get('/v1/volumes')).body.items.map((v: { id: string }) => v.id).sort();
    expect(got).toEqual(vols.map((v) => v.id).sort());
    const more = await S.post('/v1/volumes', { cluster: cl.id, name: 'after', sizeGiB: 100, type: 'ssd' });
    expect(more.status).toBe(201);
    const taken = new Set(vols.flatMap((v) => v.members.map((m: { serial: string; offsetGiB: number }) => `${m.serial}@${m.offsetGiB}`)));
    for (const m of more.body.members) expect(taken.has(`${m.serial}@${m.offsetGiB}`)).toBe(false);
    expect((await S.del(`/v1/volumes/${vols[0].id}`)).status).toBe(204);
  } finally {
    await leader.close();
    await standby.close();
    fs.rmSync(path.dirname(dbFile), { recursive: true, force: true });
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
