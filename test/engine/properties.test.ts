// Property-based tests (fast-check): random inventories, random place / release / extend
// sequences; after every step the engine's invariants hold.
import fc from 'fast-check';
import { AllocationEngine } from '../../provider/engine';
import { TRANSPORTS, type Drive, type Inventory, type Transport } from '../../provider/model/inventory';
import { PLACEMENT_DEFAULTS, type Placement, type PlacementRequest } from '../../provider/model/placement';
import { snapshot } from './helpers';

const TAGS = ['a', 'b'];

const driveArb = fc.record({
  type: fc.constantFrom<'hdd' | 'ssd'>('hdd', 'ssd'),
  sizeGiB: fc.integer({ min: 10, max: 200 }),
  rpm: fc.constantFrom(5400, 7200, 10000),
  tags: fc.subarray(TAGS),
});
const transportsArb = fc.subarray([...TRANSPORTS], { minLength: 1 });
const encArb = fc.record({ bd: fc.integer({ min: 0, max: 1 }), transports: transportsArb, drives: fc.array(driveArb, { minLength: 1, maxLength: 6 }) });
const inventoryArb = fc
  .record({
    groups: fc.array(fc.array(encArb, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 3 }),
    servers: fc.array(fc.record({ bd: fc.integer({ min: 0, max: 1 }), transports: transportsArb }), { minLength: 1, maxLength: 4 }),
  })
  .map(({ groups, servers }): Inventory => ({
    bandwidthDomains: [{ name: 'bd0' }, { name: 'bd1' }],
    storageGroups: groups.map((encs, g) => ({
      name: `sg${g}`,
      enclosures: encs.map((e, i) => ({
        name: `e${g}.${i}`,
        transports: e.transports as Transport[],
        portal: `10.0.${g}.${i}:4420`,
        uplinkGbps: 100,
        bandwidthDomain: `bd${e.bd}`,
        drives: e.drives.map((d, k): Drive => {
          const drive: Drive = { serial: `d${g}.${i}.${k}`, type: d.type, sizeGiB: d.sizeGiB, tags: d.tags };
          if (d.type === 'hdd') drive.rpm = d.rpm;
          return drive;
        }),
      })),
    })),
    servers: servers.map((s, i) => ({ name: `k${i}`, transports: s.transports as Transport[], nicGbps: 25, bandwidthDomain: `bd${s.bd}`, tags: [] })),
  }));

const requestArb = fc
  .record({
    type: fc.constantFrom<PlacementRequest['type']>('hdd', 'ssd', 'slice', 'slice'),
    sizeGiB: fc.oneof(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 1, max: 500 })),
    redundancy: fc.boolean(),
    striping: fc.boolean(),
    raidMaxDrives: fc.constantFrom(2, 4, 6, 16),
    sgResiliency: fc.boolean(),
    jbodResiliency: fc.boolean(),
    softDomains: fc.boolean(),
    requiredTags: fc.subarray(TAGS, { maxLength: 1 }),
    excludedTags: fc.subarray(TAGS, { maxLength: 1 }),
    storageGroup: fc.subarray(['sg0', 'sg1', 'sg2'], { maxLength: 2 }),
    networkTransportsAllowed: fc.subarray([...TRANSPORTS], { maxLength: 2 }),
    server: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
    rpm: fc.option(fc.constantFrom(7200, 10000), { nil: undefined }),
    minVolumeSize: fc.option(fc.integer({ min: 1, max: 300 }), { nil: undefined }),
    maxVolumeSize: fc.option(fc.integer({ min: 1, max: 800 }), { nil: undefined }),
  })
  .map((r) => ({ ...PLACEMENT_DEFAULTS, ...r, server: r.server === undefined ? undefined : `k${r.server}` }) as PlacementRequest);

type Op = { op: 'place'; request: PlacementRequest } | { op: 'release'; pick: number } | { op: 'extend'; pick: number; growBy: number };
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: requestArb.map((request) => ({ op: 'place' as const, request })) },
  { weight: 2, arbitrary: fc.nat().map((pick) => ({ op: 'release' as const, pick })) },
  { weight: 2, arbitrary: fc.record({ pick: fc.nat(), growBy: fc.integer({ min: 0, max: 60 }) }).map((x) => ({ op: 'extend' as const, ...x })) },
);

interface Facts {
  drive: Map<string, { d: Drive; enclosure: string; sg: string; bd: string; transports: Transport[] }>;
  servers: Map<string, { bd: string; transports: Transport[] }>;
}

