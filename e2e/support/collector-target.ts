// The real collector as the e2e target: the app built by collector/src/app.ts on a throwaway
// embedded store (in-memory PGlite, started from the suite's migrated template), listening on a
// loopback port, serving the built dashboard.
// `stop()`/`start()` close and rebuild the app on the same port and the same store, like a restart.
import { fileURLToPath } from 'node:url';
import { type App, buildApp } from '../../collector/src/app.ts';
import { loadConfig } from '../../collector/src/config/load-config.ts';
import type { Database } from '../../collector/src/store/database.ts';
import { openEmbeddedTestDatabase } from '../../collector/test/support/pglite-template.ts';
import type { Target } from './target.ts';

const repo = (p: string) => fileURLToPath(new URL(`../../${p}`, import.meta.url));

export const COLLECTOR_TOKENS = {
  viewer: 'viewer-e2e-secret',
  operator: 'operator-e2e-secret',
  ingest: 'ingest-e2e-secret',
} as const;

export interface TargetOptions {
  rulesDir?: string;
  /** More variables for the collector (e.g. a receiver's URL); PORT, if set, is listened on. */
  env?: Record<string, string>;
}

export async function startCollectorTarget(options: TargetOptions = {}): Promise<Target> {
  const config = loadConfig({
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'warn',
    ORDERPULSE_INGEST_TOKENS: `pos=${COLLECTOR_TOKENS.ingest}`,
    ORDERPULSE_VIEWER_TOKENS: `wall=${COLLECTOR_TOKENS.viewer}`,
    ORDERPULSE_OPERATOR_TOKENS: `ops=${COLLECTOR_TOKENS.operator}`,
    ORDERPULSE_DASHBOARD_DIR: repo('dashboard/dist'),
    ORDERPULSE_RULES_DIR: options.rulesDir ?? repo('alert-rules'),
    ...options.env,
  });
  const db: Database = await openEmbeddedTestDatabase(config.databaseSchema);
  let app: App | null = await buildApp(config, { db, logger: false, alerting: { watchRules: false } });
  await app.server.listen({ port: config.port, host: '127.0.0.1' });
  const port = (app.server.server.address() as { port: number }).port;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    tokens: { ...COLLECTOR_TOKENS },
    async ingest(events) {
      const res = await fetch(`${url}/v1/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${COLLECTOR_TOKENS.ingest}`, 'content-type': 'application/json' },
        body: JSON.stringify(events),
      });
      const body = (await res.json()) as { accepted: number; rejected: unknown[] };
      if (res.status !== 202 || body.rejected.length > 0)
        throw new Error(`ingest answered ${res.status}: ${JSON.stringify(body)}`);
      return body;
    },
    async stop() {
      await closeApp(app);
      app = null;
    },
    async start() {
      app = await buildApp(config, { db, logger: false, alerting: { watchRules: false } });
      await app.server.listen({ port, host: '127.0.0.1' });
    },
    async close() {
      await closeApp(app);
      app = null;
      await db.close();
    },
  };
}

/**
 * Closes the app like a restart would. The live gateway is closed first: fastify's close waits for
 * every open connection, and a connected dashboard's WebSocket would otherwise hold it forever.
 */
async function closeApp(app: App | null): Promise<void> {
  if (!app) return;
  await app.ctx.live?.gateway.close();
  app.server.server.closeAllConnections();
  await app.server.close();
}
