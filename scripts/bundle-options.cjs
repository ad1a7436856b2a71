// The esbuild options of the Node bundles Tessera ships (scripts/build.mjs) and of the ones the
// end-to-end tests start (test/helpers/bundle.ts): one definition, so a test runs what a release
// runs. CommonJS so both the ESM build script and the TypeScript tests can load it.
'use strict';

/** Options shared by every executable bundle (providers, the CLI). */
exports.common = Object.freeze({
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node22',
  legalComments: 'none',
  logLevel: 'warning',
  banner: { js: '#!/usr/bin/env node' },
  define: { TESSERA_BUNDLED: 'true' },
});

/** The plugin executables: entry point and what stays outside the bundle. */
exports.plugins = Object.freeze({
  'terraform-provider-tessera': { entry: 'provider/terraform/main.ts', external: ['better-sqlite3'] },
  // The native Pulumi provider (docs/pulumi.md "The native provider"): self-contained, no protos read at run time.
  'pulumi-resource-tessera': { entry: 'provider/pulumi-native/main.ts', external: [] },
});