function facts(inv: Inventory): Facts {
  const drive: Facts['drive'] = new Map();
  for (const g of inv.storageGroups) {
    for (const e of g.enclosures) for (const d of e.drives) drive.set(d.serial, { d, enclosure: e.name, sg: g.name, bd: e.bandwidthDomain, transports: e.transports });
  }
  const servers = new Map(inv.servers.map((s) => [s.name, { bd: s.bandwidthDomain, transports: s.transports }]));
  return { drive, servers };
}

/** Every member satisfies the request it was placed for; the layout is a valid RAID. */
function checkPlacement(f: Facts, p: Placement, r: PlacementRequest, sliceSize: number): void {
  const n = p.members.length;
  if (p.raidLevel === 'none') expect(n).toBe(1);
  if (p.raidLevel === 'raid1') expect(n).toBe(2);
  if (p.raidLevel === 'raid10') {
    expect(n % 2).toBe(0);
    expect(n).toBeGreaterThanOrEqual(4);
    expect(n).toBeLessThanOrEqual(r.raidMaxDrives);
    expect(r.striping).toBe(true);
    expect(r.type).not.toBe('slice');
  }
  expect(p.raidLevel === 'none').toBe(!r.redundancy && n === 1);
  expect(new Set(p.members.map((m) => m.serial)).size).toBe(n);
  const minMember = Math.min(...p.members.map((m) => m.sizeGiB));
  expect(p.capacityGiB).toBe(p.raidLevel === 'raid10' ? (n / 2) * minMember : minMember);
  expect(p.capacityGiB).toBeGreaterThanOrEqual(r.type === 'slice' ? sliceSize : r.sizeGiB);
  if (r.maxVolumeSize !== undefined) expect(p.capacityGiB).toBeLessThanOrEqual(r.maxVolumeSize);
  if (r.minVolumeSize !== undefined) expect(p.capacityGiB).toBeGreaterThanOrEqual(r.minVolumeSize);
  const server = r.server ? f.servers.get(r.server)! : undefined;
  if (server) expect(server.transports).toContain(p.transport);
  if (r.networkTransportsAllowed.length) expect(r.networkTransportsAllowed).toContain(p.transport);
  for (const m of p.members) {
    const x = f.drive.get(m.serial)!;
    expect(x.d.type).toBe(r.type === 'hdd' ? 'hdd' : 'ssd');
    expect(m.enclosure).toBe(x.enclosure);
    expect(m.storageGroup).toBe(x.sg);
    if (r.type === 'slice') expect(m.sizeGiB).toBe(sliceSize);
    else expect([m.offsetGiB, m.sizeGiB]).toEqual([0, x.d.sizeGiB]);
    if (r.type === 'hdd' && r.rpm !== undefined) expect(x.d.rpm!).toBeGreaterThanOrEqual(r.rpm);
    for (const t of r.requiredTags) expect(x.d.tags).toContain(t);
    for (const t of r.excludedTags) expect(x.d.tags).not.toContain(t);
    if (r.storageGroup.length) expect(r.storageGroup).toContain(x.sg);
    expect(x.transports).toContain(p.transport);
    if (server && !r.softDomains) expect(x.bd).toBe(server.bd);
    if (p.raidLevel === 'none') expect([m.mirror, m.stripe]).toEqual([0, 0]);
  }
  for (const a of p.members.filter((m) => m.mirror === 0)) {
    const partners = p.members.filter((m) => m.mirror === 1 && m.stripe === a.stripe);
    if (p.raidLevel === 'none') continue;
    expect(partners).toHaveLength(1);
    const b = partners[0];
    if (r.sgResiliency) expect(b.storageGroup).not.toBe(a.storageGroup);
    if (r.jbodResiliency) expect(b.enclosure).not.toBe(a.enclosure);
  }
}

/** No extent given twice or overlapping; used + free = size on every drive; free lists coalesced. */
function checkDrives(e: AllocationEngine, f: Facts, live: Map<string, { p: Placement }>): void {
  const used = new Map<string, [number, number][]>();
  for (const { p } of live.values()) for (const m of p.members) (used.get(m.serial) ?? used.set(m.serial, []).get(m.serial)!).push([m.offsetGiB, m.sizeGiB]);
  for (const [serial, x] of f.drive) {
    const free = e.freeExtents(serial).map((r): [number, number] => [r.offsetGiB, r.sizeGiB]);
    for (let i = 1; i < free.length; i++) expect(free[i][0]).toBeGreaterThan(free[i - 1][0] + free[i - 1][1]);
    const all = [...(used.get(serial) ?? []), ...free].sort((a, b) => a[0] - b[0]);
    let at = 0;
    for (const [off, len] of all) {
      expect(len).toBeGreaterThan(0);
      expect(off).toBe(at); // no gap, no overlap: used and free tile the drive exactly
      at = off + len;
    }
    expect(at).toBe(x.d.sizeGiB);
  }
}

