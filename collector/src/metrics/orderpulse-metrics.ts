// The instruments the collector updates, typed by label value so a typo is a compile error.
// Callers never touch prom-client directly: label values that could grow without bound (store,
// source, carrier, reason…) are capped inside, and order ids have no label to go into.
import type { EventType, OrderStatus, PaymentProvider } from '../domain/events.ts';
import type { Severity } from '../domain/rules/params.ts';
import type { HealingAction, HealingReason } from '../domain/shipments/subscription-healing.ts';

export type IngestOutcome = 'accepted' | 'duplicate' | 'rejected';
/** `unknown` for a rejected item whose `type` was missing or invalid. */
export type IngestEventType = EventType | 'unknown';
export type CarrierUpdateMode = 'push' | 'poll';
export type NotificationRoute = 'primary' | 'backup';
export type NotificationOutcome = 'success' | 'failure';
export type LiveClientRole = 'viewer' | 'operator';
/** Background work whose failures would otherwise only be logged. */
export type InternalComponent = 'alerting_tick';
/** What a provider's order query came to (`refunded` is `paid`, `closed` is `not_paid`). */
export type ProviderQueryOutcome = 'paid' | 'not_paid' | 'not_found' | 'error';
/**
 * One delivery attempt of a payment-confirmed webhook to the order system: accepted (2xx), not sent
 * because the order had moved on by then, or failed (the outbox retries it until it gives up).
 */
export type OrderSystemWebhookOutcome = 'delivered' | 'already_applied' | 'failed';

/** `applied`: the order reached paid or later; `unapplied`: the order system still shows it unpaid. */
export type RecoveredPaymentState = 'applied' | 'unapplied';
export type ResubscribeOutcome = 'subscribed' | 'refused' | 'error';
export type AutoResolvedKind = 'fuzzy_match' | 'unmatched_payment' | 'unmatched_order';
export type AutoResolvedEvidence = 'order_event' | 'payment_event' | 'bill_line';

export interface Counter<L> {
  inc(labels: L, value?: number): void;
}

export interface Gauge<L> {
  set(labels: L, value: number): void;
  inc(labels: L, value?: number): void;
  dec(labels: L, value?: number): void;
}

export interface Histogram<L> {
  observe(labels: L, value: number): void;
  /** Starts a timer; calling the returned function observes the elapsed seconds and returns them. */
  startTimer(labels: L): () => number;
}

export interface UnlabelledHistogram {
  observe(value: number): void;
  startTimer(): () => number;
}

export interface UnlabelledGauge {
  set(value: number): void;
  inc(value?: number): void;
  dec(value?: number): void;
}

export interface StoreValue {
  store: string;
  value: number;
}

/**
 * A per-store gauge that is replaced as a whole from a snapshot (the store's current figures),
 * so stores that dropped to nothing disappear. Stores beyond the label cap are folded into one
 * `store="other"` series: summed for counts, maximum for ratios (the worst overflow store).
 */
export interface StoreSnapshotGauge {
  replace(values: readonly StoreValue[]): void;
}

