// The acceptance matrix's remaining Pulumi cells (docs/acceptance-matrix.md), with the real
// pulumi CLI against a real composer with simulated agents: in-place updates, rotation,
// replacements, moves, every infeasible preview, drift changed and deleted out of band, a saved
// update plan, and destroy back to the pool as it began. (Import is `Kind.get` in pulumi.test.ts:
// Pulumi's dynamic providers cannot serve the `import` resource option, docs/pulumi.md.)
// The program is driven by stack config, so each step is a `pulumi config set` and a preview or
// an up. Missing engines fail this file.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ComposerClient } from '../../provider/client';
import { poolSnapshot, startLabEnv, type LabEnv } from '../../provider/demo/lab-env';
import { enginePaths } from '../helpers/engines';
import { createPulumiProject, createStack, destroy, exportStack, hasNoChanges, preview, PULUMI_PROGRAM_TSCONFIG, type PulumiStack, refresh, removeStack, runPulumi, stackOutputs, up } from '../helpers/pulumi';
import { driftOutOfBand } from './pulumi-matrix-cases';

const REPO = path.resolve(__dirname, '../..');
const URN = (type: string, name: string) => `urn:pulumi:matrix::tessera-matrix::pulumi-nodejs:dynamic/tessera:${type}::${name}`;

const PROGRAM = `
import * as pulumi from '@pulumi/pulumi';
import * as tessera from ${JSON.stringify(path.join(REPO, 'sdk'))};

const config = new pulumi.Config();
const list = (key: string): string[] => JSON.parse(config.get(key) ?? '[]');
const keys = new tessera.KeyPolicy('keys', { name: 'pm-keys', secret: config.requireSecret('keySecret') });
const spare = new tessera.KeyPolicy('spare', { name: 'pm-spare', secret: 'a spare key secret, never rotated', keySizeBits: (config.getNumber('spareBits') ?? 512) as 256 | 512 });
const main = new tessera.Cluster('main', { name: 'pm', servers: ['k1', 'k2'], keyPolicy: keys.id });
const side = new tessera.Cluster('side', { name: config.get('sideName') ?? 'pm-side', servers: list('sideServers') });
const journal = new tessera.Slice('journal', {
  cluster: main.id,
  sizeGiB: config.requireNumber('journalGiB'),
  server: config.require('journalServer'),
  requiredTags: list('journalRequired'),
  excludedTags: list('journalExcluded'),
  allowDataLoss: config.getBoolean('journalAllowDataLoss') ?? false,
});
const vol = new tessera.Volume('vol', {
  cluster: main.id,
  type: 'ssd',
  sizeGiB: 1000,
  striping: false,
  server: config.require('volServer'),
  reclaimPolicy: (config.get('volReclaim') ?? 'Delete') as 'Delete' | 'Retain',
  requiredTags: list('volRequired'),
  allowDataLoss: config.getBoolean('volAllowDataLoss') ?? false,
});
const hugeGiB = config.getNumber('hugeSliceGiB');
if (hugeGiB) new tessera.Slice('huge', { cluster: main.id, sizeGiB: hugeGiB });
const many = config.getNumber('manySlices') ?? 0;
for (let i = 0; i < many; i++) new tessera.Slice('many-' + i, { cluster: main.id, sizeGiB: config.requireNumber('manySliceGiB') });
const manyVolumes = config.getNumber('manyVolumes') ?? 0;
for (let i = 0; i < manyVolumes; i++) new tessera.Volume('mv-' + i, { cluster: main.id, type: 'ssd', sizeGiB: 1000, striping: false });

export const keysId = keys.id;
export const keysVersion = keys.version;
export const spareId = spare.id;
export const spareBits = spare.keySizeBits;
export const mainId = main.id;
export const sideId = side.id;
export const sideServers = side.servers;
export const journalId = journal.id;
export const journalServer = journal.server;
export const journalCapacity = journal.capacityGiB;
export const journalMembers = journal.members;
export const volId = vol.id;
export const volServer = vol.server;
export const volReclaim = vol.reclaimPolicy;
export const volMembers = vol.members;
`;

