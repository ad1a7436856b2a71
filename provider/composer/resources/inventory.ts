// The inventory: its summary and document, a load checked against what is allocated and started
// as the inventory-load operation under the exclusive gate, a standby following the leader's
// loads, and capacity questions to the engine.
import { type Caller, seesCluster } from '../callers';
import { type QuotaDriveType, remainingGiB } from '../quotas';
import { PROBLEM } from '../../api/wire.generated';
import type { CapacityResponse, InventorySummary } from '../../api/contract';
import { InventoryError, validateInventory } from '../../inventory';
import type { Inventory } from '../../model/inventory';
import type { CapacityQuery } from '../../model/placement';
import { type CapacityAttribute, type FieldFailure, validateInput } from '../../schema';
import type { ComposerContext } from '../context';
import { INVENTORY_CURRENT } from '../layout';
import { requireEngine } from '../lookups';
import { inventoryLoad, type Operations } from '../operations';
import { HttpProblem, problems } from '../problem';
import { driveUsable, readInventoryBlob, yieldToEventLoop } from '../state';
import { storeUnavailable } from '../writes';
import type { Body } from './common';

export class InventoryResource {
  constructor(
    private readonly ctx: ComposerContext,
    private readonly ops: Operations,
  ) {}

  summary(): InventorySummary {
    const inv = this.ctx.state.inventory;
    let enclosureCount = 0;
    let driveCount = 0;
    for (const g of inv?.storageGroups ?? []) {
      enclosureCount += g.enclosures.length;
      for (const e of g.enclosures) driveCount += e.drives.length;
    }
    return {
      storageGroups: (inv?.storageGroups ?? []).map((g) => g.name),
      enclosureCount,
      driveCount,
      servers: (inv?.servers ?? []).map((s) => s.name),
      revision: this.ctx.state.modRevisions.get(INVENTORY_CURRENT) ?? 0,
    };
  }

  json(): string {
    if (!this.ctx.state.inventoryJson) throw new HttpProblem(404, PROBLEM.notFound, 'no inventory is loaded');
    return this.ctx.state.inventoryJson;
  }

  /** Replace the inventory. Every existing allocation and cluster member must still fit. */
  async load(doc: unknown, caller: Caller): Promise<InventorySummary> {
    let inv: Inventory;
    await yieldToEventLoop();
    try {
      inv = validateInventory(doc);
    } catch (e) {
      if (e instanceof InventoryError) throw problems.validation(e.errors.map((p) => ({ field: p.path || '(inventory)', reason: p.reason })));
      throw e;
    }
    const ctx = this.ctx;
    ctx.writes.requireLeader();
    await yieldToEventLoop();
    const t0 = process.hrtime.bigint();
    try {
      return await ctx.gate.exclusive(async () => {
        const json = JSON.stringify(inv);
        if (json === ctx.state.inventoryJson) return this.summary();
        await yieldToEventLoop();
        const engine = ctx.opts.engineFactory(inv);
        // Drives that are not ok take no new extents in the new inventory either (docs/failure.md).
        for (const d of ctx.state.drives.values()) if (!driveUsable(d.health) && engine.hasDrive(d.serial)) engine.setDriveUsable(d.serial, false);
        await yieldToEventLoop();
        const conflicts: FieldFailure[] = [];
        for (const [id, placement] of ctx.state.allocations) {
          try {
            engine.restore(id, placement);
          } catch (e) {
            conflicts.push({ field: `allocations.${id}`, reason: (e as Error).message });
          }
        }
        const serverNames = new Set(inv.servers.map((s) => s.name));
        for (const c of ctx.state.clusters.values())
          c.servers.forEach((s, i) => {
            if (!serverNames.has(s)) conflicts.push({ field: `clusters.${c.name}.servers[${i}]`, reason: `server ${s} is not in the new inventory` });
          });
        if (conflicts.length > 0)
          throw new HttpProblem(409, PROBLEM.inventoryConflict, `the new inventory does not hold what is allocated: ${conflicts.length} conflict(s)`, conflicts.slice(0, 100));
        await this.ops.start(inventoryLoad, { inv, engine }, { caller });
        return this.summary();
      });
    } catch (e) {
      throw storeUnavailable(e);
    } finally {
      ctx.opts.observeOperation?.('update', 'inventory', Number(process.hrtime.bigint() - t0) / 1e9);
    }
  }

