import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['collector/test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores: more workers only contend (PGlite instances are CPU-bound WASM).
    maxWorkers: 2,
  },
});
