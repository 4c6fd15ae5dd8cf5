// Builds the collector: the core (store writer, alerting, notifications, background work; see
// core/create-core.ts), then the HTTP server over it: request guard, live gateway, routes. Never
// listens (main.ts does), so tests build the app without a port.
import fs from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { Redis } from 'ioredis';
import type { AlertingService } from './alerting/alerting-service.ts';
import { feedLive } from './alerting/live-feed.ts';
import { TokenRegistry } from './auth/tokens.ts';
import { readTokensFile, watchTokensFile } from './auth/tokens-file-watcher.ts';
import { VisibleStoresResolver } from './auth/visible-stores.ts';
import type { Config } from './config/load-config.ts';
import { type Core, type CoreDeps, createCore } from './core/create-core.ts';
import type { AppContext } from './http/context.ts';
import { lingerAfterEarlyReplies } from './http/early-reply.ts';
import { registerErrorHandlers } from './http/error-handler.ts';
import { errors } from './http/errors.ts';
import { requestLogFields } from './http/log-redaction.ts';
import { registerOpenApi } from './http/openapi.ts';
import { registerRequestGuard } from './http/request-guard.ts';
import { alertGroupsRoutes } from './http/routes/alert-groups.ts';
import { alertsRoutes } from './http/routes/alerts.ts';
import { auditRoutes } from './http/routes/audit.ts';
import { businessDayRoutes } from './http/routes/business-day.ts';
import { carriersPlugin } from './http/routes/carriers/index.ts';
import { deadLettersRoutes } from './http/routes/dead-letters.ts';
import { eventsRoutes } from './http/routes/events.ts';
import { healthRoutes } from './http/routes/health.ts';
import { incidentsRoutes } from './http/routes/incidents.ts';
import { metricsRoute } from './http/routes/metrics.ts';
import { ordersRoutes } from './http/routes/orders.ts';
import { paymentsPlugin } from './http/routes/payments/index.ts';
import { reconciliationRoutes } from './http/routes/reconciliation/index.ts';
import { ruleBacktestRoutes } from './http/routes/rule-backtest.ts';
import { ruleEditsRoutes } from './http/routes/rule-edits.ts';
import { ruleFieldsRoutes } from './http/routes/rule-fields.ts';
import { ruleVersionsRoutes } from './http/routes/rule-versions.ts';
import { rulesRoutes } from './http/routes/rules.ts';
import { silencesRoutes } from './http/routes/silences.ts';
import { whoamiRoutes } from './http/routes/whoami.ts';
import { registerSecurityHeaders } from './http/security-headers.ts';
import { LiveGateway } from './live/gateway.ts';
import { refreshGauges } from './metrics/instrument-collector.ts';
import type { DailyReconciliationJob } from './reconciliation/daily-reconciliation-job.ts';
import { todayMismatchByStore } from './reconciliation/today-mismatch.ts';
import type { Database } from './store/database.ts';

const CONNECTION_IDLE_MS = 120_000;
const HEADERS_TIMEOUT_MS = 15_000;
const CONNECTIONS_CHECK_MS = 2_000;
const GAUGE_REFRESH_MS = 5_000;

export interface AppDeps {
  db: Database;
  /** Overrides the logger (tests pass false). */
  logger?: boolean | object;
  alerting?: CoreDeps['alerting'];
  paymentQueries?: CoreDeps['paymentQueries'];
  orderSystem?: CoreDeps['orderSystem'];
  /** The read API's clock for "today" and default ranges (tests fix it); the real time by default. */
  now?: () => number;
  carriers?: CoreDeps['carriers'];
  pendingHealer?: CoreDeps['pendingHealer'];
  /**
   * How often the /metrics gauges are refreshed (default every 5 s, the store-wide ones every sixth
   * time); tests that compare them with other views shorten it.
   */
  gaugeRefreshMs?: number;
}

export interface App {
  server: FastifyInstance;
  ctx: AppContext;
  core: Core;
  alerting: AlertingService;
  dailyReconciliation: DailyReconciliationJob;
}

