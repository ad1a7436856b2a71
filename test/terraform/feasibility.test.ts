// Plan-wide feasibility through the provider executable (one process per plan, as Terraform
// runs it) against a real composer (lab inventory: 24 SSDs): volumes that fit one by one but
// not together fail the plan of the one that does not fit; a growth that cannot extend fails
// the plan; a composer that does not answer is a warning.
import type { CtyValue } from '../../provider/terraform/cty';
import { unknown } from '../../provider/terraform/cty';
import { LAB_INVENTORY, OPERATOR_TOKEN, startTestComposer, type TestComposer } from '../helpers/composer';
import { ProviderProcess } from './harness';

type Obj = Record<string, CtyValue>;
type Diag = { severity: number; summary: string; detail: string; attribute?: { steps: { attribute_name?: string }[] } };
let harness: TestComposer;

beforeAll(async () => {
  harness = await startTestComposer({ inventory: LAB_INVENTORY, log: () => undefined });
});
afterAll(async () => harness?.close());

async function configured(endpoint: string): Promise<ProviderProcess> {
  const p = await ProviderProcess.start({ env: { TESSERA_TOKEN: OPERATOR_TOKEN } });
  const cfg = await p.call('ConfigureProvider', { terraform_version: '1.12.0-test', config: await p.dv('provider', await p.object('provider', { endpoint })) });
  expect(cfg.diagnostics).toEqual([]);
  return p;
}

async function plan(p: ProviderProcess, type: string, prior: Obj | null, config: Obj, priorPrivate = Buffer.alloc(0)): Promise<{ planned: Obj; diagnostics: Diag[]; private: Buffer }> {
  const res = await p.call('PlanResourceChange', { type_name: type, prior_state: await p.dv(type, prior), proposed_new_state: await p.dv(type, config), config: await p.dv(type, config), prior_private: priorPrivate });
  return { planned: (await p.value(type, res.planned_state)) as Obj, diagnostics: res.diagnostics, private: res.planned_private };
}

test('25 whole-drive volumes on 24 SSDs: each fits alone, the 25th fails the plan; a growth that cannot extend fails the plan', async () => {
  const p = await configured(harness.composer.url);
  try {
    // The cluster is created in the same plan: its id is unknown to the volumes.
    const vol = (i: number) => p.object('tessera_volume', { cluster: unknown, name: `d${i}`, type: 'ssd', size_gib: 1000, striping: false });
    for (let i = 0; i < 24; i++) expect((await plan(p, 'tessera_volume', null, await vol(i))).diagnostics).toEqual([]);
    const last = await plan(p, 'tessera_volume', null, await vol(24));
    expect(last.diagnostics).toEqual([
      expect.objectContaining({ severity: 1, summary: 'Not feasible: size_gib', detail: expect.stringMatching(/^size_gib: .*\(together with the 24 other creates, growths and replacements this plan already claimed\)$/) }),
    ]);
    expect(last.diagnostics[0].attribute?.steps[0].attribute_name).toBe('size_gib');
  } finally {
    await p.stop();
  }
  // A growth: a slice volume that fills most of an SSD cannot grow past the drive.
  const q = await configured(harness.composer.url);
  try {
    const cl = await q.object('tessera_cluster', { name: 'grow-plan', servers: ['k1'] });
    const clPlan = await plan(q, 'tessera_cluster', null, cl);
    const clState = (await q.value('tessera_cluster', (await q.call('ApplyResourceChange', { type_name: 'tessera_cluster', prior_state: await q.dv('tessera_cluster', null), planned_state: await q.dv('tessera_cluster', clPlan.planned), config: await q.dv('tessera_cluster', cl), planned_private: clPlan.private })).new_state)) as Obj;
    const cfg = (size: number) => q.object('tessera_volume', { cluster: clState.id, name: 'big-slice', type: 'slice', size_gib: size });
    const c1 = await cfg(1700);
    const p1 = await plan(q, 'tessera_volume', null, c1);
    const applied = await q.call('ApplyResourceChange', { type_name: 'tessera_volume', prior_state: await q.dv('tessera_volume', null), planned_state: await q.dv('tessera_volume', p1.planned), config: await q.dv('tessera_volume', c1), planned_private: p1.private });
    expect(applied.diagnostics).toEqual([]);
    const state = (await q.value('tessera_volume', applied.new_state)) as Obj;
    const grow = await plan(q, 'tessera_volume', state, await cfg(1800), applied.private);
    expect(grow.diagnostics).toEqual([expect.objectContaining({ severity: 1, summary: 'Not feasible: size_gib' })]);
    expect((await plan(q, 'tessera_volume', state, await cfg(1750), applied.private)).diagnostics).toEqual([]);
  } finally {
    await q.stop();
  }
});

test('a composer that does not answer at plan time: a warning, not silence', async () => {
  const p = await configured('http://127.0.0.1:9');
  try {
    const res = await plan(p, 'tessera_volume', null, await p.object('tessera_volume', { cluster: 'cl-x', name: 'offline', type: 'ssd', size_gib: 10 }));
    expect(res.diagnostics.length).toBeGreaterThan(0);
    expect(res.diagnostics.every((d) => d.severity === 2 && d.summary === 'Feasibility not checked')).toBe(true);
    expect(res.diagnostics[0].detail).toMatch(/^Volume offline: feasibility not checked: .*cannot reach the composer at http:\/\/127\.0\.0\.1:9/);
  } finally {
    await p.stop();
  }
}, 120_000);
