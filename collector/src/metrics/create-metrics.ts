// Builds every OrderPulse instrument on the registry it is given: no module-level state, so each
// app instance (and each test) owns its metrics, and two apps in one process never collide.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { BoundedLabel, OVERFLOW_LABEL_VALUE } from './bounded-label.ts';
import { cachedDefaultMetrics } from './cached-default-metrics.ts';
import { METRIC_NAMES, METRIC_PREFIX } from './catalogue.ts';
import type {
  OrderPulseMetrics,
  Counter as TypedCounter,
  Gauge as TypedGauge,
  Histogram as TypedHistogram,
  UnlabelledGauge,
  UnlabelledHistogram,
} from './orderpulse-metrics.ts';
import { storeSnapshotGauge } from './store-snapshot-gauge.ts';

export interface MetricsOptions {
  /** Distinct stores that get their own series on per-store metrics; the rest report as `store="other"`. */
  storeLabelCap: number;
  /** Reported in `orderpulse_build_info{version}`. */
  version?: string;
  /** Epoch-ms clock for ages computed at scrape time; injectable for tests. */
  now?: () => number;
  /** How often the process metrics (memory, CPU, descriptors, event-loop delay) are collected. */
  defaultMetricsRefreshMs?: number;
}

const DEFAULT_METRICS_REFRESH_MS = 5_000;

// Caps for labels fed from outside data. They are generous for real deployments (a handful of
// ingest tokens, carriers, channels and error codes) and only bite when input is hostile or buggy.
const SOURCE_CAP = 32;
const CARRIER_CAP = 32;
const RULE_CAP = 64;
const CHANNEL_CAP = 16;
const REASON_CAP = 64;

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const BATCH_BUCKETS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000];
const RULE_EVALUATION_BUCKETS = [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1];
const MINUTE = 60;
const HOUR = 60 * MINUTE;
// Carrier updates are late by minutes (push) to hours (poll); the top buckets bracket the
// 48 h tracking_silent limit.
const CARRIER_AGE_BUCKETS = [
  MINUTE,
  5 * MINUTE,
  15 * MINUTE,
  30 * MINUTE,
  HOUR,
  3 * HOUR,
  6 * HOUR,
  12 * HOUR,
  24 * HOUR,
  48 * HOUR,
  96 * HOUR,
];

const MISNAMED_DEFAULT_GAUGES = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