describe('engine properties', () => {
  test('random place / release / extend sequences keep every invariant', () => {
    fc.assert(
      fc.property(inventoryArb, fc.array(opArb, { minLength: 1, maxLength: 40 }), (inv, ops) => {
        const f = facts(inv);
        const e = new AllocationEngine(inv);
        const live = new Map<string, { p: Placement; r: PlacementRequest; size: number }>();
        let n = 0;
        for (const op of ops) {
          const before = snapshot(e);
          const ids = [...live.keys()];
          if (op.op === 'place') {
            const id = `v${n++}`;
            const planned = e.plan(op.request);
            expect(snapshot(e)).toBe(before);
            const r = e.place(id, op.request);
            expect(r).toEqual(planned);
            if (r.ok) {
              checkPlacement(f, r.placement, op.request, op.request.sizeGiB);
              live.set(id, { p: r.placement, r: op.request, size: op.request.sizeGiB });
            } else {
              expect(r.failure.message.startsWith(`${r.failure.constraint}: `)).toBe(true);
              expect(snapshot(e)).toBe(before);
            }
          } else if (op.op === 'release') {
            if (ids.length === 0) {
              expect(e.release('none')).toBe(false);
              continue;
            }
            const id = ids[op.pick % ids.length];
            expect(e.release(id)).toBe(true);
            live.delete(id);
            expect(e.get(id)).toBeUndefined();
          } else {
            if (ids.length === 0) continue;
            const id = ids[op.pick % ids.length];
            const cur = live.get(id)!;
            const r = e.extend(id, cur.size + op.growBy);
            if (r.ok) {
              expect(cur.p.type).toBe('slice');
              cur.size += op.growBy;
              cur.p = r.placement;
              checkPlacement(f, r.placement, cur.r, cur.size);
            } else expect(snapshot(e)).toBe(before);
          }
          checkDrives(e, f, live);
          expect(e.verifyIndexes()).toEqual([]);
          for (const [id, v] of live) expect(e.get(id)).toEqual(v.p);
        }
      }),
      { numRuns: 150 },
    );
  });

  test('place then release is the identity', () => {
    fc.assert(
      fc.property(inventoryArb, fc.array(requestArb, { maxLength: 10 }), requestArb, (inv, setup, request) => {
        const e = new AllocationEngine(inv);
        setup.forEach((r, i) => e.place(`s${i}`, r));
        const before = snapshot(e);
        if (e.place('x', request).ok) expect(e.release('x')).toBe(true);
        expect(snapshot(e)).toBe(before);
      }),
      { numRuns: 200 },
    );
  });

  test('capacity: the largest size it reports is placeable, one more is not (single drive or slice)', () => {
    fc.assert(
      fc.property(inventoryArb, fc.array(requestArb, { maxLength: 8 }), requestArb, (inv, setup, query) => {
        const e = new AllocationEngine(inv);
        setup.forEach((r, i) => e.place(`s${i}`, r));
        if (query.requiredTags.some((t) => query.excludedTags.includes(t))) return;
        const known = new Set(inv.storageGroups.map((g) => g.name));
        if (query.storageGroup.some((g) => !known.has(g))) return;
        if (query.server && !inv.servers.some((s) => s.name === query.server)) return;
        if (query.minVolumeSize !== undefined && query.maxVolumeSize !== undefined && query.minVolumeSize > query.maxVolumeSize) return;
        const c = e.capacity(query);
        const available = Object.values(c.byStorageGroup).reduce((s, x) => s + x, 0);
        expect(available).toBe(c.availableGiB);
        if (c.maximumVolumeSizeGiB > 0) {
          const p = e.plan({ ...query, sizeGiB: c.maximumVolumeSizeGiB });
          if (!p.ok) throw new Error(`capacity said ${c.maximumVolumeSizeGiB} GiB, plan failed: ${p.failure.message}`);
          if (query.type === 'slice' || !query.striping) expect(e.plan({ ...query, sizeGiB: c.maximumVolumeSizeGiB + 1 }).ok).toBe(false);
        }
      }),
      { numRuns: 300 },
    );
  });

  test('deterministic: replaying the same operations gives the same results', () => {
    fc.assert(
      fc.property(inventoryArb, fc.array(requestArb, { maxLength: 15 }), (inv, requests) => {
        const run = () => {
          const e = new AllocationEngine(inv);
          return requests.map((r, i) => {
            const out = e.place(`v${i}`, r);
            if (i % 3 === 2) e.release(`v${i - 1}`);
            return out;
          });
        };
        expect(run()).toEqual(run());
      }),
      { numRuns: 100 },
    );
  });
});
