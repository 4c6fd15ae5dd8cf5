// Builds the real app on a test store with known tokens.
import type { App } from '../../src/app.ts';
import { buildApp } from '../../src/app.ts';
import { type Config, loadConfig } from '../../src/config/load-config.ts';
import type { Database } from '../../src/store/database.ts';
import { auth, TOKENS } from './test-tokens.ts';

export { auth, TOKENS };

export function testConfig(overrides: NodeJS.ProcessEnv = {}): Config {
  return loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    ORDERPULSE_INGEST_TOKENS: `pos=${TOKENS.ingest}`,
    ORDERPULSE_VIEWER_TOKENS: TOKENS.viewer,
    ORDERPULSE_OPERATOR_TOKENS: TOKENS.operator,
    ORDERPULSE_DASHBOARD_DIR: '/nonexistent',
    ...overrides,
  });
}

export async function buildTestApp(db: Database, overrides: NodeJS.ProcessEnv = {}): Promise<App> {
  const app = await buildApp(testConfig(overrides), { db, logger: false });
  await app.server.ready();
  return app;
}
