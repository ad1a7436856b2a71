// Server down from enclosure I/O counters (docs/failure.md, "Server failure and fenced moves"),
// on the simulated host against a real composer: k1's agent dies but k1 keeps doing I/O on its
// volume, and the enclosures' reports show the exports' I/O counters growing (the simulated
// fabric counts every file I/O of a host on the exports it has connected) → k1 is NOT down and
// its autoMove volume stays, however long the agent is silent. When the I/O stops too, k1 is
// down after the grace period and the volume is fenced and staged on k2 with its data. The
// enclosure services are played over HTTP by this test, reporting the fabric's counters.
import { startAgent, RunningAgent } from '../../provider/agent/daemon';
import { SimulatedFabric } from '../../provider/agent/sim/fabric';
import { SimulatedHost } from '../../provider/agent/sim/host';
import type { EnclosureExport } from '../../provider/api/contract';
import { api, enclosureToken, eventually, inventory, simulatedAgentOptions, startTestComposer, type TestComposer } from './composer-fixture';

jest.setTimeout(60_000);

let tc: TestComposer;
const fabric = new SimulatedFabric();
const agents: RunningAgent[] = [];
const inv = inventory({ servers: ['k1', 'k2'], enclosures: 4, ssdPerEnclosure: 2, ssdGiB: 16, hddPerEnclosure: 0 });
const enclosures = inv.storageGroups.flatMap((g) => g.enclosures.map((e) => e.name));
let standIn = true;

/** One pass of every enclosure stand-in: the set it was given, reported exported with the fabric's I/O counters, and applied. */
async function enclosurePass(): Promise<void> {
  for (const e of enclosures) {
    const c = api(tc.composer.url, enclosureToken(e));
    const a = (await c.get(`/v1/enclosures/${e}/assignments`)).body as { revision: number; exports: EnclosureExport[] };
    const exports = a.exports.map((x) => ({
      volumeId: x.volumeId,
      serial: x.serial,
      offsetGiB: x.offsetGiB,
      transport: x.transport,
      target: x.nqn ?? x.iqn!,
      server: x.server,
      state: 'exported',
      ...(x.nqn && fabric.byNqn(x.nqn) ? { ioCount: fabric.byNqn(x.nqn)!.ioCount } : {}),
    }));
    await c.put(`/v1/enclosures/${e}/report`, { drives: [], exports, appliedRevision: a.revision });
  }
}

beforeAll(async () => {
  tc = await startTestComposer(inv, { heartbeatGraceMs: 1000, enclosureTokens: true });
  for (const e of enclosures) expect((await api(tc.composer.url, enclosureToken(e)).post(`/v1/enclosures/${e}/register`, { hostname: e, version: 'test', drives: [] })).status).toBe(200);
  void (async () => {
    while (standIn) {
      await enclosurePass().catch(() => undefined);
      await new Promise((r) => setTimeout(r, 200));
    }
  })();
});

afterAll(async () => {
  standIn = false;
  await Promise.all(agents.map((a) => a.stop()));
  await tc.close();
});

const volume = (id: string) => tc.ops.get(`/v1/volumes/${id}`).then((r) => r.body);

test('a server whose agent is dead but whose exports show I/O is not down; once the I/O stops it is, and its volume moves fenced', async () => {
  const h1 = new SimulatedHost(fabric);
  const h2 = new SimulatedHost(fabric);
  const k1 = await startAgent(simulatedAgentOptions(tc.composer.url, 'k1', h1));
  agents.push(await startAgent(simulatedAgentOptions(tc.composer.url, 'k2', h2)));
  const cluster = (await tc.ops.post('/v1/clusters', { name: 'apps', servers: ['k1', 'k2'] })).body.id;
  const v = (await tc.ops.post('/v1/volumes', { cluster, name: 'db', type: 'ssd', sizeGiB: 10, redundancy: true, server: 'k1', mountPath: '/srv/db', autoMove: true })).body;
  await eventually(async () => (await volume(v.id)).state === 'staged', 10_000, 'staged on k1');
  await k1.stop(); // the agent dies; the host and its workload live on

  // Writes keep going on k1 for 4 grace periods: the counters grow, k1 is not down.
  const until = Date.now() + 4000;
  let n = 0;
  while (Date.now() < until) {
    h1.writeFile('/srv/db/log', `line ${n++}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  expect((await tc.ops.get('/v1/servers')).body.items.find((s: { name: string }) => s.name === 'k1').health).toBe('down'); // its agent, by heartbeats
  const still = await volume(v.id);
  expect(still.server).toBe('k1');
  expect(still.moving).toBeUndefined();

  // The I/O stops: after the grace period k1 is down, the volume is fenced and staged on k2 with its data.
  const staged = await eventually(async () => {
    const cur = await volume(v.id);
    return cur.state === 'staged' && cur.server === 'k2' ? cur : undefined;
  }, 15_000, 'staged on k2');
  expect(staged.health).toBe('ok');
  expect(h2.readFile('/srv/db/log')).toBe(`line ${n - 1}`);
  const op = ((await tc.ops.get('/v1/operations')).body.items as { objectId: string; kind: string; detail?: Record<string, unknown> }[]).find((o) => o.objectId === v.id && o.kind === 'update')!;
  expect(op.detail).toMatchObject({ moveFrom: 'k1', moveTo: 'k2', fence: true });
});
