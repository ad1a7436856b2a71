// openStore(url): the two URL forms open working stores; bad URLs are refused with the reason.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openStore, parseStoreUrl } from '../../provider/store/open';
import { startEtcd, stopAllEtcd } from '../helpers/etcd';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-open-'));
afterAll(async () => {
  await stopAllEtcd();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('parses sqlite and etcd URLs', () => {
  expect(parseStoreUrl('sqlite:./tessera.db')).toEqual({ kind: 'sqlite', path: './tessera.db' });
  expect(parseStoreUrl('sqlite:/var/lib/tessera/t.db')).toEqual({ kind: 'sqlite', path: '/var/lib/tessera/t.db' });
  expect(parseStoreUrl('sqlite:///var/lib/t.db')).toEqual({ kind: 'sqlite', path: '/var/lib/t.db' });
  expect(parseStoreUrl('etcd:http://127.0.0.1:2379,http://127.0.0.1:2479')).toEqual({
    kind: 'etcd', endpoints: ['http://127.0.0.1:2379', 'http://127.0.0.1:2479'],
  });
});

test.each([
  ['', /^store: must not be empty/],
  ['postgres://db/x', /^store: unknown store 'postgres:\/\/db\/x'; expected 'sqlite:/],
  ['./tessera.db', /^store: unknown store/],
  ['sqlite:', /^store: 'sqlite:' names no file/],
  ['etcd:', /^store: 'etcd:' has an empty endpoint/],
  ['etcd:http://a:2379,,http://b:2379', /has an empty endpoint/],
  ['etcd:127.0.0.1:2379', /^store\.endpoints\[0\]: '127\.0\.0\.1:2379' is not a URL \(expected http:\/\/host:port\)/],
  ['etcd:ftp://h:21', /^store\.endpoints\[0\]: 'ftp:\/\/h:21' must use http or https/],
  ['etcd:http://h:1,localhost', /^store\.endpoints\[1\]: 'localhost' is not a URL/],
  ['etcd:http://h', /^store\.endpoints\[0\]: 'http:\/\/h' must name a port/],
])('refuses %j', (url, message) => {
  expect(() => parseStoreUrl(url)).toThrow(message);
});

test('opens a working SQLite store from its URL', async () => {
  const file = path.join(dir, 'open.db');
  const store = await openStore(`sqlite:${file}`);
  expect(store.kind).toBe('sqlite');
  await store.put('/a', '1');
  await store.close();
  expect(fs.existsSync(file)).toBe(true);
});

test('opens a working etcd store from its URL', async () => {
  const etcd = await startEtcd();
  const store = await openStore(etcd.storeUrl);
  expect(store.kind).toBe('etcd');
  const rev = await store.put('/a', '1');
  expect((await store.get('/a'))?.modRevision).toBe(rev);
  await store.close();
}, 60_000);
