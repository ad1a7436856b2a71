// Replacement placement (docs/allocation.md "Replacing a member"): a new extent for one member
// with the original rules and the resiliency flags against the surviving partner; unusable
// drives (failed, draining, removed) take no new extent, in a replacement or a first placement.
import { AllocationEngine } from '../../provider/engine';
import { enc, failed, hdd, inventory, lab, ok, req, snapshot, ssd } from './helpers';

const two = () =>
  inventory({
    'sg-a': [enc('a1', [ssd('a1-s0', 1000), ssd('a1-s1', 1000), ssd('a1-s2', 2000)]), enc('a2', [ssd('a2-s0', 1000)])],
    'sg-b': [enc('b1', [ssd('b1-s0', 1000), ssd('b1-s1', 1000)])],
  });

test('a RAID1 half is replaced in another storage group than its surviving partner (sgResiliency), best fit, on a usable drive', () => {
  const e = new AllocationEngine(two());
  const r = req({ type: 'ssd', sizeGiB: 800, redundancy: true });
  const p = ok(e.place('v', r));
  const lostIdx = p.members.findIndex((m) => m.storageGroup === 'sg-a');
  const partner = p.members[1 - lostIdx];
  e.setDriveUsable(p.members[lostIdx].serial, false);
  const q = ok(e.replaceMember('v', r, lostIdx));
  expect(q.members[1 - lostIdx]).toEqual(partner);
  const m = q.members[lostIdx];
  expect(m.storageGroup).toBe('sg-a');
  expect(m.serial).not.toBe(p.members[lostIdx].serial);
  // Best fit: a 1000 GiB drive rather than the 2000 GiB one.
  expect(m.sizeGiB).toBe(1000);
  expect(m.mirror).toBe(p.members[lostIdx].mirror);
  // Reserved: the engine holds exactly the new placement.
  expect(e.get('v')).toEqual(q);
  expect(e.freeExtents(m.serial)).toEqual([]);
  expect(e.freeExtents(p.members[lostIdx].serial)).toEqual([{ offsetGiB: 0, sizeGiB: 1000 }]);
});

test('strict flags are filters: no drive outside the partner storage group → infeasible with the numbers, nothing changes', () => {
  const e = new AllocationEngine(
    inventory({
      'sg-a': [enc('a1', [ssd('a1-s0', 1000)]), enc('a2', [ssd('a2-s0', 1000)])],
      'sg-b': [enc('b1', [ssd('b1-s0', 1000), ssd('b1-s1', 1000)])],
    }),
  );
  const r = req({ type: 'ssd', sizeGiB: 800, redundancy: true });
  const p = ok(e.place('v', r));
  // Fill sg-a's other drive, then lose the sg-a half: only sg-b (the partner's group) has room.
  const lostIdx = p.members.findIndex((m) => m.storageGroup === 'sg-a');
  const other = ['a1-s0', 'a2-s0'].find((s) => s !== p.members[lostIdx].serial)!;
  ok(e.place('filler', req({ type: 'ssd', sizeGiB: 800, storageGroup: ['sg-a'] })));
  expect(e.get('filler')!.members[0].serial).toBe(other);
  e.setDriveUsable(p.members[lostIdx].serial, false);
  const before = snapshot(e);
  const f = failed(e.replaceMember('v', r, lostIdx));
  expect(f.constraint).toBe('sgResiliency');
  expect(f.message).toBe(
    `sgResiliency: no replacement for member ${lostIdx} (${p.members[lostIdx].serial} in ${p.members[lostIdx].enclosure}): a free ssd >= 1000 GiB over ${p.transport}; ` +
      `4 ssd drives in scope, 2 usable (not failed, draining, removed or already in the volume), 1 with room, every one in storage group sg-b with the surviving mirror partner ${p.members[1 - lostIdx].serial}`,
  );
  expect(snapshot(e)).toBe(before);
  // Best effort when the flags are false: the partner's group is used.
  const soft = req({ type: 'ssd', sizeGiB: 800, redundancy: true, sgResiliency: false, jbodResiliency: false });
  const q = ok(e.replaceMember('v', soft, lostIdx));
  expect(q.members[lostIdx].storageGroup).toBe('sg-b');
  expect(q.members[lostIdx].serial).not.toBe(q.members[1 - lostIdx].serial);
});

