// End-to-end suite: the built dashboard in real headless Chromium against a running server.
// `npx vitest run --project e2e` (from the root config) or `npx vitest run --config e2e/vitest.config.ts`.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// The root config loads this as a project rooted here; keep the standalone run identical.
const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  test: {
    name: 'e2e',
    include: ['**/*.e2e.test.ts'],
    environment: 'node',
    globalSetup: ['support/build-dashboard.ts', '../collector/test/support/pglite-template-setup.ts'],
    // One Chromium at a time on a two-core machine.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // A shared two-core machine: a poll waits for work that will happen, never for a speed.
    expect: { poll: { timeout: 15_000 } },
  },
});
