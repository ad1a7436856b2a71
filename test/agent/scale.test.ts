// A scaled-down run of bench/agent-scale.ts as a regression test: 100 simulated agents stage
// 1,000 volumes against one real composer; every volume is staged, the composer agrees, and the
// agents long-poll (about one assignment request per change, none while idle).
import axios from 'axios';
import { startAgent, RunningAgent } from '../../provider/agent/daemon';
import { SimulatedFabric } from '../../provider/agent/sim/fabric';
import { SimulatedHost } from '../../provider/agent/sim/host';
import { ComposerClient } from '../../provider/client';
import { OPERATOR, TestComposer, agentToken, inventory, startTestComposer } from './composer-fixture';

const AGENTS = 100;
const VOLUMES = 1000;
let tc: TestComposer;
const agents: RunningAgent[] = [];

beforeAll(async () => {
  const servers = Array.from({ length: AGENTS }, (_, i) => `s${i}`);
  tc = await startTestComposer(inventory({ servers, enclosures: 4, ssdPerEnclosure: 8, ssdGiB: 3576, hddPerEnclosure: 0 }));
}, 60_000);

afterAll(async () => {
  await Promise.all(agents.map((a) => a.stop()));
  await tc.close();
});

async function assignmentRequests(): Promise<number> {
  const text = (await axios.get(`${tc.composer.url}/metrics`, { headers: { authorization: `Bearer ${OPERATOR}` }, responseType: 'text' })).data as string;
  return text
    .split('\n')
    .filter((l) => l.startsWith('tessera_http_requests_total') && l.includes('/assignments'))
    .reduce((n, l) => n + Number(l.split(' ').pop()), 0);
}

test(`${AGENTS} simulated agents stage ${VOLUMES} volumes against one composer`, async () => {
  const fabric = new SimulatedFabric();
  const servers = Array.from({ length: AGENTS }, (_, i) => `s${i}`);
  for (const s of servers) {
    agents.push(await startAgent({ composer: tc.composer.url, insecureDev: true, token: agentToken(s), server: s, backend: 'simulated', runner: new SimulatedHost(fabric), heartbeatMs: 10_000, waitSeconds: 30, pollMs: 1 }));
  }
  const cluster = (await tc.ops.post('/v1/clusters', { name: 'scale', servers })).body.id;
  const t0 = Date.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < VOLUMES) {
        const j = next++;
        const r = await tc.ops.post('/v1/volumes', { cluster, name: `v${j}`, type: 'slice', sizeGiB: 10, server: servers[j % AGENTS], mountPath: `/srv/v${j}` });
        expect(r.status).toBe(201);
      }
    }),
  );
  await Promise.all(agents.map((a) => a.converged(120_000)));
  const seconds = (Date.now() - t0) / 1000;
  const list = await new ComposerClient({ endpoint: tc.composer.url, token: OPERATOR }).listAll<{ state: string }>('/v1/volumes', { cluster });
  expect(list.filter((v) => v.state === 'staged').length).toBe(VOLUMES);
  // Long polling: one initial request plus about one per change, per agent.
  const busy = await assignmentRequests();
  expect(busy).toBeLessThanOrEqual(AGENTS * (VOLUMES / AGENTS + 3));
  // Idle: nothing changes, (almost) nothing is asked.
  await new Promise((r) => setTimeout(r, 2000));
  expect((await assignmentRequests()) - busy).toBeLessThanOrEqual(5);
  process.stdout.write(`scale: ${AGENTS} agents staged ${VOLUMES} volumes in ${seconds.toFixed(1)} s\n`);
}, 180_000);
