// The dashboard's one way to the composer: GET (and the one read-only POST, /v1/feasibility) on
// this origin with the token as a bearer header. The token lives in sessionStorage (gone with the
// tab), never in a URL, a cookie or a log (docs/ui.md).
import type { ListPage } from '../api/contract';

const TOKEN_KEY = 'tessera.token';

export const token = {
  get: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  set: (t: string) => sessionStorage.setItem(TOKEN_KEY, t),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

/** A problem+json answer (docs/api.md): status, title and the detail that names the field. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Called when the composer refuses the token (401): the app goes back to the login form. */
let onUnauthorized: () => void = () => undefined;
export function whenUnauthorized(f: () => void): void {
  onUnauthorized = f;
}

async function call<T>(method: 'GET' | 'POST', path: string, body?: unknown, bearer = token.get()): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (bearer) headers.authorization = `Bearer ${bearer}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'omit', cache: 'no-store' });
  const text = await res.text();
  const data = text ? (JSON.parse(text) as unknown) : undefined;
  if (!res.ok) {
    const p = (data ?? {}) as { title?: string; detail?: string; errors?: { field: string; reason: string }[] };
    const fields = (p.errors ?? []).map((e) => `${e.field}: ${e.reason}`).join('; ');
    if (res.status === 401 && bearer === token.get()) onUnauthorized();
    throw new ApiError(res.status, [p.detail ?? p.title ?? `HTTP ${res.status}`, fields].filter(Boolean).join(' — '));
  }
  return data as T;
}

export const get = <T,>(path: string, bearer?: string): Promise<T> => call<T>('GET', path, undefined, bearer ?? token.get());
export const post = <T,>(path: string, body: unknown): Promise<T> => call<T>('POST', path, body);

/** `?a=1&b=x` of the defined, non-empty values. */
export function query(q: Record<string, string | number | boolean | undefined>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== '') p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : '';
}

/** One page of a paged list (docs/api.md "Lists and pages"). */
export const page = <T,>(path: string, q: Record<string, string | number | boolean | undefined>): Promise<ListPage<T>> => get<ListPage<T>>(`${path}${query(q)}`);

/** Every page of a small list (servers, enclosures of one view), at most `max` items. */
export async function all<T>(path: string, q: Record<string, string | number | undefined> = {}, max = 5000): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | undefined;
  do {
    const p = await page<T>(path, { ...q, limit: 1000, cursor });
    out.push(...p.items);
    cursor = p.nextCursor;
  } while (cursor && out.length < max);
  return out;
}
