// An embedded Tessera for the demo and the end-to-end runs: a real composer (SQLite file,
// examples/inventory/lab.yaml) on 127.0.0.1 and one simulated agent per inventory server on a
// shared simulated fabric. Tokens are random per run and only handed to the caller.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startAgent, RunningAgent } from '../agent/daemon';
import { SimulatedFabric } from '../agent/sim/fabric';
import { startComposer, RunningComposer } from '../composer';
import { ComposerClient } from '../client';
import { loadInventoryFile } from '../inventory';
import type { Inventory } from '../model/inventory';

export const LAB_INVENTORY_FILE = path.resolve(__dirname, '../../examples/inventory/lab.yaml');

export interface LabEnvOptions {
  /** Working directory: the SQLite file and agent state go here. */
  dir: string;
  inventoryFile?: string;
  /** Start simulated agents for these servers (default: every inventory server). */
  servers?: string[];
  /** Composer log lines (JSON); default: dropped. */
  composerLog?: (line: string) => void;
  agentLog?: (line: string) => void;
  /** Progress messages for people. */
  progress?: (message: string) => void;
}

export interface LabEnv {
  url: string;
  /** Operator token for the providers. */
  token: string;
  /** Admin token (inventory). */
  adminToken: string;
  /** Reader token: the dashboard's login in the demo (docs/ui.md). */
  readerToken: string;
  inventory: Inventory;
  composer: RunningComposer;
  agents: RunningAgent[];
  fabric: SimulatedFabric;
  dbFile: string;
  close(): Promise<void>;
}

function randomToken(): string {
  // Hex: never starts with '-', so it is safe as a command-line value (pulumi config set).
  return crypto.randomBytes(24).toString('hex');
}

export async function startLabEnv(o: LabEnvOptions): Promise<LabEnv> {
  const progress = o.progress ?? (() => undefined);
  fs.mkdirSync(o.dir, { recursive: true });
  const inventoryFile = o.inventoryFile ?? LAB_INVENTORY_FILE;
  const inventory = loadInventoryFile(inventoryFile);
  const servers = o.servers ?? inventory.servers.map((s) => s.name);
  const token = randomToken();
  const adminToken = randomToken();
  const readerToken = randomToken();
  const agentTokens = new Map(servers.map((s) => [s, randomToken()]));
  const dbFile = path.join(o.dir, 'tessera.db');
  progress(`starting the composer (SQLite ${dbFile}, inventory ${path.relative(process.cwd(), inventoryFile) || inventoryFile})`);
  const composer = await startComposer({
    store: `sqlite:${dbFile}`,
    tokens: [
      { name: 'operator', token, role: 'operator' },
      { name: 'admin', token: adminToken, role: 'admin' },
      { name: 'dashboard', token: readerToken, role: 'reader' },
      ...servers.map((server) => ({ name: `agent-${server}`, token: agentTokens.get(server)!, role: 'agent' as const, server })),
    ],
    inventory: inventoryFile,
    masterKey: crypto.randomBytes(32),
    // The lab runs one composer: a long lease keeps it leading through event-loop stalls on a
    // busy machine (there is no standby to take over anyway).
    leaseTtlSeconds: 30,
    log: o.composerLog ?? (() => undefined),
    reconcileIntervalMs: 500,
    heartbeatGraceMs: 10_000,
    // The lab is one process on 127.0.0.1 over plain HTTP: keys may cross it only because this
    // says so (docs/agent.md, "Key channel"); a deployment uses TLS.
    insecureDev: true,
  });
  const fabric = new SimulatedFabric();
  const agents: RunningAgent[] = [];
  try {
    progress(`starting ${servers.length} simulated agents (${servers.join(', ')})`);
    for (const server of servers) {
      const inv = inventory.servers.find((s) => s.name === server);
      agents.push(
        await startAgent({
          composer: composer.url,
          insecureDev: true,
          token: agentTokens.get(server)!,
          server,
          backend: 'simulated',
          fabric,
          stateDir: path.join(o.dir, 'agents', server),
          facts: inv ? { transports: inv.transports, nicGbps: inv.nicGbps } : undefined,
          heartbeatMs: 2000,
          waitSeconds: 10,
          log: o.agentLog,
        }),
      );
    }
  } catch (e) {
    await Promise.allSettled(agents.map((a) => a.stop()));
    await composer.close();
    throw e;
  }
  progress(`composer ready at ${composer.url} (plain HTTP on loopback with insecure-dev: volume keys are not encrypted in transit; development only)`);
  return {
    url: composer.url,
    token,
    adminToken,
    readerToken,
    inventory,
    composer,
    agents,
    fabric,
    dbFile,
    async close() {
      await Promise.allSettled(agents.map((a) => a.stop()));
      await composer.close();
    },
  };
}

/** What "the pool is as before" means: capacity per type and how many objects exist. */
export interface PoolSnapshot {
  capacity: Record<string, { availableGiB: number; maximumVolumeSizeGiB: number; byStorageGroup: Record<string, number> }>;
  objects: Record<string, number>;
}

export async function poolSnapshot(client: ComposerClient): Promise<PoolSnapshot> {
  const capacity: PoolSnapshot['capacity'] = {};
  for (const type of ['hdd', 'ssd', 'slice']) {
    const { data } = await client.request<PoolSnapshot['capacity'][string]>('GET', '/v1/capacity', { query: { type } });
    capacity[type] = { availableGiB: data.availableGiB, maximumVolumeSizeGiB: data.maximumVolumeSizeGiB, byStorageGroup: data.byStorageGroup };
  }
  const objects: Record<string, number> = {};
  for (const kind of ['clusters', 'volumes', 'slices', 'key-policies']) {
    objects[kind] = (await client.listAll<unknown>(`/v1/${kind}`)).length;
  }
  return { capacity, objects };
}
