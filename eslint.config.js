import tseslint from 'typescript-eslint';

const nodeBuiltins = ['fs', 'path', 'os', 'child_process', 'net', 'http', 'https', 'crypto', 'stream', 'process', 'worker_threads', 'dns', 'zlib', 'events', 'url', 'util', 'timers'];

/** Top-level folders that do I/O: workflow code may import only types from them. */
const ioLayers = ['lake', 'activities', 'ingest', 'deploy', 'workers', 'cli', 'simulator', 'native'];

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
          {
            // workflows/<name>/x.ts reaches the top-level layers as ../../<layer>/... (and deeper
            // files with one more ../); ./ingest/ingest.js from workflows/index.ts is a workflow.
            group: [...ioLayers.flatMap((l) => [`../../${l}/**`, `../../../${l}/**`]), '@aws-sdk/*', 'kafkajs', '@platformatic/*', 'trino-client', 'parquet-wasm', 'parquet-wasm/*', 'apache-arrow', '@duckdb/*'],
            message: 'Workflows import types only (import type) from I/O layers: their code is replayed and must stay deterministic.',
            allowTypeImports: true,
          },
        ],
      }],
    },
  },
);
