// The plugin executables as a release ships them (docs/install.md): the esbuild bundle of
// scripts/build.mjs (same entry and options, scripts/bundle-options.cjs) started by Node, for the
// end-to-end tests. tofu and terraform start the provider several times per command; the
// checkout's bin/terraform-provider-tessera compiles TypeScript through tsx at every start
// (≈ 3 s of CPU on 2 cores), the bundle starts in a fraction of that. bin/ stays the developer's
// launcher and is covered by test/terraform (harness.ts).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { repoRoot } from './engines';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const options = require(path.join(repoRoot, 'scripts', 'bundle-options.cjs')) as {
  common: esbuild.BuildOptions;
  plugins: Record<string, { entry: string; external: string[] }>;
};

export type PluginName = 'terraform-provider-tessera' | 'pulumi-resource-tessera';

/** Writes the bundle of a plugin to `outfile` (executable). */
export function bundlePlugin(name: PluginName, outfile: string): string {
  const plugin = options.plugins[name];
  if (!plugin) throw new Error(`bundlePlugin: unknown plugin ${name} (known: ${Object.keys(options.plugins).join(', ')})`);
  esbuild.buildSync({ ...options.common, entryPoints: [path.join(repoRoot, plugin.entry)], outfile, external: plugin.external });
  fs.chmodSync(outfile, 0o755);
  return outfile;
}

/** The temp dir's name prefix: a process listing shows `<tmp>/tessera-provider-XXXXXX/provider.js`. */
export const PROVIDER_DIR_PREFIX = 'tessera-provider-';

let providerDir: string | undefined;

/**
 * A directory holding `terraform-provider-tessera` as the release's zip lays it out: a launcher
 * running the bundle with this checkout's Node, and the tfplugin6 protos beside it. Built once
 * per test process, removed when it exits. Use it as a dev_overrides directory.
 */
export function terraformProviderDir(): string {
  if (providerDir) return providerDir;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), PROVIDER_DIR_PREFIX));
  process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  // provider.js as in the release: tofu takes any executable whose name begins with the plugin's.
  const bundle = bundlePlugin('terraform-provider-tessera', path.join(dir, 'provider.js'));
  fs.cpSync(path.join(repoRoot, 'provider', 'terraform', 'proto'), path.join(dir, 'proto'), { recursive: true });
  const node = fs.realpathSync(path.join(repoRoot, 'node_modules', '.bin', 'node'));
  for (const p of [node, bundle]) if (p.includes("'")) throw new Error(`terraformProviderDir: ${p}: a path with a single quote cannot go into the launcher`);
  // As the release launcher does: Node's compile cache makes every later start cheaper still.
  const cache = path.join(os.homedir(), '.cache', 'tessera', 'node-compile-cache');
  fs.writeFileSync(
    path.join(dir, 'terraform-provider-tessera'),
    `#!/bin/sh\nNODE_COMPILE_CACHE="\${NODE_COMPILE_CACHE:-${cache}}"\nexport NODE_COMPILE_CACHE\nexec '${node}' '${bundle}' "$@"\n`,
    { mode: 0o755 },
  );
  providerDir = dir;
  return dir;
}
