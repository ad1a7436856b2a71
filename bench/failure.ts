// Failure bench (docs/failure.md): V mirrored (RAID1 ssd) volumes staged by simulated agents against one real
// composer (SQLite file, HTTP on 127.0.0.1), then one whole enclosure dies (the simulated fabric
// stops answering for its drives, and its enclosure service reports them not present). Measures
// the time from the report until every affected volume is back to full redundancy (health ok:
// a replacement placed, added by its agent, resynced), and checks every replacement against the
// rules: both halves in different storage groups (sgResiliency, the default) and enclosures, none
// on a failed drive, no extent held twice. Floors in the same run: every affected volume
// rebuilt, zero violations, and the time under --floor-seconds.
//   npx tsx bench/failure.ts --agents 100 --volumes 10000 [--floor-seconds 300] [--json]
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import axios from 'axios';
import { startAgent, RunningAgent } from '../provider/agent/daemon';
import { SimulatedFabric } from '../provider/agent/sim/fabric';
import { SimulatedHost } from '../provider/agent/sim/host';
import type { Inventory } from '../provider/model/inventory';
import type { TokenEntry } from '../provider/composer/auth';
import { OPERATOR_TOKEN, agentToken, startTestComposer, testTokens } from '../test/helpers/composer';
import { numberArg } from './lib/args';

const arg = (name: string, fallback: number): number => numberArg(name, fallback, 'positive number');

// Mirrored volumes take whole drives (a slice is a single extent, never mirrored): small SSDs.
const SSD_GIB = 16;
const SIZE = 10;

/** 4 storage groups of 8 enclosures, enough SSDs for two halves per volume and 30% spare. */
function inventory(servers: number, volumes: number): Inventory {
  const enclosures = 32;
  const perEnc = Math.max(2, Math.ceil((volumes * 2 * 1.3) / enclosures));
  return {
    bandwidthDomains: [{ name: 'bd0' }],
    storageGroups: Array.from({ length: 4 }, (_, g) => ({
      name: `sg${g}`,
      enclosures: Array.from({ length: enclosures / 4 }, (_, e) => {
        const name = `sg${g}-enc${e}`;
        return {
          name,
          transports: ['nvmetcp' as const],
          portal: `10.0.${g}.${e + 1}:4420`,
          uplinkGbps: 100,
          bandwidthDomain: 'bd0',
          drives: Array.from({ length: perEnc }, (_, i) => ({ serial: `${name}-ssd${i}`, type: 'ssd' as const, sizeGiB: SSD_GIB, tags: [] })),
        };
      }),
    })),
    servers: Array.from({ length: servers }, (_, i) => ({ name: `k${i}`, transports: ['nvmetcp' as const], nicGbps: 25, bandwidthDomain: 'bd0', tags: [] })),
  };
}

async function pool<T>(items: T[], width: number, fn: (t: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]);
    }),
  );
}

interface Wire {
  id: string;
  state: string;
  health: string;
  members: { serial: string; enclosure: string; storageGroup: string; offsetGiB: number; sizeGiB: number; mirror: number }[];
}

