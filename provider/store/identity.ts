// A store's identity: a value written once, the first time a composer opens the store, and never
// changed. A copy of the store (a backup restored elsewhere) keeps it; an empty or another
// store has another one. Clients record it and compare (docs/store.md "Identity").
import type { Store } from './store';

/**
 * The identity under `key`, created with `make()` when the store has none. Safe to race: the
 * create is a transaction on the key's absence, and the loser reads the winner's value.
 */
export async function ensureStoreIdentity(store: Store, key: string, make: () => string): Promise<string> {
  const existing = await store.get(key);
  if (existing) return parse(existing.value, key);
  const value = JSON.stringify({ id: make(), createdAt: new Date().toISOString() });
  const r = await store.txn({
    compare: [{ key, target: 'version', op: '=', value: 0 }],
    success: [{ type: 'put', key, value }],
    failure: [{ type: 'get', key }],
  });
  if (r.succeeded) return parse(value, key);
  const now = await store.get(key);
  if (!now) throw new Error(`store identity ${key}: neither created nor found`);
  return parse(now.value, key);
}

function parse(value: string, key: string): string {
  const v = JSON.parse(value) as { id?: unknown };
  if (typeof v.id !== 'string' || !v.id) throw new Error(`store identity ${key}: malformed value`);
  return v.id;
}