jest.setTimeout(1_200_000);

let env: LabEnv;
let work: string;
let stack: PulumiStack;
let client: ComposerClient;

beforeAll(async () => {
  enginePaths(); // throws, naming scripts/engines.sh, when the engines are missing
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-e2e-pulumi-matrix-'));
  env = await startLabEnv({ dir: path.join(work, 'lab'), servers: ['k1', 'k2'] });
  client = new ComposerClient({ endpoint: env.url, token: env.token });
  const projectDir = createPulumiProject({ name: 'tessera-matrix', program: PROGRAM, dir: path.join(work, 'project'), files: { 'tsconfig.json': PULUMI_PROGRAM_TSCONFIG } });
  stack = await createStack(projectDir, {
    stack: 'matrix',
    config: { 'tessera:endpoint': env.url, journalGiB: '10', journalServer: 'k1', volServer: 'k1', sideServers: '["k2"]' },
    secrets: { 'tessera:token': env.token, keySecret: 'the first key secret of the matrix' },
  });
}, 300_000);

afterAll(async () => {
  if (stack) await removeStack(stack);
  if (env) await env.close();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

const set = async (values: Record<string, string>) => {
  for (const [k, v] of Object.entries(values)) await runPulumi(stack, ['config', 'set', k, v]);
};
const unset = async (...keys: string[]) => {
  for (const k of keys) await runPulumi(stack, ['config', 'rm', k]);
};
const setSecret = (k: string, v: string) => runPulumi(stack, ['config', 'set', '--secret', k, v]);
type Step = { op: string; urn: string };
const opsOf = (p: { steps: Step[] }) => Object.fromEntries(p.steps.filter((s) => s.op !== 'same').map((s) => [s.urn.replace(/^.*::/, ''), s.op]));
const failText = (p: { raw: { stdout: string; stderr: string } }) => (p.raw.stdout + p.raw.stderr).replace(/\s+/g, ' ');
const get = async <T = Record<string, unknown>,>(p: string) => (await client.request<T>('GET', p, { accept: [404] })) as { status: number; data: T };
async function staged(p: string): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const r = await get(p);
    if (r.data.state === 'staged') return r.data;
    if (Date.now() > deadline) throw new Error(`${p}: state ${String(r.data.state)}, not staged`);
    await new Promise((res) => setTimeout(res, 200));
  }
}
async function infeasible(values: Record<string, string>, pattern: RegExp): Promise<void> {
  await set(values);
  const p = await preview(stack, { allowFailure: true });
  expect(p.raw.code).not.toBe(0);
  expect(failText(p)).toMatch(pattern);
  await unset(...Object.keys(values));
}

