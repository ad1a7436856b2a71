// Resource identity (tfplugin6.9, Terraform >= 1.12) through the provider executable against a
// real composer: the identity schemas derived from schema.json's natural keys, import by identity
// (the natural key or the id), the identity every read, plan and apply answers with, and
// UpgradeResourceIdentity. docs/terraform.md "Resource identity".
import type { CtyType, CtyValue } from '../../provider/terraform/cty';
import { decodeDynamicValue, encodeDynamicValue } from '../../provider/terraform/cty';
import { handlersFor } from '../../provider/handlers';
import { LAB_INVENTORY, OPERATOR_TOKEN, startTestComposer, type TestComposer } from '../helpers/composer';
import { ProviderProcess } from './harness';

type Obj = Record<string, CtyValue>;
let harness: TestComposer;
let p: ProviderProcess;
let ids: { cluster: string; volume: string; policy: string };

// The identity types as Terraform builds them from GetResourceIdentitySchemas' answer.
const SCOPED: CtyType = ['object', { cluster: 'string', name: 'string', id: 'string' }];
const UNSCOPED: CtyType = ['object', { name: 'string', id: 'string' }];
const identity = (v: Obj, t: CtyType) => ({ identity_data: encodeDynamicValue(v, t) });
const decoded = (m: { identity_data: { msgpack: Buffer } } | null, t: CtyType) => (m?.identity_data ? decodeDynamicValue(m.identity_data, t) : null);

beforeAll(async () => {
  harness = await startTestComposer({ inventory: LAB_INVENTORY, log: () => undefined });
  p = await ProviderProcess.start({ env: { TESSERA_TOKEN: OPERATOR_TOKEN } });
  const cfg = await p.call('ConfigureProvider', {
    terraform_version: '1.13.3-test',
    config: await p.dv('provider', await p.object('provider', { endpoint: harness.composer.url })),
    client_capabilities: { write_only_attributes_allowed: true },
  });
  expect(cfg.diagnostics).toEqual([]);
  const h = handlersFor({ endpoint: harness.composer.url, token: OPERATOR_TOKEN });
  const policy = await h.tessera_key_policy.create({ name: 'identity-keys', secret: 'identity secret value' }, 'ops');
  const cluster = await h.tessera_cluster.create({ name: 'identities', servers: ['k1'] }, 'ops');
  const volume = await h.tessera_volume.create({ cluster: cluster.id, name: 'data', type: 'slice', sizeGiB: 4 }, 'ops');
  ids = { cluster: cluster.id, volume: volume.id, policy: policy.id };
});
afterAll(async () => {
  await p?.stop();
  await harness?.close();
});

test('every resource type has an identity: the natural key from schema.json (cluster, name) and the id, each optional for import', async () => {
  const r = await p.call('GetResourceIdentitySchemas');
  expect(r.diagnostics).toEqual([]);
  const names = (type: string) => r.identity_schemas[type].identity_attributes.map((a: { name: string }) => a.name);
  expect(Object.keys(r.identity_schemas).sort()).toEqual(['tessera_cluster', 'tessera_key_policy', 'tessera_slice', 'tessera_volume']);
  expect(names('tessera_volume')).toEqual(['cluster', 'name', 'id']);
  expect(names('tessera_slice')).toEqual(['cluster', 'name', 'id']);
  expect(names('tessera_cluster')).toEqual(['name', 'id']);
  expect(names('tessera_key_policy')).toEqual(['name', 'id']);
  const attr = r.identity_schemas.tessera_volume.identity_attributes[0];
  expect(attr).toMatchObject({ required_for_import: false, optional_for_import: true });
  expect(JSON.parse(Buffer.from(attr.type).toString('utf8'))).toBe('string');
  expect(Number(r.identity_schemas.tessera_volume.version)).toBe(0);
});

