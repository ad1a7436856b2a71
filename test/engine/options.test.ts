// One test per placement option and per error (docs/allocation.md), on small hand-built
// inventories.
import { AllocationEngine } from '../../provider/engine';
import { enc, failed, hdd, inventory, lab, ok, req, serials, server, snapshot, ssd } from './helpers';

describe('type and size', () => {
  test('hdd (the default type) takes one whole drive, the smallest that fits', () => {
    const e = new AllocationEngine(lab());
    const p = ok(e.place('v1', req({ sizeGiB: 3000 })));
    expect(p).toEqual({
      type: 'hdd',
      raidLevel: 'none',
      transport: 'roce',
      capacityGiB: 4000,
      members: [{ serial: 'a1-h0', enclosure: 'a1', storageGroup: 'sg-a', offsetGiB: 0, sizeGiB: 4000, mirror: 0, stripe: 0 }],
    });
    expect(serials(ok(e.plan(req({ sizeGiB: 1500 }))))).toEqual(['a2-h2']);
  });

  test('ssd takes one whole ssd', () => {
    const e = new AllocationEngine(lab());
    const p = ok(e.place('v1', req({ type: 'ssd', sizeGiB: 10 })));
    expect(p.members).toHaveLength(1);
    expect(p.members[0]).toMatchObject({ serial: 'a1-s0', offsetGiB: 0, sizeGiB: 1000 });
    expect(p.capacityGiB).toBe(1000);
    expect(e.freeExtents('a1-s0')).toEqual([]);
  });

  test('slice takes a 1 GiB-aligned extent of exactly the requested size', () => {
    const e = new AllocationEngine(lab());
    const p = ok(e.place('s1', req({ type: 'slice', sizeGiB: 100 })));
    expect(p.members).toEqual([{ serial: 'a1-s0', enclosure: 'a1', storageGroup: 'sg-a', offsetGiB: 0, sizeGiB: 100, mirror: 0, stripe: 0 }]);
    expect(p.capacityGiB).toBe(100);
    expect(e.freeExtents('a1-s0')).toEqual([{ offsetGiB: 100, sizeGiB: 900 }]);
  });

  test('slices are never carved from hdds', () => {
    const e = new AllocationEngine(inventory({ g: [enc('e1', [hdd('h1', 4000)])] }));
    const f = failed(e.place('s1', req({ type: 'slice', sizeGiB: 10 })));
    expect(f.constraint).toBe('type');
    expect(f.message).toBe('type: the inventory has no ssd drives');
  });

  test('slices are never striped: larger than any ssd fails with the numbers', () => {
    const e = new AllocationEngine(lab());
    const f = failed(e.place('s1', req({ type: 'slice', sizeGiB: 1500 })));
    expect(f.constraint).toBe('sizeGiB');
    expect(f.message).toBe('sizeGiB: no ssd has a free extent >= 1500 GiB (largest free extent: 1000 GiB); slices are never striped');
  });

  test.each([0, -3, 1.5, NaN])('sizeGiB %p is rejected', (size) => {
    const e = new AllocationEngine(lab());
    const f = failed(e.plan(req({ sizeGiB: size })));
    expect(f.constraint).toBe('sizeGiB');
    expect(f.message).toMatch(/^sizeGiB: must be a positive integer/);
  });

  test('an unknown type is rejected', () => {
    const e = new AllocationEngine(lab());
    const f = failed(e.plan(req({ sizeGiB: 1, type: 'nvme' as never })));
    expect(f.message).toBe('type: must be one of hdd, ssd, slice, got "nvme"');
  });
});

