// Sorted arrays of packed numeric keys: the engine's per-enclosure indexes. Enclosures hold at
// most a few thousand entries, so binary search plus splice beats a tree in practice.

/** First index whose key is >= `key`. */
export function lowerBound(arr: number[], key: number): number {
  let lo = 0;
  let hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (arr[mid] < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function insertSorted(arr: number[], key: number): void {
  const i = lowerBound(arr, key);
  arr.splice(i, 0, key);
}

/** Removes `key`; throws when absent (an index out of step with the drives is a bug). */
export function removeSorted(arr: number[], key: number): void {
  const i = lowerBound(arr, key);
  if (i >= arr.length || arr[i] !== key) throw new Error(`engine index corrupt: key ${key} not found`);
  arr.splice(i, 1);
}

/** Replaces `from` by `to`, shifting only the entries between the two positions. */
export function moveKey(arr: number[], from: number, to: number): void {
  let i = lowerBound(arr, from);
  if (i >= arr.length || arr[i] !== from) throw new Error(`engine index corrupt: key ${from} not found`);
  if (to > from) {
    while (i + 1 < arr.length && arr[i + 1] < to) {
      arr[i] = arr[i + 1];
      i++;
    }
  } else {
    while (i > 0 && arr[i - 1] > to) {
      arr[i] = arr[i - 1];
      i--;
    }
  }
  arr[i] = to;
}
