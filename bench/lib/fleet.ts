// The fleet topology the agent benches share (agent-scale.ts in one process, agents-fleet.ts over
// several): one server per agent, 100 servers per bandwidth domain, four enclosures per domain
// with enough SSDs for the domain's share of 10 GiB slices plus headroom (docs/agent.md "Scale").
import type { Inventory } from '../../provider/model/inventory';

export function fleetInventory(servers: number, volumes: number): Inventory {
  const domains = Math.max(1, Math.ceil(servers / 100));
  // Enough 3576 GiB SSDs per domain for its share of 10 GiB slices, with headroom.
  const perDomainSlices = Math.ceil(volumes / domains);
  const ssds = Math.max(4, Math.ceil((perDomainSlices * 10 * 1.5) / 3576));
  const encPerDomain = 4;
  const perEnc = Math.ceil(ssds / encPerDomain);
  const sgs = ['sg0', 'sg1'].map((name) => ({ name, enclosures: [] as Inventory['storageGroups'][0]['enclosures'] }));
  for (let d = 0; d < domains; d++) {
    for (let e = 0; e < encPerDomain; e++) {
      const name = `bd${d}-enc${e}`;
      sgs[e % 2].enclosures.push({
        name,
        transports: ['nvmetcp'],
        portal: `10.${d}.${e}.1:4420`,
        uplinkGbps: 100,
        bandwidthDomain: `bd${d}`,
        drives: Array.from({ length: perEnc }, (_, i) => ({ serial: `${name}-ssd${i}`, type: 'ssd' as const, sizeGiB: 3576, tags: [] })),
      });
    }
  }
  return {
    bandwidthDomains: Array.from({ length: domains }, (_, d) => ({ name: `bd${d}` })),
    storageGroups: sgs,
    servers: Array.from({ length: servers }, (_, i) => ({ name: `k${i}`, transports: ['nvmetcp'], nicGbps: 25, bandwidthDomain: `bd${Math.floor(i / 100)}`, tags: [] })),
  };
}


/** Runs fn over items, `width` at a time. */
export async function pool<T>(items: T[], width: number, fn: (t: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]);
  }));
}
