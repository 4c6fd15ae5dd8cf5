// Builds the dashboard into dashboard/dist, which the collector serves at `/` (@fastify/static).
// `vite --config dashboard/vite.config.ts` runs a dev server proxying the API and /live to a collector.
import { fileURLToPath } from 'node:url';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));
const collector = process.env.ORDERPULSE_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  root,
  base: '/',
  plugins: [svelte()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // chart.js and the date adapter are one chunk anyway; keep the warning for real regressions.
    chunkSizeWarningLimit: 500,
  },
  server: {
    proxy: {
      '/v1': collector,
      '/socket.io': { target: collector, ws: true },
    },
  },
});
