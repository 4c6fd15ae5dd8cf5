// End-to-end suite: the built dashboard in real headless Chromium against a running server.
// `npx vitest run --config e2e/vitest.config.ts`
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['e2e/**/*.e2e.test.ts'],
    environment: 'node',
    globalSetup: ['e2e/support/build-dashboard.ts'],
    // One Chromium at a time on a two-core machine.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
