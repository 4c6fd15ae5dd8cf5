// Builds the dashboard once before the suite, exactly as `vite build --config dashboard/vite.config.ts`.
import { build } from 'vite';

export default async function buildDashboard(): Promise<void> {
  await build({ configFile: 'dashboard/vite.config.ts', logLevel: 'warn' });
}
