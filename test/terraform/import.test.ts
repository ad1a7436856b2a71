// Import through the provider executable against a real composer: by composer id and by natural
// key (CLUSTER/NAME for volumes and slices, cluster by name or id; NAME for clusters and key
// policies), as `tofu import` and `import {}` blocks send it; an imported key policy's first
// apply adopts the configured secret without rotating the key when it is the policy's secret.
import type { CtyValue } from '../../provider/terraform/cty';
import { handlersFor } from '../../provider/handlers';
import { LAB_INVENTORY, OPERATOR_TOKEN, startTestComposer, type TestComposer } from '../helpers/composer';
import { ProviderProcess } from './harness';

type Obj = Record<string, CtyValue>;
let harness: TestComposer;
let p: ProviderProcess;
const SECRET = 'the imported policy secret';
let ids: { cluster: string; volume: string; slice: string; policy: string };

beforeAll(async () => {
  harness = await startTestComposer({ inventory: LAB_INVENTORY, log: () => undefined });
  p = await ProviderProcess.start({ env: { TESSERA_TOKEN: OPERATOR_TOKEN } });
  const cfg = await p.call('ConfigureProvider', {
    terraform_version: '1.12.0-test',
    config: await p.dv('provider', await p.object('provider', { endpoint: harness.composer.url })),
    client_capabilities: { write_only_attributes_allowed: true },
  });
  expect(cfg.diagnostics).toEqual([]);
  // Objects made outside Terraform (by another team, the CLI, a previous state).
  const h = handlersFor({ endpoint: harness.composer.url, token: OPERATOR_TOKEN });
  const policy = await h.tessera_key_policy.create({ name: 'imported-keys', secret: SECRET }, 'ops');
  const cluster = await h.tessera_cluster.create({ name: 'imports', servers: ['k1'] }, 'ops');
  const volume = await h.tessera_volume.create({ cluster: cluster.id, name: 'data', type: 'slice', sizeGiB: 4 }, 'ops');
  const slice = await h.tessera_slice.create({ cluster: cluster.id, name: 'raw', sizeGiB: 2 }, 'ops');
  ids = { cluster: cluster.id, volume: volume.id, slice: slice.id, policy: policy.id };
});
afterAll(async () => {
  await p?.stop();
  await harness?.close();
});

async function importAs(type: string, id: string): Promise<{ state: Obj | null; diagnostics: { summary: string; detail: string }[]; private?: Buffer }> {
  const r = await p.call('ImportResourceState', { type_name: type, id });
  const first = r.imported_resources[0];
  return { state: first ? ((await p.value(type, first.state)) as Obj) : null, diagnostics: r.diagnostics, private: first?.private };
}

test('volumes and slices import by CLUSTER/NAME (cluster by name or id) as well as by id; clusters and key policies by name', async () => {
  const byId = await importAs('tessera_volume', ids.volume);
  expect(byId.diagnostics).toEqual([]);
  const byKey = await importAs('tessera_volume', 'imports/data');
  expect(byKey.diagnostics).toEqual([]);
  expect(byKey.state).toEqual(byId.state);
  expect((await importAs('tessera_volume', `${ids.cluster}/data`)).state).toEqual(byId.state);
  expect((await importAs('tessera_slice', 'imports/raw')).state).toMatchObject({ id: ids.slice, size_gib: 2 });
  expect((await importAs('tessera_cluster', 'imports')).state).toMatchObject({ id: ids.cluster, servers: ['k1'] });
  expect((await importAs('tessera_key_policy', 'imported-keys')).state).toMatchObject({ id: ids.policy, version: 1 });
});

test('a malformed or unknown natural key is an error naming the expected form', async () => {
  const bad = await importAs('tessera_volume', 'a/b/c');
  expect(bad.state).toBeNull();
  expect(bad.diagnostics[0].detail).toMatch(/expected a Volume id \(vol-\.\.\.\) or CLUSTER\/NAME/);
  const missing = await importAs('tessera_volume', 'imports/nope');
  expect(missing.diagnostics[0].detail).toMatch(/no Volume named "nope" in cluster "imports"/);
  const noCluster = await importAs('tessera_volume', 'nowhere/data');
  expect(noCluster.diagnostics[0].detail).toMatch(/no Volume named "data" in cluster "nowhere"/);
  expect((await importAs('tessera_cluster', 'x/y')).diagnostics[0].detail).toMatch(/expected a Cluster id \(cls-\.\.\.\) or NAME/);
});

test("an imported key policy: the first apply adopts the configured secret without rotating when it is the policy's", async () => {
  const imp = await importAs('tessera_key_policy', 'imported-keys');
  const type = 'tessera_key_policy';
  const config = await p.object(type, { name: 'imported-keys', secret: SECRET });
  const planned = await p.call('PlanResourceChange', { type_name: type, prior_state: await p.dv(type, imp.state), proposed_new_state: await p.dv(type, config), config: await p.dv(type, config), prior_private: imp.private });
  expect(planned.diagnostics).toEqual([]);
  const plan = (await p.value(type, planned.planned_state)) as Obj;
  // The version and fingerprint stay as imported: the plan does not promise a rotation.
  expect(plan).toMatchObject({ version: 1, fingerprint: imp.state!.fingerprint, secret: SECRET });
  const applied = await p.call('ApplyResourceChange', { type_name: type, prior_state: await p.dv(type, imp.state), planned_state: planned.planned_state, config: await p.dv(type, config), planned_private: planned.planned_private });
  expect(applied.diagnostics).toEqual([]);
  const state = (await p.value(type, applied.new_state)) as Obj;
  expect(state).toMatchObject({ id: ids.policy, version: 1, fingerprint: imp.state!.fingerprint });
  // A different secret on an imported policy is refused at apply, before anything rotates.
  const other = await p.object(type, { name: 'imported-keys', secret: 'a different secret value' });
  const imp2 = await importAs(type, ids.policy);
  const pl2 = await p.call('PlanResourceChange', { type_name: type, prior_state: await p.dv(type, imp2.state), proposed_new_state: await p.dv(type, other), config: await p.dv(type, other), prior_private: imp2.private });
  const ap2 = await p.call('ApplyResourceChange', { type_name: type, prior_state: await p.dv(type, imp2.state), planned_state: pl2.planned_state, config: await p.dv(type, other), planned_private: pl2.planned_private });
  expect(ap2.diagnostics[0].detail).toMatch(/secret_mismatch: key policy kp-[0-9a-f]+: the secret given is not its current secret \(version 1\); adopting it would rotate the key, so nothing was changed/);
  const after = await importAs(type, ids.policy);
  expect(after.state).toMatchObject({ version: 1 });
});
