// Feeds the Prometheus instruments from the collector's parts: counters from the commit stream as it
// happens, gauges from a periodic read of in-memory state (and two cheap SQL counts), so a scrape
// only renders and never queries.
import { ORDER_STATUSES, type OrderEvent, type OrderStatus, type StoredEvent } from '../domain/events.ts';
import { isTerminal } from '../domain/order-lifecycle.ts';
import { QUERIED_PROVIDERS } from '../domain/payment-queries/policy.ts';
import { callbackHeardAt } from '../domain/rules/callback-silent.ts';
import type { Severity } from '../domain/rules/params.ts';
import { isStallRule } from '../domain/rules/stall-rules.ts';
import { countsOnWall } from '../live/events.ts';
import type { OrderRate } from '../live/order-rate.ts';
import type { OutboxObserver } from '../notify/outbox/outbox-worker.ts';
import { recoveredPaymentCounts } from '../provider-queries/outage-facts.ts';
import type { Queryable } from '../store/database.ts';
import type { BatchStats } from '../store/event-writer.ts';
import type { IngestEventType, OrderPulseMetrics } from './orderpulse-metrics.ts';

export interface OpenAlertView {
  rule: string;
  severity: Severity;
  storeId: string | null;
  labels: Record<string, string>;
}

export interface GaugeSources {
  openAlerts(): readonly OpenAlertView[];
  liveClients(): { viewer: number; operator: number };
  /** The wall's order rate, from the live panels. */
  orderRate(): OrderRate;
  /** Each store's unmatched share on the business day (stores not reconciled today omitted). */
  mismatchByStore(db: Queryable): Promise<{ store: string; value: number }[]>;
}

/** The recovered-payments gauge looks back as far as the query schedule does. */
const RECOVERED_WINDOW_MS = 24 * 3_600_000;

/** Counters fed as events commit. */
export function countCommitted(metrics: OrderPulseMetrics, events: readonly StoredEvent[]): void {
  // Counted per label set first: prom-client hashes the labels on every inc, which cost ~1 µs an
  // event at 500-event commits, against ~0.1 µs counted this way.
  const accepted = new Map<string, Map<IngestEventType, number>>();
  const transitions = new Map<OrderStatus, number>();
  for (const e of events) {
    let bySource = accepted.get(e.source);
    if (!bySource) {
      bySource = new Map();
      accepted.set(e.source, bySource);
    }
    bySource.set(e.type, (bySource.get(e.type) ?? 0) + 1);
    if (e.type === 'order.status') transitions.set(e.status, (transitions.get(e.status) ?? 0) + 1);
    else if (e.type === 'payment.notify') {
      // The time callback_silent counts as heard, so the metric and the rule never disagree; a payment
      // confirmed by asking the provider is no callback, and is counted as recovered instead.
      const heardAt = callbackHeardAt(e);
      if (heardAt !== undefined) metrics.paymentCallbackHeard(e.provider, heardAt);
      else if (e.status === 'success') metrics.paymentsRecovered.inc({ provider: e.provider });
    }
  }
  for (const [source, byType] of accepted)
    for (const [type, n] of byType) metrics.ingestEvents.inc({ type, source, outcome: 'accepted' }, n);
  for (const [status, n] of transitions) metrics.orderTransitions.inc({ status }, n);
}

export function countDuplicates(metrics: OrderPulseMetrics, events: readonly OrderEvent[]): void {
  for (const e of events) metrics.ingestEvents.inc({ type: e.type, source: e.source, outcome: 'duplicate' });
}

export function observeBatch(metrics: OrderPulseMetrics, stats: BatchStats): void {
  metrics.commitBatchEvents.observe(stats.events);
  metrics.commitSeconds.observe(stats.seconds);
}

/** Delivery outcomes of the notification outbox. */
export function outboxMetricsObserver(metrics: OrderPulseMetrics): OutboxObserver {
  return {
    delivered: (a) =>
      metrics.notificationDeliveries.inc({ channel: a.channelType, route: a.tier, outcome: 'success' }),
    failed: (a) =>
      metrics.notificationDeliveries.inc({ channel: a.channelType, route: a.tier, outcome: 'failure' }),
  };
}

const OPEN_STATUSES = ORDER_STATUSES.filter((status) => !isTerminal(status));

/**
 * Open orders by status. The IN list is the predicate of the partial index orders_open_idx, so this
 * reads that index: counting every order ever stored took a full scan of the orders table every
 * 30 s (300k orders: ~100 ms of a PostgreSQL core, a spike in the ingest ack latency; it grows
 * without bound). Finished orders are counted by orderpulse_order_transitions_total.
 */
