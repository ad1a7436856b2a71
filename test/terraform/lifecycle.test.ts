// The provider executable driven the way Terraform drives it (configure, validate, plan, apply,
// read, import, destroy), against a REAL composer (in this process, SQLite file, the lab
// inventory). Every apply is checked the way Terraform checks it: each known planned value
// must come back unchanged.
import type { RunningComposer } from '../../provider/composer';
import { schema } from '../../provider/schema';
import { type CtyValue, containsUnknown, isUnknown, unknown } from '../../provider/terraform/cty';
import { LAB_INVENTORY, OPERATOR_TOKEN, startTestComposer, type TestComposer } from '../helpers/composer';
import { ProviderProcess } from './harness';

const TOKEN = OPERATOR_TOKEN;
type Obj = Record<string, CtyValue>;

let harness: TestComposer;
let composer: RunningComposer;
let p: ProviderProcess;

beforeAll(async () => {
  harness = await startTestComposer({ inventory: LAB_INVENTORY, log: () => undefined });
  composer = harness.composer;
  p = await ProviderProcess.start({ env: { TESSERA_TOKEN: TOKEN } });
  const cfg = await p.call('ConfigureProvider', {
    terraform_version: '1.12.0-test',
    config: await p.dv('provider', await p.object('provider', { endpoint: composer.url })),
    client_capabilities: { write_only_attributes_allowed: true },
  });
  expect(cfg.diagnostics).toEqual([]);
});

afterAll(async () => {
  await p?.stop();
  await harness?.close();
});

interface Planned {
  planned: Obj | null;
  replace: string[];
  diagnostics: { severity: number; summary: string; detail: string; attribute?: { steps: { attribute_name?: string }[] } }[];
  private?: Buffer;
}

async function plan(type: string, prior: Obj | null, config: Obj | null, priorPrivate: Buffer = Buffer.alloc(0)): Promise<Planned> {
  // Terraform's proposed new state: config, with prior values for computed attributes left null.
  let proposed: Obj | null = null;
  if (config) {
    proposed = { ...config };
    for (const [k, v] of Object.entries(config)) if (v === null && prior && prior[k] !== undefined) proposed[k] = prior[k];
  }
  const res = await p.call('PlanResourceChange', {
    type_name: type,
    prior_state: await p.dv(type, prior),
    proposed_new_state: await p.dv(type, proposed),
    config: await p.dv(type, config),
    prior_private: priorPrivate,
    client_capabilities: { write_only_attributes_allowed: true },
  });
  return {
    planned: (await p.value(type, res.planned_state)) as Obj | null,
    replace: res.requires_replace.map((r: { steps: { attribute_name: string }[] }) => r.steps.map((s) => s.attribute_name).join('.')),
    diagnostics: res.diagnostics,
    private: res.planned_private,
  };
}

async function apply(type: string, prior: Obj | null, planned: Obj | null, config: Obj | null): Promise<{ state: Obj | null; diagnostics: Planned['diagnostics'] }> {
  const res = await p.call('ApplyResourceChange', {
    type_name: type,
    prior_state: await p.dv(type, prior),
    planned_state: await p.dv(type, planned),
    config: await p.dv(type, config),
    planned_private: Buffer.alloc(0),
  });
  const state = (await p.value(type, res.new_state)) as Obj | null;
  if (state && planned) {
    // Terraform's "Provider produced inconsistent result" check.
    for (const [k, v] of Object.entries(planned)) {
      if (!containsUnknown(v)) expect({ [k]: state[k] }).toEqual({ [k]: v });
    }
    expect(containsUnknown(state)).toBe(false);
  }
  return { state, diagnostics: res.diagnostics };
}

/** plan + apply as `terraform apply` does, including replace as delete then create. */
async function converge(type: string, prior: Obj | null, config: Obj): Promise<Obj> {
  const pl = await plan(type, prior, config);
  expect(pl.diagnostics).toEqual([]);
  if (pl.replace.length && prior) {
    const del = await apply(type, prior, null, null);
    expect(del.diagnostics).toEqual([]);
    return converge(type, null, config);
  }
  const ap = await apply(type, prior, pl.planned, config);
  expect(ap.diagnostics).toEqual([]);
  return ap.state!;
}

async function read(type: string, state: Obj): Promise<Obj | null> {
  const res = await p.call('ReadResource', { type_name: type, current_state: await p.dv(type, state), private: Buffer.alloc(0) });
  expect(res.diagnostics).toEqual([]);
  return (await p.value(type, res.new_state)) as Obj | null;
}

