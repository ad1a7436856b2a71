// Synthetic inventories: deterministic, exactly the sizes asked for, valid, realistic layout.
import { summarizeInventory, synthesizeInventory, validateInventory } from '../../provider/inventory';

describe('synthesizeInventory', () => {
  test('is deterministic for a seed and differs between seeds', () => {
    const a = synthesizeInventory({ servers: 200, drives: 5000, seed: 7 });
    expect(synthesizeInventory({ servers: 200, drives: 5000, seed: 7 })).toEqual(a);
    expect(synthesizeInventory({ servers: 200, drives: 5000, seed: 8 })).not.toEqual(a);
  });

  test.each([
    [0, 0],
    [1, 1],
    [3, 30],
    [16, 100],
    [100, 2500],
    [1000, 20011],
  ])('%i servers, %i drives: exact counts and a valid document', (servers, drives) => {
    const inv = synthesizeInventory({ servers, drives, seed: 1 });
    const s = summarizeInventory(inv);
    expect(s.servers).toBe(servers);
    expect(s.drives.hdd + s.drives.ssd).toBe(drives);
    // Round-trips through the validator unchanged.
    expect(validateInventory(JSON.parse(JSON.stringify(inv)))).toEqual(inv);
  });

  test('realistic layout: mixed types, 24-90 drive enclosures, several storage groups per domain, tags', () => {
    const inv = synthesizeInventory({ servers: 2000, drives: 40000, seed: 3 });
    const s = summarizeInventory(inv);
    expect(s.drives.hdd / 40000).toBeGreaterThan(0.3);
    expect(s.drives.ssd / 40000).toBeGreaterThan(0.3);
    expect(s.storageGroups).toBeGreaterThanOrEqual(2);
    expect(s.bandwidthDomains).toBeGreaterThanOrEqual(10);
    const enclosures = inv.storageGroups.flatMap((g) => g.enclosures);
    for (const e of enclosures) {
      expect(e.drives.length).toBeGreaterThanOrEqual(24);
      expect(e.drives.length).toBeLessThanOrEqual(90);
    }
    for (const bd of inv.bandwidthDomains) {
      const groups = inv.storageGroups.filter((g) => g.enclosures.some((e) => e.bandwidthDomain === bd.name));
      expect(groups.length).toBeGreaterThanOrEqual(2);
      expect(inv.servers.some((x) => x.bandwidthDomain === bd.name)).toBe(true);
    }
    const drives = enclosures.flatMap((e) => e.drives);
    expect(drives.every((d) => d.type === 'ssd' || (d.rpm ?? 0) > 0)).toBe(true);
    expect(drives.some((d) => d.tags.includes('sed'))).toBe(true);
    expect(new Set(drives.map((d) => d.sizeGiB)).size).toBeGreaterThanOrEqual(8);
  });

  test('rejects nonsense sizes', () => {
    expect(() => synthesizeInventory({ servers: -1, drives: 10, seed: 1 })).toThrow('servers: must be a non-negative integer, got -1');
    expect(() => synthesizeInventory({ servers: 1, drives: 1.5, seed: 1 })).toThrow('drives: must be a non-negative integer, got 1.5');
  });

  test('the seed scale (10,000 servers, 100,000 drives) builds quickly', () => {
    const t = Date.now();
    const inv = synthesizeInventory({ servers: 10000, drives: 100000, seed: 1 });
    expect(Date.now() - t).toBeLessThan(5000);
    const s = summarizeInventory(inv);
    expect(s.drives.hdd + s.drives.ssd).toBe(100000);
    expect(s.servers).toBe(10000);
  });
});
