// Server failure on the simulated host (docs/failure.md), against a real composer: the agent of
// k1 dies, k1 is declared down after the heartbeat grace period, its volume with autoMove is
// fenced (exported to nobody) and only once every member enclosure confirms is it staged on k2,
// the member of the cluster the placement rules allow, with its data. A volume without autoMove
// stays. The enclosure services are played over HTTP by this test (the simulated fabric has no
// kernel target to run the real one on): they register, follow their assignments and report
// the revision they applied.
import { startAgent, RunningAgent } from '../../provider/agent/daemon';
import { SimulatedFabric } from '../../provider/agent/sim/fabric';
import { SimulatedHost } from '../../provider/agent/sim/host';
import type { EnclosureExport } from '../../provider/api/contract';
import { agentToken, api, enclosureToken, eventually, inventory, simulatedAgentOptions, startTestComposer, type TestComposer } from './composer-fixture';

let tc: TestComposer;
let fabric: SimulatedFabric;
let cluster: string;
const agents: RunningAgent[] = [];
const inv = inventory({ servers: ['k1', 'k2', 'k3'], enclosures: 4, ssdPerEnclosure: 2, ssdGiB: 16, hddPerEnclosure: 0 });
const enclosures = inv.storageGroups.flatMap((g) => g.enclosures.map((e) => e.name));

async function agent(server: string, host: SimulatedHost) {
  const a = await startAgent(simulatedAgentOptions(tc.composer.url, server, host));
  agents.push(a);
  return a;
}

/** What each enclosure exports now, by volume. */
async function exportsOf(volumeId: string): Promise<EnclosureExport[]> {
  const out: EnclosureExport[] = [];
  for (const e of enclosures) out.push(...((await api(tc.composer.url, enclosureToken(e)).get(`/v1/enclosures/${e}/assignments`)).body.exports as EnclosureExport[]).filter((x) => x.volumeId === volumeId));
  return out;
}

let confirming = false;
/** One pass of every enclosure stand-in: the set it would apply, reported applied. */
async function enclosurePass(): Promise<void> {
  for (const e of enclosures) {
    const c = api(tc.composer.url, enclosureToken(e));
    const a = (await c.get(`/v1/enclosures/${e}/assignments`)).body;
    await c.put(`/v1/enclosures/${e}/report`, { drives: [], exports: [], appliedRevision: a.revision });
  }
}

beforeAll(async () => {
  tc = await startTestComposer(inv, { heartbeatGraceMs: 1000, enclosureTokens: true });
  fabric = new SimulatedFabric();
  cluster = (await tc.ops.post('/v1/clusters', { name: 'apps', servers: ['k1', 'k2', 'k3'] })).body.id;
  for (const e of enclosures) expect((await api(tc.composer.url, enclosureToken(e)).post(`/v1/enclosures/${e}/register`, { hostname: e, version: 'test', drives: [] })).status).toBe(200);
});

afterAll(async () => {
  confirming = false;
  await Promise.all(agents.map((a) => a.stop()));
  await tc.close();
});

const volume = (id: string) => tc.ops.get(`/v1/volumes/${id}`).then((r) => r.body);

test('the agent of k1 dies: its autoMove volume is fenced, then staged on another member with its data; the other volume stays', async () => {
  const h1 = new SimulatedHost(fabric);
  const h2 = new SimulatedHost(fabric);
  const k1 = await agent('k1', h1);
  await agent('k2', h2);
  const moving = (await tc.ops.post('/v1/volumes', { cluster, name: 'db', type: 'ssd', sizeGiB: 10, redundancy: true, server: 'k1', mountPath: '/srv/db', autoMove: true })).body;
  const staying = (await tc.ops.post('/v1/volumes', { cluster, name: 'cache', type: 'ssd', sizeGiB: 10, server: 'k1' })).body;
  await eventually(async () => (await volume(moving.id)).state === 'staged' && (await volume(staying.id)).state === 'staged', 10_000, 'staged on k1');
  h1.writeFile('/srv/db/table', 'rows');
  expect((await exportsOf(moving.id)).map((x) => x.server)).toEqual(['k1', 'k1']);

  await k1.stop(); // the agent dies; k1's host keeps what it had (nobody unstaged it)
  // k1 down after the grace period; the move starts and is fenced: exported to nobody, nothing for k2 or k3.
  await eventually(async () => (await volume(moving.id)).server !== 'k1', 10_000, 'automatic move started');
  const target = (await volume(moving.id)).server as string;
  expect(['k2', 'k3']).toContain(target);
  // k3 never registered (its agent is unknown, not up): k2 is the only target.
  expect(target).toBe('k2');
  expect(await exportsOf(moving.id)).toEqual([]);
  await new Promise((r) => setTimeout(r, 1200)); // reconciler passes
  const k2Has = async () => (await api(tc.composer.url, agentToken('k2')).get('/v1/agents/k2/assignments')).body.assignments.some((a: { volumeId: string }) => a.volumeId === moving.id);
  expect(await k2Has()).toBe(false);

  // The enclosures apply the fenced set and say so: k2 gets the volume, the exports go to k2 only.
  confirming = true;
  void (async () => {
    while (confirming) {
      await enclosurePass().catch(() => undefined);
      await new Promise((r) => setTimeout(r, 200));
    }
  })();
  const staged = await eventually(async () => {
    const v = await volume(moving.id);
    return v.state === 'staged' && v.server === 'k2' ? v : undefined;
  }, 15_000, 'staged on k2');
  expect(staged.health).toBe('ok');
  expect(h2.readFile('/srv/db/table')).toBe('rows');
  expect((await exportsOf(moving.id)).map((x) => x.server)).toEqual(['k2', 'k2']);
  // Without autoMove: still on k1 (down), not moved.
  expect((await volume(staying.id)).server).toBe('k1');
  const op = ((await tc.ops.get('/v1/operations')).body.items as { objectId: string; kind: string; state: string; detail?: Record<string, unknown> }[]).find((o) => o.objectId === moving.id && o.kind === 'update')!;
  expect(op).toMatchObject({ state: 'done', detail: { moveFrom: 'k1', moveTo: 'k2', fence: true } });
});
