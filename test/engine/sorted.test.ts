// The sorted-array primitives behind every engine index.
import fc from 'fast-check';
import { insertSorted, lowerBound, moveKey, removeSorted } from '../../provider/engine/sorted';

test('lowerBound, insertSorted, removeSorted and moveKey keep an array sorted and exact', () => {
  fc.assert(
    fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 1000 }), { minLength: 1, maxLength: 40 }), fc.nat(), fc.integer({ min: 0, max: 1000 }), (keys, pick, to) => {
      const arr: number[] = [];
      for (const k of keys) insertSorted(arr, k);
      const sorted = [...keys].sort((a, b) => a - b);
      expect(arr).toEqual(sorted);
      for (const k of keys) expect(arr[lowerBound(arr, k)]).toBe(k);
      const from = keys[pick % keys.length];
      if (!keys.includes(to) || to === from) {
        const moved = [...arr];
        moveKey(moved, from, to);
        const expected = [...arr];
        removeSorted(expected, from);
        insertSorted(expected, to);
        expect(moved).toEqual(expected);
      }
      expect(() => removeSorted(arr, 1001)).toThrow('engine index corrupt');
      expect(() => moveKey(arr, 1001, 5)).toThrow('engine index corrupt');
    }),
    { numRuns: 300 },
  );
});
