// `orderpulse serve`: read config → open the store → build the app → listen; drain on SIGTERM.
import path from 'node:path';
import { buildApp } from './app.ts';
import { TOKENS_FILE, type TokenSetup, withGeneratedTokens } from './auth/generated-tokens.ts';
import { type Config, loadConfig } from './config/load-config.ts';
import { processEnvironment } from './config/process-environment.ts';
import { describeUnknownVariable, unknownVariables } from './config/unknown-variables.ts';
import { channelVariables } from './notify/receiver-report.ts';
import { openDatabase } from './store/open-database.ts';

export interface Serving {
  url: string;
  /** The configuration in force, tokens included. */
  config: Config;
  /** Tokens made by this start (printed now, never again). */
  generated: TokenSetup['generated'];
}

/**
 * Resolves once listening. Tokens are generated for roles left unset only with the embedded store,
 * or when `generateTokens` says so (the demo, which must be usable with any store).
 */
export async function serve(
  env: NodeJS.ProcessEnv = processEnvironment(),
  options: { generateTokens?: boolean } = {},
): Promise<Serving> {
  const loaded = loadConfig(env);
  const { config, generated, kept, unusable } = await withGeneratedTokens(
    loaded,
    options.generateTokens ?? loaded.databaseUrl === undefined,
  );
  const db = await openDatabase({
    databaseUrl: config.databaseUrl,
    schema: config.databaseSchema,
    dataDir: config.dataDir,
  });
  // The server listens while the open orders are read back from the store (seconds at a million):
  // /healthz answers, /readyz says 503 with the progress, events are taken and applied after.
  const { server, alerting } = await buildApp(config, {
    db,
    alerting: { restoreOrdersInBackground: true },
  });
  server.log.info(
    {
      store: db.mode,
      schema: config.databaseSchema,
      dataDir: db.mode === 'embedded' ? config.dataDir : undefined,
    },
    db.mode === 'embedded'
      ? 'store: embedded PostgreSQL (PGlite) — set DATABASE_URL for PostgreSQL/TimescaleDB'
      : db.mode === 'timescaledb'
        ? 'store: PostgreSQL with TimescaleDB (hypertables, compression, retention)'
        : 'store: plain PostgreSQL (TimescaleDB extension not available; BRIN time indexes)',
  );
  // The rule set is loaded by now, so the variables its routes name are known and not mistaken
  // for misspelt settings.
  const routing = alerting.rulesStatus().ruleSet?.routing;
  const channelNames = Object.values(routing?.receivers ?? {}).flatMap((receiver) =>
    [...receiver.primary, ...receiver.backup].flatMap(channelVariables),
  );
  for (const unknown of unknownVariables(env, channelNames)) {
    server.log.warn(
      { variable: unknown.name, suggestion: unknown.suggestion },
      describeUnknownVariable(unknown),
    );
  }
  if (unusable.length > 0) {
    server.log.warn(
      { roles: unusable },
      `no token is configured for ${unusable.join(', ')} (${unusable
        .map((role) => `ORDERPULSE_${role.toUpperCase()}_TOKENS`)
        .join(', ')}): unusable, every request needing such a role is refused`,
    );
  }

  let closing = false;
  const shutdown = async (signal: string, exitCode = 0) => {
    if (closing) return;
    closing = true;
    server.log.info({ signal }, 'draining in-flight requests');
    // fastify answers new requests with 503 while it waits for the in-flight ones to finish,
    // and the writer commits everything it has taken before the store closes.
    await server.close();
    await db.close();
    process.exit(exitCode);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  // Without its open orders the collector cannot alert: as when start-up failed before listening.
  alerting.restored().catch(() => void shutdown('restore failed', 1));

  const address = await server.listen({ port: config.port, host: config.host });
  const url = `http://localhost:${(server.server.address() as { port: number }).port}`;
  const lines = [`OrderPulse is listening on ${address}`, `Dashboard: ${url}/`];
  if (generated.viewer)
    lines.push(`Dashboard URL for wall displays: ${url}/?token=${generated.viewer[0]!.secret}`);
  for (const role of ['ingest', 'viewer', 'operator', 'admin'] as const) {
    const entry = generated[role]?.[0];
    if (entry) lines.push(`${role} token (${entry.name}): ${entry.secret}`);
  }
  const tokensFile = path.join(config.dataDir, TOKENS_FILE);
  if (Object.keys(generated).length > 0)
    lines.push(`(generated now and shown this once; kept in ${tokensFile})`);
  if (kept.length > 0) lines.push(`${kept.join(', ')} token(s): generated earlier, kept in ${tokensFile}`);
  process.stdout.write(`\n${lines.join('\n')}\n\n`);
  return { url, config, generated };
}
