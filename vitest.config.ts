import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

/**
 * `inventory-alerts/construct` from its TypeScript source (the "source" export condition, also
 * in tsconfig's customConditions), so tests never run a stale dist/; then Vitest's defaults
 * (Vite's server conditions less `module`).
 */
const conditions = ['source', 'node', 'development|production'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup.ts'],
    globalSetup: ['test/integration/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // One worker per core, not Vitest's default of one fewer: much of a test's time is spent
    // waiting on DynamoDB Local and the sandbox's timers, so on 2 cores this halves npm test.
    maxWorkers: Math.max(2, availableParallelism()),
  },
});