  /** Standby: the leader replaced the inventory; read it and rebuild the engine. */
  async follow(): Promise<void> {
    const kv = await this.ctx.store.get(INVENTORY_CURRENT);
    if (!kv) return;
    const pointer = JSON.parse(kv.value);
    const inv = await readInventoryBlob(this.ctx.store, pointer);
    this.ctx.state.inventoryPointer = pointer;
    const known = this.ctx.state.modRevisions.get(INVENTORY_CURRENT) ?? 0;
    if (kv.modRevision > known) this.ctx.state.modRevisions.set(INVENTORY_CURRENT, kv.modRevision);
    this.ctx.state.setInventory(inv);
    await yieldToEventLoop();
    this.ctx.state.rebuildEngine();
  }

  /**
   * The capacity data source. A scoped caller is answered at most what its clusters' quotas leave
   * (the most any one of its clusters may still take of the drive type; usable GiB, so halved for
   * mirrors): an upper bound, since a whole-drive volume holds its whole drive (docs/api.md "Quotas").
   */
  capacity(query: Body, caller: Caller): CapacityResponse {
    const { value, failures } = validateInput('tessera_capacity', query, { mode: 'create' });
    if (failures.length > 0) throw problems.validation(failures);
    if (value.rpm !== undefined && value.type !== 'hdd') throw problems.field('rpm' satisfies CapacityAttribute, `only applies to type hdd, not ${String(value.type)}`);
    const engine = requireEngine(this.ctx.state);
    if (typeof value.server === 'string' && !this.ctx.state.inventory!.servers.some((s) => s.name === value.server)) throw problems.field('server' satisfies CapacityAttribute, `unknown server ${value.server}`);
    let answer;
    try {
      answer = engine.capacity(value as unknown as CapacityQuery);
    } catch (e) {
      // The engine throws only on a malformed query (an unknown storage group, an empty tag, a tag
      // both required and excluded: provider/engine/engine.ts), as "<option>: <reason>".
      const m = /^([A-Za-z]+): (.*)$/s.exec((e as Error).message);
      throw m ? problems.field(m[1], m[2]) : problems.field('(query)', (e as Error).message);
    }
    const room = this.quotaRoom(caller, value.type === 'hdd' ? 'hdd' : 'ssd', value.redundancy === true);
    if (room === undefined) return { availableGiB: answer.availableGiB, maximumVolumeSizeGiB: answer.maximumVolumeSizeGiB, byStorageGroup: answer.byStorageGroup };
    const byStorageGroup = Object.fromEntries(Object.entries(answer.byStorageGroup).map(([g, n]) => [g, Math.min(n, room)]));
    return { availableGiB: Math.min(answer.availableGiB, room), maximumVolumeSizeGiB: Math.min(answer.maximumVolumeSizeGiB, room), byStorageGroup };
  }

  /** Usable GiB a scoped caller's clusters may still take (undefined: unscoped, or a cluster without that quota). */
  private quotaRoom(caller: Caller, type: QuotaDriveType, mirrored: boolean): number | undefined {
    if (!caller.scope) return undefined;
    const s = this.ctx.state;
    let best = 0;
    for (const c of s.clusters.values()) {
      if (!seesCluster(caller, c)) continue;
      const left = remainingGiB(s, c, type);
      if (left === undefined) return undefined;
      best = Math.max(best, mirrored ? Math.floor(left / 2) : left);
    }
    return best;
  }
}