export function createMetrics(registry: Registry, opts: MetricsOptions): OrderPulseMetrics {
  const now = opts.now ?? Date.now;
  const registers = [registry];

  const defaults = cachedDefaultMetrics(registry, {
    prefix: METRIC_PREFIX,
    refreshMs: opts.defaultMetricsRefreshMs ?? DEFAULT_METRICS_REFRESH_MS,
    // prom-client exports these three counts as gauges named `*_total`, which Prometheus reserves
    // for counters (`promtool check metrics` refuses them). The same counts remain, per handle/
    // request/resource type, in `orderpulse_nodejs_active_{handles,requests,resources}{type}`.
    exclude: MISNAMED_DEFAULT_GAUGES.map((name) => `${METRIC_PREFIX}${name}`),
  });

  const overflow = new Counter({
    name: METRIC_NAMES.labelOverflow,
    help: 'Label values folded into "other" because the label reached its cap.',
    labelNames: ['label'],
    registers,
  });
  const bounded = (label: string, cap: number) => {
    const values = new BoundedLabel(cap);
    return (raw: string): string => {
      const value = values.value(raw);
      if (value === OVERFLOW_LABEL_VALUE && raw !== OVERFLOW_LABEL_VALUE) overflow.inc({ label });
      return value;
    };
  };
  const source = bounded('source', SOURCE_CAP);
  const carrier = bounded('carrier', CARRIER_CAP);
  const rule = bounded('rule', RULE_CAP);
  const channel = bounded('channel', CHANNEL_CAP);
  const reason = bounded('reason', REASON_CAP);
  const stores = new BoundedLabel(opts.storeLabelCap);
  const onStoreOverflow = (count: number) => overflow.inc({ label: 'store' }, count);

  const build = new Gauge({
    name: METRIC_NAMES.buildInfo,
    help: 'Always 1; the collector version as a label.',
    labelNames: ['version'],
    registers,
  });
  build.set({ version: opts.version ?? 'unknown' }, 1);

  const ingestEvents = new Counter({
    name: METRIC_NAMES.ingestEvents,
    help: 'Ingested events by event type, ingest source and outcome (accepted, duplicate, rejected).',
    labelNames: ['type', 'source', 'outcome'],
    registers,
  });

  const alertsOpen = new Gauge({
    name: METRIC_NAMES.alertsOpen,
    help: 'Alerts currently firing or acknowledged, by rule and severity.',
    labelNames: ['rule', 'severity'],
    registers,
  });

  const stalledOrders = new Gauge({
    name: METRIC_NAMES.stalledOrders,
    help: 'Open stalls by rule and the status the order is stuck in.',
    labelNames: ['rule', 'status'],
    registers,
  });

  const lastHeardMs = new Map<string, number>();
  const paymentCallbacks = new Counter({
    name: METRIC_NAMES.paymentCallbacks,
    help: 'payment.notify events received, by provider.',
    labelNames: ['provider'],
    registers,
  });
  new Gauge({
    name: METRIC_NAMES.callbackLastHeardTimestamp,
    help: 'When the provider was last heard as callback_silent counts it: the newest payment.notify by event time, never after its arrival (Unix seconds).',
    labelNames: ['provider'],
    registers,
    collect() {
      for (const [provider, ms] of lastHeardMs) this.set({ provider }, ms / 1000);
    },
  });
  new Gauge({
    name: METRIC_NAMES.callbackLastHeardAge,
    help: 'Seconds since the provider was last heard (as callback_silent counts it), computed at scrape.',
    labelNames: ['provider'],
    registers,
    collect() {
      const at = now();
      for (const [provider, ms] of lastHeardMs) this.set({ provider }, Math.max(0, (at - ms) / 1000));
    },
  });

  let platformCertificates: readonly { serial: string; notAfterMs: number }[] = [];
  new Gauge({
    name: METRIC_NAMES.wechatpayPlatformCertExpiry,
    help: 'Seconds until each configured WeChat Pay platform certificate expires (notAfter), computed at scrape; negative once expired. Bare public keys have no expiry and no series.',
    labelNames: ['serial'],
    registers,
    collect() {
      this.reset();
      const at = now();
      for (const c of platformCertificates) this.set({ serial: c.serial }, (c.notAfterMs - at) / 1000);
    },
  });
  new Gauge({
    name: METRIC_NAMES.wechatpayPlatformCertExpiryTimestamp,
    help: 'When each configured WeChat Pay platform certificate expires (notAfter, Unix seconds).',
    labelNames: ['serial'],
    registers,
    collect() {
      this.reset();
      for (const c of platformCertificates) this.set({ serial: c.serial }, c.notAfterMs / 1000);
    },
  });

  const carrierUpdates = new Counter({
    name: METRIC_NAMES.carrierUpdates,
    help: 'Carrier tracking updates by carrier and how they arrived (push subscription or poll).',
    labelNames: ['carrier', 'mode'],
    registers,
  });

  const ruleEvaluationSeconds = new Histogram({
    name: METRIC_NAMES.ruleEvaluationSeconds,
    help: 'Time the rule engine spends per pass: a committed batch of events, or a tick of due deadlines.',
    labelNames: ['pass'],
    buckets: RULE_EVALUATION_BUCKETS,
    registers,
  });

  const notificationDeliveries = new Counter({
    name: METRIC_NAMES.notificationDeliveries,
    help: 'Notification delivery attempts by channel, route (primary or backup) and outcome.',
    labelNames: ['channel', 'route', 'outcome'],
    registers,
  });

  const deadLetters = new Counter({
    name: METRIC_NAMES.deadLetters,
    help: 'Items kept as dead letters, by reason (the machine error code).',
    labelNames: ['reason'],
    registers,
  });

  const smsSuppressed = new Counter({
    name: METRIC_NAMES.smsSuppressed,
    help: 'SMS texts not sent because the phone number reached its per-number limit (max_per_number per per_number_window), by channel.',
    labelNames: ['channel'],
    registers,
  });

  const internalErrors = new Counter({
    name: METRIC_NAMES.internalErrors,
    help: 'Failures of background work with no caller to answer (each also logged), by component.',
    labelNames: ['component'],
    registers,
  });
  const providerQueries = new Counter({
    name: METRIC_NAMES.providerQueries,
    help: 'Order queries asked of payment providers about orders whose callback had not come, by outcome.',
    labelNames: ['provider', 'outcome'],
    registers,
  });
  const orderSystemWebhooks = new Counter({
    name: METRIC_NAMES.orderSystemWebhooks,
    help: 'Payment-confirmed webhooks to the order system, per delivery attempt, by outcome (delivered, already_applied, failed).',
    labelNames: ['outcome'],
    registers,
  });

  const paymentsRecovered = new Counter({
    name: METRIC_NAMES.paymentsRecovered,
    help: "Payments stored from a provider's order-query answer because its callback had not come, by provider.",
    labelNames: ['provider'],
    registers,
  });
  const recoveredPayments = new Gauge({
    name: METRIC_NAMES.recoveredPayments,
    help: 'Payments confirmed by query over the last 24 hours, by provider and whether the order system has applied them (state applied or unapplied).',
    labelNames: ['provider', 'state'],
    registers,
  });
  const carrierSubscriptionEnds = new Counter({
    name: METRIC_NAMES.carrierSubscriptionEnds,
    help: 'Kuaidi100 subscriptions ended by abort or shutdown, by the reason read and the action taken.',
    labelNames: ['reason', 'action'],
    registers,
  });
  const carrierResubscriptions = new Counter({
    name: METRIC_NAMES.carrierResubscriptions,
    help: 'Waybills subscribed again at Kuaidi100 after an abort, by outcome.',
    labelNames: ['outcome'],
    registers,
  });
  const reconciliationAutoResolved = new Counter({
    name: METRIC_NAMES.reconciliationAutoResolved,
    help: 'Pending-pool items resolved automatically, by kind and by the evidence that explained them.',
    labelNames: ['kind', 'evidence'],
    registers,
  });

  return {
    ingestEvents: {
      inc: (l, value = 1) =>
        ingestEvents.inc({ type: l.type, source: source(l.source), outcome: l.outcome }, value),
    },
    ingestAckSeconds: unlabelledHistogram(
      new Histogram({
        name: METRIC_NAMES.ingestAckSeconds,
        help: 'From request received to the reply after the events are committed (the ingest ack).',
        buckets: LATENCY_BUCKETS,
        registers,
      }),
    ),
    commitBatchEvents: unlabelledHistogram(
      new Histogram({
        name: METRIC_NAMES.commitBatchEvents,
        help: 'Events written per group commit.',
        buckets: BATCH_BUCKETS,
        registers,
      }),
    ),
    commitSeconds: unlabelledHistogram(
      new Histogram({
        name: METRIC_NAMES.commitSeconds,
        help: 'Duration of one group commit transaction.',
        buckets: LATENCY_BUCKETS,
        registers,
      }),
    ),
    alertsOpen: mappedGauge(alertsOpen, (l) => ({ rule: rule(l.rule), severity: l.severity })),
    orders: plainGauge(
      new Gauge({
        name: METRIC_NAMES.orders,
        help: 'Open orders in each status (created, paid, picking, packed, shipped); finished ones are counted by orderpulse_order_transitions_total.',
        labelNames: ['status'],
        registers,
      }),
    ),
    orderTransitions: plainCounter(
      new Counter({
        name: METRIC_NAMES.orderTransitions,
        help: 'Orders entering each status.',
        labelNames: ['status'],
        registers,
      }),
    ),
    stalledOrders: mappedGauge(stalledOrders, (l) => ({ rule: rule(l.rule), status: l.status })),
    stalledOrdersByStore: storeSnapshotGauge(
      {
        name: METRIC_NAMES.stalledOrdersByStore,
        help: 'Open stalls per store; stores past the label cap are summed into store="other".',
        registry,
      },
      stores,
      'sum',
      onStoreOverflow,
    ),
    alertsOpenByStore: storeSnapshotGauge(
      {
        name: METRIC_NAMES.alertsOpenByStore,
        help: 'Open alerts per store above info severity (the wall\'s top stores); stores past the label cap are summed into store="other".',
        registry,
      },
      stores,
      'sum',
      onStoreOverflow,
    ),
    paymentCallbackHeard(provider, heardAtMs) {
      paymentCallbacks.inc({ provider });
      const previous = lastHeardMs.get(provider);
      if (previous === undefined || heardAtMs > previous) lastHeardMs.set(provider, heardAtMs);
    },
    wechatpayPlatformCertificates(certificates) {
      platformCertificates = [...certificates];
    },
    carrierUpdates: {
      inc: (l, value = 1) => carrierUpdates.inc({ carrier: carrier(l.carrier), mode: l.mode }, value),
    },
    carrierUpdateAgeSeconds: plainHistogram(
      new Histogram({
        name: METRIC_NAMES.carrierUpdateAgeSeconds,
        help: 'Age of a carrier update when received (received minus occurred), by arrival mode.',
        labelNames: ['mode'],
        buckets: CARRIER_AGE_BUCKETS,
        registers,
      }),
    ),
    reconciliationMismatch: storeSnapshotGauge(
      {
        name: METRIC_NAMES.reconciliationMismatch,
        help: 'Share of unmatched payments or orders per store on the business day (today in ORDERPULSE_TZ, 0..1), as reconciliation_daily rates it; stores not reconciled today have no sample; store="other" is the worst store past the label cap.',
        registry,
      },
      stores,
      'max',
      onStoreOverflow,
    ),
    ruleEvaluationSeconds: {
      observe: (l, value) => ruleEvaluationSeconds.observe({ pass: l.pass }, value),
      startTimer: (l) => ruleEvaluationSeconds.startTimer({ pass: l.pass }),
    },
    liveClients: plainGauge(
      new Gauge({
        name: METRIC_NAMES.liveClients,
        help: 'Socket.IO clients connected to /live, by role.',
        labelNames: ['role'],
        registers,
      }),
    ),
    notificationDeliveries: {
      inc: (l, value = 1) =>
        notificationDeliveries.inc(
          { channel: channel(l.channel), route: l.route, outcome: l.outcome },
          value,
        ),
    },
    notificationOutboxPending: unlabelledGauge(
      new Gauge({
        name: METRIC_NAMES.notificationOutboxPending,
        help: 'Notifications waiting in the outbox for delivery or retry.',
        registers,
      }),
    ),
    ordersCreatedLastMinute: unlabelledGauge(
      new Gauge({
        name: METRIC_NAMES.ordersCreatedLastMinute,
        help: 'Orders created in the newest complete minute (by event time), the figure the wall shows.',
        registers,
      }),
    ),
    ordersCreatedHourAverage: unlabelledGauge(
      new Gauge({
        name: METRIC_NAMES.ordersCreatedHourAverage,
        help: 'Mean orders created per complete minute over the last hour (by event time), as on the wall.',
        registers,
      }),
    ),
    deadLetters: { inc: (l, value = 1) => deadLetters.inc({ reason: reason(l.reason) }, value) },
    deadLetterBytes: unlabelledGauge(
      new Gauge({
        name: METRIC_NAMES.deadLetterBytes,
        help: 'Bytes the kept dead letters take (previews, exact bodies, messages), as of the last prune.',
        registers,
      }),
    ),
    smsSuppressed: { inc: (l, value = 1) => smsSuppressed.inc({ channel: channel(l.channel) }, value) },
    internalErrors: plainCounter(internalErrors),
    providerQueries: plainCounter(providerQueries),
    orderSystemWebhooks: plainCounter(orderSystemWebhooks),
    paymentsRecovered: plainCounter(paymentsRecovered),
    recoveredPayments: plainGauge(recoveredPayments),
    carrierSubscriptionEnds: plainCounter(carrierSubscriptionEnds),
    carrierResubscriptions: plainCounter(carrierResubscriptions),
    reconciliationAutoResolved: plainCounter(reconciliationAutoResolved),
    processMetrics: defaults,
  };
}

