// Small hand-built inventories and request helpers for the engine tests.
import type { Drive, Enclosure, Inventory, Server, Transport } from '../../provider/model/inventory';
import { PLACEMENT_DEFAULTS, type Placement, type PlacementRequest, type PlacementResult } from '../../provider/model/placement';
import type { AllocationEngine } from '../../provider/engine';

export const ALL: Transport[] = ['roce', 'nvmetcp', 'iscsi'];

export function ssd(serial: string, sizeGiB: number, tags: string[] = []): Drive {
  return { serial, type: 'ssd', sizeGiB, tags };
}

export function hdd(serial: string, sizeGiB: number, rpm = 7200, tags: string[] = []): Drive {
  return { serial, type: 'hdd', sizeGiB, rpm, tags };
}

export function enc(name: string, drives: Drive[], bandwidthDomain = 'rack-a', transports: Transport[] = ALL): Enclosure {
  return { name, transports, portal: `${name}.lab:4420`, uplinkGbps: 100, bandwidthDomain, drives };
}

export function server(name: string, bandwidthDomain = 'rack-a', transports: Transport[] = ALL, tags: string[] = []): Server {
  return { name, transports, nicGbps: 25, bandwidthDomain, tags };
}

export function inventory(groups: Record<string, Enclosure[]>, servers: Server[] = [server('k1')], domains = ['rack-a', 'rack-b']): Inventory {
  return {
    bandwidthDomains: domains.map((name) => ({ name })),
    storageGroups: Object.entries(groups).map(([name, enclosures]) => ({ name, enclosures })),
    servers,
  };
}

export function req(o: Partial<PlacementRequest> & { sizeGiB: number }): PlacementRequest {
  return { ...PLACEMENT_DEFAULTS, ...o } as PlacementRequest;
}

export function ok(r: PlacementResult): Placement {
  if (!r.ok) throw new Error(`expected a placement, got: ${r.failure.message}`);
  return r.placement;
}

export function failed(r: PlacementResult): { constraint: string; message: string } {
  if (r.ok) throw new Error(`expected a failure, got a placement on ${r.placement.members.map((m) => m.serial).join(', ')}`);
  return r.failure;
}

export function serials(p: Placement): string[] {
  return p.members.map((m) => m.serial);
}

/** Every drive's free extents: equal snapshots mean nothing changed. */
export function snapshot(engine: AllocationEngine): string {
  const out: string[] = [];
  for (const g of engine.inventory.storageGroups) {
    for (const e of g.enclosures) for (const d of e.drives) out.push(`${d.serial}:${engine.freeExtents(d.serial).map((x) => `${x.offsetGiB}+${x.sizeGiB}`).join(',')}`);
  }
  return out.join(' ') + ` #${engine.allocationIds().length}`;
}

/**
 * The reference lab for option tests:
 *   sg-a: a1 (rack-a), a2 (rack-a)     sg-b: b1 (rack-a), b2 (rack-b, roce+nvmetcp only)
 * each enclosure: 2 ssd 1000 GiB (the first tagged sed), 2 hdd 4000 GiB 7200 rpm, 1 hdd 2000 GiB 10000 rpm.
 */
export function lab(): Inventory {
  const drives = (p: string) => [ssd(`${p}-s0`, 1000, ['nvme', 'sed']), ssd(`${p}-s1`, 1000, ['nvme']), hdd(`${p}-h0`, 4000), hdd(`${p}-h1`, 4000), hdd(`${p}-h2`, 2000, 10000, ['fast'])];
  return inventory(
    {
      'sg-a': [enc('a1', drives('a1')), enc('a2', drives('a2'))],
      'sg-b': [enc('b1', drives('b1')), enc('b2', drives('b2'), 'rack-b', ['roce', 'nvmetcp'])],
    },
    [server('k1'), server('k2', 'rack-b'), server('k3', 'rack-a', ['iscsi']), server('k4', 'rack-b', ['iscsi'])],
  );
}