async function capacity(type: string): Promise<Obj> {
  const config = await p.object('tessera_capacity', { type });
  const res = await p.call('ReadDataSource', { type_name: 'tessera_capacity', config: await p.dv('tessera_capacity', config) });
  expect(res.diagnostics).toEqual([]);
  return (await p.value('tessera_capacity', res.state)) as Obj;
}

test('a platform stack: plan with unknowns, apply, no-op plan, grow in place, shrink refused, replace, import, destroy', async () => {
  const ssdBefore = await capacity('ssd');
  const sliceBefore = await capacity('slice');
  expect(typeof ssdBefore.available_gib).toBe('number');
  expect(ssdBefore.type).toBe('ssd');
  expect(ssdBefore.redundancy).toBe(false);

  const inv = await p.call('ReadDataSource', { type_name: 'tessera_inventory', config: await p.dv('tessera_inventory', await p.object('tessera_inventory', {})) });
  expect(((await p.value('tessera_inventory', inv.state)) as Obj).storage_groups).toEqual(['sg-1', 'sg-2']);

  // Key policy: sensitive secret kept in state, write-only secret never.
  const kpConfig = await p.object('tessera_key_policy', { name: 'kafka-keys', secret: 'correct horse battery staple' });
  const kpPlan = await plan('tessera_key_policy', null, kpConfig);
  expect(kpPlan.diagnostics).toEqual([]);
  expect(kpPlan.planned).toMatchObject({ name: 'kafka-keys', cipher: 'aes-xts-plain64', key_size_bits: 512, id: unknown, fingerprint: unknown, version: unknown, owner: 'terraform:tessera_key_policy.kafka-keys' });
  const kpApplied = await apply('tessera_key_policy', null, kpPlan.planned, kpConfig);
  expect(kpApplied.diagnostics).toEqual([]);
  const kp = kpApplied.state!;
  expect(kp.id).toMatch(/\S/);
  expect(kp.secret).toBe('correct horse battery staple');
  expect(kp.secret_wo).toBeNull();
  expect(kp.version).toBe(1);
  expect(typeof kp.fingerprint).toBe('string');

  // Cluster whose key policy is still unknown at plan time (it references another resource).
  const clConfigUnknown = await p.object('tessera_cluster', { name: 'kafka', servers: ['k1', 'k2', 'k3'], key_policy: unknown });
  const clPlan = await plan('tessera_cluster', null, clConfigUnknown);
  expect(clPlan.diagnostics).toEqual([]);
  expect(clPlan.planned).toMatchObject({ key_policy: unknown, id: unknown, network_transports_allowed: [] });
  const clConfig = { ...clConfigUnknown, key_policy: kp.id };
  const cluster = await converge('tessera_cluster', null, clConfig);
  expect(cluster.key_policy).toBe(kp.id);

  // A slice volume (cache tier): planned while the cluster id is unknown, then applied.
  const cacheConfig = (size: number, type = 'slice'): Obj => ({ cluster: cluster.id, name: 'cache-0', type, size_gib: size, storage_group: ['sg-1'] });
  const early = await plan('tessera_volume', null, await p.object('tessera_volume', { ...cacheConfig(100), cluster: unknown }));
  expect(early.diagnostics).toEqual([]);
  expect(early.planned).toMatchObject({ cluster: unknown, size_gib: 100, fs_type: 'ext4', reclaim_policy: 'Delete', capacity_gib: unknown, members: unknown, id: unknown });
  const cfg100 = await p.object('tessera_volume', cacheConfig(100));
  let cache = await converge('tessera_volume', null, cfg100);
  expect(cache).toMatchObject({ type: 'slice', size_gib: 100, capacity_gib: 100, raid_level: 'none', owner: 'terraform:tessera_volume.cache-0' });
  expect((cache.members as Obj[])[0]).toMatchObject({ size_gib: 100, storage_group: 'sg-1' });

  // Refresh, then the same configuration plans no change at all.
  cache = (await read('tessera_volume', cache))!;
  const noop = await plan('tessera_volume', cache, cfg100);
  expect(noop.diagnostics).toEqual([]);
  expect(noop.replace).toEqual([]);
  expect(noop.planned).toEqual(cache);

  // Grow in place: the placement outputs are recomputed, identity stays.
  const cfg150 = await p.object('tessera_volume', cacheConfig(150));
  const grow = await plan('tessera_volume', cache, cfg150);
  expect(grow.replace).toEqual([]);
  expect(grow.planned).toMatchObject({ id: cache.id, owner: cache.owner, size_gib: 150, capacity_gib: unknown, members: unknown });
  const grown = (await apply('tessera_volume', cache, grow.planned, cfg150)).state!;
  expect(grown.id).toBe(cache.id);
  expect(grown.capacity_gib).toBe(150);
  expect((grown.members as Obj[])[0]).toMatchObject({ size_gib: 150, offset_gib: (cache.members as Obj[])[0].offset_gib });
  cache = (await read('tessera_volume', grown))!;
  expect(cache).toEqual(grown);

  // An in-place change that does not resize (reclaim policy) keeps every stable output.
  const retain = await p.object('tessera_volume', { ...cacheConfig(150), reclaim_policy: 'Retain' });
  const rp = await plan('tessera_volume', cache, retain);
  expect(rp.planned).toMatchObject({ members: cache.members, raid_level: 'none', transport: cache.transport, capacity_gib: unknown, reclaim_policy: 'Retain' });
  cache = (await apply('tessera_volume', cache, rp.planned, retain)).state!;
  expect(cache.reclaim_policy).toBe('Retain');
  const back = await plan('tessera_volume', cache, cfg150);
  cache = (await apply('tessera_volume', cache, back.planned, cfg150)).state!;
  expect(cache.reclaim_policy).toBe('Delete');
  expect((await plan('tessera_volume', cache, cfg150)).planned).toEqual(cache);

  // Shrinking is refused at plan time, on the attribute.
  const shrink = await plan('tessera_volume', cache, await p.object('tessera_volume', cacheConfig(120)));
  expect(shrink.diagnostics).toHaveLength(1);
  expect(shrink.diagnostics[0]).toMatchObject({ severity: 1, attribute: { steps: [{ attribute_name: 'size_gib' }] } });
  expect(shrink.diagnostics[0].detail).toMatch(/^size_gib: shrinking is refused \(from 150 to 120 GiB\)/);

  // Changing the type would replace the volume, deleting its data first: refused at plan time,
  // on the attribute, with what to do, unless the configuration opts in with allow_data_loss.
  const refused = await plan('tessera_volume', cache, await p.object('tessera_volume', cacheConfig(150, 'ssd')));
  expect(refused.diagnostics).toHaveLength(1);
  expect(refused.diagnostics[0]).toMatchObject({ severity: 1, summary: 'Replacing tessera_volume would destroy its data', attribute: { steps: [{ attribute_name: 'type' }] } });
  expect(refused.diagnostics[0].detail).toMatch(/^type: changing type replaces the volume: the replacement deletes it and its data first\. .*create a new volume beside it.*set allow_data_loss = true/);
  // Changing the type replaces (and the size then no longer grows in place either).
  const ssdConfig = await p.object('tessera_volume', { ...cacheConfig(150, 'ssd'), allow_data_loss: true });
  const rep = await plan('tessera_volume', cache, ssdConfig);
  expect(rep.diagnostics).toEqual([]);
  expect(rep.replace).toEqual(['type']);
  expect(rep.planned).toMatchObject({ id: unknown, capacity_gib: unknown, members: unknown, owner: 'terraform:tessera_volume.cache-0' });
  // Terraform then plans the replacement's create with a null prior and the first plan's
  // private bytes: no dry-run conflict with the object that is about to go.
  const second = await plan('tessera_volume', null, ssdConfig, rep.private);
  expect(second.diagnostics).toEqual([]);
  const replaced = await converge('tessera_volume', cache, ssdConfig);
  expect(replaced.id).not.toBe(cache.id);
  expect(replaced.type).toBe('ssd');
  expect(await read('tessera_volume', cache)).toBeNull();
  // Without the opt-in, growing a whole-drive volume is refused too: it would replace it.
  const ssdGrow = await plan('tessera_volume', replaced, await p.object('tessera_volume', { ...cacheConfig(200, 'ssd') }));
  expect(ssdGrow.diagnostics.map((d) => d.detail)).toEqual([expect.stringMatching(/^size_gib: changing size_gib replaces the volume \(it grows in place only for type slice\): the replacement deletes it/)]);

  // A mirrored, encrypted volume across storage groups; infeasible sizes fail the plan.
  const logConfig = await p.object('tessera_volume', {
    cluster: cluster.id, name: 'log-0', type: 'ssd', size_gib: 1000, redundancy: true, encrypt: true, key_policy: kp.id,
  });
  const log0 = await converge('tessera_volume', null, logConfig);
  expect(log0.raid_level).toBe('raid1');
  const groups = new Set((log0.members as Obj[]).map((m) => m.storage_group));
  expect(groups.size).toBe(2);
  const huge = await plan('tessera_volume', null, await p.object('tessera_volume', { cluster: cluster.id, name: 'huge', type: 'ssd', size_gib: 900000, striping: false }));
  expect(huge.diagnostics.length).toBeGreaterThan(0);
  expect(huge.diagnostics[0]).toMatchObject({ severity: 1, summary: expect.stringMatching(/^Not feasible/), attribute: { steps: [{ attribute_name: expect.any(String) }] } });

  // Import by id into a fresh state: same values as the managed state; the config plans no change.
  const imp = await p.call('ImportResourceState', { type_name: 'tessera_volume', id: log0.id });
  expect(imp.diagnostics).toEqual([]);
  const imported = (await p.value('tessera_volume', imp.imported_resources[0].state)) as Obj;
  const refreshed = (await read('tessera_volume', imported))!;
  expect(refreshed).toEqual(await read('tessera_volume', log0));
  const afterImport = await plan('tessera_volume', refreshed, logConfig);
  expect(afterImport.replace).toEqual([]);
  expect(afterImport.planned).toEqual(refreshed);
  const missing = await p.call('ImportResourceState', { type_name: 'tessera_volume', id: 'vol-does-not-exist' });
  expect(missing.diagnostics[0].detail).toMatch(/no Volume with id/);

  // Every resource imports by id.
  for (const [type, st] of [['tessera_cluster', cluster], ['tessera_key_policy', kp]] as const) {
    const r = await p.call('ImportResourceState', { type_name: type, id: st.id });
    expect(r.diagnostics).toEqual([]);
    expect(((await p.value(type, r.imported_resources[0].state)) as Obj).id).toBe(st.id);
  }

  // A key policy in use cannot go: the composer's problem reaches the user as a diagnostic.
  const early_kp_delete = await apply('tessera_key_policy', kp, null, null);
  expect(early_kp_delete.diagnostics[0].summary).toMatch(/^Deleting tessera_key_policy failed: in_use/);
  expect(early_kp_delete.state).toEqual(kp);

  // Destroy in dependency order; the pool is back to where it was.
  for (const [type, st] of [['tessera_volume', replaced], ['tessera_volume', log0], ['tessera_cluster', cluster], ['tessera_key_policy', kp]] as const) {
    const d = await apply(type, st, null, null);
    expect(d.diagnostics).toEqual([]);
    expect(d.state).toBeNull();
  }
  expect(await capacity('ssd')).toEqual(ssdBefore);
  expect(await capacity('slice')).toEqual(sliceBefore);
});

