// Allocation lifecycle: ids, release, extend, restore, checkServer, capacity, preferences,
// determinism and stats.
import { AllocationEngine } from '../../provider/engine';
import { enc, failed, hdd, inventory, lab, ok, req, serials, server, snapshot, ssd } from './helpers';

function oneEnclosure(): AllocationEngine {
  return new AllocationEngine(inventory({ g: [enc('e1', [ssd('d0', 1000), ssd('d1', 1000)])] }));
}

describe('place and release', () => {
  test('an id can be placed once', () => {
    const e = new AllocationEngine(lab());
    ok(e.place('v', req({ sizeGiB: 10 })));
    expect(() => e.place('v', req({ sizeGiB: 10 }))).toThrow('allocation v already exists');
  });

  test('release gives back exactly what was taken', () => {
    const e = new AllocationEngine(lab());
    ok(e.place('keep', req({ type: 'slice', sizeGiB: 123 })));
    const before = snapshot(e);
    ok(e.place('big', req({ sizeGiB: 10000 })));
    ok(e.place('m', req({ type: 'slice', sizeGiB: 77, redundancy: true })));
    expect(snapshot(e)).not.toBe(before);
    expect(e.release('big')).toBe(true);
    expect(e.release('m')).toBe(true);
    expect(snapshot(e)).toBe(before);
  });

  test('releasing an unknown id changes nothing', () => {
    const e = new AllocationEngine(lab());
    const before = snapshot(e);
    expect(e.release('nope')).toBe(false);
    expect(snapshot(e)).toBe(before);
  });

  test('plan reserves nothing and agrees with place', () => {
    const e = new AllocationEngine(lab());
    const before = snapshot(e);
    const planned = ok(e.plan(req({ sizeGiB: 10000 })));
    expect(snapshot(e)).toBe(before);
    expect(ok(e.place('v', req({ sizeGiB: 10000 })))).toEqual(planned);
  });

  test('get returns a copy', () => {
    const e = new AllocationEngine(lab());
    ok(e.place('v', req({ sizeGiB: 10 })));
    const p = e.get('v')!;
    p.members[0].serial = 'mutated';
    expect(e.get('v')!.members[0].serial).toBe('a1-h2');
    expect(e.get('nope')).toBeUndefined();
  });

  test('whole drives are not sliced and sliced ssds are not given whole', () => {
    const e = oneEnclosure();
    ok(e.place('s', req({ type: 'slice', sizeGiB: 1 })));
    expect(serials(ok(e.place('w', req({ type: 'ssd', sizeGiB: 10 }))))).toEqual(['d1']);
    const f = failed(e.plan(req({ type: 'ssd', sizeGiB: 10 })));
    expect(f.message).toBe('sizeGiB: no free ssd >= 10 GiB (largest free: 0 GiB)');
  });
});

describe('slices: best fit keeps large extents free', () => {
  test('slices fill the smallest hole that holds them', () => {
    const e = oneEnclosure();
    expect(ok(e.place('s1', req({ type: 'slice', sizeGiB: 100 }))).members[0]).toMatchObject({ serial: 'd0', offsetGiB: 0 });
    expect(ok(e.place('s2', req({ type: 'slice', sizeGiB: 300 }))).members[0]).toMatchObject({ serial: 'd0', offsetGiB: 100 });
    e.release('s1');
    expect(ok(e.place('s3', req({ type: 'slice', sizeGiB: 80 }))).members[0]).toMatchObject({ serial: 'd0', offsetGiB: 0 });
    expect(ok(e.place('s4', req({ type: 'slice', sizeGiB: 500 }))).members[0]).toMatchObject({ serial: 'd0', offsetGiB: 400 });
    // d1 stayed whole for a request that needs it.
    expect(e.freeExtents('d1')).toEqual([{ offsetGiB: 0, sizeGiB: 1000 }]);
    expect(ok(e.place('s5', req({ type: 'slice', sizeGiB: 1000 }))).members[0].serial).toBe('d1');
  });
});

