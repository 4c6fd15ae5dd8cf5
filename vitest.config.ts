// `npm test` runs every project: the collector (node, real stores), the dashboard's component tests
// (jsdom) and the end-to-end suite (headless Chromium).
import { defineConfig } from 'vitest/config';
import LongestFirst from './vitest.sequencer.ts';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'collector',
          include: ['collector/test/**/*.test.ts'],
          // Time-outs catch hangs, not slowness: a test that opens a PGlite store on a data dir runs
          // initdb, which takes over a minute when the two cores are shared with other jobs.
          testTimeout: 120_000,
          // One module graph per worker instead of one per file: importing and evaluating the
          // collector's sources again for each of its ~280 files cost more CPU than most files'
          // tests. Its code keeps no module state a test could leak into another file, and the
          // files that fake timers restore them after each test.
          isolate: false,
          hookTimeout: 180_000,
          // A shared two-core machine: a poll waits for work that will happen, never for a speed.
          expect: { poll: { timeout: 15_000 } },
          globalSetup: [
            'collector/test/support/require-postgres-in-ci.ts',
            'collector/test/support/pglite-template-setup.ts',
            'collector/test/support/store-pool-setup.ts',
          ],
        },
      },
      'dashboard/vitest.config.ts',
      'e2e/vitest.config.ts',
    ],
    // Two cores: more workers only contend (PGlite instances are CPU-bound WASM).
    maxWorkers: 2,
    // Every project's files in one queue for the two workers, the longest first.
    sequence: { sequencer: LongestFirst },
  },
});
