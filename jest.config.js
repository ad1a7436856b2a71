// Unit and integration tests: fast enough for every `npm test`. End-to-end runs with real
// Pulumi and OpenTofu engines live in jest.e2e.config.js.
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // test/vm/ runs inside the VM lab only (docs/vm-lab.md).
  testPathIgnorePatterns: ['/node_modules/', '/test/e2e/', '/test/vm/'],
  // examples/ import the packages a user installs; in the checkout they are the SDK sources
  // (docs/install.md). examples/pulumi-platform/tsconfig.json maps the same for tsc.
  moduleNameMapper: { '^@tessera/pulumi$': '<rootDir>/sdk/pulumi', '^@tessera/cdktf$': '<rootDir>/sdk/cdktf' },
  transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] },
  testTimeout: 60000,
  maxWorkers: 2,
};
