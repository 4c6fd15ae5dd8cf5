// Builds the collector: plugins, then stores, then routes. Never listens (main.ts does), so tests
// build the app without a port.
import fs from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { Registry } from 'prom-client';
import { AlertingService } from './alerting/alerting-service.ts';
import { feedLive } from './alerting/live-feed.ts';
import { startOutboxNotifications } from './alerting/outbox-notifications.ts';
import type { Config } from './config.ts';
import { TokenRegistry } from './http/auth.ts';
import type { AppContext, ReadinessCheck } from './http/context.ts';
import { lingerAfterEarlyReplies } from './http/early-reply.ts';
import { ApiError, errors } from './http/errors.ts';
import { requestLogFields } from './http/log-redaction.ts';
import { registerRequestGuard } from './http/request-guard.ts';
import { alertsRoutes } from './http/routes/alerts.ts';
import { auditRoutes } from './http/routes/audit.ts';
import { carriersPlugin } from './http/routes/carriers/index.ts';
import { deadLettersRoutes } from './http/routes/dead-letters.ts';
import { eventsRoutes } from './http/routes/events.ts';
import { healthRoutes } from './http/routes/health.ts';
import { ordersRoutes } from './http/routes/orders.ts';
import { paymentsPlugin } from './http/routes/payments/index.ts';
import { reconciliationRoutes } from './http/routes/reconciliation/index.ts';
import { rulesRoutes } from './http/routes/rules.ts';
import { silencesRoutes } from './http/routes/silences.ts';
import { registerSecurityHeaders } from './http/security-headers.ts';
import { DEFAULT_BILL_LIMITS } from './ingest/bills/bill-text.ts';
import { LiveGateway } from './live/gateway.ts';
import { LivePanels } from './live/live-panels.ts';
import { createMetrics } from './metrics/create-metrics.ts';
import {
  countCommitted,
  countDuplicates,
  observeBatch,
  outboxMetricsObserver,
  refreshGauges,
} from './metrics/instrument-collector.ts';
import { metricsRoute } from './metrics/metrics-route.ts';
import { DailyReconciliationJob, dailyReportText } from './reconciliation/daily-reconciliation-job.ts';
import { latestMismatchByStore } from './reconciliation/latest-mismatch.ts';
import { type Database, StoreUnavailableError } from './store/database.ts';
import { DeadLetterPruner } from './store/dead-letter-pruner.ts';
import { insertDeadLetters } from './store/dead-letters.ts';
import { EventWriter, IngestBufferFullError, WriterClosedError } from './store/event-writer.ts';
import { recentEvents } from './store/recent-events.ts';
import { ReportingRollups } from './store/reporting-rollups.ts';

const VERSION = '0.1.0';

/** Retention and the size cap of dead letters are applied this often (and sooner after a flood). */
const DEAD_LETTER_PRUNE_MS = 60_000;
const CONNECTION_IDLE_MS = 120_000;
const HEADERS_TIMEOUT_MS = 15_000;
const CONNECTIONS_CHECK_MS = 2_000;

/** Live panels cover the last hour; at start they are refilled from it (bounded for promotion peaks). */
const LIVE_WINDOW_MS = 60 * 60_000;
const LIVE_WARM_LIMIT = 500_000;

export interface AppDeps {
  db: Database;
  /** Overrides the logger (tests pass false). */
  logger?: boolean | object;
  /** Alerting clock and timers (tests inject a clock, tick by hand and skip the file watcher). */
  alerting?: {
    now?: () => number;
    tickMs?: number;
    watchRules?: boolean;
    restoreOrdersInBackground?: boolean;
  };
}

export interface App {
  server: FastifyInstance;
  ctx: AppContext;
  alerting: AlertingService;
  dailyReconciliation: DailyReconciliationJob;
}

