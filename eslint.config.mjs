// Lint: typescript-eslint's recommended rules over the TypeScript sources.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'sdk/cdktf/**/*.js', 'sdk/cdktf/.gen/**', '**/*.generated.ts', 'examples/**/node_modules/**'] },
  ...tseslint.configs.recommended,
  {
    // Plain CommonJS scripts run by npm before TypeScript tooling exists.
    files: ['**/*.js', '**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
);