export async function buildApp(config: Config, deps: AppDeps): Promise<App> {
  const server = createServer(config, deps.logger);
  const core = createCore(config, {
    db: deps.db,
    log: server.log,
    ...(deps.alerting && { alerting: deps.alerting }),
    ...(deps.paymentQueries && { paymentQueries: deps.paymentQueries }),
    ...(deps.orderSystem && { orderSystem: deps.orderSystem }),
    ...(deps.carriers && { carriers: deps.carriers }),
    ...(deps.pendingHealer && { pendingHealer: deps.pendingHealer }),
  });
  const { alerting, metrics } = core;
  const tokens = new TokenRegistry(config.tokens, config.tokensFile ? readTokensFile(config.tokensFile) : []);
  const scopes = new VisibleStoresResolver(deps.db);
  const failedAuthentication = await registerRequestGuard(server, tokens, config.rateLimits);
  const redis = config.redisUrl === undefined ? undefined : joinedStreamClients(config.redisUrl, server.log);
  const gateway = new LiveGateway(server.server, {
    tokens,
    panels: core.panels,
    scopes,
    onFailedAuthentication: failedAuthentication,
    timeZone: config.timeZone,
    ...(redis && { redis: { ...redis, key: config.clusterPrefix } }),
  });
  if (redis) core.writer.onCommitted((events) => gateway.shareEvents(events));
  core.writer.onCommitted(() => gateway.panelsChanged());
  const ctx: AppContext = {
    config,
    db: deps.db,
    writer: core.writer,
    sink: core.sink,
    tokens,
    scopes,
    readiness: core.readiness,
    live: { panels: core.panels, gateway },
    metrics,
    keepDeadLetters: core.keepDeadLetters,
  };

  registerErrorHandlers(server);
  await registerOpenApi(server);

  await server.register(healthRoutes, { ctx });
  await server.register(eventsRoutes, { ctx });
  await server.register(ordersRoutes, { ctx });
  await server.register(deadLettersRoutes, { ctx });
  await server.register(paymentsPlugin, { ctx, onReconciled: core.reconciled });
  await server.register(reconciliationRoutes, {
    ctx,
    ...(deps.now && { now: deps.now }),
    onPendingResolved: () => void core.refreshReconciliationPanel(),
  });
  await server.register(carriersPlugin, { ctx, carriers: core.carriers });
  await server.register(metricsRoute, { registry: core.registry });
  await server.register(alertsRoutes, { ctx, alerting });
  await server.register(alertGroupsRoutes, { ctx, alerting });
  await server.register(silencesRoutes, { ctx, alerting });
  await server.register(auditRoutes, { ctx });
  await server.register(businessDayRoutes, { ctx, ...(deps.now && { now: deps.now }) });
  await server.register(rulesRoutes, { ctx, alerting });
  await server.register(ruleBacktestRoutes, { ctx, alerting, now: deps.alerting?.now ?? Date.now });
  await server.register(ruleFieldsRoutes, { ctx });
  await server.register(whoamiRoutes, { ctx });
  await server.register(ruleVersionsRoutes, { ctx });
  await server.register(ruleEditsRoutes, { ctx, alerting });
  // The alerting clock: an open outage's window ends at the time the rules see.
  await server.register(incidentsRoutes, { ctx, now: deps.alerting?.now ?? Date.now });
  await registerDashboard(server, config.dashboardDir);

  const gauges = refreshGauges(
    metrics,
    deps.db,
    {
      openAlerts: () => alerting.openAlerts(),
      liveClients: () => gateway.clientCounts(),
      orderRate: () => core.panels.orderRate(Date.now()),
      mismatchByStore: (db) => todayMismatchByStore(db, config.timeZone, Date.now()),
    },
    {
      intervalMs: deps.gaugeRefreshMs ?? GAUGE_REFRESH_MS,
      slowEvery: 6,
      onError: (error) => server.log.warn({ err: error }, 'metrics gauges were not refreshed'),
    },
  );
  const tokensWatcher =
    config.tokensFile === undefined
      ? undefined
      : watchTokensFile(config.tokensFile, {
          apply: (fileTokens) => tokens.replaceFileTokens(fileTokens),
          onCheck: () => gateway.revalidate(),
          log: server.log,
        });
  // Open websockets keep the HTTP server from closing: the gateway goes first.
  server.addHook('preClose', async () => {
    tokensWatcher?.stop();
    await gateway.close();
  });
  if (redis)
    server.addHook('onClose', async () => void (await Promise.all([redis.pub.quit(), redis.sub.quit()])));
  server.addHook('onClose', async () => {
    await gauges.stop();
    await core.stop();
  });
  await core.start();
  feedLive(alerting, ctx.live, config.timeZone);
  return { server, ctx, core, alerting, dailyReconciliation: core.dailyReconciliation };
}

/** The Socket.IO Redis adapter's two connections (a subscribed connection can do nothing else). */
function joinedStreamClients(
  url: string,
  log: { warn(obj: object, msg: string): void },
): { pub: Redis; sub: Redis } {
  const pub = new Redis(url, { maxRetriesPerRequest: 3 });
  const sub = pub.duplicate();
  // ioredis reconnects by itself; until then this collector's clients see only its own alerts.
  for (const client of [pub, sub])
    client.on('error', (err: unknown) => log.warn({ err }, 'live: the Redis connection failed'));
  return { pub, sub };
}

function createServer(config: Config, logger: AppDeps['logger']): FastifyInstance {
  const server: FastifyInstance = Fastify({
    logger: logger ?? { level: config.logLevel, serializers: { req: requestLogFields } },
    // Ingest bodies have their own 10 MiB limit; everything else stays small.
    bodyLimit: 1024 * 1024,
    // 'idle': on close, idle keep-alive connections are dropped while in-flight requests finish.
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    trustProxy: config.trustProxy,
    // Receiving one request may take this long (bill uploads are large); a connection idle for
    // CONNECTION_IDLE_MS is closed; headers must arrive within HEADERS_TIMEOUT_MS. Node checks
    // them every CONNECTIONS_CHECK_MS.
    requestTimeout: config.requestTimeoutMs,
    connectionTimeout: CONNECTION_IDLE_MS,
    http: {
      headersTimeout: Math.min(HEADERS_TIMEOUT_MS, config.requestTimeoutMs),
      requestTimeout: config.requestTimeoutMs,
      connectionsCheckingInterval: CONNECTIONS_CHECK_MS,
    } satisfies http.ServerOptions,
  } as FastifyServerOptions);
  registerSecurityHeaders(server);
  lingerAfterEarlyReplies(server);
  return server;
}

/** The built dashboard at `/`; unknown non-API paths fall back to index.html for client routing. */
async function registerDashboard(server: FastifyInstance, dir: string): Promise<void> {
  const index = path.join(dir, 'index.html');
  if (!fs.existsSync(index)) {
    server.get('/', async (_request, reply) =>
      reply
        .type('text/plain; charset=utf-8')
        .send('OrderPulse collector is running. The dashboard is not built: run `npm run build`.\n'),
    );
    return;
  }
  await server.register(fastifyStatic, { root: dir, wildcard: false });
  server.get('/*', (request, reply) => {
    if (request.url.startsWith('/v1/'))
      return reply.code(404).send(errors.notFound(request.url.split('?')[0]!).toBody());
    return reply.sendFile('index.html');
  });
}
