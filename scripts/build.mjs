// `npm run build`: esbuild bundles of every entry point into dist/, so nothing compiles
// TypeScript at run time (docs/install.md). better-sqlite3 is a native addon and stays
// external: dist/node_modules carries it (and its two small dependencies) next to the bundles.
import { execFileSync } from 'node:child_process';
import * as esbuild from 'esbuild';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { buildSea } from './build-sea.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
const version = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).version;

const require = createRequire(import.meta.url);
const bundleOptions = require('./bundle-options.cjs');
const common = { ...bundleOptions.common, sourcemap: 'linked' };

/** [output name, entry, externals] */
const entries = [
  // esbuild builds the dashboard in a checkout only (provider/composer/ui.ts); a release serves dist/ui.
  ['tessera.js', 'provider/cli/bundle.ts', ['better-sqlite3', 'esbuild']],
  ...Object.entries(bundleOptions.plugins).map(([name, p]) => [`${name}.js`, p.entry, p.external]),
];

fs.rmSync(dist, { recursive: true, force: true });
fs.mkdirSync(dist, { recursive: true });
for (const [out, entry, external] of entries) {
  await esbuild.build({ ...common, entryPoints: [path.join(root, entry)], outfile: path.join(dist, 'bin', out), external });
  fs.chmodSync(path.join(dist, 'bin', out), 0o755);
}
// The Pulumi dynamic provider: the code serialized into the state (provider/pulumi/serializable.ts).
await esbuild.build({
  ...common,
  banner: undefined,
  sourcemap: false,
  minify: true,
  entryPoints: [path.join(root, 'provider/pulumi/provider.ts')],
  outfile: path.join(dist, 'pulumi-dynamic-provider.js'),
  external: ['axios', '@pulumi/pulumi'],
});
// Protos read at run time: plugin.ts loads tfplugin6 and provider/csi/proto.ts csi.proto from
// __dirname/proto (dist/bin/proto),
// etcd3 loads its own from __dirname/../proto (dist/proto).
// The CSI driver (in tessera.js) loads csi.proto from the same __dirname/proto.
fs.cpSync(path.join(root, 'provider/terraform/proto'), path.join(dist, 'bin', 'proto'), { recursive: true });
fs.copyFileSync(path.join(root, 'provider/csi/proto/csi.proto'), path.join(dist, 'bin', 'proto', 'csi.proto'));
fs.cpSync(path.join(root, 'node_modules/etcd3/proto'), path.join(dist, 'proto'), { recursive: true });
// The native addon and what it requires at run time.
for (const mod of ['better-sqlite3', 'bindings', 'file-uri-to-path']) {
  const from = path.join(root, 'node_modules', mod);
  const to = path.join(dist, 'node_modules', mod);
  fs.cpSync(from, to, {
    recursive: true,
    filter: (src) => !/[/\\](deps|src|docs|test)([/\\]|$)/.test(path.relative(from, src)) && !src.endsWith('.o') && !/[/\\]obj(\.target)?([/\\]|$)/.test(src),
  });
}
// The dashboard (docs/ui.md): its script bundled as provider/ui/build.json says, beside its static files.
{
  const ui = JSON.parse(fs.readFileSync(path.join(root, 'provider/ui/build.json'), 'utf8'));
  const out = path.join(dist, 'ui');
  await esbuild.build({ ...ui.esbuild, absWorkingDir: root, entryPoints: [path.join(root, ui.entry)], outfile: path.join(out, 'app.js') });
  for (const f of ui.static) fs.copyFileSync(path.join(root, f), path.join(out, path.basename(f)));
}
fs.writeFileSync(path.join(dist, 'VERSION'), `${version}\n`);

// The `tessera` single executable: dist/sea/tessera (./build-sea.mjs).
await buildSea({ root, dist, common });

