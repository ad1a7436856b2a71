// Plan-wide feasibility against a real composer (lab inventory: 24 SSDs of 1788 GiB): the
// composer's what-if endpoint, and the handlers' plan claims (one set per provider process), so
// volumes that fit one by one but not together, a growth that cannot extend and a replacement
// that will not fit all fail the plan. Nothing is ever reserved by a check.
import { handlersFor, PlanClaims, readDataSource } from '../../provider/handlers';
import { startComposerFixture, type ComposerFixture } from './composer-fixture';

let fx: ComposerFixture;
let clusterId: string;
const SSDS = 24;

beforeAll(async () => {
  fx = await startComposerFixture();
  const h = handlersFor({ endpoint: fx.url, token: fx.token }, { claims: new PlanClaims() });
  clusterId = (await h.tessera_cluster.create({ name: 'plan', servers: ['k1'] }, 'o')).id;
});
afterAll(async () => fx?.close());

const ssd = (name: string, sizeGiB = 1000) => ({ cluster: clusterId, name, type: 'ssd', sizeGiB, striping: false });
const freeSsd = async () => (await readDataSource('tessera_capacity', { type: 'ssd' }, { endpoint: fx.url, token: fx.token })).availableGiB;

test('the what-if endpoint places each step against the pool minus the steps before it, and reserves nothing', async () => {
  const before = await freeSsd();
  const steps = Array.from({ length: SSDS + 1 }, (_, i) => ({ key: `v${i}`, kind: 'volumes', action: 'create', spec: ssd(`w${i}`) }));
  const res = await fetch(`${fx.url}/v1/feasibility`, { method: 'POST', headers: { authorization: `Bearer ${fx.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ steps }) });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { steps: { key: string; ok: boolean; field?: string; message?: string }[] };
  expect(body.steps.slice(0, SSDS).every((s) => s.ok)).toBe(true);
  expect(body.steps[SSDS]).toMatchObject({ key: `v${SSDS}`, ok: false, field: 'sizeGiB' });
  expect(await freeSsd()).toBe(before);
  const bad = await fetch(`${fx.url}/v1/feasibility`, { method: 'POST', headers: { authorization: `Bearer ${fx.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ steps: [{ key: 'x', kind: 'tapes', action: 'create' }] }) });
  expect(bad.status).toBe(422);
});

test('volumes that fit one by one but not together: the one that does not fit fails the plan, naming the others', async () => {
  const claims = new PlanClaims();
  const h = handlersFor({ endpoint: fx.url, token: fx.token }, { claims });
  for (let i = 0; i < SSDS; i++) expect((await h.tessera_volume.check(ssd(`n${i}`), { preview: true })).failures).toEqual([]);
  const last = await h.tessera_volume.check(ssd(`n${SSDS}`), { preview: true });
  expect(last.failures).toHaveLength(1);
  expect(last.failures[0].field).toBe('sizeGiB');
  expect(last.failures[0].reason).toMatch(/together with the 24 other creates, growths and replacements this plan already claimed\)$/);
  // Alone (another plan, another process) it fits; planning the same volume again replaces its claim.
  const alone = handlersFor({ endpoint: fx.url, token: fx.token }, { claims: new PlanClaims() });
  expect((await alone.tessera_volume.check(ssd(`n${SSDS}`), { preview: true })).failures).toEqual([]);
  expect((await h.tessera_volume.check(ssd('n0'), { preview: true })).failures).toEqual([]);
  expect(claims.size).toBe(SSDS);
  // Nothing was reserved.
  expect(await freeSsd()).toBe(SSDS * 1788);
});