test('import by identity: the natural key (cluster by name or id) or the id; the answer carries the canonical identity', async () => {
  const imp = async (type: string, v: Obj, t: CtyType) => p.call('ImportResourceState', { type_name: type, id: '', identity: identity(v, t) });
  const byKey = await imp('tessera_volume', { cluster: 'identities', name: 'data', id: null }, SCOPED);
  expect(byKey.diagnostics).toEqual([]);
  const state = (await p.value('tessera_volume', byKey.imported_resources[0].state)) as Obj;
  expect(state).toMatchObject({ id: ids.volume, name: 'data' });
  const canonical = { cluster: state.cluster, name: 'data', id: ids.volume };
  expect(decoded(byKey.imported_resources[0].identity, SCOPED)).toEqual(canonical);
  const byClusterId = await imp('tessera_volume', { cluster: ids.cluster, name: 'data', id: null }, SCOPED);
  expect(decoded(byClusterId.imported_resources[0].identity, SCOPED)).toEqual(canonical);
  const byId = await imp('tessera_volume', { cluster: null, name: null, id: ids.volume }, SCOPED);
  expect(decoded(byId.imported_resources[0].identity, SCOPED)).toEqual(canonical);
  const cluster = await imp('tessera_cluster', { name: 'identities', id: null }, UNSCOPED);
  expect(decoded(cluster.imported_resources[0].identity, UNSCOPED)).toEqual({ name: 'identities', id: ids.cluster });
  const policy = await imp('tessera_key_policy', { name: 'identity-keys', id: null }, UNSCOPED);
  expect(decoded(policy.imported_resources[0].identity, UNSCOPED)).toEqual({ name: 'identity-keys', id: ids.policy });
  // The id string import (tofu import, import { id = ... }) answers with the identity too.
  const byString = await p.call('ImportResourceState', { type_name: 'tessera_volume', id: 'identities/data' });
  expect(decoded(byString.imported_resources[0].identity, SCOPED)).toEqual(canonical);
});

test('an identity without the id names every part of the natural key, or the import fails naming the missing one', async () => {
  const noCluster = await p.call('ImportResourceState', { type_name: 'tessera_volume', id: '', identity: identity({ cluster: null, name: 'data', id: null }, SCOPED) });
  expect(noCluster.imported_resources).toEqual([]);
  expect(noCluster.diagnostics[0].detail).toMatch(/identity\.cluster: required to import tessera_volume by identity without an id \(give id, or cluster and name\)/);
  const unknownName = await p.call('ImportResourceState', { type_name: 'tessera_volume', id: '', identity: identity({ cluster: 'identities', name: 'nope', id: null }, SCOPED) });
  expect(unknownName.diagnostics[0].detail).toMatch(/no Volume named "nope" in cluster "identities"/);
});

test('read, plan and apply answer with the identity; a create plans none; UpgradeResourceIdentity conforms version 0 and refuses newer', async () => {
  const type = 'tessera_cluster';
  const imported = await p.call('ImportResourceState', { type_name: type, id: 'identities' });
  const prior = imported.imported_resources[0];
  const read = await p.call('ReadResource', { type_name: type, current_state: prior.state, private: prior.private });
  expect(read.diagnostics).toEqual([]);
  expect(decoded(read.new_identity, UNSCOPED)).toEqual({ name: 'identities', id: ids.cluster });
  const state = (await p.value(type, read.new_state)) as Obj;
  const config = await p.object(type, { name: 'identities', servers: ['k1', 'k2'] });
  const planned = await p.call('PlanResourceChange', { type_name: type, prior_state: read.new_state, proposed_new_state: await p.dv(type, config), config: await p.dv(type, config), prior_private: read.private });
  expect(planned.diagnostics).toEqual([]);
  expect(decoded(planned.planned_identity, UNSCOPED)).toEqual({ name: 'identities', id: ids.cluster });
  const applied = await p.call('ApplyResourceChange', { type_name: type, prior_state: read.new_state, planned_state: planned.planned_state, config: await p.dv(type, config), planned_private: planned.planned_private });
  expect(applied.diagnostics).toEqual([]);
  expect(decoded(applied.new_identity, UNSCOPED)).toEqual({ name: 'identities', id: state.id });
  // A create: no identity until the apply gives the object its id.
  const fresh = await p.object(type, { name: 'identities-new', servers: ['k1'] });
  const create = await p.call('PlanResourceChange', { type_name: type, prior_state: await p.dv(type, null), proposed_new_state: await p.dv(type, fresh), config: await p.dv(type, fresh) });
  expect(create.diagnostics).toEqual([]);
  expect(decoded(create.planned_identity, UNSCOPED)).toBeNull();

  const json = (v: unknown) => ({ json: Buffer.from(JSON.stringify(v)) });
  const up = await p.call('UpgradeResourceIdentity', { type_name: 'tessera_volume', version: 0, raw_identity: json({ cluster: ids.cluster, name: 'data', id: ids.volume }) });
  expect(up.diagnostics).toEqual([]);
  expect(decoded(up.upgraded_identity, SCOPED)).toEqual({ cluster: ids.cluster, name: 'data', id: ids.volume });
  const newer = await p.call('UpgradeResourceIdentity', { type_name: 'tessera_volume', version: 1, raw_identity: json({}) });
  expect(newer.diagnostics[0]).toMatchObject({ summary: 'Unsupported identity version' });
  expect(newer.diagnostics[0].detail).toMatch(/tessera_volume: identity has version 1; this provider knows versions 0 to 0/);
});