describe('striping and raidMaxDrives', () => {
  test('no single drive fits: RAID10 over the fewest mirrored pairs, halves in different storage groups', () => {
    const e = new AllocationEngine(lab());
    const p = ok(e.place('big', req({ sizeGiB: 10000 })));
    expect(p.raidLevel).toBe('raid10');
    expect(p.members).toHaveLength(6);
    expect(p.capacityGiB).toBe(12000);
    expect(p.members.map((m) => [m.mirror, m.stripe])).toEqual([[0, 0], [1, 0], [0, 1], [1, 1], [0, 2], [1, 2]]);
    for (let i = 0; i < 6; i += 2) expect(p.members[i].storageGroup).not.toBe(p.members[i + 1].storageGroup);
    expect(new Set(serials(p)).size).toBe(6);
    expect(p.members.every((m) => m.sizeGiB === 4000 && m.offsetGiB === 0)).toBe(true);
  });

  test('striping false: a request larger than any drive fails', () => {
    const e = new AllocationEngine(lab());
    const f = failed(e.plan(req({ sizeGiB: 10000, striping: false })));
    expect(f.constraint).toBe('sizeGiB');
    expect(f.message).toBe('sizeGiB: no free hdd >= 10000 GiB (largest free: 4000 GiB); striping is false');
  });

  test('raidMaxDrives caps the stripe', () => {
    const e = new AllocationEngine(lab());
    const f = failed(e.plan(req({ sizeGiB: 10000, raidMaxDrives: 4 })));
    expect(f.constraint).toBe('raidMaxDrives');
    expect(f.message).toBe('raidMaxDrives: 10000 GiB in RAID10 needs 2 mirrored pairs of free hdd >= 5000 GiB (raidMaxDrives 4); only 0 such drives are free');
    expect(ok(e.plan(req({ sizeGiB: 8000, raidMaxDrives: 4 }))).members).toHaveLength(4);
  });

  test('raidMaxDrives below 4 leaves no room for RAID10', () => {
    const e = new AllocationEngine(lab());
    const f = failed(e.plan(req({ sizeGiB: 5000, raidMaxDrives: 2 })));
    expect(f.constraint).toBe('raidMaxDrives');
    expect(f.message).toMatch(/raidMaxDrives 2 leaves no room for RAID10/);
  });

  test('raidMaxDrives must be an integer from 2', () => {
    const e = new AllocationEngine(lab());
    expect(failed(e.plan(req({ sizeGiB: 5, raidMaxDrives: 1 }))).constraint).toBe('raidMaxDrives');
    expect(failed(e.plan(req({ sizeGiB: 5, raidMaxDrives: 3.5 }))).constraint).toBe('raidMaxDrives');
  });

  test('odd raidMaxDrives rounds down to an even number of drives', () => {
    const e = new AllocationEngine(lab());
    const p = ok(e.plan(req({ sizeGiB: 10000, raidMaxDrives: 7 })));
    expect(p.members).toHaveLength(6);
  });

  test('redundancy false still builds RAID10 (mirrored stripes) for striping, as the seed does', () => {
    const e = new AllocationEngine(lab());
    const p = ok(e.plan(req({ sizeGiB: 6000, redundancy: false })));
    expect(p.raidLevel).toBe('raid10');
    expect(p.members.filter((m) => m.mirror === 1)).toHaveLength(p.members.length / 2);
  });
});

describe('redundancy', () => {
  test('RAID1 over two whole ssds in different storage groups', () => {
    const e = new AllocationEngine(lab());
    const p = ok(e.place('m', req({ type: 'ssd', sizeGiB: 500, redundancy: true })));
    expect(p.raidLevel).toBe('raid1');
    expect(p.capacityGiB).toBe(1000);
    expect(p.members.map((m) => [m.serial, m.storageGroup, m.mirror, m.stripe])).toEqual([
      ['a1-s0', 'sg-a', 0, 0],
      ['b1-s0', 'sg-b', 1, 0],
    ]);
  });

  test('RAID1 over two slices', () => {
    const e = new AllocationEngine(lab());
    const p = ok(e.place('m', req({ type: 'slice', sizeGiB: 100, redundancy: true })));
    expect(p.raidLevel).toBe('raid1');
    expect(p.capacityGiB).toBe(100);
    expect(p.members.map((m) => [m.serial, m.offsetGiB, m.sizeGiB])).toEqual([
      ['a1-s0', 0, 100],
      ['b1-s0', 0, 100],
    ]);
  });

  test('mirror halves never share a drive, even best effort', () => {
    const e = new AllocationEngine(inventory({ g: [enc('e1', [ssd('s0', 1000), ssd('s1', 1000)])] }));
    const p = ok(e.place('m', req({ type: 'slice', sizeGiB: 100, redundancy: true, sgResiliency: false, jbodResiliency: false })));
    expect(serials(p).sort()).toEqual(['s0', 's1']);
    expect(serials(ok(e.place('fill', req({ type: 'slice', sizeGiB: 900 }))))).toEqual(['s0']);
    const f = failed(e.plan(req({ type: 'slice', sizeGiB: 50, redundancy: true, sgResiliency: false, jbodResiliency: false })));
    expect(f.constraint).toBe('redundancy');
    expect(f.message).toBe('redundancy: only 1 ssd with a free extent >= 50 GiB (s1), 2 needed for RAID1; slices are never striped');
  });
});