test('a growth that cannot extend and a replacement that will not fit fail the plan; a created object releases its claim', async () => {
  const claims = new PlanClaims();
  const h = handlersFor({ endpoint: fx.url, token: fx.token }, { claims });
  const spec = { cluster: clusterId, name: 'grow', type: 'slice', sizeGiB: 1700 };
  expect((await h.tessera_volume.check(spec, { preview: true })).failures).toEqual([]);
  expect(claims.size).toBe(1);
  const made = await h.tessera_volume.create(spec, 'o');
  expect(claims.size).toBe(0);
  const olds = { ...spec, ...made.outputs };
  // 1700 -> 1800 GiB: more than the SSD holds.
  const grow = await h.tessera_volume.check({ ...spec, sizeGiB: 1800 }, { olds, id: made.id });
  expect(grow.failures).toEqual([{ field: 'sizeGiB', reason: expect.stringMatching(/\S/) }]);
  expect((await h.tessera_volume.check({ ...spec, sizeGiB: 1750 }, { olds, id: made.id })).failures).toEqual([]);
  // A replacement (opted in) to an ssd volume larger than any drive, without striping.
  const rep = await h.tessera_volume.check({ ...spec, type: 'ssd', sizeGiB: 5000, striping: false, allowDataLoss: true }, { olds, id: made.id });
  expect(rep.failures).toHaveLength(1);
  expect(rep.failures[0].field).toBe('sizeGiB');
  // A replacement that fits only once the replaced object's drive is free: fine.
  expect((await h.tessera_volume.check({ ...spec, type: 'ssd', sizeGiB: 1788, striping: false, allowDataLoss: true }, { olds, id: made.id })).failures).toEqual([]);
  await h.tessera_volume.delete(made.id, olds);
});

test('a composer that does not answer: the check says so in a warning, and does not fail', async () => {
  const h = handlersFor({ endpoint: 'http://127.0.0.1:9', token: fx.token, retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 } }, { claims: new PlanClaims() });
  const r = await h.tessera_volume.check(ssd('offline'), { preview: true });
  expect(r.failures).toEqual([]);
  expect(r.warnings).toEqual([expect.stringMatching(/^Volume offline: feasibility not checked: .*cannot reach the composer at http:\/\/127\.0\.0\.1:9/), expect.stringMatching(/^Volume offline: plan-wide feasibility not checked: /)]);
});

test('claims planned in parallel (as the engines plan) still see each other: exactly one of 25 fails', async () => {
  const h = handlersFor({ endpoint: fx.url, token: fx.token }, { claims: new PlanClaims() });
  const results = await Promise.all(Array.from({ length: SSDS + 1 }, (_, i) => h.tessera_volume.check(ssd(`p${i}`), { preview: true })));
  expect(results.filter((r) => r.failures.length > 0)).toHaveLength(1);
});

test('an object the plan already created takes nothing more: a claim whose create has landed is not counted twice', async () => {
  // The apply of a plan: the engine re-plans each resource before applying it, in parallel with
  // other creates, so a check can carry the claim of a volume whose create has just landed.
  const claims = new PlanClaims();
  const h = handlersFor({ endpoint: fx.url, token: fx.token }, { claims });
  const half = SSDS / 2;
  for (let i = 0; i < half; i++) expect((await h.tessera_volume.check(ssd(`a${i}`, 1788), { preview: true })).failures).toEqual([]);
  // Those creates land through another client: the claims are still held.
  const other = handlersFor({ endpoint: fx.url, token: fx.token }, { claims: new PlanClaims() });
  const made = [];
  for (let i = 0; i < half; i++) made.push(await other.tessera_volume.create(ssd(`a${i}`, 1788), 'o'));
  expect(claims.size).toBe(half);
  // The other half of the pool still fits beside them: counted once, as real placements.
  for (let i = 0; i < half; i++) expect((await h.tessera_volume.check(ssd(`b${i}`, 1788), { preview: true })).failures).toEqual([]);
  expect((await h.tessera_volume.check(ssd('one-too-many', 1788), { preview: true })).failures).toHaveLength(1);
  for (const m of made) await other.tessera_volume.delete(m.id, { ...m.outputs });
});
