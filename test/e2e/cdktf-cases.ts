// The CDKTF cases (docs/acceptance-matrix.md), one body for both CLIs: the example app
// (examples/cdktf-platform) synthesized with cdktf 0.21 — what `cdktf synth` does: run the app,
// which writes cdktf.out/stacks/<stack>/cdk.tf.json — then applied by a real `tofu` or HashiCorp
// `terraform` through the provider executable. cdktf.test.ts and cdktf-terraform.test.ts name
// the cases (the matrix generator reads the tags in their titles, scripts/gen/matrix.ts).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { enginePaths, enginesPath, requireTerraform, runCommand } from '../helpers/engines';
import { terraformProviderDir } from '../helpers/bundle';
import { apply, createTofuWorkspace, destroy, plan, removeTofuWorkspace, runTofu, showState, type TfEngine, type TofuWorkspace } from '../helpers/tofu';
import { OPERATOR_TOKEN, type Platform, REPO, startPlatform, stateResources } from '../terraform/e2e-fixture';

const NODE = path.join(REPO, 'node_modules', '.bin', 'node');
const TSX = ['--import', path.join(REPO, 'node_modules/tsx/dist/esm/index.mjs'), '--require', path.join(REPO, 'node_modules/tsx/dist/cjs/index.cjs')];
const STACK = 'kafka-platform';
const SECRET = 'kafka secret for the cdktf e2e run';

// One engine per test file: jest gives each file its own copy of this module.
let engine: TfEngine = 'tofu';
let platform: Platform;
const temps: string[] = [];
const workspaces: TofuWorkspace[] = [];

export function tempDir(prefix: string): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  temps.push(d);
  return d;
}

/** Runs the app like `cdktf synth` (cwd = where the state file goes); returns the stack dir. */
export async function synth(appFile: string, cwd: string, env: Record<string, string> = {}, stack = STACK): Promise<string> {
  const outdir = path.join(cwd, 'cdktf.out');
  const res = await runCommand(NODE, [...TSX, appFile], {
    cwd,
    // The example imports @tessera/cdktf: tsconfig.json's `paths` map it to the checkout's sdk/cdktf (docs/install.md).
    env: { PATH: enginesPath(enginePaths()), HOME: process.env.HOME, CDKTF_OUTDIR: outdir, TESSERA_ATTACH: 'true', TSX_TSCONFIG_PATH: path.join(REPO, 'tsconfig.json'), ...env },
    timeoutMs: 120_000,
  });
  if (res.code !== 0) throw new Error(`synth of ${appFile} failed (${res.code}): ${res.stderr}`);
  return path.join(outdir, 'stacks', stack);
}

export function stackJson(dir: string): Record<string, Record<string, unknown>> {
  return JSON.parse(fs.readFileSync(path.join(dir, 'cdk.tf.json'), 'utf8'));
}

/** Registers the file's hooks: a platform for its cases; `cli` applies the synthesized stacks. */
export function useCdktfCases(cli: TfEngine): void {
  engine = cli;
  beforeAll(async () => {
    if (cli === 'terraform') requireTerraform();
    else enginePaths(); // throws EnginesMissingError, naming what to build
    platform = await startPlatform();
  });
  afterAll(async () => {
    for (const w of workspaces) removeTofuWorkspace(w);
    for (const d of temps) fs.rmSync(d, { recursive: true, force: true });
    await platform?.close();
  });
}

/**
 * A workspace on a synthesized stack, initialized. The stack carries cdktf's local backend,
 * which needs `tofu init`, and init installs providers (dev_overrides are only for init-less
 * runs): this one comes from a local mirror directory, the way a platform team ships a provider
 * without a registry. The bindings name the provider registry.opentofu.org/tessera/tessera, so
 * terraform looks for the same mirror path.
 */
