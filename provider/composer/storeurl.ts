// Store URLs: `sqlite:./tessera.db` (the embedded default) or `etcd:http://h1:2379,http://h2:2379`.
import { openStore, type OpenStoreOptions } from '../store/open';
import type { Store } from '../store/store';

export type { OpenStoreOptions };

export async function openStoreUrl(url: string, options: OpenStoreOptions = {}): Promise<Store> {
  return openStore(url, options);
}
