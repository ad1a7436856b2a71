// The hand-written lab (examples/inventory/lab.yaml) hosts a Kafka-like stack: rack-local RAID1
// ssd volumes mirrored across storage groups, plus slices, plus hdd volumes.
import * as path from 'node:path';
import { AllocationEngine } from '../../provider/engine';
import { loadInventoryFile } from '../../provider/inventory';
import { ok, req } from './helpers';

test('a Kafka-like stack fits the lab, rack-local and mirrored across storage groups', () => {
  const inv = loadInventoryFile(path.join(__dirname, '../../examples/inventory/lab.yaml'));
  const e = new AllocationEngine(inv);
  const rackOf = new Map(inv.storageGroups.flatMap((g) => g.enclosures.map((x) => [x.name, x.bandwidthDomain] as const)));
  const brokers = inv.servers.filter((s) => s.tags.includes('kafka'));
  expect(brokers).toHaveLength(6);
  for (const b of brokers) {
    const data = ok(e.place(`${b.name}-data`, req({ type: 'ssd', sizeGiB: 1500, redundancy: true, server: b.name })));
    expect(data.raidLevel).toBe('raid1');
    expect(new Set(data.members.map((m) => m.storageGroup)).size).toBe(2);
    expect(data.members.every((m) => rackOf.get(m.enclosure) === b.bandwidthDomain)).toBe(true);
    const log = ok(e.place(`${b.name}-log`, req({ type: 'slice', sizeGiB: 200, redundancy: true, server: b.name })));
    expect(log.members.every((m) => rackOf.get(m.enclosure) === b.bandwidthDomain)).toBe(true);
    const zk = ok(e.place(`${b.name}-zk`, req({ type: 'slice', sizeGiB: 20, server: b.name })));
    expect(zk.capacityGiB).toBe(20);
    ok(e.place(`${b.name}-archive`, req({ type: 'hdd', sizeGiB: 7000, server: b.name })));
  }
  expect(e.stats().allocations).toBe(24);
  // Room is left: a slice still fits in every rack.
  for (const server of ['k1', 'k9']) expect(e.capacity(req({ type: 'slice', sizeGiB: 1, server })).maximumVolumeSizeGiB).toBeGreaterThan(100);
});
