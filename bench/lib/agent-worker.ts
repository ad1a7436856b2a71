// One worker process of the agent fleet bench (../agents-fleet.ts, docs/agent.md "Scale"): runs a
// share of the fleet's agents as real agent code (startAgent, simulated backend: each agent its
// own SimulatedHost, one SimulatedFabric per worker: a volume is staged by one agent only, so no
// fabric needs to be shared across processes). Driven over the fork IPC channel:
//   {type:'start', composer, servers, portals, agent}  -> {type:'started', agents}
//   {type:'stats', id}                                 -> {type:'stats', id, staged, commands, ...}
//   {type:'stop'}                                      -> {type:'stopped'}, then exits
// Run only by the bench (child_process.fork with the tsx loader).
import { startAgent, RunningAgent } from '../../provider/agent/daemon';
import { SimulatedFabric } from '../../provider/agent/sim/fabric';
import { SimulatedHost } from '../../provider/agent/sim/host';

export interface WorkerStart {
  type: 'start';
  composer: string;
  /** [server, agent token] pairs this worker runs. */
  servers: [string, string][];
  portals: [string, string][];
  agent: { heartbeatMs: number; waitSeconds: number; verifyMs: number; concurrency: number };
}

export interface WorkerStats {
  type: 'stats';
  id: number;
  agents: number;
  /** Volumes the agents reported staged (and the composer accepted). */
  staged: number;
  failed: number;
  /** Host commands the simulated hosts ran. */
  commands: number;
  /** Of them, mkfs runs: a restaged volume would run one more. */
  mkfs: number;
  errors: string[];
  rssBytes: number;
  cpuSeconds: number;
}

const agents: RunningAgent[] = [];
const errors: string[] = [];
const send = (m: unknown) => process.send!(m);

async function start(m: WorkerStart): Promise<void> {
  const fabric = new SimulatedFabric();
  const portals = new Map(m.portals);
  let next = 0;
  // startAgent does its first I/O in the background; 50 at a time keeps start-up from bursting.
  await Promise.all(
    Array.from({ length: 50 }, async () => {
      while (next < m.servers.length) {
        const [server, token] = m.servers[next++];
        agents.push(
          await startAgent({
            composer: m.composer,
            insecureDev: true,
            token,
            server,
            backend: 'simulated',
            runner: new SimulatedHost(fabric),
            portalOf: (e) => portals.get(e),
            heartbeatMs: m.agent.heartbeatMs,
            waitSeconds: m.agent.waitSeconds,
            verifyMs: m.agent.verifyMs,
            concurrency: m.agent.concurrency,
            retryMs: 1000,
            pollMs: 1,
            log: (l) => {
              if (errors.length < 20 && /failed/.test(l) && !/poll failed|register failed|heartbeat failed/.test(l)) errors.push(l.slice(0, 500));
            },
          }),
        );
      }
    }),
  );
  send({ type: 'started', agents: agents.length });
}

function stats(id: number): WorkerStats {
  let staged = 0;
  let failed = 0;
  let commands = 0;
  let mkfs = 0;
  for (const a of agents) {
    for (const o of a.observed().values()) {
      if (o.state === 'staged') staged++;
      else if (o.state === 'failed') failed++;
    }
    const log = (a.runner as SimulatedHost).log;
    commands += log.length;
    for (const c of log) if (c[0].startsWith('mkfs')) mkfs++;
  }
  const u = process.resourceUsage();
  return { type: 'stats', id, agents: agents.length, staged, failed, commands, mkfs, errors: errors.slice(0, 3), rssBytes: process.memoryUsage.rss(), cpuSeconds: (u.userCPUTime + u.systemCPUTime) / 1e6 };
}

process.on('message', (m: { type: string; id?: number }) => {
  if (m.type === 'start') start(m as WorkerStart).catch((e) => send({ type: 'error', error: (e as Error).stack }));
  else if (m.type === 'stats') send(stats(m.id!));
  else if (m.type === 'stop') {
    Promise.all(agents.map((a) => a.stop())).then(() => {
      send({ type: 'stopped' });
      process.disconnect();
    });
  }
});
// The bench gone (killed) means this worker is too.
process.on('disconnect', () => process.exit(0));
