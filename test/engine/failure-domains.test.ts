// Failure domains (docs/allocation.md): every combination of sgResiliency / jbodResiliency over
// three topologies, for mirrored ssds, mirrored slices and hdd RAID10.
import { AllocationEngine } from '../../provider/engine';
import type { Inventory } from '../../provider/model/inventory';
import type { Placement } from '../../provider/model/placement';
import { enc, failed, hdd, inventory, ok, req, ssd } from './helpers';

const drives = (p: string, n: number) => [
  ...Array.from({ length: n }, (_, i) => ssd(`${p}-s${i}`, 1000)),
  ...Array.from({ length: n }, (_, i) => hdd(`${p}-h${i}`, 1000)),
];

const topologies: Record<string, { inv: () => Inventory; groups: number; enclosures: number }> = {
  '1 storage group, 1 enclosure': { inv: () => inventory({ 'sg-a': [enc('a1', drives('a1', 4))] }), groups: 1, enclosures: 1 },
  '1 storage group, 2 enclosures': { inv: () => inventory({ 'sg-a': [enc('a1', drives('a1', 2)), enc('a2', drives('a2', 2))] }), groups: 1, enclosures: 2 },
  '2 storage groups': { inv: () => inventory({ 'sg-a': [enc('a1', drives('a1', 2))], 'sg-b': [enc('b1', drives('b1', 2))] }), groups: 2, enclosures: 2 },
};

const volumes = {
  'ssd RAID1': { request: req({ type: 'ssd', sizeGiB: 500, redundancy: true }), raid: 'raid1', members: 2, unit: 'free ssd >= 500 GiB' },
  'slice RAID1': { request: req({ type: 'slice', sizeGiB: 100, redundancy: true }), raid: 'raid1', members: 2, unit: 'ssd with a free extent >= 100 GiB' },
  'hdd RAID10': { request: req({ type: 'hdd', sizeGiB: 1500 }), raid: 'raid10', members: 4, unit: 'free hdd >= 750 GiB' },
} as const;

const flags = [
  { sgResiliency: true, jbodResiliency: true },
  { sgResiliency: true, jbodResiliency: false },
  { sgResiliency: false, jbodResiliency: true },
  { sgResiliency: false, jbodResiliency: false },
];

function pairs(p: Placement): [Placement['members'][number], Placement['members'][number]][] {
  const out: [Placement['members'][number], Placement['members'][number]][] = [];
  for (const a of p.members.filter((m) => m.mirror === 0)) out.push([a, p.members.find((m) => m.mirror === 1 && m.stripe === a.stripe)!]);
  return out;
}

const cases = Object.entries(topologies).flatMap(([topo, t]) =>
  Object.entries(volumes).flatMap(([vol, v]) => flags.map((f) => ({ topo, t, vol, v, f }))),
);

describe.each(cases)('$topo / $vol / sgResiliency=$f.sgResiliency jbodResiliency=$f.jbodResiliency', ({ t, v, f }) => {
  const feasible = f.sgResiliency ? t.groups >= 2 : f.jbodResiliency ? t.enclosures >= 2 : true;
  test(feasible ? 'succeeds, halves as separated as the topology allows' : 'fails with the constraint and the numbers', () => {
    const e = new AllocationEngine(t.inv());
    const r = e.place('v', { ...v.request, ...f });
    if (!feasible) {
      const failure = failed(r);
      const constraint = f.sgResiliency ? 'sgResiliency' : 'jbodResiliency';
      expect(failure.constraint).toBe(constraint);
      if (v.raid === 'raid1') {
        const where = f.sgResiliency ? 'only 1 storage group (sg-a) has' : 'only 1 enclosure (a1) in sg-a has';
        expect(failure.message).toBe(`${constraint}: ${where} ${v.request.type === 'slice' ? 'an' : 'a'} ${v.unit}, 2 needed${v.request.type === 'slice' ? '; slices are never striped' : ''}`);
      } else {
        const span = f.sgResiliency ? '2 storage groups (free drives in sg-a)' : '2 enclosures (free drives in a1)';
        expect(failure.message).toBe(`${constraint}: 1500 GiB in RAID10 needs 2 mirrored pairs of free hdd >= 750 GiB (raidMaxDrives 16); only 0 such pairs can span ${span}`);
      }
      expect(e.allocationIds()).toEqual([]);
      return;
    }
    const p = ok(r);
    expect(p.raidLevel).toBe(v.raid);
    expect(p.members).toHaveLength(v.members);
    for (const [a, b] of pairs(p)) {
      expect(a.serial).not.toBe(b.serial);
      // Strict flags are guarantees; false flags are still honoured when the topology allows.
      if (t.groups >= 2) expect(a.storageGroup).not.toBe(b.storageGroup);
      if (t.enclosures >= 2) expect(a.enclosure).not.toBe(b.enclosure);
    }
  });
});
