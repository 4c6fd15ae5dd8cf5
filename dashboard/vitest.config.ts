// Component tests for the dashboard: Svelte compiled for the browser, run in jsdom.
// `npx vitest run --project dashboard` (from the root config) or `npx vitest run --config dashboard/vitest.config.ts`
import { fileURLToPath } from 'node:url';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { svelteTesting } from '@testing-library/svelte/vite';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  plugins: [svelte(), svelteTesting()],
  test: {
    name: 'dashboard',
    environment: 'jsdom',
    include: ['test/**/*.test.ts'],
    // Modules set up once per worker rather than per file (the project alone 23 s → 5 s; each test
    // renders into a DOM testing-library cleans after it, and files in a shuffled order pass too).
    isolate: false,
    // A shared two-core machine: a poll waits for work that will happen, never for a speed.
    expect: { poll: { timeout: 15_000 } },
  },
});