describe('extend', () => {
  test('grows a slice in place when the neighbouring extent is free', () => {
    const e = oneEnclosure();
    ok(e.place('s1', req({ type: 'slice', sizeGiB: 100 })));
    const p = ok(e.extend('s1', 150));
    expect(p.capacityGiB).toBe(150);
    expect(p.members[0]).toMatchObject({ serial: 'd0', offsetGiB: 0, sizeGiB: 150 });
    expect(e.get('s1')!.capacityGiB).toBe(150);
    expect(e.freeExtents('d0')).toEqual([{ offsetGiB: 150, sizeGiB: 850 }]);
  });

  test('fails clearly when the neighbour is taken, changing nothing', () => {
    const e = oneEnclosure();
    ok(e.place('s1', req({ type: 'slice', sizeGiB: 100 })));
    ok(e.place('s2', req({ type: 'slice', sizeGiB: 100 })));
    const before = snapshot(e);
    const f = failed(e.extend('s1', 200));
    expect(f.message).toBe('sizeGiB: cannot grow s1 from 100 to 200 GiB in place: drive d0 has 0 GiB free after the extent at 0 GiB, 100 GiB needed');
    expect(snapshot(e)).toBe(before);
  });

  test('grows both halves of a mirrored slice, or neither', () => {
    const e = new AllocationEngine(lab());
    ok(e.place('m', req({ type: 'slice', sizeGiB: 100, redundancy: true })));
    const p = ok(e.extend('m', 300));
    expect(p.members.map((m) => m.sizeGiB)).toEqual([300, 300]);
    e.restore('blocker', { ...p, raidLevel: 'none', capacityGiB: 10, members: [{ ...p.members[1], offsetGiB: 300, sizeGiB: 10, mirror: 0 }] });
    expect(e.freeExtents('b1-s0')).toEqual([{ offsetGiB: 310, sizeGiB: 690 }]);
    const before = snapshot(e);
    expect(failed(e.extend('m', 400)).constraint).toBe('sizeGiB');
    expect(snapshot(e)).toBe(before);
  });

  test('shrinking, non-slices, unknown ids and maxVolumeSize are refused', () => {
    const e = new AllocationEngine(lab());
    ok(e.place('s', req({ type: 'slice', sizeGiB: 100, maxVolumeSize: 200 })));
    ok(e.place('w', req({ type: 'ssd', sizeGiB: 100 })));
    expect(failed(e.extend('s', 50)).message).toBe('sizeGiB: shrinking is refused: s is 100 GiB, 50 GiB requested');
    expect(failed(e.extend('w', 2000)).message).toBe('type: only slice allocations grow in place; w is ssd (none)');
    expect(failed(e.extend('x', 10)).message).toBe('allocation: unknown allocation "x"');
    expect(failed(e.extend('s', 201)).message).toBe('maxVolumeSize: 201 GiB requested, maxVolumeSize is 200 GiB');
    expect(ok(e.extend('s', 100)).capacityGiB).toBe(100);
  });
});

describe('restore', () => {
  test('reserves a placement decided by another engine', () => {
    const a = new AllocationEngine(lab());
    const b = new AllocationEngine(lab());
    const p1 = ok(a.place('v1', req({ sizeGiB: 10000 })));
    const p2 = ok(a.place('v2', req({ type: 'slice', sizeGiB: 42, redundancy: true })));
    b.restore('v1', p1);
    b.restore('v2', p2);
    expect(snapshot(b)).toBe(snapshot(a));
    expect(b.get('v2')).toEqual(p2);
    expect(b.release('v1')).toBe(true);
  });

  test('refuses a taken extent, an unknown drive or a reused id, changing nothing', () => {
    const e = new AllocationEngine(lab());
    const p = ok(e.place('v', req({ type: 'slice', sizeGiB: 100, redundancy: true })));
    const before = snapshot(e);
    expect(() => e.restore('w', p)).toThrow(/is not free/);
    const partly = { ...p, members: [{ ...p.members[0], serial: 'b2-s1' }, p.members[1]] };
    expect(() => e.restore('w', partly)).toThrow(/is not free/);
    expect(() => e.restore('w', { ...p, members: [{ ...p.members[0], serial: 'ghost' }] })).toThrow('allocation w: members[0].serial: unknown drive "ghost"');
    expect(() => e.restore('v', p)).toThrow('allocation v already exists');
    expect(snapshot(e)).toBe(before);
  });
});

