// What the Terraform end-to-end runs stand on: a real composer (SQLite file, HTTP on 127.0.0.1,
// examples/inventory/lab.yaml) and agents for the Kafka brokers k1-k3 on the simulated host
// (md and dm-crypt are not in this kernel, DESIGN §7), so `server`/`mount_path` really stage.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type RunningAgent, startAgent } from '../../provider/agent/daemon';
import { SimulatedFabric } from '../../provider/agent/sim/fabric';
import { type RunningComposer, startComposer } from '../../provider/composer';

export const REPO = path.join(__dirname, '..', '..');
export const LAB = path.join(REPO, 'examples', 'inventory', 'lab.yaml');
export const OPERATOR_TOKEN = 'operator-token-terraform-e2e-0123456789';
const agentToken = (server: string) => `agent-token-terraform-e2e-${server}-0123456789`;
export const BROKERS = ['k1', 'k2', 'k3'];

export interface Platform {
  composer: RunningComposer;
  agents: RunningAgent[];
  dir: string;
  get<T = any>(p: string): Promise<T>; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** Free capacity per type and the objects in the composer: "the pool". */
  pool(): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

export async function startPlatform(): Promise<Platform> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-tf-e2e-'));
  const composer = await startComposer({
    store: `sqlite:${path.join(dir, 'tessera.db')}`,
    tokens: [
      { name: 'ops', token: OPERATOR_TOKEN, role: 'operator' },
      ...BROKERS.map((s) => ({ name: `agent-${s}`, token: agentToken(s), role: 'agent' as const, server: s })),
    ],
    inventory: LAB,
    masterKey: crypto.randomBytes(32),
    log: () => undefined,
    // One replica: a long lease keeps it leader when the shared 2-core machine is busy.
    leaseTtlSeconds: 30,
    // Plain HTTP on 127.0.0.1: keys over http are allowed only explicitly (docs/agent.md).
    insecureDev: true,
  });
  const fabric = new SimulatedFabric();
  const agents: RunningAgent[] = [];
  for (const server of BROKERS) {
    agents.push(
      await startAgent({ composer: composer.url, insecureDev: true, token: agentToken(server), server, backend: 'simulated', fabric, heartbeatMs: 500, waitSeconds: 5, retryMs: 500, pollMs: 5, log: () => undefined }),
    );
  }
  const get = async <T,>(p: string): Promise<T> => {
    const res = await fetch(composer.url + p, { headers: { authorization: `Bearer ${OPERATOR_TOKEN}` } });
    if (!res.ok) throw new Error(`GET ${p}: HTTP ${res.status}: ${await res.text()}`);
    return (await res.json()) as T;
  };
  return {
    composer,
    agents,
    dir,
    get,
    async pool() {
      const out: Record<string, unknown> = {};
      for (const type of ['hdd', 'ssd', 'slice']) out[type] = await get(`/v1/capacity?type=${type}`);
      for (const kind of ['clusters', 'volumes', 'slices', 'key-policies']) out[kind] = ((await get(`/v1/${kind}`)) as { items: unknown[] }).items.length;
      return out;
    },
    async close() {
      await Promise.all(agents.map((a) => a.stop()));
      await composer.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Terraform state resources by address, from `tofu show -json`. */
export function stateResources(state: Record<string, unknown>): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  const root = (state.values as { root_module?: { resources?: { address: string; values: Record<string, unknown> }[] } } | undefined)?.root_module;
  for (const r of root?.resources ?? []) out[r.address] = r.values;
  return out;
}
