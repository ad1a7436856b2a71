// Refresh of a volume that is not ok (docs/failure.md): the provider executable, driven as
// Terraform drives it, against a real composer. ReadResource returns the computed `health`,
// `health_reason` and `failed_members`, and a warning diagnostic naming the failed member.
import { enclosureTokenOf, OPERATOR_TOKEN, smallInventory, startTestComposer, tokensWithEnclosures, type TestComposer } from '../helpers/composer';
import type { CtyValue } from '../../provider/terraform/cty';
import { ProviderProcess } from './harness';

let harness: TestComposer;
let p: ProviderProcess;
const inv = smallInventory();

beforeAll(async () => {
  harness = await startTestComposer({ inventory: inv, log: () => undefined, tokens: tokensWithEnclosures(inv) });
  p = await ProviderProcess.start({ env: { TESSERA_TOKEN: OPERATOR_TOKEN } });
  const cfg = await p.call('ConfigureProvider', { terraform_version: '1.12.0-test', config: await p.dv('provider', await p.object('provider', { endpoint: harness.composer.url })), client_capabilities: {} });
  expect(cfg.diagnostics).toEqual([]);
});

afterAll(async () => {
  await p?.stop();
  await harness?.close();
});

test('a degraded volume refreshes with health, its reason and failed members, and a warning diagnostic', async () => {
  const h = { authorization: `Bearer ${OPERATOR_TOKEN}`, 'content-type': 'application/json' };
  const post = async (path: string, body: unknown, headers = h) =>
    (await (await fetch(`${harness.composer.url}${path}`, { method: 'POST', headers, body: JSON.stringify(body) })).json()) as { id: string; members: { serial: string; enclosure: string }[] };
  const cluster = await post('/v1/clusters', { name: 'tf-health', servers: [] });
  const v = await post('/v1/volumes', { cluster: cluster.id, name: 'mirror', type: 'ssd', sizeGiB: 100, redundancy: true, autoRebuild: false });
  const m = v.members[0];
  const eh = { authorization: `Bearer ${enclosureTokenOf(m.enclosure)}`, 'content-type': 'application/json' };
  await post(`/v1/enclosures/${m.enclosure}/register`, { hostname: m.enclosure, version: 'test', drives: [] }, eh);
  const rep = await fetch(`${harness.composer.url}/v1/enclosures/${m.enclosure}/report`, { method: 'PUT', headers: eh, body: JSON.stringify({ drives: [{ serial: m.serial, present: false }], exports: [] }) });
  expect(rep.status).toBe(204);

  const state = await p.object('tessera_volume', { id: v.id, cluster: cluster.id, name: 'mirror', type: 'ssd', size_gib: 100, redundancy: true });
  const res = await p.call('ReadResource', { type_name: 'tessera_volume', current_state: await p.dv('tessera_volume', state), private: Buffer.alloc(0) });
  expect(res.diagnostics).toEqual([
    {
      attribute: null,
      severity: 2,
      summary: `Volume ${v.id} is degraded (failed members: ${m.serial})`,
      detail: `serving from the surviving copy; failed: member 0 ${m.serial}: drive ${m.serial} in ${m.enclosure} is failed: enclosure ${m.enclosure} reports the drive not present; auto_rebuild is false: \`tessera volumes rebuild ${v.id}\` starts the rebuild`,
    },
  ]);
  const out = (await p.value('tessera_volume', res.new_state)) as Record<string, CtyValue>;
  expect(out.health).toBe('degraded');
  expect(out.failed_members).toEqual([m.serial]);
  expect(String(out.health_reason)).toContain('autoRebuild is false');
});
