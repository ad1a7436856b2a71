// Agent scale bench (docs/agent.md): N simulated agents (one per server, all in this process, one
// shared simulated fabric) stage V volumes against one real composer (SQLite file, real HTTP on
// 127.0.0.1). Measures the time from the first create until every volume is reported staged.
// Baseline in the same run: the same agents told to poll without waiting (waitSeconds 0 every
// 250 ms, i.e. busy polling) on a smaller slice of the workload, to show what long-polling saves.
//   npx tsx bench/agent-scale.ts --agents 1000 --volumes 10000 [--idle-seconds 10] [--json]
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import axios from 'axios';
import { ComposerClient } from '../provider/client';
import { OPERATOR_TOKEN, agentToken, startTestComposer } from '../test/helpers/composer';
import { fleetInventory as inventory, pool } from './lib/fleet';
import { startAgent, RunningAgent } from '../provider/agent/daemon';
import { SimulatedFabric } from '../provider/agent/sim/fabric';
import { SimulatedHost } from '../provider/agent/sim/host';
import { numberArg } from './lib/args';

const arg = (name: string, fallback: number): number => numberArg(name, fallback);

interface Run {
  agents: number;
  volumes: number;
  createSeconds: number;
  stagedSeconds: number;
  assignmentRequests: number;
  idleSeconds: number;
  idleAssignmentRequests: number;
  commandsRun: number;
  createRetries: number;
}

async function runOnce(nAgents: number, nVolumes: number, mode: 'long-poll' | 'busy-poll', idleSeconds: number): Promise<Run> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-agent-bench-'));
  const inv = inventory(nAgents, nVolumes);
  const portals = new Map(inv.storageGroups.flatMap((sg) => sg.enclosures.map((e) => [e.name, e.portal] as [string, string])));
  const harness = await startTestComposer({
    dir,
    inventory: inv,
    heartbeatGraceMs: 60_000,
    log: () => undefined,
    // Plain HTTP on 127.0.0.1: keys over http are allowed only explicitly (docs/agent.md).
    insecureDev: true,
  });
  const composer = harness.composer;
  const ops = axios.create({ baseURL: composer.url, headers: { authorization: `Bearer ${OPERATOR_TOKEN}` } });
  const fabric = new SimulatedFabric();
  const agents: RunningAgent[] = [];
  const agentErrors: string[] = [];
  let createRetries = 0;
  try {
    await pool(inv.servers, 50, async (s) => {
      agents.push(
        await startAgent({
          composer: composer.url,
          insecureDev: true,
          token: agentToken(s.name),
          server: s.name,
          backend: 'simulated',
          runner: new SimulatedHost(fabric),
          portalOf: (e) => portals.get(e),
          heartbeatMs: 10_000,
          waitSeconds: mode === 'long-poll' ? 30 : 0,
          pollIntervalMs: 250,
          retryMs: 1000,
          pollMs: 1,
          log: (l) => {
            if (l.includes('failed')) agentErrors.push(l);
          },
        }),
      );
    });
    const cluster = (await ops.post('/v1/clusters', { name: 'bench', servers: inv.servers.map((s) => s.name) })).data.id as string;
    const t0 = performance.now();
    const specs = Array.from({ length: nVolumes }, (_, j) => ({ j, server: `k${j % nAgents}` }));
    await pool(specs, 32, async ({ j, server }) => {
      // Create is idempotent by (cluster, name): a request lost to a reset connection or a 503 is sent again.
      for (let attempt = 1; ; attempt++) {
        try {
          await ops.post('/v1/volumes', { cluster, name: `v${j}`, type: 'slice', sizeGiB: 10, server, mountPath: `/srv/v${j}` });
          break;
        } catch (e) {
          const retriable = axios.isAxiosError(e) && (!e.response || e.response.status === 503);
          if (attempt >= 10 || !retriable) throw e;
          createRetries++;
          await new Promise((r) => setTimeout(r, 100 * attempt));
        }
      }
    });
    const t1 = performance.now();
    const staged = () => agents.reduce((n, a) => n + [...a.observed().values()].filter((o) => o.state === 'staged').length, 0);
    for (;;) {
      if (staged() >= nVolumes) break;
      if (performance.now() - t0 > 30 * 60_000) throw new Error(`only ${staged()} of ${nVolumes} staged after 30 minutes`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const t2 = performance.now();
    // The composer agrees: every volume is staged.
    const list = await new ComposerClient({ endpoint: composer.url, token: OPERATOR_TOKEN }).listAll<{ state: string }>('/v1/volumes', { cluster });
    const composerStaged = list.filter((v) => v.state === 'staged').length;
    if (composerStaged !== nVolumes) {
      const bad = list.filter((v) => v.state !== 'staged').slice(0, 3);
      throw new Error(`composer shows ${composerStaged} of ${nVolumes} staged, e.g. ${JSON.stringify(bad)}; agent errors: ${agentErrors.slice(0, 3).join(' | ')}`);
    }
    const countAssignmentRequests = async () =>
      ((await ops.get('/metrics', { responseType: 'text' })).data as string)
        .split('\n')
        .filter((l) => l.startsWith('tessera_http_requests_total') && l.includes('/assignments'))
        .reduce((n, l) => n + Number(l.split(' ').pop()), 0);
    const assignmentRequests = await countAssignmentRequests();
    // Idle: nothing changes; how many requests do the agents make anyway?
    await new Promise((r) => setTimeout(r, idleSeconds * 1000));
    const idleAssignmentRequests = (await countAssignmentRequests()) - assignmentRequests;
    const commandsRun = agents.reduce((n, a) => n + (a.runner as SimulatedHost).log.length, 0);
    return { agents: nAgents, volumes: nVolumes, createSeconds: (t1 - t0) / 1000, stagedSeconds: (t2 - t0) / 1000, assignmentRequests, idleSeconds, idleAssignmentRequests, commandsRun, createRetries };
  } finally {
    await Promise.all(agents.map((a) => a.stop()));
    await composer.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  const nAgents = arg('agents', 1000);
  const nVolumes = arg('volumes', 10_000);
  const baselineAgents = arg('baseline-agents', Math.max(1, Math.floor(nAgents / 10)));
  const baselineVolumes = arg('baseline-volumes', Math.max(1, Math.floor(nVolumes / 10)));
  const idle = arg('idle-seconds', 10);
  const main = await runOnce(nAgents, nVolumes, 'long-poll', idle);
  const small = await runOnce(baselineAgents, baselineVolumes, 'long-poll', idle);
  const busy = await runOnce(baselineAgents, baselineVolumes, 'busy-poll', idle);
  const out = {
    node: process.version,
    cpus: os.cpus().length,
    longPoll: main,
    baseline: { longPoll: small, busyPoll: busy },
  };
  if (process.argv.includes('--json')) console.log(JSON.stringify(out, null, 2));
  else {
    console.log(`${main.agents} agents staged ${main.volumes} volumes in ${main.stagedSeconds.toFixed(1)} s (creates took ${main.createSeconds.toFixed(1)} s), ${main.assignmentRequests} assignment requests, ${main.idleAssignmentRequests} more in ${idle} s idle, ${main.commandsRun} host commands`);
    console.log(`baseline at ${small.agents} agents / ${small.volumes} volumes: long-poll ${small.stagedSeconds.toFixed(1)} s, ${small.assignmentRequests} requests + ${small.idleAssignmentRequests} idle; busy polling (250 ms) ${busy.stagedSeconds.toFixed(1)} s, ${busy.assignmentRequests} requests + ${busy.idleAssignmentRequests} idle`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
