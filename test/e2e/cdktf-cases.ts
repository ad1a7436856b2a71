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
export async function synth(appFile: string, cwd: string, env: Record<string, string> = {}): Promise<string> {
  const outdir = path.join(cwd, 'cdktf.out');
  const res = await runCommand(NODE, [...TSX, appFile], {
    cwd,
    // The example imports @tessera/cdktf: tsconfig.json's `paths` map it to the checkout's sdk/cdktf (docs/install.md).
    env: { PATH: enginesPath(enginePaths()), HOME: process.env.HOME, CDKTF_OUTDIR: outdir, TESSERA_ATTACH: 'true', TSX_TSCONFIG_PATH: path.join(REPO, 'tsconfig.json'), ...env },
    timeoutMs: 120_000,
  });
  if (res.code !== 0) throw new Error(`synth of ${appFile} failed (${res.code}): ${res.stderr}`);
  return path.join(outdir, 'stacks', STACK);
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

export async function synthApplyDestroy(): Promise<void> {
  const poolBefore = await platform.pool();
  const cwd = tempDir('tessera-cdktf-app-');
  const stackDir = await synth(path.join(REPO, 'examples', 'cdktf-platform', 'main.ts'), cwd);
  const json = stackJson(stackDir);
  expect((json.terraform as { backend: { local: { path: string } } }).backend.local.path.startsWith(cwd)).toBe(true);

  // The stack carries cdktf's local backend, which needs `tofu init`, and init installs
  // providers (dev_overrides are only for init-less runs): install this one from a local
  // mirror directory, the way a platform team ships a provider without a registry. The bindings name the provider
  // registry.opentofu.org/tessera/tessera, so terraform looks for the same mirror path.
  const mirror = tempDir('tessera-provider-mirror-');
  const pkg = path.join(mirror, 'registry.opentofu.org', 'tessera', 'tessera', '0.1.0', `linux_amd64`);
  fs.mkdirSync(pkg, { recursive: true });
  fs.symlinkSync(path.join(terraformProviderDir(), 'terraform-provider-tessera'), path.join(pkg, 'terraform-provider-tessera'));
  const ws = createTofuWorkspace({
    engine,
    dir: stackDir,
    env: { TESSERA_ENDPOINT: platform.composer.url, TESSERA_TOKEN: OPERATOR_TOKEN, TF_VAR_kafka_secret: SECRET },
  });
  workspaces.push(ws);
  const init = await runTofu(ws, ['init', '-input=false', `-plugin-dir=${mirror}`]);
  // tofu names the provider by its short address, terraform by the full one.
  expect(init.stdout).toMatch(/Installing (registry\.opentofu\.org\/)?tessera\/tessera v0\.1\.0/);
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
