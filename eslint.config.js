import tseslint from 'typescript-eslint';

const nodeBuiltins = ['fs', 'path', 'os', 'child_process', 'net', 'http', 'https', 'crypto', 'stream', 'process', 'worker_threads', 'dns', 'zlib', 'events', 'url', 'util', 'timers'];

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'bench/results.json', 'native/target/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Workflow code is replayed: it must stay deterministic and free of I/O.
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: nodeBuiltins.flatMap((m) => [m, `node:${m}`]).map((name) => ({ name, message: 'Workflow code must not use Node built-ins or I/O.' })),
        patterns: [
          { group: ['../lake/*', '../activities/*', '@aws-sdk/*', 'kafkajs', 'trino-client', 'parquet-wasm'], message: 'Workflows import activity types only (import type).', allowTypeImports: true },
        ],
      }],
    },
  },
);
