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
    // Each file has its own browser profile, collector and ports, so its files share the suite's two
    // workers with the other projects' files (one file at a time would put them in a group of their
    // own, run after all the others on one worker), and share one module graph per worker, as the
    // collector project's do: each file imported Playwright, the collector and the support code again
    // (import 48 s of the project's 173 s run alone, 13 s shared; files in a shuffled order pass too).
    isolate: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // A shared two-core machine: a poll waits for work that will happen, never for a speed.
    expect: { poll: { timeout: 15_000 } },
  },
});
