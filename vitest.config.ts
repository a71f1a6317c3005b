import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'e2e/**/*.test.ts', 'examples/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Vitest leaves one core free by default: one worker on a 2-core machine. Most of a test's time is spent
    // waiting on PostgreSQL, spawned servers, Chromium and scrypt, so two files at once halve the suite's time.
    maxWorkers: 2,
  },
});
