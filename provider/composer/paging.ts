// Pages of the list endpoints: `?limit=N&cursor=C` -> `{ items, nextCursor? }`. Items come in the
// order of their key (an id, or a server name), and a cursor is the key of the last item of the
// previous page: a page starts strictly after it, so an object that exists all along is listed
// exactly once however many creates and deletes land between the pages. See docs/api.md
// "Lists and pages".
import type { ListPage } from '../api/contract';
import { problems } from './problem';

export const DEFAULT_PAGE_LIMIT = 500;
export const MAX_PAGE_LIMIT = 1000;

export interface PageRequest {
  /** Only keys sorting (in JavaScript string order) after this one. */
  after?: string;
  limit: number;
}

const CURSOR_PREFIX = 'k1:';
const MAX_KEY_LENGTH = 256;

function encodeCursor(key: string): string {
  return Buffer.from(CURSOR_PREFIX + key, 'utf8').toString('base64url');
}

/** `limit` and `cursor` from a query string; bad values are 422s naming the parameter. */
export function pageRequest(query: URLSearchParams): PageRequest {
  const rawLimit = query.get('limit');
  let limit = DEFAULT_PAGE_LIMIT;
  if (rawLimit !== null) {
    if (!/^\d{1,4}$/.test(rawLimit) || Number(rawLimit) < 1 || Number(rawLimit) > MAX_PAGE_LIMIT)
      throw problems.field('limit', `must be an integer between 1 and ${MAX_PAGE_LIMIT}, got ${JSON.stringify(rawLimit)}`);
    limit = Number(rawLimit);
  }
  const cursor = query.get('cursor');
  if (cursor === null) return { limit };
  const text = /^[A-Za-z0-9_-]{1,400}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  const key = text.startsWith(CURSOR_PREFIX) ? text.slice(CURSOR_PREFIX.length) : '';
  if (key === '' || key.length > MAX_KEY_LENGTH) throw problems.field('cursor', 'is not a cursor from a previous page of this list (pass nextCursor back unchanged)');
  return { after: key, limit };
}

/**
 * The page of `entries` ([key, value], any order) that `req` asks for, keeping those `keep`
 * accepts and turning only the page's values into wire objects. One pass with a bounded heap:
 * a page costs O(n log limit), not a sort of the whole table.
 */
export function takePage<V, W>(entries: Iterable<readonly [string, V]>, req: PageRequest, keep: (value: V) => boolean, wire: (value: V) => W): ListPage<W> {
  // Max-heap on the key of the `limit + 1` smallest keys seen (the extra one says "more follow").
  const size = req.limit + 1;
  const heap: (readonly [string, V])[] = [];
  const above = (i: number, j: number) => heap[i][0] > heap[j][0];
  const swap = (i: number, j: number) => ([heap[i], heap[j]] = [heap[j], heap[i]]);
  for (const entry of entries) {
    const key = entry[0];
    if (req.after !== undefined && key <= req.after) continue;
    if (heap.length === size && key >= heap[0][0]) continue;
    if (!keep(entry[1])) continue;
    if (heap.length < size) {
      heap.push(entry);
      for (let i = heap.length - 1; i > 0 && above(i, (i - 1) >> 1); i = (i - 1) >> 1) swap(i, (i - 1) >> 1);
      continue;
    }
    heap[0] = entry;
    for (let i = 0; ; ) {
      const l = 2 * i + 1;
      const r = l + 1;
      let top = i;
      if (l < heap.length && above(l, top)) top = l;
      if (r < heap.length && above(r, top)) top = r;
      if (top === i) break;
      swap(i, top);
      i = top;
    }
  }
  heap.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const more = heap.length > req.limit;
  const shown = more ? heap.slice(0, req.limit) : heap;
  const page: ListPage<W> = { items: shown.map((e) => wire(e[1])) };
  if (more) page.nextCursor = encodeCursor(shown[shown.length - 1][0]);
  return page;
}