// The adapters below only narrow prom-client's loose label types to the typed interfaces.
type Labels = Record<string, string>;

function plainCounter<L extends Labels>(counter: Counter<string>): TypedCounter<L> {
  return { inc: (labels, value = 1) => counter.inc(labels, value) };
}

function plainGauge<L extends Labels>(gauge: Gauge<string>): TypedGauge<L> {
  return mappedGauge(gauge, (labels: L) => labels);
}

function mappedGauge<L>(gauge: Gauge<string>, map: (labels: L) => Labels): TypedGauge<L> {
  return {
    set: (labels, value) => gauge.set(map(labels), value),
    inc: (labels, value = 1) => gauge.inc(map(labels), value),
    dec: (labels, value = 1) => gauge.dec(map(labels), value),
  };
}

function plainHistogram<L extends Labels>(histogram: Histogram<string>): TypedHistogram<L> {
  return {
    observe: (labels, value) => histogram.observe(labels, value),
    startTimer: (labels) => histogram.startTimer(labels),
  };
}

function unlabelledHistogram(histogram: Histogram<string>): UnlabelledHistogram {
  return { observe: (value) => histogram.observe(value), startTimer: () => histogram.startTimer() };
}

function unlabelledGauge(gauge: Gauge<string>): UnlabelledGauge {
  return {
    set: (value) => gauge.set(value),
    inc: (value = 1) => gauge.inc(value),
    dec: (value = 1) => gauge.dec(value),
  };
}
