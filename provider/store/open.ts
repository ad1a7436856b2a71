// Opens a store from its URL: `sqlite:./tessera.db` (or `sqlite:/abs/path.db`) or
// `etcd:http://127.0.0.1:2379,http://127.0.0.1:2479`.
import { EtcdStore, EtcdStoreOptions } from './etcd';
import { StoreRequestError } from './errors';
import { SqliteStore, SqliteStoreOptions } from './sqlite';
import type { Store } from './store';

export type ParsedStoreUrl = { kind: 'sqlite'; path: string } | { kind: 'etcd'; endpoints: string[] };

const EXAMPLES = "expected 'sqlite:./tessera.db' or 'etcd:http://127.0.0.1:2379,http://127.0.0.1:2479'";

export function parseStoreUrl(url: string): ParsedStoreUrl {
  if (typeof url !== 'string' || url.trim() === '') throw new StoreRequestError('store', `must not be empty; ${EXAMPLES}`);
  const colon = url.indexOf(':');
  const scheme = colon < 0 ? '' : url.slice(0, colon);
  const rest = colon < 0 ? '' : url.slice(colon + 1);
  switch (scheme) {
    case 'sqlite': {
      // Accept sqlite:./a.db, sqlite:/abs/a.db and sqlite:///abs/a.db.
      const file = rest.startsWith('///') ? rest.slice(2) : rest.startsWith('//') ? '' : rest;
      if (file === '') throw new StoreRequestError('store', `'${url}' names no file; ${EXAMPLES}`);
      if (file.includes('\0')) throw new StoreRequestError('store', 'file path must not contain NUL');
      return { kind: 'sqlite', path: file };
    }
    case 'etcd': {
      const endpoints = rest.split(',').map((e) => e.trim());
      if (endpoints.some((e) => e === '')) throw new StoreRequestError('store', `'${url}' has an empty endpoint; ${EXAMPLES}`);
      endpoints.forEach((e, i) => {
        let u: URL;
        try {
          u = new URL(e);
        } catch {
          throw new StoreRequestError(`store.endpoints[${i}]`, `'${e}' is not a URL (expected http://host:port)`);
        }
        if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new StoreRequestError(`store.endpoints[${i}]`, `'${e}' must use http or https`);
        if (!u.port) throw new StoreRequestError(`store.endpoints[${i}]`, `'${e}' must name a port`);
      });
      return { kind: 'etcd', endpoints };
    }
    default:
      throw new StoreRequestError('store', `unknown store '${url}'; ${EXAMPLES}`);
  }
}

export interface OpenStoreOptions {
  sqlite?: SqliteStoreOptions;
  etcd?: EtcdStoreOptions;
}

export async function openStore(url: string, options: OpenStoreOptions = {}): Promise<Store> {
  const parsed = parseStoreUrl(url);
  return parsed.kind === 'sqlite' ? SqliteStore.open(parsed.path, options.sqlite) : EtcdStore.connect(parsed.endpoints, options.etcd);
}
