// End to end for CDKTF: the example app (examples/cdktf-platform) synthesized with cdktf 0.21 and
// applied by a real OpenTofu through the provider executable (cdktf-cases.ts, shared with
// cdktf-terraform.test.ts); and the same app synthesized under the maintained fork cdktn
// (installed only in a temp dir, aliased as `cdktf`) gives the same configuration. Missing
// engines fail this file; nothing is skipped.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { enginePaths, enginesPath, runCommand } from '../helpers/engines';
import { REPO } from '../terraform/e2e-fixture';
import { stackJson, synth, synthApplyDestroy, synthMatrix, tempDir, useCdktfCases } from './cdktf-cases';

useCdktfCases('tofu');

test('cdktf synth output of the platform app: tofu apply, empty plan, destroy leaves the pool as before {Cluster: create replan destroy} {Volume: create replan destroy} {KeyPolicy: create replan destroy}', synthApplyDestroy);

test('the matrix on a CDKTF app, each step a synth: in-place updates and a move, replacements (refused without the opt-in), every infeasible plan, drift changed and deleted, import blocks, a saved plan, destroy {Cluster: update replace drift-changed drift-deleted import saved-plan destroy} {Volume: update grow move replace data-loss-refused drift-changed drift-deleted import saved-plan destroy infeasible-create infeasible-growth infeasible-replacement infeasible-plan-wide} {Slice: create replan update grow move replace data-loss-refused drift-changed drift-deleted import saved-plan destroy infeasible-create infeasible-growth infeasible-replacement infeasible-plan-wide} {KeyPolicy: rotate replace drift-changed drift-deleted import saved-plan destroy}', synthMatrix);

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
