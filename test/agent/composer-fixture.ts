// A real composer for agent daemon tests (the harness, test/helpers/composer.ts, with its token
// set: an operator token and one agent token per server) over inventories shaped per test.
import axios from 'axios';
import type { RunningComposer } from '../../provider/composer';
import type { StartAgentOptions } from '../../provider/agent/daemon';
import type { SimulatedHost } from '../../provider/agent/sim/host';
import type { Inventory } from '../../provider/model/inventory';
import { OPERATOR_TOKEN, agentToken, enclosureTokenOf, startTestComposer as startHarness, tokensWithEnclosures } from '../helpers/composer';

export const OPERATOR = OPERATOR_TOKEN;
export { agentToken };
/** The enclosure token of one enclosure (with `enclosureTokens`). */
export const enclosureToken = enclosureTokenOf;

export function inventory(opts: { servers: string[]; enclosures?: number; ssdPerEnclosure?: number; ssdGiB?: number; hddGiB?: number; hddPerEnclosure?: number; transports?: ('nvmetcp' | 'iscsi')[] }): Inventory {
  const enclosures = opts.enclosures ?? 2;
  const transports = opts.transports ?? ['nvmetcp'];
  return {
    bandwidthDomains: [{ name: 'bd' }],
    storageGroups: Array.from({ length: Math.max(1, Math.ceil(enclosures / 2)) }, (_, g) => ({
      name: `sg${g}`,
      enclosures: Array.from({ length: Math.min(2, enclosures - g * 2) }, (_, e) => {
        const name = `enc${g * 2 + e}`;
        return {
          name,
          transports,
          portal: `10.1.${g}.${e + 1}:4420`,
          uplinkGbps: 100,
          bandwidthDomain: 'bd',
          drives: [
            ...Array.from({ length: opts.ssdPerEnclosure ?? 2 }, (_, i) => ({ serial: `${name}-ssd${i}`, type: 'ssd' as const, sizeGiB: opts.ssdGiB ?? 8, tags: [] })),
            ...Array.from({ length: opts.hddPerEnclosure ?? 2 }, (_, i) => ({ serial: `${name}-hdd${i}`, type: 'hdd' as const, sizeGiB: opts.hddGiB ?? 2, rpm: 7200, tags: [] })),
          ],
        };
      }),
    })),
    servers: opts.servers.map((name) => ({ name, transports, nicGbps: 25, bandwidthDomain: 'bd', tags: [] })),
  };
}

export interface TestComposer {
  composer: RunningComposer;
  dir: string;
  logs: string[];
  ops: ReturnType<typeof api>;
  close(): Promise<void>;
}

export async function startTestComposer(inv: Inventory, extra: { heartbeatGraceMs?: number; mountRoots?: string[]; enclosureTokens?: boolean } = {}): Promise<TestComposer> {
  const h = await startHarness({
    inventory: inv,
    debug: true,
    heartbeatGraceMs: extra.heartbeatGraceMs ?? 15_000,
    mountRoots: extra.mountRoots,
    reconcileIntervalMs: 500,
    // enclosureTokens: also one enclosure token per enclosure, `enclosureToken(name)`.
    ...(extra.enclosureTokens ? { tokens: tokensWithEnclosures(inv) } : {}),
    // Plain HTTP on 127.0.0.1: keys over http are allowed only explicitly (docs/agent.md).
    insecureDev: true,
  });
  return { composer: h.composer, dir: h.dir, logs: h.logs, ops: api(h.url, OPERATOR), close: () => h.close() };
}

export function api(url: string, token: string) {
  const http = axios.create({ baseURL: url, headers: { authorization: `Bearer ${token}` }, validateStatus: () => true });
  return {
    get: (p: string) => http.get(p).then((r) => ({ status: r.status, body: r.data })),
    post: (p: string, b?: unknown) => http.post(p, b).then((r) => ({ status: r.status, body: r.data })),
    patch: (p: string, b?: unknown) => http.patch(p, b).then((r) => ({ status: r.status, body: r.data })),
    put: (p: string, b?: unknown) => http.put(p, b).then((r) => ({ status: r.status, body: r.data })),
    del: (p: string) => http.delete(p).then((r) => ({ status: r.status, body: r.data })),
  };
}

/** Poll the composer (the test's view, not the agent's) until `fn` holds. */
export async function eventually<T>(fn: () => Promise<T | undefined | false>, timeoutMs = 20_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A simulated agent's options for the failure tests: quick heartbeats, polls, retries and health checks. */
export function simulatedAgentOptions(url: string, server: string, host: SimulatedHost, extra: Partial<StartAgentOptions> = {}): StartAgentOptions {
  return {
    composer: url,
    insecureDev: true, // the test composer is plain HTTP on 127.0.0.1
    token: agentToken(server),
    server,
    backend: 'simulated',
    runner: host,
    heartbeatMs: 200,
    waitSeconds: 2,
    retryMs: 300,
    pollMs: 1,
    verifyMs: 300,
    resyncPollMs: 200,
    ...extra,
  };
}
