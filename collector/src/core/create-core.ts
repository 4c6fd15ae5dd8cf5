// The collector without its HTTP face: the store writer and everything that follows its commits
// (alerting, live panels, metrics, carrier tracking, the pending pool healing itself), notifications, the daily reconciliation and
// the background upkeep. Every commit listener is registered here, in the order they run; app.ts
// puts routes and the live gateway on top, and `orderpulse serve` gets it through buildApp.
import { Registry } from 'prom-client';
import { type AlertingLog, AlertingService } from '../alerting/alerting-service.ts';
import { type OutboxNotifications, startOutboxNotifications } from '../alerting/outbox-notifications.ts';
import { CarrierTracking } from '../carriers/carrier-tracking.ts';
import { ShipmentRiskAssessor } from '../carriers/shipment-risk-assessor.ts';
import { ClusterNode } from '../cluster/cluster-node.ts';
import { PartitionHandover } from '../cluster/partition-handover.ts';
import { StateChanges } from '../cluster/state-changes.ts';
import type { Config } from '../config/load-config.ts';
import {
  defaultQueryPolicy,
  QUERIED_PROVIDERS,
  type QueriedProvider,
} from '../domain/payment-queries/policy.ts';
import type { StoreReconciliationResult } from '../domain/rules/reconciliation-mismatch.ts';
import { DEFAULT_BILL_LIMITS } from '../ingest/bills/bill-text.ts';
import { LivePanels } from '../live/live-panels.ts';
import { createMetrics } from '../metrics/create-metrics.ts';
import {
  countCommitted,
  countDuplicates,
  observeBatch,
  outboxMetricsObserver,
} from '../metrics/instrument-collector.ts';
import type { OrderPulseMetrics } from '../metrics/orderpulse-metrics.ts';
import { OutboxPruner } from '../notify/outbox/outbox-pruner.ts';
import { OrderSystemWebhooks } from '../order-system/order-system-webhooks.ts';
import { paymentQueryClients, verifyingKeysFromConfig } from '../provider-queries/clients-from-config.ts';
import { PaymentQueryDriver } from '../provider-queries/query-driver.ts';
import { DailyReconciliationJob, dailyReportText } from '../reconciliation/daily-reconciliation-job.ts';
import { countAutoResolved, PendingHealer } from '../reconciliation/pending-healer.ts';
import { reconciliationToday } from '../reconciliation/reconciliation-today.ts';
import type { Database } from '../store/database.ts';
import { DeadLetterPruner } from '../store/dead-letter-pruner.ts';
import { insertDeadLetters, type NewDeadLetter } from '../store/dead-letters.ts';
import { EventWriter } from '../store/event-writer.ts';
import { recentEvents } from '../store/recent-events.ts';
import { ReportingRollups } from '../store/reporting-rollups.ts';
import { assessOutdatedShipments } from '../store/shipment-risk-facts.ts';
import { coreReadiness, type ReadinessCheck } from './readiness.ts';

export const VERSION = '0.1.0';

/** Retention and the size cap of dead letters are applied this often (and sooner after a flood). */
const DEAD_LETTER_PRUNE_MS = 60_000;
/** The outbox's retention is applied this often: it is counted in days. */
const OUTBOX_PRUNE_MS = 3_600_000;
/** Live panels cover the last hour; at start they are refilled from it (bounded for promotion peaks). */
const LIVE_WINDOW_MS = 60 * 60_000;
const LIVE_WARM_LIMIT = 500_000;
/** How often the providers are asked what is due; the schedule's own steps are seconds to minutes apart. */
const PAYMENT_QUERY_INTERVAL_MS = 5_000;