test('a raw slice: create, grow in place, import by id, delete', async () => {
  const cl = await converge('tessera_cluster', null, await p.object('tessera_cluster', { name: 'cache-tier', servers: ['k9'] }));
  const cfg = (size: number) => p.object('tessera_slice', { cluster: cl.id, name: 'hot-0', size_gib: size, storage_group: ['sg-2'] });
  const s1 = await converge('tessera_slice', null, await cfg(20));
  expect(s1).toMatchObject({ size_gib: 20, capacity_gib: 20 });
  expect((s1.members as Obj[])[0]).toMatchObject({ storage_group: 'sg-2', size_gib: 20 });
  const grow = await plan('tessera_slice', s1, await cfg(30));
  expect(grow.replace).toEqual([]);
  const s2 = (await apply('tessera_slice', s1, grow.planned, await cfg(30))).state!;
  expect(s2).toMatchObject({ id: s1.id, size_gib: 30, capacity_gib: 30 });
  const imp = await p.call('ImportResourceState', { type_name: 'tessera_slice', id: s1.id });
  const imported = (await p.value('tessera_slice', imp.imported_resources[0].state)) as Obj;
  expect(imported).toEqual(await read('tessera_slice', s2));
  expect((await plan('tessera_slice', imported, await cfg(30))).planned).toEqual(imported);
  expect((await apply('tessera_slice', s2, null, null)).diagnostics).toEqual([]);
  expect(await read('tessera_slice', s2)).toBeNull();
  // Drift made outside Terraform shows on refresh and plans back in place.
  const patched = await fetch(`${composer.url}/v1/clusters/${cl.id}`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ servers: ['k9', 'k10'] }),
  });
  expect(patched.status).toBe(200);
  const drifted = (await read('tessera_cluster', cl))!;
  expect(drifted.servers).toEqual(['k9', 'k10']);
  const clConfig = await p.object('tessera_cluster', { name: 'cache-tier', servers: ['k9'] });
  const back = await plan('tessera_cluster', drifted, clConfig);
  expect(back.replace).toEqual([]);
  expect(back.planned).toMatchObject({ id: cl.id, servers: ['k9'] });
  const fixed = (await apply('tessera_cluster', drifted, back.planned, clConfig)).state!;
  expect((await read('tessera_cluster', fixed))!.servers).toEqual(['k9']);
  expect((await apply('tessera_cluster', fixed, null, null)).diagnostics).toEqual([]);
});

