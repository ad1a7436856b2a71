// What Pulumi serializes into the state: a tiny provider object that carries the bundled
// provider source as a string and loads it on first use in the engine's dynamic-provider
// process. Serializing the handlers' module graph directly does not survive Pulumi's closure
// serializer (it walks schema.json and the module objects), and the bundle keeps the code that
// made a resource with it, so delete and refresh work after the repo moves or changes.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as pulumi from '@pulumi/pulumi';

let bundleCache: string | undefined;

/**
 * provider/pulumi/provider.ts and everything it imports as one CommonJS file (axios external).
 * The @tessera/pulumi package ships it prebuilt next to its index.js (scripts/build.mjs), so an
 * installed SDK needs neither esbuild nor the TypeScript sources; in the checkout it is built here.
 */
export function providerBundle(): string {
  const prebuilt = path.join(__dirname, 'pulumi-dynamic-provider.js');
  if (bundleCache === undefined && fs.existsSync(prebuilt)) bundleCache = fs.readFileSync(prebuilt, 'utf8');
  if (bundleCache === undefined) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const esbuild = require('esbuild') as typeof import('esbuild');
    const result = esbuild.buildSync({
      entryPoints: [path.join(__dirname, 'provider.ts')],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node18',
      external: ['axios', '@pulumi/pulumi'],
      minify: true,
      legalComments: 'none',
      write: false,
      logLevel: 'silent',
    });
    bundleCache = result.outputFiles[0].text;
  }
  return bundleCache;
}

/**
 * The serializable dynamic provider for one resource type. Captures only two strings and a
 * plain state object, all of which Pulumi's closure serializer handles.
 */
export function serializableProvider(type: string, source: string = providerBundle()): pulumi.dynamic.ResourceProvider {
  const loaded: { impl?: pulumi.dynamic.ResourceProvider } = {};
  const impl = (): pulumi.dynamic.ResourceProvider => {
    if (!loaded.impl) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const Module = require('module');
      const m = new Module('tessera-dynamic-provider');
      m.filename = 'tessera-dynamic-provider.js';
      // axios resolves from the program's tree, else from the dynamic-provider host's.
      m.paths = [...Module._nodeModulePaths(process.cwd()), ...((require.main && require.main.paths) || [])];
      m._compile(source, m.filename);
      loaded.impl = m.exports.makeDynamicProvider(type) as pulumi.dynamic.ResourceProvider;
    }
    return loaded.impl;
  };
  return {
    configure: (req) => impl().configure!(req),
    check: (olds, news) => impl().check!(olds, news),
    diff: (id, olds, news) => impl().diff!(id, olds, news),
    create: (inputs) => impl().create(inputs),
    read: (id, props) => impl().read!(id, props),
    update: (id, olds, news) => impl().update!(id, olds, news),
    delete: (id, props) => impl().delete!(id, props),
  };
}
