import { defineConfig } from 'vitest/config';

// Temporal workers need real child processes (pool: 'forks'). Integration tests share one
// local stack, started by the global setup when it is not already running.
export default defineConfig({
  test: {
    pool: 'forks',
    // Workers spawned by tests serve no /metrics unless a test asks for it (the port is shared).
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', FLOE_METRICS_PORT: '0' },
    testTimeout: 120_000,
    hookTimeout: 600_000,
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'test/replay/**/*.test.ts'],
          globalSetup: ['test/integration/global-setup.ts'],
          setupFiles: ['test/integration/temporal-runtime.ts'],
          fileParallelism: false,
        },
      },
    ],
  },
});