describe('sgResiliency and jbodResiliency', () => {
  test('sgResiliency strict fails within one storage group, with the numbers', () => {
    const e = new AllocationEngine(lab());
    const f = failed(e.plan(req({ type: 'ssd', sizeGiB: 800, redundancy: true, storageGroup: ['sg-a'] })));
    expect(f.constraint).toBe('sgResiliency');
    expect(f.message).toBe('sgResiliency: only 1 storage group (sg-a) has a free ssd >= 800 GiB in storageGroup [sg-a], 2 needed');
  });

  test('sgResiliency best effort mirrors across enclosures of one group', () => {
    const e = new AllocationEngine(lab());
    const p = ok(e.plan(req({ type: 'ssd', sizeGiB: 800, redundancy: true, storageGroup: ['sg-a'], sgResiliency: false })));
    expect(p.members.map((m) => m.enclosure)).toEqual(['a1', 'a2']);
  });

  test('sgResiliency best effort still prefers another storage group', () => {
    const e = new AllocationEngine(lab());
    const p = ok(e.plan(req({ type: 'ssd', sizeGiB: 800, redundancy: true, sgResiliency: false })));
    expect(p.members.map((m) => m.storageGroup)).toEqual(['sg-a', 'sg-b']);
  });

  test('jbodResiliency strict fails within one enclosure', () => {
    const e = new AllocationEngine(inventory({ g: [enc('e1', [ssd('s0', 1000), ssd('s1', 1000)])] }));
    const f = failed(e.plan(req({ type: 'ssd', sizeGiB: 800, redundancy: true, sgResiliency: false })));
    expect(f.constraint).toBe('jbodResiliency');
    expect(f.message).toBe('jbodResiliency: only 1 enclosure (e1) in g has a free ssd >= 800 GiB, 2 needed');
  });

  test('jbodResiliency best effort mirrors inside one enclosure', () => {
    const e = new AllocationEngine(inventory({ g: [enc('e1', [ssd('s0', 1000), ssd('s1', 1000)])] }));
    const p = ok(e.plan(req({ type: 'ssd', sizeGiB: 800, redundancy: true, sgResiliency: false, jbodResiliency: false })));
    expect(serials(p)).toEqual(['s0', 's1']);
  });
});

describe('softDomains and bandwidth domains', () => {
  test('softDomains false keeps every member in the server\'s bandwidth domain', () => {
    const e = new AllocationEngine(lab());
    const p = ok(e.plan(req({ type: 'ssd', sizeGiB: 100, server: 'k2' })));
    expect(p.members.map((m) => m.enclosure)).toEqual(['b2']);
    const f = failed(e.plan(req({ type: 'ssd', sizeGiB: 100, redundancy: true, server: 'k2' })));
    expect(f.constraint).toBe('sgResiliency');
    expect(f.message).toBe('sgResiliency: only 1 storage group (sg-b) has a free ssd >= 100 GiB in bandwidth domain rack-b (server k2), 2 needed');
  });

  test('softDomains true prefers the server\'s domain and crosses when needed', () => {
    const e = new AllocationEngine(lab());
    const p = ok(e.plan(req({ type: 'ssd', sizeGiB: 100, redundancy: true, server: 'k2', softDomains: true })));
    expect(p.members.map((m) => m.enclosure)).toEqual(['b2', 'a1']);
  });

  test('a domain without enclosures fails softDomains', () => {
    const inv = inventory({ g: [enc('e1', [ssd('s0', 1000)])] }, [server('far', 'rack-b')]);
    const e = new AllocationEngine(inv);
    const f = failed(e.plan(req({ type: 'ssd', sizeGiB: 10, server: 'far' })));
    expect(f.constraint).toBe('softDomains');
    expect(f.message).toBe('softDomains: no enclosure with ssd drives in bandwidth domain rack-b (server far), and softDomains is false');
    expect(ok(e.plan(req({ type: 'ssd', sizeGiB: 10, server: 'far', softDomains: true }))).members[0].serial).toBe('s0');
  });

  test('an unknown server is rejected', () => {
    const e = new AllocationEngine(lab());
    expect(failed(e.plan(req({ sizeGiB: 1, server: 'nope' }))).message).toBe('server: unknown server "nope"');
  });
});