async function main(): Promise<void> {
  const nAgents = arg('agents', 100);
  const nVolumes = arg('volumes', 10_000);
  const floorSeconds = arg('floor-seconds', 300);
  const inv = inventory(nAgents, nVolumes);
  const victim = inv.storageGroups[0].enclosures[0];
  const encToken = 'enclosure-bench-token-0123456789abcdef';
  const tokens: TokenEntry[] = [...testTokens(inv.servers.map((s) => s.name)), { name: 'enc', token: encToken, role: 'enclosure', enclosure: victim.name }];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-failure-bench-'));
  const portals = new Map(inv.storageGroups.flatMap((sg) => sg.enclosures.map((e) => [e.name, e.portal] as [string, string])));
  const harness = await startTestComposer({ dir, inventory: inv, tokens, heartbeatGraceMs: 60_000, reconcileIntervalMs: 500, log: process.env.TESSERA_BENCH_LOG ? (l) => void process.stderr.write(`${l}\n`) : () => undefined, insecureDev: true });
  const url = harness.composer.url;
  const ops = axios.create({ baseURL: url, headers: { authorization: `Bearer ${OPERATOR_TOKEN}` } });
  const fabric = new SimulatedFabric();
  const agents: RunningAgent[] = [];
  try {
    await pool(inv.servers, 25, async (s) => {
      agents.push(
        await startAgent({
          composer: url,
          insecureDev: true,
          token: agentToken(s.name),
          server: s.name,
          backend: 'simulated',
          runner: new SimulatedHost(fabric, { resyncMs: 200 }),
          portalOf: (e) => portals.get(e),
          heartbeatMs: 10_000,
          waitSeconds: 30,
          retryMs: 1000,
          pollMs: 1,
          // The enclosure report is the signal here; the agents' own checks would add 10,000 converges a period.
          verifyMs: 3_600_000,
          resyncPollMs: 250,
        }),
      );
    });
    const cluster = (await ops.post('/v1/clusters', { name: 'bench', servers: inv.servers.map((s) => s.name) })).data.id as string;
    const tc0 = performance.now();
    await pool(
      Array.from({ length: nVolumes }, (_, j) => j),
      32,
      async (j) => {
        for (let attempt = 1; ; attempt++) {
          try {
            await ops.post('/v1/volumes', { cluster, name: `v${j}`, type: 'ssd', sizeGiB: SIZE, redundancy: true, server: `k${j % nAgents}` });
            return;
          } catch (e) {
            if (attempt >= 10 || !(axios.isAxiosError(e) && (!e.response || e.response.status === 503))) throw e;
            await new Promise((r) => setTimeout(r, 100 * attempt));
          }
        }
      },
    );
    const list = async (): Promise<Wire[]> => {
      const out: Wire[] = [];
      let cursor: string | undefined;
      do {
        const r = (await ops.get('/v1/volumes', { params: { limit: 1000, ...(cursor ? { cursor } : {}) } })).data as { items: Wire[]; nextCursor?: string };
        out.push(...r.items);
        cursor = r.nextCursor;
      } while (cursor);
      return out;
    };
    for (;;) {
      const all = await list();
      if (all.length === nVolumes && all.every((v) => v.state === 'staged')) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const stagedSeconds = (performance.now() - tc0) / 1000;
    const before = await list();
    const affected = new Set(before.filter((v) => v.members.some((m) => m.enclosure === victim.name)).map((v) => v.id));

    // The enclosure dies: no I/O from its drives, and its service (still up) reports them gone.
    const dead = new Set(fabric.failEnclosure(victim.name, victim.drives.map((d) => d.serial)));
    const enc = axios.create({ baseURL: url, headers: { authorization: `Bearer ${encToken}` } });
    await enc.post(`/v1/enclosures/${victim.name}/register`, { hostname: victim.name, version: 'bench', drives: victim.drives.map((d) => d.serial) });
    const t0 = performance.now();
    await enc.put(`/v1/enclosures/${victim.name}/report`, { drives: victim.drives.map((d) => ({ serial: d.serial, present: false })), exports: [] });
    let after: Wire[] = [];
    let firstDegradedSeen = 0;
    for (;;) {
      after = await list();
      const open = after.filter((v) => affected.has(v.id) && v.health !== 'ok');
      if (!firstDegradedSeen && open.length > 0) firstDegradedSeen = (performance.now() - t0) / 1000;
      if (open.length === 0 || (performance.now() - t0) / 1000 > floorSeconds * 2) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const seconds = (performance.now() - t0) / 1000;
    const violations: string[] = [];
    const extents = new Map<string, string>();
    for (const v of after) {
      const [a, b] = v.members;
      if (affected.has(v.id)) {
        if (v.health !== 'ok') violations.push(`${v.id}: ${v.health}`);
        if (a.storageGroup === b.storageGroup) violations.push(`${v.id}: both halves in ${a.storageGroup} (sgResiliency)`);
        if (a.enclosure === b.enclosure) violations.push(`${v.id}: both halves in ${a.enclosure} (jbodResiliency)`);
      }
      for (const m of v.members) {
        if (dead.has(m.serial)) violations.push(`${v.id}: member on failed drive ${m.serial}`);
        for (let g = m.offsetGiB; g < m.offsetGiB + m.sizeGiB; g++) {
          const k = `${m.serial}@${g}`;
          const other = extents.get(k);
          if (other) violations.push(`${v.id} and ${other} share ${k}`);
          else extents.set(k, v.id);
        }
      }
    }
    const ops2 = (await ops.get('/v1/operations', { params: { state: 'pending', limit: 1000 } })).data.items as unknown[];
    const out = {
      bench: 'failure',
      agents: nAgents,
      volumes: nVolumes,
      stagedSeconds: Number(stagedSeconds.toFixed(1)),
      failedEnclosure: victim.name,
      failedDrives: dead.size,
      affectedVolumes: affected.size,
      rebuilt: after.filter((v) => affected.has(v.id) && v.health === 'ok').length,
      firstDegradedSeenSeconds: Number(firstDegradedSeen.toFixed(2)),
      timeToFullRedundancySeconds: Number(seconds.toFixed(1)),
      rebuildsPerSecond: Number((affected.size / seconds).toFixed(1)),
      violations: violations.length,
      violationSamples: violations.slice(0, 5),
      pendingOperations: ops2.length,
      floor: { timeToFullRedundancySeconds: floorSeconds, violations: 0 },
    };
    const pass = out.rebuilt === out.affectedVolumes && out.violations === 0 && seconds <= floorSeconds && ops2.length === 0;
    if (process.argv.includes('--json')) console.log(JSON.stringify({ ...out, pass }, null, 2));
    else
      console.log(
        `${nVolumes} mirrored ssd volumes on ${nAgents} simulated agents (staged in ${out.stagedSeconds} s); ${victim.name} failed (${dead.size} drives): ` +
          `${out.rebuilt}/${out.affectedVolumes} affected volumes back to full redundancy in ${out.timeToFullRedundancySeconds} s ` +
          `(${out.rebuildsPerSecond}/s), ${out.violations} violations, ${ops2.length} operations pending; floor ${floorSeconds} s: ${pass ? 'PASS' : 'FAIL'}`,
      );
    if (!pass) process.exitCode = 1;
  } finally {
    await Promise.all(agents.map((a) => a.stop()));
    await harness.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