describe('checkServer', () => {
  test('checks transport and bandwidth domain', () => {
    const e = new AllocationEngine(lab());
    const p = ok(e.place('v', req({ type: 'ssd', sizeGiB: 10, server: 'k2' })));
    expect(e.checkServer(p, 'k2', false)).toEqual({ ok: true });
    const f = e.checkServer(p, 'k1', false);
    expect(f).toEqual({
      ok: false,
      failure: { constraint: 'softDomains', message: 'softDomains: member b2-s0 sits in b2 in bandwidth domain rack-b, server k1 is in rack-a, and softDomains is false' },
    });
    expect(e.checkServer(p, 'k1', true)).toEqual({ ok: true });
    const t = e.checkServer(p, 'k3', true);
    expect(t.ok).toBe(false);
    if (!t.ok) expect(t.failure.message).toBe("networkTransportsAllowed: server k3 does not support roce, the volume's transport");
    const u = e.checkServer(p, 'nope', true);
    expect(!u.ok && u.failure.constraint).toBe('server');
  });
});

describe('capacity', () => {
  test('slices: free ssd capacity and the largest slice that fits', () => {
    const e = new AllocationEngine(lab());
    const c = e.capacity(req({ type: 'slice', sizeGiB: 1 }));
    expect(c).toEqual({ availableGiB: 8000, maximumVolumeSizeGiB: 1000, byStorageGroup: { 'sg-a': 4000, 'sg-b': 4000 } });
    ok(e.place('x', req({ type: 'slice', sizeGiB: 600, storageGroup: ['sg-a'] })));
    expect(e.capacity(req({ type: 'slice', sizeGiB: 1, storageGroup: ['sg-a'] }))).toEqual({ availableGiB: 3400, maximumVolumeSizeGiB: 1000, byStorageGroup: { 'sg-a': 3400 } });
  });

  test('mirrored: the largest pair that obeys the resiliency flags', () => {
    const e = new AllocationEngine(lab());
    expect(e.capacity(req({ type: 'slice', sizeGiB: 1, redundancy: true, storageGroup: ['sg-a'] })).maximumVolumeSizeGiB).toBe(0);
    expect(e.capacity(req({ type: 'slice', sizeGiB: 1, redundancy: true, storageGroup: ['sg-a'], sgResiliency: false })).maximumVolumeSizeGiB).toBe(1000);
  });

  test('hdd: RAID10 makes the largest volume, and exactly that size succeeds', () => {
    const e = new AllocationEngine(lab());
    const c = e.capacity(req({ sizeGiB: 1 }));
    expect(c.availableGiB).toBe(40000);
    expect(c.maximumVolumeSizeGiB).toBe(16000);
    expect(ok(e.plan(req({ sizeGiB: 16000 }))).members).toHaveLength(8);
    expect(failed(e.plan(req({ sizeGiB: 16001 }))).constraint).toBe('raidMaxDrives');
    expect(e.capacity(req({ sizeGiB: 1, striping: false })).maximumVolumeSizeGiB).toBe(4000);
    expect(e.capacity(req({ sizeGiB: 1, server: 'k2' })).maximumVolumeSizeGiB).toBe(4000);
    expect(e.capacity(req({ sizeGiB: 1, maxVolumeSize: 3000 })).maximumVolumeSizeGiB).toBe(2000);
  });
});

