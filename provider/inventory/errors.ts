// Inventory problems are collected, never thrown one at a time: a topology file with ten
// mistakes should be fixed in one pass.

export interface InventoryProblem {
  /** Where, e.g. `storageGroups[2].enclosures[0].drives[5].sizeGiB`. */
  path: string;
  /** Why, e.g. `must be a positive integer`. */
  reason: string;
}

export class InventoryError extends Error {
  readonly errors: InventoryProblem[];
  constructor(errors: InventoryProblem[], source?: string) {
    const head = source ? `invalid inventory ${source}` : 'invalid inventory';
    super(`${head} (${errors.length} problem${errors.length === 1 ? '' : 's'}):\n${errors.map((e) => `  ${formatProblem(e)}`).join('\n')}`);
    this.name = 'InventoryError';
    this.errors = errors;
  }
}

export function formatProblem(p: InventoryProblem): string {
  return p.path ? `${p.path}: ${p.reason}` : p.reason;
}
