// The inventory: topology files (docs/inventory.md), their validation, and synthetic inventories.
export { InventoryError, formatProblem, type InventoryProblem } from './errors';
export { checkInventory, MAX_DRIVES_PER_ENCLOSURE, MAX_DRIVE_SIZE_GIB, NAME_RE, PORTAL_RE } from './validate';
export { parseInventory, loadInventoryFile } from './parse';
export { synthesizeInventory, rng, type SynthOptions } from './synth';
import type { Inventory } from '../model/inventory';
import { validateInventory as validateDoc } from './validate';

/** Validates an already-parsed document; throws InventoryError listing every problem. */
export function validateInventory(obj: unknown): Inventory {
  return validateDoc(obj);
}

/** Counts for summaries: drives by type, capacity, enclosures, servers. */
export function summarizeInventory(inv: Inventory): {
  bandwidthDomains: number;
  storageGroups: number;
  enclosures: number;
  servers: number;
  drives: { hdd: number; ssd: number };
  capacityGiB: { hdd: number; ssd: number };
} {
  const drives = { hdd: 0, ssd: 0 };
  const capacityGiB = { hdd: 0, ssd: 0 };
  let enclosures = 0;
  for (const g of inv.storageGroups) {
    for (const e of g.enclosures) {
      enclosures++;
      for (const d of e.drives) {
        drives[d.type]++;
        capacityGiB[d.type] += d.sizeGiB;
      }
    }
  }
  return {
    bandwidthDomains: inv.bandwidthDomains.length,
    storageGroups: inv.storageGroups.length,
    enclosures,
    servers: inv.servers.length,
    drives,
    capacityGiB,
  };
}
