// Operation type "inventory-load": a new inventory replaces the live one. Its chunks are written
// first under a fresh blob name (nothing reads them until the pointer moves: they are the load's
// reservation), then ONE transaction moves the pointer, conditional on the pointer being the one
// this replica holds, with the entry `done` (resource `inventory`). A load that dies before the
// switch leaves only unreferenced chunks, which sweep() drops at the next take-over.
import type { Allocator } from '../../engine/api';
import type { Inventory } from '../../model/inventory';
import type { ComposerContext } from '../context';
import { INVENTORY_BLOBS, INVENTORY_CURRENT, keys } from '../layout';
import { inventoryChunks } from '../state';
import { absent } from '../writes';
import { newOp } from './lifecycle';
import type { OperationType } from './registry';

export interface InventoryLoadParams {
  inv: Inventory;
  /** An engine over `inv` with every stored allocation restored (checked by the caller). */
  engine: Allocator;
}

export const countDrives = (inv: Inventory) => inv.storageGroups.reduce((n, g) => n + g.enclosures.reduce((m, e) => m + e.drives.length, 0), 0);

export const inventoryLoad: OperationType<InventoryLoadParams, void> = {
  name: 'inventory-load',
  resources: ['inventory'],
  kind: 'update',
  async build(ctx, { inv, engine }) {
    const blob = `b${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
    const chunks = await inventoryChunks(inv);
    for (let i = 0; i < chunks.length; i++) await ctx.writes.commitUnapplied('the inventory', [{ key: keys.inventoryChunk(blob, i), value: chunks[i] }]);
    const old = ctx.state.inventoryPointer;
    const pointer = { blob, chunks: chunks.length, loadedAt: new Date().toISOString() };
    const prevRev = ctx.state.modRevisions.get(INVENTORY_CURRENT);
    let revision = 0;
    return {
      op: newOp('update', 'inventory', 'inventory', { blob, drives: countDrives(inv) }),
      muts: [{ key: INVENTORY_CURRENT, value: pointer }],
      compares: [prevRev === undefined ? absent(INVENTORY_CURRENT) : { key: INVENTORY_CURRENT, target: 'modRevision', op: '=', value: prevRev }],
      result: undefined,
      // The leader switches its engine itself: fed to the tables, the pointer would start a reload.
      unapplied: {
        what: 'the inventory',
        applied: (rev) => {
          revision = rev;
          ctx.state.inventoryPointer = pointer;
          ctx.state.setInventory(inv);
          ctx.state.engine = engine;
          ctx.state.modRevisions.set(INVENTORY_CURRENT, rev);
        },
      },
      after: async () => {
        // Best effort: a leftover blob is dropped at the next take-over (sweep).
        if (old) await dropBlob(ctx, old.blob).catch(() => undefined);
        ctx.log.info('inventory loaded', { drives: countDrives(inv), servers: inv.servers.length, revision });
      },
    };
  },
  /** Chunks of a load that died before its pointer switch (called under the exclusive gate). */
  async sweep(ctx) {
    const current = ctx.state.inventoryPointer?.blob;
    const blobs = new Set((await ctx.store.range(INVENTORY_BLOBS)).map((kv) => kv.key.slice(INVENTORY_BLOBS.length).split('/')[0]));
    for (const blob of blobs) {
      if (blob === current) continue;
      await dropBlob(ctx, blob);
      ctx.log.info('dropped the chunks of an unfinished inventory load', { blob });
    }
  },
};

function dropBlob(ctx: ComposerContext, blob: string) {
  return ctx.store.txn({ compare: ctx.committer.fence(), success: [{ type: 'deletePrefix', prefix: `${INVENTORY_BLOBS}${blob}/` }] });
}
