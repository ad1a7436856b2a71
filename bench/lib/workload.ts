// The mixed allocation workload of the benchmark (bench/alloc.ts): about 60% slices of 1-500 GiB,
// 15% ssd RAID1, 15% single hdd, 10% hdd RAID10, with releases interleaved at about 30% of
// operations. Half the requests name a server (rack-local placement), half do not (placed
// pool-wide). Single whole-drive sizes follow the inventory's drive sizes (0.4-1x a random drive)
// so demand meets supply; RAID10 requests are 1.02-1.45x the largest hdd, so no single drive holds
// them.
import type { Inventory } from '../../provider/model/inventory';
import { PLACEMENT_DEFAULTS, type PlacementRequest } from '../../provider/model/placement';
import { rng } from '../../provider/inventory';

export type Op = { kind: 'place'; id: string; request: PlacementRequest; mix: string } | { kind: 'release'; pick: number };

export function makeWorkload(inv: Inventory, ops: number, seed: number): Op[] {
  const r = rng(seed ^ 0x5eed);
  const servers = inv.servers.map((s) => s.name);
  const sizes = { hdd: [] as number[], ssd: [] as number[] };
  for (const g of inv.storageGroups) for (const e of g.enclosures) for (const d of e.drives) sizes[d.type].push(d.sizeGiB);
  const maxHdd = sizes.hdd.reduce((m, x) => Math.max(m, x), 0);
  const modelSize = (t: 'hdd' | 'ssd') => sizes[t][Math.floor(r() * sizes[t].length)];
  const out: Op[] = [];
  let n = 0;
  for (let i = 0; i < ops; i++) {
    if (i > 0 && r() < 0.3) {
      out.push({ kind: 'release', pick: r() });
      continue;
    }
    // Half the volumes name the server they will be staged on (CSI WaitForFirstConsumer: the
    // bandwidth domain binds), half are created before scheduling (CSI Immediate, the default).
    const server = servers.length && r() < 0.5 ? servers[Math.floor(r() * servers.length)] : undefined;
    const x = r();
    let request: PlacementRequest;
    let mix: string;
    if (x < 0.6) {
      mix = 'slice';
      request = { ...PLACEMENT_DEFAULTS, type: 'slice', sizeGiB: 1 + Math.floor(r() * 500), server };
    } else if (x < 0.75) {
      mix = 'ssd-raid1';
      request = { ...PLACEMENT_DEFAULTS, type: 'ssd', redundancy: true, sizeGiB: Math.max(1, Math.floor(modelSize('ssd') * (0.5 + 0.5 * r()))), server };
    } else if (x < 0.9) {
      mix = 'hdd';
      request = { ...PLACEMENT_DEFAULTS, type: 'hdd', sizeGiB: Math.max(1, Math.floor(modelSize('hdd') * (0.4 + 0.6 * r()))), server };
    } else {
      mix = 'hdd-raid10';
      // Larger than any hdd, so it is striped: 2 mirrored pairs of the bigger drives.
      request = { ...PLACEMENT_DEFAULTS, type: 'hdd', sizeGiB: Math.floor(maxHdd * (1.02 + 0.43 * r())), server };
    }
    out.push({ kind: 'place', id: `v${n++}`, request, mix });
  }
  return out;
}