test('an endpoint unknown at plan time plans without feasibility checks', async () => {
  const q = await ProviderProcess.start();
  try {
    const cfg = await q.call('ConfigureProvider', { terraform_version: 't', config: await q.dv('provider', await q.object('provider', { endpoint: unknown })) });
    expect(cfg.diagnostics).toEqual([]);
    const vol = await q.object('tessera_volume', { cluster: unknown, name: 'later', size_gib: 999999, type: 'ssd' });
    const res = await q.call('PlanResourceChange', { type_name: 'tessera_volume', prior_state: await q.dv('tessera_volume', null), proposed_new_state: await q.dv('tessera_volume', vol), config: await q.dv('tessera_volume', vol), prior_private: Buffer.alloc(0) });
    expect(res.diagnostics).toEqual([]);
    expect(await q.value('tessera_volume', res.planned_state)).toMatchObject({ size_gib: 999999, id: unknown });
  } finally {
    await q.stop();
  }
});

test('key policy rotation through the write-only secret and its version', async () => {
  const config = (v: number, s: string) => p.object('tessera_key_policy', { name: 'wo-keys', secret_wo: s, secret_wo_version: v });
  const c1 = await config(1, 'first secret value 0001');
  const pl = await plan('tessera_key_policy', null, c1);
  expect(pl.planned!.secret_wo).toBeNull();
  const kp = (await apply('tessera_key_policy', null, pl.planned, c1)).state!;
  expect(kp.secret_wo).toBeNull();
  expect(kp.version).toBe(1);
  const same = await plan('tessera_key_policy', (await read('tessera_key_policy', kp))!, c1);
  expect(same.planned).toEqual(await read('tessera_key_policy', kp));
  const c2 = await config(2, 'second secret value 002');
  const rot = await plan('tessera_key_policy', kp, c2);
  expect(rot.replace).toEqual([]);
  expect(rot.planned).toMatchObject({ id: kp.id, version: unknown, fingerprint: unknown, secret_wo_version: 2 });
  const rotated = (await apply('tessera_key_policy', kp, rot.planned, c2)).state!;
  expect(rotated.version).toBe(2);
  expect(rotated.fingerprint).not.toBe(kp.fingerprint);
  expect((await apply('tessera_key_policy', rotated, null, null)).diagnostics).toEqual([]);
});