export interface CoreDeps {
  db: Database;
  log: AlertingLog;
  /** Alerting clock and timers (tests inject a clock, tick by hand and skip the file watcher). */
  alerting?: {
    now?: () => number;
    tickMs?: number;
    watchRules?: boolean;
    restoreOrdersInBackground?: boolean;
  };
  /** Provider query clock and pace (tests share the alerting clock and run passes by hand with intervalMs 0). */
  paymentQueries?: { now?: () => number; intervalMs?: number };
  /** Webhook delivery pace (tests deliver by hand with pollIntervalMs 0; the clock is the queries'). */
  orderSystem?: { pollIntervalMs?: number };
  /** Carrier tracking's clock for healing ended subscriptions (tests move it by hand). */
  carriers?: { now?: () => number };
  /** The pending pool's healing pace (tests that post batch after batch shorten its interval). */
  pendingHealer?: { minIntervalMs?: number };
}

export interface Core {
  config: Config;
  db: Database;
  writer: EventWriter;
  /** Where accepted events go: `writer`, or in cluster mode the broker (processors commit them). */
  sink: Pick<EventWriter, 'write'>;
  /** Cluster mode only. */
  cluster: ClusterNode | undefined;
  registry: Registry;
  metrics: OrderPulseMetrics;
  alerting: AlertingService;
  panels: LivePanels;
  carriers: CarrierTracking;
  notifications: OutboxNotifications;
  dailyReconciliation: DailyReconciliationJob;
  /** Resolves pool items that committed orders and payments explain. */
  pendingHealer: PendingHealer;
  /** Asks the payment providers about overdue orders; undefined when no provider's queries are configured. */
  paymentQueries: PaymentQueryDriver | undefined;
  /** Payment-confirmed webhooks to the order system; undefined when ORDERPULSE_ORDER_SYSTEM_URL is unset. */
  orderSystem: OrderSystemWebhooks | undefined;
  /** Store reachable, rules loaded, open orders restored. */
  readiness: ReadinessCheck[];
  /** Stores refused input and counts it by reason. */
  keepDeadLetters(letters: NewDeadLetter[]): Promise<void>;
  /** Reconciliation results (daily job or bill upload) → the reconciliation_mismatch rule. */
  reconciled(results: readonly StoreReconciliationResult[]): void;
  /** Reads today's reconciliation and pending pool into the live panel (after a pool item changed). */
  refreshReconciliationPanel(): Promise<void>;
  /** Restores alerting and starts the background work; resolves as `AlertingService.start` does. */
  start(): Promise<void>;
  /** Stops the background work and writes what is still unwritten (the store stays open). */
  stop(): Promise<void>;
}

