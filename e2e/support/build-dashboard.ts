// Builds the dashboard once before the suite, exactly as `vite build --config dashboard/vite.config.ts`.
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

export default async function buildDashboard(): Promise<void> {
  await build({
    configFile: fileURLToPath(new URL('../../dashboard/vite.config.ts', import.meta.url)),
    logLevel: 'warn',
  });
}