async function initStack(stackDir: string, env: Record<string, string> = {}): Promise<TofuWorkspace> {
  const mirror = tempDir('tessera-provider-mirror-');
  const pkg = path.join(mirror, 'registry.opentofu.org', 'tessera', 'tessera', '0.1.0', `linux_amd64`);
  fs.mkdirSync(pkg, { recursive: true });
  fs.symlinkSync(path.join(terraformProviderDir(), 'terraform-provider-tessera'), path.join(pkg, 'terraform-provider-tessera'));
  const ws = createTofuWorkspace({ engine, dir: stackDir, env: { TESSERA_ENDPOINT: platform.composer.url, TESSERA_TOKEN: OPERATOR_TOKEN, ...env } });
  workspaces.push(ws);
  const init = await runTofu(ws, ['init', '-input=false', `-plugin-dir=${mirror}`]);
  // tofu names the provider by its short address, terraform by the full one.
  expect(init.stdout).toMatch(/Installing (registry\.opentofu\.org\/)?tessera\/tessera v0\.1\.0/);
  return ws;
}

export async function synthApplyDestroy(): Promise<void> {
  const poolBefore = await platform.pool();
  const cwd = tempDir('tessera-cdktf-app-');
  const stackDir = await synth(path.join(REPO, 'examples', 'cdktf-platform', 'main.ts'), cwd);
  const json = stackJson(stackDir);
  expect((json.terraform as { backend: { local: { path: string } } }).backend.local.path.startsWith(cwd)).toBe(true);

  const ws = await initStack(stackDir, { TF_VAR_kafka_secret: SECRET });
  const applied = await apply(ws);
  expect(applied.stdout).toMatch(/Apply complete! Resources: 8 added, 0 changed, 0 destroyed/);
  const state = stateResources(await showState(ws));
  // The ephemeral variable went through the write-only secret: nowhere in the state file.
  const statePath = (json.terraform as { backend: { local: { path: string } } }).backend.local.path;
  expect(fs.readFileSync(statePath, 'utf8')).not.toContain(SECRET);
  expect(Object.values(state).find((v) => v.name === 'kafka-keys')).toMatchObject({ secret: null, secret_wo: null, secret_wo_version: 1 });
  const logs = Object.entries(state).filter(([a, v]) => a.startsWith('tessera_volume.') && v.type === 'ssd');
  expect(logs).toHaveLength(3);
  for (const [, v] of logs) {
    expect(v).toMatchObject({ raid_level: 'raid1', encrypt: true, mount_path: '/srv/kafka/data' });
    expect(new Set((v.members as { storage_group: string }[]).map((m) => m.storage_group)).size).toBe(2);
  }
  const volumes = ((await platform.get('/v1/volumes')) as { items: { name: string; state: string }[] }).items;
  expect(volumes.map((v) => [v.name, v.state]).sort()).toEqual(
    [['k1-cache', 'staged'], ['k1-log', 'staged'], ['k2-cache', 'staged'], ['k2-log', 'staged'], ['k3-cache', 'staged'], ['k3-log', 'staged']],
  );

  expect((await plan(ws)).code).toBe(0);
  // Synthesizing again gives the same configuration: still nothing to do.
  await synth(path.join(REPO, 'examples', 'cdktf-platform', 'main.ts'), cwd);
  expect((await plan(ws)).code).toBe(0);

  const gone = await destroy(ws);
  expect(gone.stdout).toMatch(/Destroy complete! Resources: 8 destroyed/);
  expect(await platform.pool()).toEqual(poolBefore);
}

/**
 * The acceptance matrix on a CDKTF app (test/e2e/cdktf-matrix-app.ts): each step synthesizes the
 * app with other inputs, then plans or applies the stack with the real engine. In-place updates
 * (cluster servers, slice and volume growth, moves, key rotation through the write-only secret's
 * version, a volume's reclaim policy), replacements (a key policy's key size, a cluster rename, a
 * slice's and a volume's refused without the opt-in and done with it), every infeasible plan
 * (growth, create, replacement, plan-wide), drift changed and deleted out of band, import blocks
 * (`importFrom`) for a slice, a volume and a cluster, a saved plan, destroy to the pool.
 */