describe('preferences', () => {
  test('the least-loaded enclosure takes the next volume', () => {
    const e = new AllocationEngine(lab());
    const order = ['s1', 's2', 's3', 's4', 's5'].map((id) => ok(e.place(id, req({ type: 'slice', sizeGiB: 10 }))).members[0].enclosure);
    expect(order).toEqual(['a1', 'a2', 'b1', 'b2', 'a1']);
  });

  test('load is judged after the member: a drive goes where it raises utilisation least', () => {
    const e = new AllocationEngine(inventory({ g: [enc('small', [ssd('s0', 100), ssd('s1', 100)]), enc('large', [ssd('l0', 100), ssd('l1', 900)])] }));
    // Both enclosures are empty; the 100 GiB drive is 50% of "small" but 10% of "large".
    expect(ok(e.plan(req({ type: 'ssd', sizeGiB: 50 }))).members[0].serial).toBe('l0');
  });

  test('slices go to SSDs already sliced before opening a whole one, even a better-fitting one', () => {
    const e = new AllocationEngine(inventory({ g: [enc('e1', [ssd('d0', 1000), ssd('d1', 200)])] }));
    expect(ok(e.place('a', req({ type: 'slice', sizeGiB: 300 }))).members[0]).toMatchObject({ serial: 'd0', offsetGiB: 0 });
    expect(ok(e.place('b', req({ type: 'slice', sizeGiB: 150 }))).members[0]).toMatchObject({ serial: 'd0', offsetGiB: 300 });
    expect(e.freeExtents('d1')).toEqual([{ offsetGiB: 0, sizeGiB: 200 }]);
    expect(ok(e.place('c', req({ type: 'ssd', sizeGiB: 200 }))).members[0].serial).toBe('d1');
  });

  test('softDomains true: the server\'s bandwidth domain beats a less loaded enclosure elsewhere', () => {
    const e = new AllocationEngine(lab());
    ok(e.place('load', req({ type: 'slice', sizeGiB: 900, storageGroup: ['sg-b'], server: 'k2' })));
    const p = ok(e.plan(req({ type: 'slice', sizeGiB: 10, server: 'k2', softDomains: true })));
    expect(p.members[0].enclosure).toBe('b2');
  });

  test('deterministic: the same requests on the same state give the same placements', () => {
    const run = () => {
      const e = new AllocationEngine(lab());
      const out: unknown[] = [];
      for (let i = 0; i < 30; i++) {
        const r = i % 3 === 0 ? req({ type: 'slice', sizeGiB: 10 + i, redundancy: i % 2 === 0 }) : i % 3 === 1 ? req({ sizeGiB: 500 * i }) : req({ type: 'ssd', sizeGiB: 5 });
        out.push(e.place(`v${i}`, r));
        if (i % 4 === 3) e.release(`v${i - 2}`);
      }
      return out;
    };
    expect(run()).toEqual(run());
  });
});

describe('stats', () => {
  test('free and used GiB by type and storage group, and the allocation count', () => {
    const e = new AllocationEngine(lab());
    ok(e.place('s', req({ type: 'slice', sizeGiB: 100, storageGroup: ['sg-b'] })));
    ok(e.place('h', req({ sizeGiB: 3000, storageGroup: ['sg-a'] })));
    const s = e.stats();
    expect(s.allocations).toBe(2);
    expect(s.byType.ssd).toEqual({ drives: 8, totalGiB: 8000, usedGiB: 100, freeGiB: 7900 });
    expect(s.byType.hdd).toEqual({ drives: 12, totalGiB: 40000, usedGiB: 4000, freeGiB: 36000 });
    expect(s.byStorageGroup['sg-a'].hdd.usedGiB).toBe(4000);
    expect(s.byStorageGroup['sg-b'].ssd.usedGiB).toBe(100);
  });

  test('fragmentation and balance figures', () => {
    const e = oneEnclosure();
    expect(e.ssdFragmentation(100)).toBe(0);
    ok(e.place('a', req({ type: 'slice', sizeGiB: 950 })));
    expect(e.ssdFragmentation(100)).toBeCloseTo(50 / 1050);
    const two = new AllocationEngine(inventory({ g: [enc('e1', [hdd('h1', 100), hdd('h2', 100)]), enc('e2', [hdd('h3', 100), hdd('h4', 100)])] }, [server('k1')]));
    ok(two.place('x', req({ sizeGiB: 100 })));
    expect(two.enclosureBalance().byType.hdd).toBeCloseTo(0.5 / 0.25);
  });
});

describe('construction', () => {
  test('an inventory the packed indexes cannot hold is refused', () => {
    expect(() => new AllocationEngine(inventory({ g: [enc('e', [ssd('x', 2 ** 20)])] }))).toThrow('drive x: sizeGiB must be an integer from 1 to 1048575');
    expect(() => new AllocationEngine(inventory({ g: [enc('e', [ssd('x', 10), ssd('x', 10)])] }))).toThrow('drive x: duplicate serial');
    expect(() => new AllocationEngine(inventory({ g: [enc('e', []), enc('e', [])] }))).toThrow('enclosure e: duplicate name');
  });
});