test('no usable drive with room: sizeGiB failure naming the counts', () => {
  const e = new AllocationEngine(two());
  const r = req({ type: 'ssd', sizeGiB: 800, redundancy: true });
  ok(e.place('v', r));
  for (const s of ['a1-s0', 'a1-s1', 'a1-s2', 'a2-s0', 'b1-s0', 'b1-s1']) if (!e.get('v')!.members.some((m) => m.serial === s)) e.setDriveUsable(s, false);
  const f = failed(e.replaceMember('v', r, 0));
  expect(f.constraint).toBe('sizeGiB');
  expect(f.message).toMatch(/6 ssd drives in scope, 0 usable .*, 0 with room$/);
});

test('RAID10: a member is replaced against its own stripe partner, slices get a best-fit extent, the transport stays', () => {
  const e = new AllocationEngine(lab());
  const r10 = req({ type: 'hdd', sizeGiB: 6000 });
  const p = ok(e.place('r10', r10));
  expect(p.raidLevel).toBe('raid10');
  const idx = p.members.findIndex((m) => m.stripe === 1 && m.mirror === 0);
  e.setDriveUsable(p.members[idx].serial, false);
  const q = ok(e.replaceMember('r10', r10, idx));
  const partner = q.members.find((m) => m.stripe === 1 && m.mirror === 1)!;
  expect(q.members[idx].storageGroup).not.toBe(partner.storageGroup);
  expect(new Set(q.members.map((m) => m.serial)).size).toBe(4);
  expect(q.transport).toBe(p.transport);

  const rs = req({ type: 'slice', sizeGiB: 100, redundancy: true });
  const s = ok(e.place('sl', rs));
  e.setDriveUsable(s.members[0].serial, false);
  const t = ok(e.replaceMember('sl', rs, 0));
  expect(t.members[0].sizeGiB).toBe(100);
  expect(t.members[0].storageGroup).not.toBe(t.members[1].storageGroup);
});

test('an unusable drive takes no extent in a first placement either, and usable again takes them', () => {
  const e = new AllocationEngine(inventory({ 'sg-a': [enc('a1', [hdd('a1-h0', 1000), hdd('a1-h1', 2000)])] }));
  e.setDriveUsable('a1-h0', false);
  expect(ok(e.place('x', req({ type: 'hdd', sizeGiB: 500 }))).members[0].serial).toBe('a1-h1');
  expect(failed(e.place('y', req({ type: 'hdd', sizeGiB: 500 }))).constraint).toBeDefined();
  e.setDriveUsable('a1-h0', true);
  expect(ok(e.place('y', req({ type: 'hdd', sizeGiB: 500 }))).members[0].serial).toBe('a1-h0');
  expect(() => e.setDriveUsable('nope', false)).toThrow('unknown drive "nope"');
});

test('capacity (CSI GetCapacity, /v1/capacity) counts no unusable drive: neither its free GiB nor the largest feasible answer', () => {
  const e = new AllocationEngine(inventory({ 'sg-a': [enc('a1', [hdd('a1-h0', 1000), hdd('a1-h1', 2000)])], 'sg-b': [enc('b1', [hdd('b1-h0', 3000)])] }));
  const q = req({ type: 'hdd', sizeGiB: 1 });
  expect(e.capacity(q)).toEqual({ availableGiB: 6000, maximumVolumeSizeGiB: 3000, byStorageGroup: { 'sg-a': 3000, 'sg-b': 3000 } });
  e.setDriveUsable('b1-h0', false);
  expect(e.capacity(q)).toEqual({ availableGiB: 3000, maximumVolumeSizeGiB: 2000, byStorageGroup: { 'sg-a': 3000 } });
  // What capacity says fits, place() accepts; one GiB more it refuses.
  expect(failed(e.place('big', req({ type: 'hdd', sizeGiB: 2001 }))).constraint).toBeDefined();
  expect(ok(e.place('fits', req({ type: 'hdd', sizeGiB: 2000 }))).members[0].serial).toBe('a1-h1');
  e.setDriveUsable('b1-h0', true);
  expect(e.capacity(q).maximumVolumeSizeGiB).toBe(3000);
});