export async function buildApp(config: Config, deps: AppDeps): Promise<App> {
  const server: FastifyInstance = Fastify({
    logger: deps.logger ?? { level: config.logLevel, serializers: { req: requestLogFields } },
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
  const registry = new Registry();
  const metrics = createMetrics(registry, { storeLabelCap: config.storeLabelCap, version: VERSION });
  const writer = new EventWriter(deps.db, {
    maxBatchEvents: config.groupCommitMaxEvents,
    concurrency: deps.db.mode === 'embedded' ? 1 : 2,
    queueLimit: config.ingestQueueLimit,
    onBatch: (stats) => observeBatch(metrics, stats),
    onDuplicates: (events) => countDuplicates(metrics, events),
    onListenerError: (error) => server.log.error({ err: error }, 'a commit listener failed'),
  });
  // Grafana's rollups are applied from what each commit staged, off the acknowledgement path.
  const rollups = new ReportingRollups(deps.db, { timeZone: config.timeZone, log: server.log });
  const readiness: ReadinessCheck[] = [
    {
      name: 'store',
      check: async () => {
        await deps.db.query('SELECT 1');
        return { ok: true, detail: deps.db.mode };
      },
    },
  ];
  const alerting = new AlertingService({
    db: deps.db,
    writer,
    rulesDir: config.rulesDir,
    log: server.log,
    observeEvaluation: (pass, seconds) => metrics.ruleEvaluationSeconds.observe({ pass }, seconds),
    ...deps.alerting,
  });
  readiness.push({
    name: 'rules',
    // A broken rule file never takes the collector out of service: the last good set keeps running
    // and the errors are reported here (and at GET /v1/rules).
    check: async () => {
      const rules = alerting.rulesStatus();
      const errors = rules.lastAttempt?.ok === false ? rules.lastAttempt.errors : undefined;
      return {
        ok: true,
        detail: {
          source: rules.source,
          content_hash: rules.ruleSet?.contentHash ?? null,
          ...(errors && { errors }),
        },
      };
    },
  });
  readiness.push({
    name: 'alerting',
    // With the open orders restored in the background the server listens (and takes events) first;
    // it is ready once they are in. The detail shows how far the restore has got.
    check: async () => {
      const status = alerting.startStatus();
      return { ok: status.state === 'running', detail: status };
    },
  });
  const tokens = new TokenRegistry(config.tokens);
  const failedAuthentication = await registerRequestGuard(server, tokens, config.rateLimits);
  const panels = new LivePanels(config.timeZone);
  writer.onCommitted((events) => panels.applyEvents(events));
  const gateway = new LiveGateway(server.server, {
    tokens,
    panels,
    onFailedAuthentication: failedAuthentication,
  });
  writer.onCommitted((events) => countCommitted(metrics, events));
  const deadLetterPruner = new DeadLetterPruner(deps.db, {
    limits: config.deadLetters,
    now: Date.now,
    intervalMs: DEAD_LETTER_PRUNE_MS,
    onPruned: ({ storedBytes }) => metrics.deadLetterBytes.set(storedBytes),
    onError: (error) => server.log.warn({ err: error }, 'dead letters were not pruned'),
  });
  const ctx: AppContext = {
    config,
    db: deps.db,
    writer,
    tokens,
    readiness,
    live: { panels, gateway },
    metrics,
    keepDeadLetters: async (letters) => {
      deadLetterPruner.noteKept(await insertDeadLetters(deps.db, letters));
      for (const l of letters) metrics.deadLetters.inc({ reason: l.reason });
    },
  };

  server.setErrorHandler((error: FastifyError, request, reply) => {
    const api = toApiError(error);
    if (api.status >= 500) request.log.error({ err: error }, 'request failed');
    if (api.retryAfter !== undefined) reply.header('Retry-After', String(api.retryAfter));
    return reply.code(api.status).send(api.toBody());
  });
  server.setNotFoundHandler((request, reply) => {
    const api = errors.notFound(`${request.method} ${request.url.split('?')[0]}`);
    return reply.code(404).send(api.toBody());
  });

  await server.register(healthRoutes, { ctx });
  await server.register(eventsRoutes, { ctx });
  await server.register(ordersRoutes, { ctx });
  await server.register(deadLettersRoutes, { ctx });
  await server.register(paymentsPlugin, {
    ctx,
    onReconciled: (results) => {
      alerting
        .reconciliation(results)
        .catch((err) => server.log.error({ err }, 'reconciliation results were not evaluated'));
    },
  });
  await server.register(reconciliationRoutes, { ctx });
  await server.register(carriersPlugin, { ctx, metrics });
  await server.register(metricsRoute, { registry });
  await server.register(alertsRoutes, { ctx, alerting });
  await server.register(silencesRoutes, { ctx, alerting });
  await server.register(auditRoutes, { ctx });
  await server.register(rulesRoutes, { ctx, alerting });
  await registerDashboard(server, config.dashboardDir);

  const notifications = startOutboxNotifications({
    alerting,
    db: deps.db,
    dashboardBaseUrl: config.publicUrl,
    env: config.channelEnv,
    log: server.log,
    observer: outboxMetricsObserver(metrics),
    instance: config.instance,
    watchdogIntervalMs: config.watchdogIntervalMs,
    onSmsSuppressed: ({ channel, suppressed }) => {
      metrics.smsSuppressed.inc({ channel }, suppressed);
      server.log.warn({ channel, suppressed }, 'SMS not sent to numbers that reached their per-number limit');
    },
  });
  const dailyReconciliation = new DailyReconciliationJob({
    db: deps.db,
    timeZone: config.timeZone,
    ...(config.reconcileAt && { at: config.reconcileAt }),
    ...(config.billsDir && { watchDir: config.billsDir }),
    billLimits: { ...DEFAULT_BILL_LIMITS, maxBytes: config.billMaxBytes },
    send: async (report) => {
      await notifications.report({
        rule: 'reconciliation_report',
        severity: report.offenders.length > 0 ? 'warning' : 'info',
        summary: dailyReportText(report),
        labels: { day: report.day },
        key: `reconciliation:${report.day}`,
      });
    },
    onReconciled: (results) => {
      alerting
        .reconciliation(results)
        .catch((err) => server.log.error({ err }, 'reconciliation results were not evaluated'));
    },
    onError: (err) => server.log.error({ err }, 'the daily reconciliation failed'),
  });
  const gauges = refreshGauges(
    metrics,
    deps.db,
    {
      openAlerts: () => alerting.openAlerts(),
      liveClients: () => gateway.clientCounts(),
      mismatchByStore: (db) => latestMismatchByStore(db, config.timeZone, Date.now()),
    },
    {
      intervalMs: 5_000,
      slowEvery: 6,
      onError: (error) => server.log.warn({ err: error }, 'metrics gauges were not refreshed'),
    },
  );
  // Open websockets keep the HTTP server from closing: the gateway goes first.
  server.addHook('preClose', async () => {
    await gateway.close();
  });
  server.addHook('onClose', async () => {
    gauges.stop();
    await deadLetterPruner.stop();
    await dailyReconciliation.stop();
    await writer.close();
    await rollups.stop();
    await alerting.stop();
    await notifications.stop();
  });
  await alerting.start();
  notifications.startWatchdog();
  notifications.checkReceivers();
  rollups.start();
  deadLetterPruner.start();
  if (config.reconcileAt) dailyReconciliation.start();
  panels.applyEvents(await recentEvents(deps.db, Date.now() - LIVE_WINDOW_MS, LIVE_WARM_LIMIT));
  feedLive(alerting, ctx.live);
  return { server, ctx, alerting, dailyReconciliation };
}

function toApiError(error: FastifyError | Error): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof StoreUnavailableError) return errors.storeUnavailable();
  if (error instanceof IngestBufferFullError) return errors.bufferFull();
  if (error instanceof WriterClosedError) return errors.shuttingDown();
  const fastifyError = error as FastifyError;
  switch (fastifyError.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return errors.unsupportedMediaType(undefined);
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return errors.tooLarge('the body is larger than this endpoint accepts (10 MiB for /v1/events)');
    case 'FST_ERR_VALIDATION':
      return errors.invalidRequest(fastifyError.message, fastifyError.validation);
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return errors.invalidBody(fastifyError.message);
  }
  if (fastifyError.statusCode && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    return new ApiError(fastifyError.statusCode, 'bad_request', fastifyError.message);
  }
  return errors.internal();
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
