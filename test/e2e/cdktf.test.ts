// End to end for CDKTF: the example app (examples/cdktf-platform) synthesized with cdktf 0.21 —
// what `cdktf synth` does: run the app, which writes cdktf.out/stacks/<stack>/cdk.tf.json — then
// applied by a real OpenTofu through the provider executable; and the same app synthesized under
// the maintained fork cdktn (installed only in a temp dir, aliased as `cdktf`) gives the same
// configuration. Missing engines fail this file; nothing is skipped.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { enginePaths, enginesPath, runCommand } from '../helpers/engines';
import { apply, createTofuWorkspace, destroy, plan, removeTofuWorkspace, runTofu, showState, type TofuWorkspace } from '../helpers/tofu';
import { OPERATOR_TOKEN, type Platform, REPO, startPlatform, stateResources } from '../terraform/e2e-fixture';

const NODE = path.join(REPO, 'node_modules', '.bin', 'node');
const TSX = ['--import', path.join(REPO, 'node_modules/tsx/dist/esm/index.mjs'), '--require', path.join(REPO, 'node_modules/tsx/dist/cjs/index.cjs')];
const STACK = 'kafka-platform';
const SECRET = 'kafka secret for the cdktf e2e run';

let platform: Platform;
const temps: string[] = [];
const workspaces: TofuWorkspace[] = [];

function tempDir(prefix: string): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  temps.push(d);
  return d;
}

/** Runs the app like `cdktf synth` (cwd = where the state file goes); returns the stack dir. */
async function synth(appFile: string, cwd: string, env: Record<string, string> = {}): Promise<string> {
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

function stackJson(dir: string): Record<string, Record<string, unknown>> {
  return JSON.parse(fs.readFileSync(path.join(dir, 'cdk.tf.json'), 'utf8'));
}

beforeAll(async () => {
  enginePaths(); // throws EnginesMissingError, naming what to build
  platform = await startPlatform();
});

afterAll(async () => {
  for (const w of workspaces) removeTofuWorkspace(w);
  for (const d of temps) fs.rmSync(d, { recursive: true, force: true });
  await platform?.close();
});

test('cdktf synth output of the platform app: tofu apply, empty plan, destroy leaves the pool as before {Cluster: create replan destroy} {Volume: create replan destroy} {KeyPolicy: create replan destroy}', async () => {
  const poolBefore = await platform.pool();
  const cwd = tempDir('tessera-cdktf-app-');
  const stackDir = await synth(path.join(REPO, 'examples', 'cdktf-platform', 'main.ts'), cwd);
  const json = stackJson(stackDir);
  expect((json.terraform as { backend: { local: { path: string } } }).backend.local.path.startsWith(cwd)).toBe(true);

  // The stack carries cdktf's local backend, which needs `tofu init`, and init installs
  // providers (dev_overrides are only for init-less runs): install this one from a local
  // mirror directory, the way a platform team ships a provider without a registry.
  const mirror = tempDir('tessera-provider-mirror-');
  const pkg = path.join(mirror, 'registry.opentofu.org', 'tessera', 'tessera', '0.1.0', `linux_amd64`);
  fs.mkdirSync(pkg, { recursive: true });
  fs.symlinkSync(path.join(REPO, 'bin', 'terraform-provider-tessera'), path.join(pkg, 'terraform-provider-tessera'));
  const ws = createTofuWorkspace({
    dir: stackDir,
    env: { TESSERA_ENDPOINT: platform.composer.url, TESSERA_TOKEN: OPERATOR_TOKEN, TF_VAR_kafka_secret: SECRET },
  });
  workspaces.push(ws);
  const init = await runTofu(ws, ['init', '-input=false', `-plugin-dir=${mirror}`]);
  expect(init.stdout).toMatch(/Installing tessera\/tessera v0\.1\.0/);
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
});

test('the bindings synthesize the same stack under the maintained fork cdktn', async () => {
  // cdktn installed with npm in a temp dir only, under the name `cdktf` (npm alias): the
  // generated bindings and the app run unchanged. docs/terraform.md describes the same swap.
  const root = tempDir('tessera-cdktn-');
  fs.writeFileSync(path.join(root, 'package.json'), JSON.stringify({ name: 'cdktn-check', private: true }));
  // The registry client keeps the caller's CA settings (a TLS-inspecting proxy needs them).
  const env: NodeJS.ProcessEnv = { PATH: enginesPath(enginePaths()), HOME: process.env.HOME };
  for (const k of ['NODE_EXTRA_CA_CERTS', 'SSL_CERT_FILE', 'SSL_CERT_DIR', 'HTTPS_PROXY', 'HTTP_PROXY', 'NO_PROXY']) if (process.env[k]) env[k] = process.env[k];
  const started = Date.now();
  const npm = await runCommand('npm', ['install', '--no-audit', '--no-fund', 'cdktf@npm:cdktn@0.24.0', 'constructs@>=10.6.0 <10.8.0'], { cwd: root, env, timeoutMs: 300_000 });
  if (npm.code !== 0) throw new Error(`npm install cdktn failed: ${npm.stderr}`);
  process.stderr.write(`cdktn installed in ${Date.now() - started} ms\n`);
  expect(JSON.parse(fs.readFileSync(path.join(root, 'node_modules', 'cdktf', 'package.json'), 'utf8')).name).toBe('cdktn');
  fs.cpSync(path.join(REPO, 'sdk', 'cdktf'), path.join(root, 'sdk', 'cdktf'), { recursive: true });
  // The ScaleOutCluster layout both SDKs share (sdk/common/scaleout.ts).
  fs.cpSync(path.join(REPO, 'sdk', 'common'), path.join(root, 'sdk', 'common'), { recursive: true });
  fs.cpSync(path.join(REPO, 'examples', 'cdktf-platform'), path.join(root, 'examples', 'cdktf-platform'), { recursive: true });

  // @tessera/cdktf is this copy of sdk/cdktf, so that it loads the fork from this tree.
  fs.writeFileSync(path.join(root, 'tsconfig.json'), JSON.stringify({ compilerOptions: { baseUrl: '.', paths: { '@tessera/cdktf': ['sdk/cdktf'] } } }));
  const withFork = stackJson(await synth(path.join(root, 'examples', 'cdktf-platform', 'main.ts'), tempDir('tessera-cdktn-out-'), { TSX_TSCONFIG_PATH: path.join(root, 'tsconfig.json') }));
  const withCdktf = stackJson(await synth(path.join(REPO, 'examples', 'cdktf-platform', 'main.ts'), tempDir('tessera-cdktf-out-')));
  expect((withFork['//'] as { metadata: { version: string } }).metadata.version).toBe('0.24.0');
  expect((withCdktf['//'] as { metadata: { version: string } }).metadata.version).toBe('0.21.0');
  for (const key of ['resource', 'provider', 'variable', 'output']) expect({ [key]: withFork[key] }).toEqual({ [key]: withCdktf[key] });
  expect((withFork.terraform as { required_providers: unknown }).required_providers).toEqual((withCdktf.terraform as { required_providers: unknown }).required_providers);
});