describe('tags, storage groups, rpm', () => {
  test('requiredTags: every member carries all of them', () => {
    const e = new AllocationEngine(lab());
    ok(e.place('x', req({ type: 'ssd', sizeGiB: 10 })));
    const p = ok(e.plan(req({ type: 'ssd', sizeGiB: 10, requiredTags: ['sed', 'nvme'] })));
    expect(serials(p)).toEqual(['a2-s0']);
    const f = failed(e.plan(req({ type: 'ssd', sizeGiB: 10, requiredTags: ['gpu'] })));
    expect(f.message).toBe('requiredTags: no ssd carries all of [gpu]');
  });

  test('excludedTags: no member carries any of them', () => {
    const e = new AllocationEngine(lab());
    expect(serials(ok(e.plan(req({ type: 'ssd', sizeGiB: 10, excludedTags: ['sed'] }))))).toEqual(['a1-s1']);
    const f = failed(e.plan(req({ type: 'ssd', sizeGiB: 10, excludedTags: ['nvme'] })));
    expect(f.message).toBe('excludedTags: every ssd carries one of [nvme]');
  });

  test('a tag both required and excluded is rejected', () => {
    const e = new AllocationEngine(lab());
    expect(failed(e.plan(req({ sizeGiB: 10, requiredTags: ['a'], excludedTags: ['a'] }))).message).toBe('excludedTags: tag a also in requiredTags');
  });

  test('storageGroup restricts the groups', () => {
    const e = new AllocationEngine(lab());
    const p = ok(e.plan(req({ type: 'ssd', sizeGiB: 10, storageGroup: ['sg-b'] })));
    expect(p.members[0].storageGroup).toBe('sg-b');
    expect(failed(e.plan(req({ sizeGiB: 10, storageGroup: ['sg-x'] }))).message).toBe('storageGroup: unknown storage group "sg-x" (known: sg-a, sg-b)');
  });

  test('storageGroup without drives of the type fails', () => {
    const inv = inventory({ hddonly: [enc('e1', [hdd('h1', 100)])], mixed: [enc('e2', [ssd('s1', 100)])] });
    const e = new AllocationEngine(inv);
    expect(failed(e.plan(req({ type: 'ssd', sizeGiB: 10, storageGroup: ['hddonly'] }))).message).toBe('storageGroup: no ssd drives in storage group [hddonly]');
  });

  test('rpm is a minimum: only fast drives, striped when none is big enough', () => {
    const e = new AllocationEngine(lab());
    expect(serials(ok(e.plan(req({ sizeGiB: 1000, rpm: 7200 }))))).toEqual(['a1-h2']);
    const p = ok(e.plan(req({ sizeGiB: 3000, rpm: 10000 })));
    expect(p.raidLevel).toBe('raid10');
    expect(serials(p).sort()).toEqual(['a1-h2', 'a2-h2', 'b1-h2', 'b2-h2']);
    expect(failed(e.plan(req({ sizeGiB: 100, rpm: 15000 }))).message).toBe('rpm: no hdd of >= 15000 rpm (fastest: 10000 rpm)');
  });

  test('rpm is ignored for ssd and slices', () => {
    const e = new AllocationEngine(lab());
    ok(e.plan(req({ type: 'ssd', sizeGiB: 10, rpm: 15000 })));
    ok(e.plan(req({ type: 'slice', sizeGiB: 10, rpm: 15000 })));
  });
});

