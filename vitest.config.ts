import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // tfjs backends are process-global state: isolate files in forks and keep the
    // pool at the machine's two cores.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // A fit with accelerator=auto would otherwise build the native backend (minutes) on a
    // machine without it; the tests of that build pass their own settings.
    env: { HTR_NATIVE_BUILD: '0' },
  },
});
