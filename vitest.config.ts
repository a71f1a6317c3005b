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
    // A page's update after a click (a write, then the list fetched again) can take longer than expect.poll's
    // default second while another file's servers load both cores: the e2e walks flaked on it.
    expect: { poll: { timeout: 10_000 } },
  },
});