test('every operation of every kind on pulumi {Cluster: update replace drift-changed drift-deleted saved-plan} {Volume: update move drift-changed saved-plan infeasible-replacement infeasible-plan-wide} {Slice: update grow move replace data-loss-refused drift-changed drift-deleted saved-plan infeasible-create infeasible-growth infeasible-replacement infeasible-plan-wide} {KeyPolicy: rotate replace drift-changed drift-deleted saved-plan}', async () => {
  const before = await poolSnapshot(client);
  await up(stack);
  const out1 = await stackOutputs(stack);
  expect(hasNoChanges((await preview(stack)).changeSummary)).toBe(true);
  const journalMembers = out1.journalMembers as { serial: string; offsetGiB: number }[];
  const volMembers = out1.volMembers;

  // A replacing change without the opt-in is refused at preview, on the property.
  await set({ journalExcluded: '["sed"]' });
  const refused = await preview(stack, { allowFailure: true });
  expect(refused.raw.code).not.toBe(0);
  expect(failText(refused)).toMatch(/property excludedTags value .* has a problem: changing excludedTags replaces the slice.*allowDataLoss = true/);
  await unset('journalExcluded');

  // Infeasible at preview, nothing changed: growth past a drive, a new slice that fits nowhere,
  // a replacement no drive matches, more objects together than the pool holds.
  await infeasible({ journalGiB: '5000' }, /sizeGiB: cannot grow slc-[0-9a-f]+ from 10 to 5000 GiB in place: drive \S+ has \d+ GiB free after the extent/);
  await set({ journalGiB: '10' });
  await infeasible({ hugeSliceGiB: '5000' }, /property sizeGiB value \{5000\} has a problem/);
  await infeasible({ journalRequired: '["no-such-tag"]', journalAllowDataLoss: 'true' }, /Slice slc-[0-9a-f]+: requiredTags: no ssd .* carries all of \[no-such-tag\]/);
  await infeasible({ volRequired: '["no-such-tag"]', volAllowDataLoss: 'true' }, /Volume vol-[0-9a-f]+: requiredTags: no ssd .* carries all of \[no-such-tag\]/);
  const cap = (await get<{ availableGiB: number; maximumVolumeSizeGiB: number }>('/v1/capacity?type=slice')).data;
  await infeasible({ manySlices: String(Math.floor(cap.availableGiB / cap.maximumVolumeSizeGiB) + 1), manySliceGiB: String(cap.maximumVolumeSizeGiB) }, /together with the \d+ other creates, growths and replacements this plan already claimed/);
  const ssd = (await get<{ availableGiB: number }>('/v1/capacity?type=ssd')).data;
  await infeasible({ manyVolumes: String(Math.floor(ssd.availableGiB / 1788) + 1) }, /together with the \d+ other creates, growths and replacements this plan already claimed/);
  expect(hasNoChanges((await preview(stack)).changeSummary)).toBe(true);
  expect(await poolSnapshot(client)).toMatchObject({ objects: { clusters: 2, volumes: 1, slices: 1, 'key-policies': 2 } });

  // In place, all in one up: cluster servers, key rotation, the slice's opt-in alone, the
  // volume's reclaim policy; the spare policy's key size is a replacement.
  await set({ sideServers: '["k1","k2"]', journalAllowDataLoss: 'true', volReclaim: 'Retain', spareBits: '256' });
  await setSecret('keySecret', 'the second key secret of the matrix');
  const p1 = await preview(stack);
  expect(opsOf(p1)).toEqual({ side: 'update', keys: 'update', journal: 'update', vol: 'update', spare: 'replace' });
  await up(stack);
  const out2 = await stackOutputs(stack);
  expect(out2).toMatchObject({ sideId: out1.sideId, sideServers: ['k1', 'k2'], keysId: out1.keysId, keysVersion: 2, journalId: out1.journalId, volId: out1.volId, volReclaim: 'Retain', spareBits: 256 });
  expect(out2.spareId).not.toBe(out1.spareId);
  expect((await get(`/v1/key-policies/${String(out1.spareId)}`)).status).toBe(404);

  // Grow and move the slice, move the volume: the same objects and drives, no copy.
  await set({ journalGiB: '20', journalServer: 'k2', volServer: 'k2' });
  await up(stack);
  const out3 = await stackOutputs(stack);
  expect(out3).toMatchObject({ journalId: out1.journalId, journalCapacity: 20, journalServer: 'k2', volId: out1.volId, volServer: 'k2', volMembers });
  expect((out3.journalMembers as { serial: string; offsetGiB: number }[]).map((m) => [m.serial, m.offsetGiB])).toEqual(journalMembers.map((m) => [m.serial, m.offsetGiB]));
  await staged(`/v1/volumes/${String(out1.volId)}`);

  // The opted-in slice replacement and a cluster rename (its name is its identity): new objects.
  await set({ journalExcluded: '["sed"]', sideName: 'pm-side-2' });
  const p2 = await preview(stack);
  expect(opsOf(p2)).toEqual({ journal: 'replace', side: 'replace' });
  await up(stack);
  const out4 = await stackOutputs(stack);
  expect(out4.journalId).not.toBe(out1.journalId);
  expect(out4.sideId).not.toBe(out1.sideId);
  expect((await get(`/v1/clusters/${String(out1.sideId)}`)).status).toBe(404);
  await staged(`/v1/slices/${String(out4.journalId)}`);

  // Drift changed out of band: both moved back to k1, the side cluster's servers, the key
  // rotated elsewhere. refresh takes all four into the state; up puts back what the program says.
  await driftOutOfBand(client, { volId: String(out1.volId), journalId: String(out4.journalId), sideId: String(out4.sideId), keysId: String(out1.keysId) }, staged);
  await refresh(stack);
  // refresh rewrites the resources' state (the stack outputs follow at the next up).
  const resources = ((await exportStack(stack)).deployment.resources ?? []) as { urn: string; outputs?: Record<string, unknown> }[];
  const stateOf = (name: string) => resources.find((r) => r.urn.endsWith(`::${name}`))?.outputs ?? {};
  expect(stateOf('vol')).toMatchObject({ server: 'k1' });
  expect(stateOf('journal')).toMatchObject({ server: 'k1' });
  expect(stateOf('side')).toMatchObject({ servers: ['k2'] });
  expect(stateOf('keys')).toMatchObject({ version: 3 });
  const back = await preview(stack);
  expect(opsOf(back)).toEqual({ vol: 'update', journal: 'update', side: 'update' });
  await up(stack);
  expect(await stackOutputs(stack)).toMatchObject({ volServer: 'k2', journalServer: 'k2', sideServers: ['k1', 'k2'], keysVersion: 3 });

  // Drift deleted out of band (each for its owner): refresh drops them, up makes them again.
  await staged(`/v1/slices/${String(out4.journalId)}`);
  await client.request('DELETE', `/v1/slices/${String(out4.journalId)}`, { query: { owner: URN('Slice', 'journal') } });
  await client.request('DELETE', `/v1/clusters/${String(out4.sideId)}`, { query: { owner: URN('Cluster', 'side') } });
  await client.request('DELETE', `/v1/key-policies/${String(out2.spareId)}`, { query: { owner: URN('KeyPolicy', 'spare') } });
  const deadline = Date.now() + 30_000;
  while ((await get(`/v1/slices/${String(out4.journalId)}`)).status !== 404) {
    if (Date.now() > deadline) throw new Error('the slice was not deleted');
    await new Promise((r) => setTimeout(r, 200));
  }
  await refresh(stack);
  const urns = ((await exportStack(stack)).deployment.resources ?? []).map((r) => String(r.urn).replace(/^.*::/, ''));
  expect(urns).not.toContain('journal');
  expect(urns).not.toContain('side');
  expect(urns).not.toContain('spare');
  expect(urns).toContain('vol');
  const remake = await preview(stack);
  expect(opsOf(remake)).toEqual({ journal: 'create', side: 'create', spare: 'create' });
  await up(stack);

  // A saved update plan: previewed to a file, then applied exactly (Pulumi's update plans).
  await set({ journalGiB: '24', volReclaim: 'Delete', sideServers: '["k2"]' });
  await setSecret('keySecret', 'the third key secret of the matrix');
  const planFile = path.join(work, 'update-plan.json');
  const experimental = { env: { PULUMI_EXPERIMENTAL: 'true' } };
  await runPulumi(stack, ['preview', `--save-plan=${planFile}`], experimental);
  expect(fs.existsSync(planFile)).toBe(true);
  await runPulumi(stack, ['up', '--yes', '--skip-preview', `--plan=${planFile}`], experimental);
  expect(await stackOutputs(stack)).toMatchObject({ journalCapacity: 24, volReclaim: 'Delete', sideServers: ['k2'], keysVersion: 4 });
  expect(hasNoChanges((await preview(stack)).changeSummary)).toBe(true);

  // destroy: the pool exactly as before.
  await destroy(stack);
  expect(await poolSnapshot(client)).toEqual(before);
});
