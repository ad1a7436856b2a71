// `npm run build`: esbuild bundles of every entry point into dist/, so nothing compiles
// TypeScript at run time (docs/install.md). better-sqlite3 is a native addon and stays
// external: dist/node_modules carries it (and its two small dependencies) next to the bundles.
import * as esbuild from 'esbuild';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
const version = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).version;

const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node22',
  sourcemap: 'linked',
  legalComments: 'none',
  logLevel: 'warning',
  banner: { js: '#!/usr/bin/env node' },
  define: { TESSERA_BUNDLED: 'true' },
};

/** [output name, entry, externals] */
const entries = [
  ['tessera.js', 'provider/cli/bundle.ts', ['better-sqlite3']],
  ['terraform-provider-tessera.js', 'provider/terraform/main.ts', ['better-sqlite3']],
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
// Protos read at run time: plugin.ts loads tfplugin6 from __dirname/proto (dist/bin/proto),
// etcd3 loads its own from __dirname/../proto (dist/proto).
fs.cpSync(path.join(root, 'provider/terraform/proto'), path.join(dist, 'bin', 'proto'), { recursive: true });
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
fs.writeFileSync(path.join(dist, 'VERSION'), `${version}\n`);
console.log(JSON.stringify({ dist, version, files: fs.readdirSync(dist) }));
