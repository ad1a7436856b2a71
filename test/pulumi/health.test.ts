// Refresh of a volume that is not ok through the Pulumi dynamic provider (docs/failure.md), in
// this process against a real composer: read() returns the `health`, `healthReason` and
// `failedMembers` outputs and logs a warning through @pulumi/pulumi's log.
import * as pulumi from '@pulumi/pulumi';
import { makeDynamicProvider } from '../../provider/pulumi/provider';
import { OPERATOR_TOKEN, enclosureTokenOf, smallInventory, startTestComposer, tokensWithEnclosures, type TestComposer } from '../helpers/composer';

let harness: TestComposer;
const inv = smallInventory();

beforeAll(async () => {
  harness = await startTestComposer({ inventory: inv, log: () => undefined, tokens: tokensWithEnclosures(inv) });
});
afterAll(() => harness.close());

test('read() of a degraded volume: health outputs and a warning in the engine log', async () => {
  const h = { authorization: `Bearer ${OPERATOR_TOKEN}`, 'content-type': 'application/json' };
  const call = async (method: string, path: string, body: unknown, headers = h) =>
    (await fetch(`${harness.composer.url}${path}`, { method, headers, body: JSON.stringify(body) })).json().catch(() => undefined) as Promise<{ id: string; members: { serial: string; enclosure: string }[] }>;
  const cluster = await call('POST', '/v1/clusters', { name: 'pl-health', servers: [] });
  const v = await call('POST', '/v1/volumes', { cluster: cluster.id, name: 'mirror', type: 'ssd', sizeGiB: 100, redundancy: true, autoRebuild: false });
  const m = v.members[1];
  const eh = { authorization: `Bearer ${enclosureTokenOf(m.enclosure)}`, 'content-type': 'application/json' };
  await call('POST', `/v1/enclosures/${m.enclosure}/register`, { hostname: m.enclosure, version: 'test', drives: [] }, eh);
  await call('PUT', `/v1/enclosures/${m.enclosure}/report`, { drives: [{ serial: m.serial, present: false }], exports: [] }, eh);

  const provider = makeDynamicProvider('tessera_volume');
  await provider.configure!({ config: { get: (k: string) => ({ 'tessera:endpoint': harness.composer.url, 'tessera:token': OPERATOR_TOKEN })[k], require: () => '' } } as unknown as pulumi.dynamic.ConfigureRequest);
  const warned: string[] = [];
  const spy = jest.spyOn(pulumi.log, 'warn').mockImplementation(async (msg: string) => void warned.push(msg));
  try {
    const r = await provider.read!(v.id, {});
    expect(r.props?.health).toBe('degraded');
    expect(r.props?.failedMembers).toEqual([m.serial]);
    expect(String(r.props?.healthReason)).toContain(`member 1 ${m.serial}: drive ${m.serial} in ${m.enclosure} is failed`);
    expect(warned).toEqual([`Volume ${v.id} is degraded (failed members: ${m.serial}): ${r.props?.healthReason}`]);
  } finally {
    spy.mockRestore();
  }
});
