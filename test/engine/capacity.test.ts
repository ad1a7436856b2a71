// The capacity query's answers (provider/engine/capacity.ts) against a reference that sorts every
// candidate and walks them all, as the first version of the query did: the linear passes and the
// per-colour lists must give the same largest mirrored and RAID10 sizes on any candidates.
import fc from 'fast-check';
import { bestPair, bestRaid10, type Candidates } from '../../provider/engine/capacity';

interface Item {
  size: number;
  color: number;
  tmask: number;
}

function refPair(items: Item[], bit: number, max: number, strict: boolean): number {
  const s = items.filter((x) => (x.tmask & bit) !== 0 && x.size <= max).sort((a, b) => b.size - a.size);
  if (s.length < 2) return 0;
  if (!strict) return s[1].size;
  for (let i = 1; i < s.length; i++) if (s[i].color !== s[0].color) return s[i].size;
  return 0;
}

function refRaid10(items: Item[], bit: number, kMax: number, upper: number, strict: boolean): number {
  const s = items.filter((x) => (x.tmask & bit) !== 0).sort((a, b) => b.size - a.size);
  let best = 0;
  for (let k = 2; k <= kMax; k++) {
    const cap = upper === Infinity ? Infinity : Math.floor(upper / k);
    const counts = new Map<number, number>();
    let n = 0;
    let top = 0;
    for (const x of s) {
      if (x.size > cap) continue;
      n++;
      const c = (counts.get(x.color) ?? 0) + 1;
      counts.set(x.color, c);
      top = Math.max(top, c);
      if ((strict ? Math.min(Math.floor(n / 2), n - top) : Math.floor(n / 2)) >= k) {
        best = Math.max(best, k * x.size);
        break;
      }
    }
  }
  return best;
}

function candidates(items: Item[], colours: number, strict: boolean): Candidates {
  return {
    n: items.length,
    size: Float64Array.from(items, (x) => x.size),
    color: Int32Array.from(items, (x) => (strict ? x.color : 0)),
    tmask: Uint8Array.from(items, (x) => x.tmask),
    colours: strict ? colours : 1,
  };
}

// Few distinct sizes and colours, so ties and one dominant colour (the hard cases) are common.
const itemsArb = fc.array(fc.record({ size: fc.constantFrom(10, 20, 30, 40, 55, 80), color: fc.integer({ min: 0, max: 4 }), tmask: fc.integer({ min: 1, max: 7 }) }), { maxLength: 120 });

describe('capacity answers equal a full sort and walk', () => {
  test('the best separated pair (mirrored volumes)', () => {
    fc.assert(
      fc.property(itemsArb, fc.boolean(), fc.integer({ min: 0, max: 2 }), fc.option(fc.constantFrom(25, 40, 100), { nil: Infinity }), (items, strict, t, max) => {
        expect(bestPair(candidates(items, 5, strict), 1 << t, max, strict)).toBe(refPair(items, 1 << t, max, strict));
      }),
      { numRuns: 500 },
    );
  });

  test('the largest RAID10 over 2k members, k up to raidMaxDrives / 2, with and without an upper bound', () => {
    fc.assert(
      fc.property(itemsArb, fc.boolean(), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 2, max: 6 }), fc.option(fc.constantFrom(60, 100, 250), { nil: Infinity }), (items, strict, t, kMax, upper) => {
        expect(bestRaid10(candidates(items, 5, strict), 1 << t, kMax, upper, strict)).toBe(refRaid10(items, 1 << t, kMax, upper, strict));
      }),
      { numRuns: 1000 },
    );
  });

  test('one colour holding most of the largest drives does not hide the answer behind it', () => {
    // 300 of the largest size in colour 0, then smaller ones in colours 1 and 2: a walk over the
    // 2k largest per colour must still reach the other colours.
    const items: Item[] = [...Array.from({ length: 300 }, () => ({ size: 100, color: 0, tmask: 1 })), { size: 90, color: 1, tmask: 1 }, { size: 80, color: 2, tmask: 1 }, { size: 70, color: 1, tmask: 1 }];
    const c = candidates(items, 3, true);
    expect(bestRaid10(c, 1, 3, Infinity, true)).toBe(refRaid10(items, 1, 3, Infinity, true));
    expect(bestRaid10(c, 1, 3, Infinity, true)).toBe(3 * 70);
    expect(bestPair(c, 1, Infinity, true)).toBe(90);
  });
});