export interface OrderPulseMetrics {
  /** Events per outcome of `POST /v1/events` and the provider callbacks; `source` is the ingest token name. */
  ingestEvents: Counter<{ type: IngestEventType; source: string; outcome: IngestOutcome }>;
  /** Request received → reply sent after the group commit (the ack the caller waits for). */
  ingestAckSeconds: UnlabelledHistogram;
  /** Events written per group commit. */
  commitBatchEvents: UnlabelledHistogram;
  /** Duration of one group commit transaction. */
  commitSeconds: UnlabelledHistogram;
  alertsOpen: Gauge<{ rule: string; severity: Severity }>;
  /** Open orders in each non-terminal status (finished ones: orderTransitions). */
  orders: Gauge<{ status: OrderStatus }>;
  /** Orders entering each status; `rate()` of `created` is orders per second. */
  orderTransitions: Counter<{ status: OrderStatus }>;
  /** Open stalls by rule (`payment_unapplied`, `order_stalled`) and the status the order is stuck in. */
  stalledOrders: Gauge<{ rule: string; status: OrderStatus }>;
  stalledOrdersByStore: StoreSnapshotGauge;
  /** Open alerts per store that the wall counts (severity above info): the wall's top stores. */
  alertsOpenByStore: StoreSnapshotGauge;
  /**
   * A `payment.notify` from `provider` heard at `heardAtMs` (epoch ms, as callback_silent counts it:
   * see callbackHeardAt): counts it and moves the last-heard time forward (never back, so late
   * replays do not hide a silence).
   */
  paymentCallbackHeard(provider: PaymentProvider, heardAtMs: number): void;
  /**
   * The configured WeChat Pay platform certificates (bare public keys have no expiry and no series):
   * exported as seconds until notAfter, computed at scrape, and as the notAfter timestamp.
   */
  wechatpayPlatformCertificates(certificates: readonly { serial: string; notAfterMs: number }[]): void;
  carrierUpdates: Counter<{ carrier: string; mode: CarrierUpdateMode }>;
  /** How old a carrier update is when it reaches us: received − occurred, seconds. No carrier or store label. */
  carrierUpdateAgeSeconds: Histogram<{ mode: CarrierUpdateMode }>;
  /** Share (0..1) of unmatched payments or orders per store on the business day; none for stores not reconciled today. */
  reconciliationMismatch: StoreSnapshotGauge;
  /** `events`: evaluating a committed batch; `deadlines`: a tick firing what came due. */
  ruleEvaluationSeconds: Histogram<{ pass: 'events' | 'deadlines' }>;
  liveClients: Gauge<{ role: LiveClientRole }>;
  notificationDeliveries: Counter<{
    channel: string;
    route: NotificationRoute;
    outcome: NotificationOutcome;
  }>;
  notificationOutboxPending: UnlabelledGauge;
  /** Orders created in the newest complete minute, as the wall shows it (event time). */
  ordersCreatedLastMinute: UnlabelledGauge;
  /** Mean orders created per complete minute over the wall's hour. */
  ordersCreatedHourAverage: UnlabelledGauge;
  /** `reason` is the machine error code kept with the dead letter. */
  deadLetters: Counter<{ reason: string }>;
  /** Bytes the kept dead letters take, as of the last retention and size-cap pass. */
  deadLetterBytes: UnlabelledGauge;
  /** Texts an SMS channel did not send because the phone number reached its per-number limit. */
  smsSuppressed: Counter<{ channel: string }>;
  /** Failures of background work that has no caller to answer (each also logged). */
  internalErrors: Counter<{ component: InternalComponent }>;
  /** Order queries asked of payment providers about orders whose callback had not come. */
  providerQueries: Counter<{ provider: 'wechatpay' | 'alipay'; outcome: ProviderQueryOutcome }>;
  /** Payment-confirmed webhooks to the merchant's order system, per delivery attempt. */
  orderSystemWebhooks: Counter<{ outcome: OrderSystemWebhookOutcome }>;
  /** Payments stored from a provider's query answer rather than its callback. */
  paymentsRecovered: Counter<{ provider: PaymentProvider }>;
  /** Payments confirmed by query over the last day, by whether the order system has applied them. */
  recoveredPayments: Gauge<{ provider: PaymentProvider; state: RecoveredPaymentState }>;
  /** Kuaidi100 subscriptions that ended (`abort`/`shutdown`), by the reason read and the action taken. */
  carrierSubscriptionEnds: Counter<{ reason: HealingReason; action: HealingAction }>;
  /** Resubscriptions sent to Kuaidi100, by outcome. */
  carrierResubscriptions: Counter<{ outcome: ResubscribeOutcome }>;
  /** Pending-pool items resolved automatically, by kind and by what explained them. */
  reconciliationAutoResolved: Counter<{ kind: AutoResolvedKind; evidence: AutoResolvedEvidence }>;
  /**
   * The process metrics (memory, CPU, descriptors, event-loop delay) are collected on a timer, not
   * by the scrape: `refresh` collects them now, `stop` ends the timer when the app stops.
   */
  processMetrics: { refresh(): Promise<void>; stop(): void };
}