export function createCore(config: Config, deps: CoreDeps): Core {
  const { db, log } = deps;
  const registry = new Registry();
  const metrics = createMetrics(registry, { storeLabelCap: config.storeLabelCap, version: VERSION });
  const writer = new EventWriter(db, {
    maxBatchEvents: config.groupCommitMaxEvents,
    concurrency: db.mode === 'embedded' ? 1 : 2,
    queueLimit: config.ingestQueueLimit,
    onBatch: (stats) => observeBatch(metrics, stats),
    onDuplicates: (events) => countDuplicates(metrics, events),
    onListenerError: (error) => log.error({ err: error }, 'a commit listener failed'),
  });
  // Waybills stored before their risk facts were kept (or whose commit stopped before assessing
  // them) are assessed in the background; a listing assesses its own candidates meanwhile.
  const backfillStop = new AbortController();
  let shipmentBackfill: Promise<void> = Promise.resolve();
  // Grafana's rollups are applied from what each commit staged, off the acknowledgement path.
  const rollups = new ReportingRollups(db, { timeZone: config.timeZone, log });
  const cluster =
    config.cluster &&
    new ClusterNode(config.cluster, {
      writer,
      adopt: (filter) => alerting.adopt(filter),
      // One embedded store (one connection) is no shared store to order a handover in.
      ...(db.mode !== 'embedded' && { handover: new PartitionHandover(db, config.cluster.prefix) }),
      log,
    });
  // Operator changes reach the other nodes through the shared PostgreSQL (LISTEN/NOTIFY).
  const stateChanges =
    cluster && config.databaseUrl !== undefined
      ? new StateChanges(config.databaseUrl, config.databaseSchema, log)
      : undefined;
  const alerting: AlertingService = new AlertingService({
    db,
    rulesDir: config.rulesDir,
    log,
    observeEvaluation: (pass, seconds) => metrics.ruleEvaluationSeconds.observe({ pass }, seconds),
    onTickError: () => metrics.internalErrors.inc({ component: 'alerting_tick' }),
    ...deps.alerting,
    ...(cluster && { scope: cluster.scope }),
    ...(stateChanges && { stateChanges }),
  });
  const sink: Pick<EventWriter, 'write'> = cluster ?? writer;
  const panels = new LivePanels(config.timeZone);
  const carriers = new CarrierTracking({
    db,
    writer: sink,
    config,
    log,
    maxClockSkewMs: config.maxClockSkewMs,
    metrics,
    ...(deps.carriers?.now !== undefined && { now: deps.carriers.now }),
  });
  writer.onCommitted(alerting.committed);
  writer.onCommitted((events) => panels.applyEvents(events));
  writer.onCommitted((events) => countCommitted(metrics, events));
  writer.onCommitted(carriers.ingest.onCommitted);
  const pendingHealer = new PendingHealer(db, {
    metrics,
    ...(deps.pendingHealer?.minIntervalMs !== undefined && {
      minIntervalMs: deps.pendingHealer.minIntervalMs,
    }),
    onError: (err) => log.error({ err }, 'pending items were not checked against committed events'),
  });
  writer.onCommitted(pendingHealer.onCommitted);
  const shipmentRisks = new ShipmentRiskAssessor(db, (err) =>
    log.warn({ err }, 'shipment risk facts were not kept after a commit; a listing assesses them'),
  );
  writer.onCommitted(shipmentRisks.onCommitted);

  const deadLetterPruner = new DeadLetterPruner(db, {
    limits: config.deadLetters,
    now: Date.now,
    intervalMs: DEAD_LETTER_PRUNE_MS,
    onPruned: ({ storedBytes }) => metrics.deadLetterBytes.set(storedBytes),
    onError: (error) => log.warn({ err: error }, 'dead letters were not pruned'),
  });
  const outboxPruner = new OutboxPruner(db, {
    retentionMs: config.notificationRetentionMs,
    now: Date.now,
    intervalMs: OUTBOX_PRUNE_MS,
    onPruned: (deleted) => log.info({ deleted }, 'notification outbox rows past their retention deleted'),
    onError: (error) => log.warn({ err: error }, 'the notification outbox was not pruned'),
  });
  const notifications = startOutboxNotifications({
    alerting,
    db,
    dashboardBaseUrl: config.publicUrl,
    env: config.channelEnv,
    log,
    observer: outboxMetricsObserver(metrics),
    instance: config.instance,
    timeZone: config.timeZone,
    watchdogIntervalMs: config.watchdogIntervalMs,
    onSmsSuppressed: ({ channel, suppressed }) => {
      metrics.smsSuppressed.inc({ channel }, suppressed);
      log.warn({ channel, suppressed }, 'SMS not sent to numbers that reached their per-number limit');
    },
  });
  const queryClock = deps.paymentQueries?.now ?? deps.alerting?.now ?? Date.now;
  const orderSystem =
    config.orderSystem &&
    new OrderSystemWebhooks({
      db,
      ...config.orderSystem,
      now: queryClock,
      metrics,
      ...(deps.orderSystem?.pollIntervalMs !== undefined && {
        pollIntervalMs: deps.orderSystem.pollIntervalMs,
      }),
    });
  const queryClients = paymentQueryClients(config.providerQueries, verifyingKeysFromConfig(config));
  const paymentQueries =
    queryClients.length === 0
      ? undefined
      : new PaymentQueryDriver({
          db,
          writer: sink,
          clients: queryClients,
          policy: defaultQueryPolicy(config.providerQueries.queryAfterMs),
          now: queryClock,
          silentSince: () => silentProviders(alerting),
          metrics,
          log,
          intervalMs: deps.paymentQueries?.intervalMs ?? PAYMENT_QUERY_INTERVAL_MS,
          confirmed: orderSystem,
        });
  // The wall's reconciliation panel is read back from the store whenever it may have changed (and
  // every minute, for the new day at midnight), so it shows the figures the API and Grafana show.
  const refreshReconciliationPanel = async () => {
    try {
      const today = await reconciliationToday(db, config.timeZone, Date.now());
      panels.setReconciliationToday(today.day, today.byStore);
    } catch (err) {
      log.warn({ err }, "today's reconciliation panel was not refreshed");
    }
  };
  const reconciliationPanelTimer = setInterval(() => void refreshReconciliationPanel(), 60_000);
  reconciliationPanelTimer.unref();
  const reconciled = (results: readonly StoreReconciliationResult[]) => {
    alerting
      .reconciliation(results)
      .catch((err) => log.error({ err }, 'reconciliation results were not evaluated'));
    void refreshReconciliationPanel();
  };
  const dailyReconciliation = new DailyReconciliationJob({
    db,
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
    onReconciled: reconciled,
    onAutoResolved: (resolved) => countAutoResolved(metrics, resolved),
    onError: (err) => log.error({ err }, 'the daily reconciliation failed'),
  });

  return {
    config,
    db,
    writer,
    sink,
    cluster,
    registry,
    metrics,
    alerting,
    panels,
    carriers,
    notifications,
    dailyReconciliation,
    pendingHealer,
    paymentQueries,
    orderSystem,
    readiness: [...coreReadiness(db, alerting), ...(cluster ? [cluster.readiness] : [])],
    keepDeadLetters: async (letters) => {
      deadLetterPruner.noteKept(await insertDeadLetters(db, letters));
      for (const l of letters) metrics.deadLetters.inc({ reason: l.reason });
    },
    reconciled,
    refreshReconciliationPanel,
    async start() {
      await alerting.start();
      await stateChanges?.listen((change) => {
        alerting
          .applyStateChange(change)
          .catch((err) =>
            log.warn({ err, change: change.kind }, 'cluster: a change made elsewhere was not taken on'),
          );
      });
      await cluster?.start();
      notifications.startWatchdog();
      notifications.checkReceivers();
      rollups.start();
      deadLetterPruner.start();
      outboxPruner.start();
      if (config.reconcileAt) dailyReconciliation.start();
      carriers.start();
      paymentQueries?.start();
      orderSystem?.start();
      shipmentBackfill = assessOutdatedShipments(db, { stop: backfillStop.signal })
        .then((assessed) => {
          if (assessed > 0) log.info({ assessed }, 'shipment risk facts assessed for stored waybills');
        })
        .catch((err) => log.warn({ err }, 'shipment risk facts were not assessed for stored waybills'));
      panels.applyEvents(await recentEvents(db, Date.now() - LIVE_WINDOW_MS, LIVE_WARM_LIMIT));
      await refreshReconciliationPanel();
    },
    async stop() {
      clearInterval(reconciliationPanelTimer);
      backfillStop.abort();
      await shipmentBackfill;
      await carriers.stop();
      await paymentQueries?.stop();
      await orderSystem?.stop();
      await deadLetterPruner.stop();
      await outboxPruner.stop();
      await dailyReconciliation.stop();
      await cluster?.stop();
      await stateChanges?.stop();
      await writer.close();
      await pendingHealer.idle();
      await shipmentRisks.idle();
      await rollups.stop();
      await alerting.stop();
      await notifications.stop();
      metrics.processMetrics.stop();
    },
  };
}

/** Providers whose callback_silent fires, with the event time the silence began. */
function silentProviders(alerting: AlertingService): Map<QueriedProvider, number> {
  const silent = new Map<QueriedProvider, number>();
  for (const alert of alerting.openAlerts()) {
    const provider = QUERIED_PROVIDERS.find((p) => p === alert.entityId);
    if (alert.rule === 'callback_silent' && provider) silent.set(provider, alert.startedAt);
  }
  return silent;
}