// The npm packages (`npm run release` packs them): JavaScript bundles of sdk/pulumi and sdk/cdktf
// with the engines' libraries as peers, and declarations emitted by tsc (types only: the code
// that runs is the bundle).
execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.packages.json')], { stdio: 'inherit' });
const pkgs = path.join(dist, 'packages');
const license = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).license;
const axiosRange = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).dependencies.axios;
function writePackage(dir, manifest, otherSdk) {
  fs.writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify({ version, license, engines: { node: '>=22' }, ...manifest }, null, 2)}\n`);
  const other = path.join(dist, 'types', 'sdk', otherSdk);
  fs.cpSync(path.join(dist, 'types'), path.join(dir, 'types'), { recursive: true, filter: (src) => !src.startsWith(other) });
  fs.copyFileSync(path.join(root, 'CHANGELOG.md'), path.join(dir, 'CHANGELOG.md'));
}
{
  const dir = path.join(pkgs, 'pulumi');
  await esbuild.build({
    ...common,
    banner: undefined,
    entryPoints: [path.join(root, 'sdk/pulumi/index.ts')],
    outfile: path.join(dir, 'index.js'),
    // esbuild is only reached in a checkout (provider/pulumi/serializable.ts reads the prebuilt file).
    external: ['@pulumi/pulumi', 'axios', 'esbuild'],
  });
  fs.copyFileSync(path.join(dist, 'pulumi-dynamic-provider.js'), path.join(dir, 'pulumi-dynamic-provider.js'));
  fs.copyFileSync(path.join(root, 'sdk/pulumi/README.md'), path.join(dir, 'README.md'));
  writePackage(dir, {
    name: '@tessera/pulumi',
    description: 'Tessera for Pulumi: Cluster, Volume, Slice, KeyPolicy, ScaleOutCluster and data sources (TypeScript).',
    main: 'index.js',
    types: 'types/sdk/pulumi/index.d.ts',
    files: ['index.js', 'index.js.map', 'pulumi-dynamic-provider.js', 'types', 'README.md', 'CHANGELOG.md'],
    dependencies: { axios: axiosRange },
    peerDependencies: { '@pulumi/pulumi': '^3.100.0' },
  }, 'cdktf');
}
{
  const dir = path.join(pkgs, 'cdktf');
  // One bundle, two entry files (docs/terraform.md "cdktn"): `@tessera/cdktf` loads cdktf, or
  // the fork cdktn when the app has only that; `@tessera/cdktf/cdktn` loads cdktn only, so an
  // app importing cdktn under its own name never mixes its constructs with another copy's (an
  // App from one package does not accept a stack or resource built on the other's classes).
  const shims = {
    'index.js': 'function __tesseraCdk() { try { return require("cdktf"); } catch (e) { if (e.code !== "MODULE_NOT_FOUND") throw e; return require("cdktn"); } }',
    'cdktn.js': 'function __tesseraCdk() { return require("cdktn"); }',
  };
  const built = await esbuild.build({
    ...common,
    banner: undefined,
    sourcemap: false,
    write: false,
    entryPoints: [path.join(root, 'sdk/cdktf/index.ts')],
    outfile: path.join(dir, 'index.js'),
    external: ['cdktf', 'constructs'],
  });
  const bundle = built.outputFiles[0].text;
  if (!bundle.includes('require("cdktf")')) throw new Error('sdk/cdktf bundle: no require("cdktf") to route through the shim');
  const body = bundle.replace(/require\("cdktf"\)/g, '__tesseraCdk()');
  // The shim after the "use strict" directive, so that the module stays strict.
  const strict = body.startsWith('"use strict";\n') ? '"use strict";\n' : '';
  fs.mkdirSync(dir, { recursive: true });
  for (const [file, shim] of Object.entries(shims)) fs.writeFileSync(path.join(dir, file), `${strict}${shim}\n${body.slice(strict.length)}`);
  fs.copyFileSync(path.join(root, 'sdk/cdktf/README.md'), path.join(dir, 'README.md'));
  writePackage(dir, {
    name: '@tessera/cdktf',
    description: 'Tessera for CDKTF and cdktn: provider bindings and the ScaleOutCluster construct.',
    main: 'index.js',
    types: 'types/sdk/cdktf/index.d.ts',
    exports: {
      '.': { types: './types/sdk/cdktf/index.d.ts', default: './index.js' },
      './cdktn': { types: './cdktn.d.ts', default: './cdktn.js' },
      './package.json': './package.json',
    },
    files: ['index.js', 'cdktn.js', 'cdktn.d.ts', 'types', 'types-cdktn', 'README.md', 'CHANGELOG.md'],
    peerDependencies: { cdktf: '>=0.21.0', cdktn: '>=0.24.0', constructs: '^10.0.0' },
    peerDependenciesMeta: { cdktf: { optional: true }, cdktn: { optional: true } },
  }, 'pulumi');
  // The declarations for `@tessera/cdktf/cdktn`: the same tree with its imports of cdktf naming
  // cdktn (the fork keeps cdktf 0.21's API), and cdktn.d.ts at the package root for resolvers
  // that do not read `exports` (moduleResolution node10).
  const cdktnTypes = path.join(dir, 'types-cdktn');
  fs.cpSync(path.join(dir, 'types'), cdktnTypes, { recursive: true });
  const fromCdktf = /(from |import\()(['"])cdktf\2/g;
  for (const f of fs.readdirSync(cdktnTypes, { recursive: true, withFileTypes: true })) {
    if (!f.isFile() || !f.name.endsWith('.d.ts')) continue;
    const file = path.join(f.parentPath, f.name);
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(fromCdktf, '$1$2cdktn$2'));
  }
  fs.writeFileSync(path.join(dir, 'cdktn.d.ts'), "export * from './types-cdktn/sdk/cdktf/index';\n");
}
fs.rmSync(path.join(dist, 'types'), { recursive: true, force: true });
console.log(JSON.stringify({ dist, version, files: fs.readdirSync(dist) }));
