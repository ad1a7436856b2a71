// The `tessera` single executable (issue 15, docs/install.md): composer, agent, enclosure service,
// CSI driver and CLI in one file, run from scripts/build.mjs. It is Node's single executable
// application: the CLI bundled by esbuild into one CommonJS script, turned into a blob by the same
// Node (`--experimental-sea-config`), and injected by postject into a copy of that Node binary.
//
// What the bundles read from disk travels as SEA assets (provider/assets.ts writes them once to a
// private cache dir): the CSI, etcd and Terraform plugin protocol definitions and the dashboard. etcd3 reads its
// protos from its own __dirname when its module loads, so its one path expression is rewritten
// here to ask provider/assets.ts. The native SQLite addon cannot be inside: the executable's store
// runs on node:sqlite (docs/store.md "SQLite drivers").
import { execFileSync } from 'node:child_process';
import * as esbuild from 'esbuild';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';

// The sentinel Node's SEA support looks for (the same in every Node release that has SEA).
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

/** Builds dist/sea/tessera; returns its path. */
export async function buildSea({ root, dist, common }) {
  const out = path.join(dist, 'sea');
  fs.mkdirSync(out, { recursive: true });
  const assetsModule = path.join(root, 'provider', 'assets.ts');
  const etcdProtoExpr = '`${__dirname}/../proto/rpc.proto`';
  const rewriteEtcd3 = {
    name: 'etcd3-protos-from-assets',
    setup(build) {
      build.onLoad({ filter: /[/\\]etcd3[/\\]lib[/\\]connection-pool\.js$/ }, (args) => {
        const src = fs.readFileSync(args.path, 'utf8');
        if (!src.includes(etcdProtoExpr)) throw new Error(`etcd3 changed: ${args.path} no longer loads ${etcdProtoExpr}; update scripts/build-sea.mjs`);
        const replaced = src.replace(etcdProtoExpr, `require(${JSON.stringify(assetsModule)}).assetDir('etcd3', __dirname + '/../proto') + '/rpc.proto'`);
        return { contents: replaced, loader: 'js', resolveDir: path.dirname(args.path) };
      });
    },
  };
  const main = path.join(out, 'tessera.cjs');
  await esbuild.build({
    ...common,
    banner: undefined,
    sourcemap: false,
    entryPoints: [path.join(root, 'provider/cli/bundle.ts')],
    outfile: main,
    // Never loaded in the executable unless --sqlite-driver better-sqlite3 is asked for, which
    // then fails with a message naming the flag (provider/store/sqlite-driver.ts).
    // esbuild builds the dashboard in a checkout only; the executable serves its copy of dist/ui.
    external: ['better-sqlite3', 'esbuild'],
    plugins: [rewriteEtcd3],
  });

  // The assets: every file of each group, under "<group>/<file>", and the manifest listing them.
  // [directory, which of its files]; the dashboard's are what scripts/build.mjs wrote to dist/ui.
  const groups = {
    csi: [path.join(root, 'provider/csi/proto'), /\.proto$/],
    etcd3: [path.join(root, 'node_modules/etcd3/proto'), /\.proto$/],
    terraform: [path.join(root, 'provider/terraform/proto'), /\.proto$/],
    ui: [path.join(dist, 'ui'), /\.(html|css|js)$/],
  };
  const manifest = {};
  const assets = {};
  for (const [group, [dir, files]] of Object.entries(groups)) {
    manifest[group] = fs.readdirSync(dir).filter((f) => files.test(f)).sort();
    if (manifest[group].length === 0) throw new Error(`single executable: no files for asset group ${group} in ${dir}`);
    for (const f of manifest[group]) assets[`${group}/${f}`] = path.join(dir, f);
  }
  const manifestFile = path.join(out, 'manifest.json');
  fs.writeFileSync(manifestFile, JSON.stringify(manifest));
  assets['manifest.json'] = manifestFile;

  const blob = path.join(out, 'tessera.blob');
  const config = path.join(out, 'sea-config.json');
  fs.writeFileSync(config, JSON.stringify({ main, output: blob, disableExperimentalSEAWarning: true, useSnapshot: false, useCodeCache: true, assets }));
  // The blob must come from the Node whose binary receives it: the one running this build.
  const nodeBinary = fs.realpathSync(process.execPath);
  execFileSync(nodeBinary, ['--experimental-sea-config', config], { stdio: ['ignore', 'ignore', 'inherit'] });

  const exe = path.join(out, 'tessera');
  fs.copyFileSync(nodeBinary, exe);
  fs.chmodSync(exe, 0o755);
  const require = createRequire(import.meta.url);
  const { inject } = require(path.join(root, 'node_modules/postject'));
  await inject(exe, 'NODE_SEA_BLOB', fs.readFileSync(blob), { sentinelFuse: SEA_FUSE });
  for (const f of [blob, config, manifestFile, main]) fs.rmSync(f);
  return exe;
}