describe('networkTransportsAllowed', () => {
  test('empty: the most performant transport available (roce > nvmetcp > iscsi)', () => {
    const e = new AllocationEngine(lab());
    expect(ok(e.plan(req({ sizeGiB: 10 }))).transport).toBe('roce');
    const iscsiOnly = new AllocationEngine(inventory({ g: [enc('e1', [hdd('h', 100)], 'rack-a', ['iscsi', 'nvmetcp'])] }));
    expect(ok(iscsiOnly.plan(req({ sizeGiB: 10 }))).transport).toBe('nvmetcp');
  });

  test('a list is ranked by performance, not by its order', () => {
    const e = new AllocationEngine(lab());
    expect(ok(e.plan(req({ sizeGiB: 10, networkTransportsAllowed: ['iscsi', 'roce'] }))).transport).toBe('roce');
  });

  test('the transport must be offered by the enclosure', () => {
    const e = new AllocationEngine(lab());
    const p = ok(e.plan(req({ type: 'ssd', sizeGiB: 10, networkTransportsAllowed: ['iscsi'], storageGroup: ['sg-b'] })));
    expect(p.transport).toBe('iscsi');
    expect(p.members[0].enclosure).toBe('b1');
    const f = failed(e.plan(req({ sizeGiB: 10, server: 'k4' })));
    expect(f.constraint).toBe('networkTransportsAllowed');
    expect(f.message).toBe('networkTransportsAllowed: enclosures with hdd drives in bandwidth domain rack-b (server k4) offer roce, nvmetcp; usable: iscsi (server k4 supports iscsi)');
  });

  test('the transport must be supported by the server', () => {
    const e = new AllocationEngine(lab());
    expect(ok(e.plan(req({ sizeGiB: 10, server: 'k3' }))).transport).toBe('iscsi');
    const f = failed(e.plan(req({ sizeGiB: 10, server: 'k3', networkTransportsAllowed: ['roce'] })));
    expect(f.message).toBe('networkTransportsAllowed: server k3 supports iscsi; allowed: roce; no common transport');
  });

  test('an unknown transport is rejected', () => {
    const e = new AllocationEngine(lab());
    expect(failed(e.plan(req({ sizeGiB: 10, networkTransportsAllowed: ['fc' as never] }))).constraint).toBe('networkTransportsAllowed');
  });
});

describe('minVolumeSize and maxVolumeSize', () => {
  test('a slice outside the bounds is refused', () => {
    const e = new AllocationEngine(lab());
    expect(failed(e.plan(req({ type: 'slice', sizeGiB: 50, maxVolumeSize: 40 }))).message).toBe('maxVolumeSize: 50 GiB requested, maxVolumeSize is 40 GiB');
    expect(failed(e.plan(req({ type: 'slice', sizeGiB: 50, minVolumeSize: 100 }))).message).toBe(
      'minVolumeSize: 50 GiB requested, minVolumeSize is 100 GiB (a slice is exactly its size)',
    );
  });

  test('whole drives: the resulting capacity stays within the bounds', () => {
    const e = new AllocationEngine(lab());
    expect(ok(e.plan(req({ sizeGiB: 100, minVolumeSize: 3000 }))).capacityGiB).toBe(4000);
    expect(ok(e.plan(req({ sizeGiB: 100, maxVolumeSize: 3000 }))).capacityGiB).toBe(2000);
    const f = failed(e.plan(req({ sizeGiB: 1500, maxVolumeSize: 1800 })));
    expect(f.constraint).toBe('maxVolumeSize');
    expect(f.message).toBe('maxVolumeSize: every free hdd >= 1500 GiB is larger than maxVolumeSize 1800 GiB');
    expect(failed(e.plan(req({ sizeGiB: 5000, maxVolumeSize: 4000 }))).message).toBe('maxVolumeSize: 5000 GiB requested, maxVolumeSize is 4000 GiB');
  });

  test('RAID10 capacity stays within the bounds', () => {
    const e = new AllocationEngine(lab());
    const p = ok(e.plan(req({ sizeGiB: 3000, maxVolumeSize: 4000, rpm: 10000 })));
    expect(p.capacityGiB).toBe(4000);
    expect(p.raidLevel).toBe('raid10');
  });

  test('min above max is rejected', () => {
    const e = new AllocationEngine(lab());
    expect(failed(e.plan(req({ sizeGiB: 10, minVolumeSize: 20, maxVolumeSize: 10 }))).message).toBe('minVolumeSize: 20 GiB is above maxVolumeSize 10 GiB');
  });
});

