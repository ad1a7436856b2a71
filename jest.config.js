// Unit and integration tests: fast enough for every `npm test`. End-to-end runs with real
// Pulumi and OpenTofu engines live in jest.e2e.config.js.
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // test/vm/ runs inside the VM lab only (docs/vm-lab.md).
  testPathIgnorePatterns: ['/node_modules/', '/test/e2e/', '/test/vm/'],
  transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] },
  testTimeout: 60000,
  maxWorkers: 2,
};
