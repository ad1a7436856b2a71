// Refresh (ReadResource) through the provider executable against real composers: the state's
// private part records the composer identity, a provider pointed at another composer fails the
// refresh instead of dropping the object, and objects the composer holds as retained or failed
// come back with a warning.
import type { CtyValue } from '../../provider/terraform/cty';
import { AgentClient } from '../../provider/client/agent';
import { agentToken, LAB_INVENTORY, OPERATOR_TOKEN, startTestComposer, type TestComposer } from '../helpers/composer';
import { ProviderProcess } from './harness';

type Obj = Record<string, CtyValue>;
type Diag = { severity: number; summary: string; detail: string };
let a: TestComposer;
let b: TestComposer;
let onA: ProviderProcess;
let onB: ProviderProcess;

async function configured(url: string): Promise<ProviderProcess> {
  const p = await ProviderProcess.start({ env: { TESSERA_TOKEN: OPERATOR_TOKEN } });
  const cfg = await p.call('ConfigureProvider', { terraform_version: '1.12.0-test', config: await p.dv('provider', await p.object('provider', { endpoint: url })) });
  expect(cfg.diagnostics).toEqual([]);
  return p;
}

beforeAll(async () => {
  a = await startTestComposer({ inventory: LAB_INVENTORY, log: () => undefined });
  b = await startTestComposer({ inventory: LAB_INVENTORY, log: () => undefined });
  onA = await configured(a.url);
  onB = await configured(b.url);
});
afterAll(async () => {
  await onA?.stop();
  await onB?.stop();
  await a?.close();
  await b?.close();
});

async function create(p: ProviderProcess, type: string, attrs: Obj): Promise<{ state: Obj; private: Buffer }> {
  const config = await p.object(type, attrs);
  const planned = await p.call('PlanResourceChange', { type_name: type, prior_state: await p.dv(type, null), proposed_new_state: await p.dv(type, config), config: await p.dv(type, config), prior_private: Buffer.alloc(0) });
  expect(planned.diagnostics).toEqual([]);
  const res = await p.call('ApplyResourceChange', { type_name: type, prior_state: await p.dv(type, null), planned_state: planned.planned_state, config: await p.dv(type, config), planned_private: planned.planned_private });
  expect(res.diagnostics).toEqual([]);
  return { state: (await p.value(type, res.new_state)) as Obj, private: res.private };
}

async function refresh(p: ProviderProcess, type: string, state: Obj, priv: Buffer): Promise<{ state: Obj | null; diagnostics: Diag[]; private: Buffer }> {
  const res = await p.call('ReadResource', { type_name: type, current_state: await p.dv(type, state), private: priv });
  return { state: (await p.value(type, res.new_state)) as Obj | null, diagnostics: res.diagnostics, private: res.private };
}

test('the state records the composer identity; a refresh against another composer is an error, not a deletion', async () => {
  const cl = await create(onA, 'tessera_cluster', { name: 'tf-ident', servers: ['k1'] });
  expect(JSON.parse(cl.private.toString())).toEqual({ composer: a.composer.identity });
  const same = await refresh(onA, 'tessera_cluster', cl.state, cl.private);
  expect(same.diagnostics).toEqual([]);
  expect(same.state).toEqual(cl.state);
  const wrong = await refresh(onB, 'tessera_cluster', cl.state, cl.private);
  expect(wrong.state).toEqual(cl.state);
  expect(wrong.diagnostics).toEqual([
    expect.objectContaining({
      severity: 1,
      summary: 'Reading tessera_cluster ' + String(cl.state.id) + ' failed: composer_mismatch',
      detail: expect.stringContaining(`not found on composer ${b.composer.identity}`),
    }),
  ]);
  expect(wrong.diagnostics[0].detail).toContain(`the state records it on composer ${a.composer.identity}`);
  // Destroy through the wrong composer is refused too; through the right one it goes.
  const del = await onB.call('ApplyResourceChange', { type_name: 'tessera_cluster', prior_state: await onB.dv('tessera_cluster', cl.state), planned_state: await onB.dv('tessera_cluster', null), config: await onB.dv('tessera_cluster', null), planned_private: cl.private });
  expect(del.diagnostics[0].summary).toMatch(/^Deleting tessera_cluster failed: composer_mismatch/);
  const delA = await onA.call('ApplyResourceChange', { type_name: 'tessera_cluster', prior_state: await onA.dv('tessera_cluster', cl.state), planned_state: await onA.dv('tessera_cluster', null), config: await onA.dv('tessera_cluster', null), planned_private: cl.private });
  expect(delA.diagnostics).toEqual([]);
  // Gone from the composer that made it: a deletion, dropped from the state.
  expect((await refresh(onA, 'tessera_cluster', cl.state, cl.private)).state).toBeNull();
  // An import records the identity as well.
  const again = await create(onA, 'tessera_cluster', { name: 'tf-ident-2', servers: ['k1'] });
  const imp = await onA.call('ImportResourceState', { type_name: 'tessera_cluster', id: again.state.id });
  expect(JSON.parse(imp.imported_resources[0].private.toString())).toEqual({ composer: a.composer.identity, imported: again.state.id });
});

test('retained and failed objects come back with a warning on refresh', async () => {
  const cl = await create(onA, 'tessera_cluster', { name: 'tf-warn', servers: ['k1'] });
  const kept = await create(onA, 'tessera_volume', { cluster: cl.state.id, name: 'kept', type: 'slice', size_gib: 3, reclaim_policy: 'Retain' });
  // Out of band, for the object's owner (docs/api.md "Owners").
  const del = await fetch(`${a.url}/v1/volumes/${String(kept.state.id)}?owner=${encodeURIComponent(String(kept.state.owner))}`, { method: 'DELETE', headers: { authorization: `Bearer ${OPERATOR_TOKEN}` } });
  expect(del.status).toBeLessThan(300);
  const retained = await refresh(onA, 'tessera_volume', kept.state, kept.private);
  expect(retained.state).toMatchObject({ id: kept.state.id, state: 'retained' });
  expect(retained.diagnostics).toEqual([{ attribute: null, severity: 2, summary: `Volume ${String(kept.state.id)} is retained`, detail: expect.stringMatching(/deleted with reclaim_policy Retain .*purge it/) }]);

  // An agent reports that staging failed.
  const staged = await fetch(`${a.url}/v1/volumes`, {
    method: 'POST',
    headers: { authorization: `Bearer ${OPERATOR_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ cluster: cl.state.id, name: 'broken', type: 'slice', sizeGiB: 2, server: 'k1' }),
  });
  const broken = (await staged.json()) as { id: string };
  const agent = new AgentClient({ composer: a.url, token: agentToken('k1'), server: 'k1', insecureDev: true });
  const mine = (await agent.assignments(undefined, 0)).assignments.find((x) => x.volumeId === broken.id)!;
  await agent.report(broken.id, { state: 'failed', generation: mine.generation, step: 'mkfs', error: 'mkfs.ext4: device busy' });
  const st = await onA.call('ImportResourceState', { type_name: 'tessera_volume', id: broken.id });
  const imported = (await onA.value('tessera_volume', st.imported_resources[0].state)) as Obj;
  const failed = await refresh(onA, 'tessera_volume', imported, st.imported_resources[0].private);
  expect(failed.state).toMatchObject({ state: 'failed' });
  expect(failed.diagnostics).toEqual([{ attribute: null, severity: 2, summary: `Volume ${broken.id} failed`, detail: `Volume ${broken.id} is in state failed: step mkfs: mkfs.ext4: device busy; the composer keeps it until it is repaired or deleted` }]);
});