describe('failures change nothing', () => {
  test('every kind of failure leaves the state as it was', () => {
    const e = new AllocationEngine(lab());
    ok(e.place('a', req({ type: 'slice', sizeGiB: 300 })));
    ok(e.place('b', req({ sizeGiB: 10000 })));
    const before = snapshot(e);
    const bad = [
      req({ type: 'slice', sizeGiB: 5000 }),
      req({ sizeGiB: 100000 }),
      req({ type: 'ssd', sizeGiB: 800, redundancy: true, storageGroup: ['sg-a'] }),
      req({ sizeGiB: 10, server: 'k4' }),
      req({ sizeGiB: 10, rpm: 20000 }),
      req({ sizeGiB: 10, requiredTags: ['none'] }),
    ];
    for (const [i, r] of bad.entries()) failed(e.place(`bad${i}`, r));
    expect(snapshot(e)).toBe(before);
    expect(e.get('bad0')).toBeUndefined();
  });
});

describe('request validation', () => {
  test.each([
    ['rpm', { rpm: 7200.5 }, 'rpm: must be a positive integer, got 7200.5'],
    ['striping', { striping: 'yes' }, 'striping: must be true or false, got "yes"'],
    ['redundancy', { redundancy: 1 }, 'redundancy: must be true or false, got 1'],
    ['softDomains', { softDomains: null }, 'softDomains: must be true or false, got null'],
    ['requiredTags', { requiredTags: 'a,b' }, 'requiredTags: must be a list of non-empty strings, got "a,b"'],
    ['storageGroup', { storageGroup: [''] }, 'storageGroup: must be a list of non-empty strings, got [""]'],
    ['maxVolumeSize', { maxVolumeSize: 0 }, 'maxVolumeSize: must be a positive integer, got 0'],
    ['server', { server: '' }, 'server: must be a server name, got ""'],
  ])('%s of the wrong type or range is rejected', (constraint, change, message) => {
    const e = new AllocationEngine(lab());
    const f = failed(e.plan({ ...req({ sizeGiB: 10 }), ...(change as object) }));
    expect(f).toEqual({ constraint, message });
  });

  test('missing options take the seed defaults', () => {
    const e = new AllocationEngine(lab());
    const p = ok(e.plan({ sizeGiB: 10 } as never));
    expect(p.type).toBe('hdd');
    expect(p.raidLevel).toBe('none');
  });
});

describe('one transport for all members', () => {
  test('mirror halves behind different transports fail, naming the transport rule', () => {
    const inv = inventory({
      'sg-a': [enc('a1', [ssd('a', 1000)], 'rack-a', ['roce'])],
      'sg-b': [enc('b1', [ssd('b', 1000)], 'rack-a', ['iscsi'])],
    });
    const e = new AllocationEngine(inv);
    const f = failed(e.plan(req({ type: 'ssd', sizeGiB: 10, redundancy: true })));
    expect(f.constraint).toBe('networkTransportsAllowed');
    expect(f.message).toBe('networkTransportsAllowed: the free ssd >= 10 GiB do not share one transport with each other and the server');
    // With a transport in common the same request succeeds, on that transport.
    const both = new AllocationEngine(
      inventory({ 'sg-a': [enc('a1', [ssd('a', 1000)], 'rack-a', ['roce', 'iscsi'])], 'sg-b': [enc('b1', [ssd('b', 1000)], 'rack-a', ['iscsi'])] }),
    );
    expect(ok(both.plan(req({ type: 'ssd', sizeGiB: 10, redundancy: true }))).transport).toBe('iscsi');
  });
});
