// Providers and SDKs refuse a composer of another API version with a message naming both
// (provider/client/transport.ts, docs/install.md): against a real composer (it sends its version)
// and a real HTTP server answering as a composer of the next API version would.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { API_VERSION, API_VERSION_HEADER } from '../../provider/api/contract';
import { ComposerClient, ComposerError } from '../../provider/client';
import { OPERATOR_TOKEN, startTestComposer } from '../helpers/composer';

test('a real composer sends its API version and the client accepts it', async () => {
  const h = await startTestComposer({ log: () => undefined });
  try {
    const res = await fetch(`${h.composer.url}/v1/clusters`, { headers: { authorization: `Bearer ${OPERATOR_TOKEN}` } });
    expect(res.headers.get(API_VERSION_HEADER)).toBe(String(API_VERSION));
    const client = new ComposerClient({ endpoint: h.composer.url, token: OPERATOR_TOKEN });
    expect(await client.listAll('/v1/clusters')).toEqual([]);
  } finally {
    await h.close();
  }
});

test('a composer of another API version is refused with both versions named, success or error answer alike', async () => {
  const next = String(API_VERSION + 1);
  const server = http.createServer((req, res) => {
    const problem = req.url?.startsWith('/v1/volumes');
    res.writeHead(problem ? 404 : 200, { 'content-type': problem ? 'application/problem+json' : 'application/json', [API_VERSION_HEADER]: next });
    res.end(JSON.stringify(problem ? { type: 'about:blank', title: 'not found', status: 404, code: 'not_found' } : { items: [] }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const client = new ComposerClient({ endpoint: url, token: 'any-token-0123456789abcdef' });
    for (const p of ['/v1/clusters', '/v1/volumes/x']) {
      const err = await client.request('GET', p).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(ComposerError);
      expect((err as ComposerError).code).toBe('incompatible_api');
      expect((err as Error).message).toContain(`speaks Tessera API version ${next}, this client`);
      expect((err as Error).message).toContain(`speaks version ${API_VERSION}`);
    }
  } finally {
    await new Promise((r) => server.close(r));
  }
});