test('unknown values survive UpgradeResourceState and the JSON state path', async () => {
  const st = await p.object('tessera_cluster', { id: 'cl-x', name: 'x', servers: ['k1'], network_transports_allowed: [], owner: 'o' });
  const up = await p.call('UpgradeResourceState', {
    type_name: 'tessera_cluster',
    version: 0,
    raw_state: { json: Buffer.from(JSON.stringify({ ...st, removed_attribute: 1 })) },
  });
  expect(up.diagnostics).toEqual([]);
  expect(await p.value('tessera_cluster', up.upgraded_state)).toEqual(st);
  expect(isUnknown(unknown)).toBe(true);
});

test('resource schemas carry schema.json version; state of version 0 and of the current one upgrades, newer is refused', async () => {
  const served = (await p.call('GetProviderSchema', {})) as { resource_schemas: Record<string, { version: number }> };
  expect(schema.version).toBeGreaterThan(0);
  for (const [type, s] of Object.entries(served.resource_schemas)) expect([type, Number(s.version)]).toEqual([type, schema.version]);
  const st = await p.object('tessera_cluster', { id: 'cl-v', name: 'v', servers: ['k1'], network_transports_allowed: [], owner: 'o' });
  const upgrade = (version: number) => p.call('UpgradeResourceState', { type_name: 'tessera_cluster', version, raw_state: { json: Buffer.from(JSON.stringify(st)) } });
  for (const version of [0, schema.version]) {
    const up = await upgrade(version);
    expect(up.diagnostics).toEqual([]);
    expect(await p.value('tessera_cluster', up.upgraded_state)).toEqual(st);
  }
  const newer = await upgrade(schema.version + 1);
  expect(newer.diagnostics).toEqual([expect.objectContaining({ severity: 1, summary: 'Unsupported state version' })]);
  expect(newer.upgraded_state).toBeNull();
});