async function openOrdersByStatus(db: Queryable): Promise<Map<string, number>> {
  const { rows } = await db.query<{ status: string; n: number }>(
    `SELECT status, count(*)::int AS n FROM orders
     WHERE status IN ('created', 'paid', 'picking', 'packed', 'shipped') GROUP BY status`,
  );
  return new Map(rows.map((r) => [r.status, r.n]));
}

/**
 * Refreshes the gauges every `intervalMs`. Label sets seen before and now empty are set to 0, so a
 * rule whose alerts all resolved reads 0 rather than its last value.
 */
export function refreshGauges(
  metrics: OrderPulseMetrics,
  db: Queryable,
  sources: GaugeSources,
  options: { intervalMs: number; slowEvery: number; onError: (error: unknown) => void },
): { stop(): Promise<void> } {
  const seenAlerts = new Set<string>();
  const seenStalls = new Set<string>();
  let round = 0;
  let running: Promise<void> | undefined;

  const fast = () => {
    const alerts = sources.openAlerts();
    const bySeverity = new Map<string, number>();
    const stalls = new Map<string, number>();
    const stallsByStore = new Map<string, number>();
    const alertsByStore = new Map<string, number>();
    for (const a of alerts) {
      if (a.storeId && countsOnWall(a)) alertsByStore.set(a.storeId, (alertsByStore.get(a.storeId) ?? 0) + 1);
      const k = `${a.rule}\u0000${a.severity}`;
      bySeverity.set(k, (bySeverity.get(k) ?? 0) + 1);
      if (isStallRule(a.rule)) {
        const status = ORDER_STATUSES.includes(a.labels.status as OrderStatus) ? a.labels.status : 'paid';
        const s = `${a.rule}\u0000${status}`;
        stalls.set(s, (stalls.get(s) ?? 0) + 1);
        if (a.storeId) stallsByStore.set(a.storeId, (stallsByStore.get(a.storeId) ?? 0) + 1);
      }
    }
    for (const k of seenAlerts) if (!bySeverity.has(k)) bySeverity.set(k, 0);
    for (const [k, n] of bySeverity) {
      seenAlerts.add(k);
      const [rule, severity] = k.split('\u0000') as [string, Severity];
      metrics.alertsOpen.set({ rule, severity }, n);
    }
    for (const k of seenStalls) if (!stalls.has(k)) stalls.set(k, 0);
    for (const [k, n] of stalls) {
      seenStalls.add(k);
      const [rule, status] = k.split('\u0000') as [string, OrderStatus];
      metrics.stalledOrders.set({ rule, status }, n);
    }
    metrics.stalledOrdersByStore.replace([...stallsByStore].map(([store, value]) => ({ store, value })));
    metrics.alertsOpenByStore.replace([...alertsByStore].map(([store, value]) => ({ store, value })));
    const rate = sources.orderRate();
    metrics.ordersCreatedLastMinute.set(rate.createdLastMinute);
    metrics.ordersCreatedHourAverage.set(rate.createdHourAverage);
    const clients = sources.liveClients();
    metrics.liveClients.set({ role: 'viewer' }, clients.viewer);
    metrics.liveClients.set({ role: 'operator' }, clients.operator);
  };

  const slow = async () => {
    const counts = await openOrdersByStatus(db);
    for (const status of OPEN_STATUSES) metrics.orders.set({ status }, counts.get(status) ?? 0);
    const pending = await db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM notification_outbox WHERE status = 'pending'",
    );
    metrics.notificationOutboxPending.set(pending.rows[0]?.n ?? 0);
    metrics.reconciliationMismatch.replace(await sources.mismatchByStore(db));
    const recovered = await recoveredPaymentCounts(db, Date.now() - RECOVERED_WINDOW_MS);
    for (const provider of QUERIED_PROVIDERS) {
      for (const state of ['applied', 'unapplied'] as const) {
        const n = recovered.find((r) => r.provider === provider && r.state === state)?.n ?? 0;
        metrics.recoveredPayments.set({ provider, state }, n);
      }
    }
  };

  const refresh = async () => {
    try {
      fast();
      if (round++ % options.slowEvery === 0) await slow();
    } catch (error) {
      options.onError(error);
    }
  };
  const run = () => {
    if (running) return;
    running = refresh().finally(() => {
      running = undefined;
    });
  };
  run();
  const timer = setInterval(run, options.intervalMs);
  timer.unref();
  // Stopped means no read is still out: the caller closes the store next.
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}
