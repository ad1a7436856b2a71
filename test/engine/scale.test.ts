// The seed's scale: 100,000 drives and 10,000 servers. Not a timing test (see bench/alloc.ts):
// it checks that the indexes stay exact through a long mixed workload at that size.
import { AllocationEngine } from '../../provider/engine';
import { synthesizeInventory } from '../../provider/inventory';
import { makeWorkload } from '../../bench/lib/workload';

test('indexes stay exact through 20,000 mixed operations on 100,000 drives', () => {
  const inv = synthesizeInventory({ servers: 10000, drives: 100000, seed: 11 });
  const engine = new AllocationEngine(inv);
  const live: string[] = [];
  let placed = 0;
  for (const op of makeWorkload(inv, 20000, 11)) {
    if (op.kind === 'release') {
      if (live.length === 0) continue;
      const at = Math.floor(op.pick * live.length);
      expect(engine.release(live[at])).toBe(true);
      live[at] = live[live.length - 1];
      live.pop();
    } else if (engine.place(op.id, op.request).ok) {
      live.push(op.id);
      placed++;
    }
  }
  expect(placed).toBeGreaterThan(13000);
  expect(engine.verifyIndexes()).toEqual([]);
  const stats = engine.stats();
  expect(stats.allocations).toBe(live.length);
  expect(stats.byType.ssd.usedGiB + stats.byType.ssd.freeGiB).toBe(stats.byType.ssd.totalGiB);
  // Releasing everything returns the pool to empty.
  for (const id of live) engine.release(id);
  expect(engine.stats().byType.hdd.usedGiB).toBe(0);
  expect(engine.stats().byType.ssd.usedGiB).toBe(0);
  expect(engine.verifyIndexes()).toEqual([]);
});
