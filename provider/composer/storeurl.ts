// Store URLs: `sqlite:./tessera.db` (the embedded default) or `etcd:http://h1:2379,http://h2:2379`.
import type { Store } from '../store/store';

export async function openStoreUrl(url: string): Promise<Store> {
  try {
    // Prefer the store package's own opener when it exists.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require('../store/open') as { openStore?: (u: string) => Promise<Store> };
    if (mod.openStore) return await mod.openStore(url);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw e;
  }
  const m = /^(sqlite|etcd):(.+)$/.exec(url);
  if (!m) throw new Error(`--store: must be sqlite:FILE or etcd:http://host:port[,...], got ${JSON.stringify(url)}`);
  if (m[1] === 'sqlite') {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { SqliteStore } = require('../store/sqlite') as typeof import('../store/sqlite');
    return SqliteStore.open(m[2]);
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { EtcdStore } = require('../store/etcd') as typeof import('../store/etcd');
  return EtcdStore.connect(m[2].split(','));
}
