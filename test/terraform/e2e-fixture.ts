// What the Terraform end-to-end runs stand on: a real composer (the harness, test/helpers/composer.ts,
// over examples/inventory/lab.yaml) and agents for the Kafka brokers k1-k3 on the simulated host
// (md and dm-crypt are not in this kernel, docs/agent.md "What runs for real"), so
// `server`/`mount_path` really stage.
import { type RunningAgent, startAgent } from '../../provider/agent/daemon';
import { SimulatedFabric } from '../../provider/agent/sim/fabric';
import type { RunningComposer } from '../../provider/composer';
import { LAB_INVENTORY, OPERATOR_TOKEN, REPO, agentToken, startTestComposer } from '../helpers/composer';

export { OPERATOR_TOKEN, REPO };
export const LAB = LAB_INVENTORY;
export const BROKERS = ['k1', 'k2', 'k3'];

export interface Platform {
  composer: RunningComposer;
  agents: RunningAgent[];
  dir: string;
  get<T = any>(p: string): Promise<T>; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** Any call as the operator, acting out of band (JSON body); the status and the parsed answer. */
  request(method: string, p: string, body?: unknown): Promise<{ status: number; body?: Record<string, unknown> }>;
  /** Free capacity per type and the objects in the composer: "the pool". */
  pool(): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

export async function startPlatform(): Promise<Platform> {
  const h = await startTestComposer({
    inventory: LAB,
    log: () => undefined,
    // Plain HTTP on 127.0.0.1: keys over http are allowed only explicitly (docs/agent.md).
    insecureDev: true,
  });
  const { composer, dir } = h;
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
  const request = async (method: string, p: string, body?: unknown) => {
    const res = await fetch(composer.url + p, {
      method,
      headers: { authorization: `Bearer ${OPERATOR_TOKEN}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: res.status === 204 ? undefined : ((await res.json()) as Record<string, unknown>) };
  };
  return {
    composer,
    agents,
    dir,
    get,
    request,
    async pool() {
      const out: Record<string, unknown> = {};
      for (const type of ['hdd', 'ssd', 'slice']) out[type] = await get(`/v1/capacity?type=${type}`);
      for (const kind of ['clusters', 'volumes', 'slices', 'key-policies']) out[kind] = ((await get(`/v1/${kind}`)) as { items: unknown[] }).items.length;
      return out;
    },
    async close() {
      await Promise.all(agents.map((a) => a.stop()));
      await h.close();
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