export async function synthMatrix(): Promise<void> {
  const app = path.join(REPO, 'test', 'e2e', 'cdktf-matrix-app.ts');
  const cwd = tempDir('tessera-cdktf-matrix-');
  const poolBefore = await platform.pool();
  let inputs: Record<string, string> = {};
  const step = async (values: Record<string, string | undefined>) => {
    inputs = Object.fromEntries(Object.entries({ ...inputs, ...values }).filter((e): e is [string, string] => e[1] !== undefined));
    return synth(app, cwd, inputs, 'tessera-matrix');
  };
  const ws = await initStack(await step({}));
  const text = (r: { stdout: string; stderr: string }) => (r.stdout + r.stderr).replace(/\s+/g, ' ');
  type Obj = { id: string; name: string; owner: string; type?: string; sizeGiB?: number; servers?: string[]; capacityGiB?: number; version?: number; state?: string; server?: string; reclaimPolicy?: string; members?: unknown[]; keyPolicy?: string };
  const byName = async (kind: string, name: string) => ((await platform.get(`/v1/${kind}`)) as { items: Obj[] }).items.find((o) => o.name === name);
  const staged = async (name: string, kind = 'slices') => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const s = await byName(kind, name);
      if (s?.state === 'staged') return s;
      if (Date.now() > deadline) throw new Error(`${kind} ${name}: ${s?.state ?? 'absent'}, not staged after 30 s`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };

  // create, empty re-plan
  expect((await apply(ws)).stdout).toMatch(/Apply complete! Resources: 7 added, 0 changed, 0 destroyed/);
  expect((await plan(ws)).code).toBe(0);
  const j1 = await staged('cm-journal');
  expect(j1.capacityGiB).toBe(10);

  const v1 = await staged('cm-vol', 'volumes');

  // in place, in one apply: the cluster's servers, the slice's growth, a key rotation, the
  // volume's reclaim policy and its move to k2 (the same drive, reattached)
  const cache1 = (await byName('volumes', 'cm-cache'))!;
  await step({ M_SERVERS: '["k1","k2"]', M_JOURNAL_GIB: '20', M_JOURNAL_SERVER: 'k2', M_SECRET: 'the second cdktf matrix secret', M_SECRET_VERSION: '2', M_VOL_RECLAIM: 'Retain', M_VOL_SERVER: 'k2' });
  const upd = await plan(ws);
  expect({ code: upd.code, summary: /Plan: 0 to add, 4 to change, 0 to destroy/.test(upd.stdout) }).toEqual({ code: 2, summary: true });
  await apply(ws);
  const grown = await staged('cm-journal');
  expect(grown).toMatchObject({ id: j1.id, capacityGiB: 20, server: 'k2' });
  // Grown in place and moved: the same drive and offset, no copy.
  const where = (o: Obj) => (o.members as { serial: string; offsetGiB: number }[]).map((m) => [m.serial, m.offsetGiB]);
  expect(where(grown)).toEqual(where(j1));
  expect(await byName('clusters', 'cm')).toMatchObject({ servers: ['k1', 'k2'] });
  expect(await byName('key-policies', 'cm-keys')).toMatchObject({ version: 2 });
  expect(await staged('cm-vol', 'volumes')).toMatchObject({ id: v1.id, server: 'k2', reclaimPolicy: 'Retain', members: v1.members });

  // a slice-type volume grows in place: made alone, then grown by the very next apply
  // Not placement-luck: no slice was freed yet, so every free extent runs to its drive's end (the engine puts a slice at a free extent's start and grows it into the space right after), and nothing is placed between the two applies.
  await step({ M_GROW_GIB: '10' });
  expect((await plan(ws)).stdout).toMatch(/Plan: 1 to add, 0 to change, 0 to destroy/);
  await apply(ws);
  const g1 = await staged('cm-grow', 'volumes');
  expect(g1).toMatchObject({ type: 'slice', capacityGiB: 10, server: 'k1' });
  await step({ M_GROW_GIB: '20' });
  const growVol = await plan(ws);
  expect({ code: growVol.code, inPlace: /tessera_volume\.grow will be updated in-place/.test(growVol.stdout), replaced: /must be replaced/.test(growVol.stdout) }).toEqual({ code: 2, inPlace: true, replaced: false });
  expect(growVol.stdout).toMatch(/Plan: 0 to add, 1 to change, 0 to destroy/);
  await apply(ws);
  const g2 = await staged('cm-grow', 'volumes');
  expect(g2).toMatchObject({ id: g1.id, capacityGiB: 20 });
  // The same drive and offset, the extent longer.
  expect(where(g2)).toEqual(where(g1));
  expect((g2.members as { sizeGiB: number }[]).map((m) => m.sizeGiB)).toEqual([20]);
  expect((await plan(ws)).code).toBe(0);

  // a key policy's key size is a replacement (it holds no data: no opt-in)
  const spare1 = (await byName('key-policies', 'cm-spare'))!;
  await step({ M_SPARE_BITS: '256' });
  expect((await plan(ws)).stdout).toMatch(/Plan: 1 to add, 0 to change, 1 to destroy/);
  await apply(ws);
  const spare2 = (await byName('key-policies', 'cm-spare'))!;
  // a cluster rename: a new cluster, the old one gone
  const side1 = (await byName('clusters', 'cm-side'))!;
  await step({ M_SIDE_NAME: 'cm-side-2' });
  expect((await plan(ws)).stdout).toMatch(/Plan: 1 to add, 0 to change, 1 to destroy/);
  await apply(ws);
  const side2 = (await byName('clusters', 'cm-side-2'))!;
  expect(side2.id).not.toBe(side1.id);
  expect((await platform.request('GET', `/v1/clusters/${side1.id}`)).status).toBe(404);
  // the volume's type change: refused without the opt-in, infeasible when no drive matches, then a replacement
  await step({ M_CACHE_TYPE: 'hdd' });
  const cacheRefused = await plan(ws, { allowFailure: true });
  expect(cacheRefused.code).toBe(1);
  expect(text(cacheRefused)).toMatch(/replaces the volume.*allow_data_loss = true/);
  await step({ M_CACHE_ALLOW: 'true', M_CACHE_REQUIRED: '["no-such-tag"]' });
  const cacheNowhere = await plan(ws, { allowFailure: true });
  expect(cacheNowhere.code).toBe(1);
  expect(text(cacheNowhere)).toMatch(/Not feasible: required_tags .* required_tags: no hdd.* carries all of \[no-such-tag\]/);
  await step({ M_CACHE_REQUIRED: undefined });
  expect((await plan(ws)).stdout).toMatch(/Plan: 1 to add, 0 to change, 1 to destroy/);
  await apply(ws);
  const cache2 = (await byName('volumes', 'cm-cache'))!;
  expect(cache2).toMatchObject({ type: 'hdd' });
  expect(cache2.id).not.toBe(cache1.id);
  expect(spare2.id).not.toBe(spare1.id);
  expect((await platform.request('GET', `/v1/key-policies/${spare1.id}`)).status).toBe(404);
  const k2 = (await byName('key-policies', 'cm-keys'))!;

  // a replacing change is refused at plan time without the opt-in, then replaces with it
  await step({ M_EXCLUDED: '["sed"]' });
  const refused = await plan(ws, { allowFailure: true });
  expect(refused.code).toBe(1);
  expect(text(refused)).toMatch(/changing excluded_tags replaces the slice.*allow_data_loss = true/);
  await step({ M_ALLOW: 'true' });
  const repl = await plan(ws);
  expect(repl.stdout).toMatch(/Plan: 1 to add, 0 to change, 1 to destroy/);
  await apply(ws);
  const j2 = await staged('cm-journal');
  expect(j2.id).not.toBe(j1.id);

  // infeasible at plan time: growth past the drive (a slice, a slice-type volume), a create that
  // fits nowhere; nothing changes
  const snapshot = async () => {
    const g = (await byName('volumes', 'cm-grow'))!;
    return { pool: await platform.pool(), grow: [g.id, g.sizeGiB, g.capacityGiB, g.members, g.state], journal: (await byName('slices', 'cm-journal'))?.capacityGiB };
  };
  const beforeInfeasible = await snapshot();
  await step({ M_JOURNAL_GIB: '5000' });
  const grow = await plan(ws, { allowFailure: true });
  expect(grow.code).toBe(1);
  expect(text(grow)).toMatch(/cannot grow slc-[0-9a-f]+ from 20 to 5000 GiB in place/);
  expect(await snapshot()).toEqual(beforeInfeasible);
  await step({ M_JOURNAL_GIB: '20', M_GROW_GIB: '5000' });
  const growVolTooBig = await plan(ws, { allowFailure: true });
  expect(growVolTooBig.code).toBe(1);
  expect(text(growVolTooBig)).toMatch(/cannot grow vol-[0-9a-f]+ from 20 to 5000 GiB in place: drive \S+ has \d+ GiB free after the extent/);
  expect(await snapshot()).toEqual(beforeInfeasible);
  await step({ M_GROW_GIB: '20', M_HUGE_GIB: '50000' });
  const huge = await plan(ws, { allowFailure: true });
  expect(huge.code).toBe(1);
  expect(text(huge)).toMatch(/size_gib/);
  await step({ M_HUGE_GIB: undefined, M_HUGE_VOL_GIB: '50000' });
  const hugeVol = await plan(ws, { allowFailure: true });
  expect(hugeVol.code).toBe(1);
  expect(text(hugeVol)).toMatch(/50000 GiB/);
  // a replacement no drive matches, and slices that fit one by one but not together
  await step({ M_HUGE_VOL_GIB: undefined, M_REQUIRED: '["no-such-tag"]' });
  const nowhere = await plan(ws, { allowFailure: true });
  expect(nowhere.code).toBe(1);
  expect(text(nowhere)).toMatch(/required_tags: no ssd .* carries all of \[no-such-tag\]/);
  const cap = (await platform.get('/v1/capacity?type=slice')) as { availableGiB: number; maximumVolumeSizeGiB: number };
  await step({ M_REQUIRED: undefined, M_MANY: String(Math.floor(cap.availableGiB / cap.maximumVolumeSizeGiB) + 1), M_MANY_GIB: String(cap.maximumVolumeSizeGiB) });
  const together = await plan(ws, { allowFailure: true });
  expect(together.code).toBe(1);
  expect(text(together)).toMatch(/together with the \d+ other creates, growths and replacements this plan already claimed/);
  const ssd = (await platform.get('/v1/capacity?type=ssd')) as { availableGiB: number };
  await step({ M_MANY: undefined, M_MANY_GIB: undefined, M_MANY_VOLUMES: String(Math.floor(ssd.availableGiB / 1788) + 1) });
  const togetherVols = await plan(ws, { allowFailure: true });
  expect(togetherVols.code).toBe(1);
  expect(text(togetherVols)).toMatch(/together with the \d+ other creates, growths and replacements this plan already claimed/);
  await step({ M_MANY_VOLUMES: undefined });
  expect((await plan(ws)).code).toBe(0);

  // drift changed out of band (k3 added to the cluster, the volume moved back to k1, the key
  // rotated by an operator): seen by -refresh-only, the cluster and the volume put back by apply
  const c = (await byName('clusters', 'cm'))!;
  expect((await platform.request('PATCH', `/v1/clusters/${c.id}`, { servers: ['k1', 'k2', 'k3'] })).status).toBe(200);
  expect((await platform.request('PATCH', `/v1/volumes/${v1.id}`, { server: 'k1' })).status).toBe(200);
  expect((await platform.request('PATCH', `/v1/slices/${j2.id}`, { server: 'k1' })).status).toBe(200);
  await staged('cm-journal');
  expect((await platform.request('PATCH', `/v1/key-policies/${k2.id}`, { secret: 'rotated out of band by an operator' })).status).toBe(200);
  await staged('cm-vol', 'volumes');
  const changed = await plan(ws, {}, ['-refresh-only']);
  expect(changed.code).toBe(2);
  expect(changed.stdout).toMatch(/tessera_key_policy\.keys[\s\S]*version/);
  await apply(ws);
  expect(await byName('clusters', 'cm')).toMatchObject({ servers: ['k1', 'k2'] });
  expect(await staged('cm-vol', 'volumes')).toMatchObject({ server: 'k2' });
  expect(await staged('cm-journal')).toMatchObject({ server: 'k2' });

  // drift deleted out of band (for its owner): the next plan makes it again
  expect((await platform.request('DELETE', `/v1/slices/${j2.id}?owner=${encodeURIComponent(j2.owner)}`)).status).toBeLessThan(300);
  const deadline = Date.now() + 30_000;
  while (await byName('slices', 'cm-journal')) {
    if (Date.now() > deadline) throw new Error('the journal slice was not deleted out of band');
    await new Promise((r) => setTimeout(r, 200));
  }
  // the side cluster, the spare key policy and the cache volume deleted out of band too, each for its owner
  expect((await platform.request('DELETE', `/v1/clusters/${side2.id}?owner=${encodeURIComponent(side2.owner)}`)).status).toBeLessThan(300);
  expect((await platform.request('DELETE', `/v1/key-policies/${spare2.id}?owner=${encodeURIComponent(spare2.owner)}`)).status).toBeLessThan(300);
  const cacheNow = (await byName('volumes', 'cm-cache'))!;
  expect((await platform.request('DELETE', `/v1/volumes/${cacheNow.id}?owner=${encodeURIComponent(cacheNow.owner)}`)).status).toBeLessThan(300);
  const cacheGone = Date.now() + 30_000;
  while (await byName('volumes', 'cm-cache')) {
    if (Date.now() > cacheGone) throw new Error('the cache volume was not deleted out of band');
    await new Promise((r) => setTimeout(r, 200));
  }
  const recreate = await plan(ws);
  expect(recreate.stdout).toMatch(/Plan: 4 to add, 0 to change, 0 to destroy/);
  await apply(ws);
  const j3 = await staged('cm-journal');

  // import: a slice made outside the app, adopted by an import block
  const outside = await platform.request('POST', '/v1/slices', { cluster: c.id, name: 'cm-outside', sizeGiB: 3, owner: 'ops' });
  expect(outside.status).toBe(201);
  const outsideVol = await platform.request('POST', '/v1/volumes', { cluster: c.id, name: 'cm-outside-vol', type: 'slice', sizeGiB: 2, owner: 'ops' });
  const outsideCluster = await platform.request('POST', '/v1/clusters', { name: 'cm-outside-cluster', servers: ['k3'], owner: 'ops' });
  const keysSecret = 'an operator key secret, made outside the app';
  const outsideKeys = await platform.request('POST', '/v1/key-policies', { name: 'cm-outside-keys', secret: keysSecret, owner: 'ops' });
  expect([outsideVol.status, outsideCluster.status, outsideKeys.status]).toEqual([201, 201, 201]);
  // The key policy with a secret that is not its current one: the first apply adopts (the
  // provider marks the import), so it is refused, never a rotation of the operator's key.
  const keysId = String(outsideKeys.body?.id);
  await step({ M_IMPORT_KEYS: keysId, M_IMPORT_KEYS_SECRET: 'not the operator secret' });
  const wrong = await apply(ws, { allowFailure: true });
  expect(wrong.code).toBe(1);
  expect(text(wrong)).toMatch(/the secret given is not its current secret/);
  expect(await byName('key-policies', 'cm-outside-keys')).toMatchObject({ version: 1 });
  await step({ M_IMPORT_KEYS_SECRET: keysSecret, M_IMPORT_SLICE: String(outside.body?.id), M_IMPORT_VOLUME: String(outsideVol.body?.id), M_IMPORT_CLUSTER: String(outsideCluster.body?.id) });
  const imp = await plan(ws);
  expect(imp.stdout).toMatch(/Plan: 3 to import, 0 to add, 1 to change, 0 to destroy/);
  await apply(ws);
  expect(await byName('key-policies', 'cm-outside-keys')).toMatchObject({ id: keysId, version: 1, owner: 'ops' });
  expect((await plan(ws)).code).toBe(0);

  // a saved plan: planned to a file, then applied exactly
  // (the volume's reclaim policy back to Delete with it: a retained volume would outlive destroy)
  const keysBefore = (await byName('key-policies', 'cm-keys'))!;
  await step({ M_JOURNAL_GIB: '24', M_VOL_RECLAIM: 'Delete', M_SERVERS: '["k1","k2","k3"]', M_SECRET: 'the third cdktf matrix secret', M_SECRET_VERSION: '3' });
  expect((await plan(ws, {}, ['-out=grow.tfplan'])).code).toBe(2);
  await runTofu(ws, ['apply', '-input=false', 'grow.tfplan']);
  expect(await byName('clusters', 'cm')).toMatchObject({ servers: ['k1', 'k2', 'k3'] });
  expect((await byName('key-policies', 'cm-keys'))!.version).toBe((keysBefore.version ?? 0) + 1);
  expect(await staged('cm-journal')).toMatchObject({ id: j3.id, capacityGiB: 24 });
  expect(await byName('volumes', 'cm-vol')).toMatchObject({ id: v1.id, reclaimPolicy: 'Delete' });

  expect(await byName('volumes', 'cm-grow')).toMatchObject({ id: g1.id, capacityGiB: 20 });

  // destroy: the imported slice too (its recorded owner, ops), the pool as before
  expect((await destroy(ws)).stdout).toMatch(/Destroy complete! Resources: 12 destroyed/);
  expect(await platform.pool()).toEqual(poolBefore);
}
