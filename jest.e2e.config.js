/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test/e2e'],
  testMatch: ['**/*.test.ts'],
  // examples/ import the packages a user installs; in the checkout they are the SDK sources
  // (docs/install.md). examples/pulumi-platform/tsconfig.json maps the same for tsc.
  moduleNameMapper: { '^@tessera/pulumi$': '<rootDir>/sdk/pulumi', '^@tessera/cdktf$': '<rootDir>/sdk/cdktf' },
  transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] },
  testTimeout: 1200000,
  maxWorkers: 1,
};
