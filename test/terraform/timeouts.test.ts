// Terraform's `timeouts` block and StopProvider, through the provider executable against a real
// composer with no agent running: staging never happens, so the wait must end in an error (a
// diagnostic naming the server) after the configured timeout, and StopProvider must end it at once.
import type { CtyValue } from '../../provider/terraform/cty';
import { LAB_INVENTORY, OPERATOR_TOKEN, startTestComposer, type TestComposer } from '../helpers/composer';
import { ProviderProcess } from './harness';

type Obj = Record<string, CtyValue>;
let harness: TestComposer;

beforeAll(async () => {
  harness = await startTestComposer({ inventory: LAB_INVENTORY, log: () => undefined });
});
afterAll(async () => harness?.close());

async function configured(): Promise<ProviderProcess> {
  const p = await ProviderProcess.start({ env: { TESSERA_TOKEN: OPERATOR_TOKEN } });
  const cfg = await p.call('ConfigureProvider', { terraform_version: '1.12.0-test', config: await p.dv('provider', await p.object('provider', { endpoint: harness.composer.url })) });
  expect(cfg.diagnostics).toEqual([]);
  return p;
}

async function planAndApply(p: ProviderProcess, type: string, config: Obj): Promise<{ diagnostics: { severity: number; summary: string; detail: string }[] }> {
  const planned = await p.call('PlanResourceChange', {
    type_name: type,
    prior_state: await p.dv(type, null),
    proposed_new_state: await p.dv(type, config),
    config: await p.dv(type, config),
    prior_private: Buffer.alloc(0),
  });
  expect(planned.diagnostics).toEqual([]);
  // Planned exactly as configured (Terraform checks a nested block's planned value against the config).
  expect(((await p.value(type, planned.planned_state)) as Obj).timeouts).toEqual(config.timeouts);
  return p.call('ApplyResourceChange', { type_name: type, prior_state: await p.dv(type, null), planned_state: planned.planned_state, config: await p.dv(type, config), planned_private: planned.planned_private });
}

test('the timeouts block is served on placed resources only, and a bad duration is refused on its attribute', async () => {
  const p = await configured();
  try {
    const schema = await p.call('GetProviderSchema', {});
    const blocks = (t: string) => (schema.resource_schemas[t].block.block_types as { type_name: string; nesting: number; block: { attributes: { name: string }[] } }[]);
    expect(blocks('tessera_volume').map((b) => [b.type_name, b.nesting, b.block.attributes.map((a) => a.name)])).toEqual([['timeouts', 1, ['create', 'update', 'delete']]]);
    expect(blocks('tessera_slice').map((b) => b.type_name)).toEqual(['timeouts']);
    expect(blocks('tessera_cluster')).toEqual([]);
    const bad = await p.object('tessera_slice', { cluster: 'c', name: 's', size_gib: 1, timeouts: { create: 'soon', update: null, delete: '10m' } });
    const v = await p.call('ValidateResourceConfig', { type_name: 'tessera_slice', config: await p.dv('tessera_slice', bad) });
    expect(v.diagnostics).toEqual([
      expect.objectContaining({
        severity: 1,
        detail: 'timeouts.create: "soon" is not a duration (e.g. "90s", "20m", "1h30m")',
        attribute: { steps: [expect.objectContaining({ attribute_name: 'timeouts' }), expect.objectContaining({ attribute_name: 'create' })] },
      }),
    ]);
  } finally {
    await p.stop();
  }
});

test('a create whose staging does not finish fails after timeouts.create, naming the server', async () => {
  const p = await configured();
  try {
    const cl = await p.object('tessera_cluster', { name: 'tmo', servers: ['k1'] });
    const clApplied = await planAndApply(p, 'tessera_cluster', cl);
    expect(clApplied.diagnostics).toEqual([]);
    const clusterId = ((await p.value('tessera_cluster', (clApplied as unknown as { new_state: never }).new_state)) as Obj).id;
    const cfg = await p.object('tessera_slice', { cluster: clusterId, name: 'never', size_gib: 2, server: 'k1', timeouts: { create: '1s', update: null, delete: null } });
    const started = Date.now();
    const res = await planAndApply(p, 'tessera_slice', cfg);
    expect(res.diagnostics).toHaveLength(1);
    expect(res.diagnostics[0].summary).toMatch(/^Creating tessera_slice failed: stage_timeout/);
    expect(res.diagnostics[0].detail).toMatch(/^Slice slc-[0-9a-f]+: not staged on k1 after 1 s \(state pending\): the agent of k1 has not reported on it/);
    // Well below the 2-minute default.
    expect(Date.now() - started).toBeLessThan(60_000);
  } finally {
    await p.stop();
  }
});

test('StopProvider ends a wait at once', async () => {
  const p = await configured();
  try {
    const cl = await planAndApply(p, 'tessera_cluster', await p.object('tessera_cluster', { name: 'stop', servers: ['k1'] }));
    const clusterId = ((await p.value('tessera_cluster', (cl as unknown as { new_state: never }).new_state)) as Obj).id;
    const cfg = await p.object('tessera_slice', { cluster: clusterId, name: 'waiting', size_gib: 2, server: 'k1', timeouts: { create: '2h', update: null, delete: null } });
    const applying = planAndApply(p, 'tessera_slice', cfg);
    await new Promise((r) => setTimeout(r, 500));
    const started = Date.now();
    await p.call('StopProvider', {});
    const res = await applying;
    expect(res.diagnostics[0].detail).toMatch(/waiting for staging on k1: cancelled/);
    expect(Date.now() - started).toBeLessThan(30_000);
  } finally {
    await p.stop();
  }
});
