// The typed event map of the Socket.IO `/live` namespace.
// Imported by the gateway (server) and by the dashboard (client), so the two cannot drift: the
// dashboard never keeps a hand copy of these shapes.
//
// Conventions on the wire:
// - Alert objects are exactly the REST shape of `GET /v1/alerts` (wire/alerts.ts).
// - Panel data is produced for dashboards only: camelCase, every time is epoch milliseconds (UTC).
// - Per-minute series are one-minute buckets keyed by the bucket start, oldest first, by event time
//   (`occurred_at`), without gaps (a minute with no events has count 0).
// Type-only imports: the dashboard's bundle imports this file and must not carry TypeBox.
import type { OrderStatus, PaymentProvider } from '../domain/events.ts';
import type { Locale } from '../messages/format-message.ts';
import type { Alert, AlertStatus } from '../wire/alerts.ts';

export type { Alert, AlertStatus };

export const LIVE_NAMESPACE = '/live';

/** What the client sends in `io(url + LIVE_NAMESPACE, { auth })`: a viewer or operator token. */
export interface LiveAuth {
  token: string;
  /**
   * Optional initial filter, the same as a `subscribe` right after connecting. Sent again on every
   * reconnect, so a wall display filtered to one store never flashes the whole chain's snapshot.
   */
  filter?: LiveFilter;
  /**
   * The language of the alerts' sentences (`rule_name`, `summary`): `zh-CN` (default) or `en`, as
   * `?lang=` on the API.
   */
  lang?: string;
  /**
   * `true`: each pass's changed panels come together as one `panels` event (one packet per client
   * per pass, and passes follow commits within `batchIntervalMs`) instead of one `panel` event per
   * changed panel every 250 ms. The dashboard asks for it; without it nothing changes for a client.
   */
  panel_batches?: boolean;
}

// ---------------------------------------------------------------------------------------------
// Alerts (the REST shape of wire/alerts.ts)

/** The statuses an operator filters alerts by (`pending` only on request, never on the live stream). */
export const ALERT_STATUSES = [
  'firing',
  'acknowledged',
  'resolved',
] as const satisfies readonly AlertStatus[];

export const ALERT_TRANSITIONS = ['opened', 'changed', 'resolved'] as const;
/** `changed` covers acknowledgement, severity or summary changes and re-notification of an open alert. */
export type AlertTransition = (typeof ALERT_TRANSITIONS)[number];

/**
 * Whether an open alert is a problem the wall lists and counts. Info alerts (a parcel delivered) are
 * news for a channel: the panels' counts and the wall's alert list both leave them out, so the two
 * never disagree.
 */
export function countsOnWall(alert: Pick<Alert, 'severity'>): boolean {
  return alert.severity !== 'info';
}

export interface LiveAlertEvent {
  transition: AlertTransition;
  alert: Alert;
  /** Server time of the transition. */
  at: number;
}

// ---------------------------------------------------------------------------------------------
// Panels

/** One minute of `order.status` events, counted by the status the order moved to. */
export interface OrderMinute {
  at: number;
  byStatus: Partial<Record<OrderStatus, number>>;
  total: number;
}

/** Orders per minute by status, the last 60 minutes (60 buckets; the newest may still be filling). */
export interface OrdersPerMinutePanel {
  minutes: OrderMinute[];
  /** Orders created in the newest complete minute (the newest bucket is still filling). */
  createdLastMinute: number;
  /** Mean orders created per complete minute over the window (the 59 minutes before the current one). */
  createdHourAverage: number;
}

/**
 * Paid→applied lag: seconds from a successful `payment.notify` to the order reaching `paid` (or later),
 * over the payments applied in the last `windowMs` (whole minutes, the current one included). Null
 * percentiles when there were no samples. A percentile is the lower edge of the histogram bucket it
 * falls in: 0.1 s wide below 100 s, 1 s below an hour, 1 minute beyond.
 */
export interface PaymentLagPanel {
  windowMs: number;
  samples: number;
  p50Seconds: number | null;
  p95Seconds: number | null;
  /** Successful payments whose order has not reached `paid` yet (the `payment_unapplied` candidates). */
  unapplied: number;
}

/** Open (firing or acknowledged) alerts per rule; rules with none may be omitted or 0. */
export interface OpenStallsPanel {
  byRule: Record<string, number>;
  /** Open alerts of the stall rules (`order_stalled`, `payment_unapplied`): the wall's 卡单. */
  stalls: number;
  total: number;
}

export interface CountAtMinute {
  at: number;
  count: number;
}

export interface ProviderCallbacks {
  provider: PaymentProvider;
  /** The last 60 minutes of `payment.notify` events from this provider. */
  perMinute: CountAtMinute[];
  /**
   * When the provider was last heard as `callback_silent` counts it (the newest notification's event
   * time, never after its arrival; a payment confirmed by a provider query does not count); null if
   * never heard.
   */
  lastHeardAt: number | null;
  /** The provider's open `callback_silent` alert (firing or acknowledged), null when none is open. */
  silent: ProviderSilence | null;
}

export interface ProviderSilence {
  /** The alert's `started_at`, epoch ms. */
  since: number;
  severity: Alert['severity'];
}

export interface CallbacksPanel {
  providers: ProviderCallbacks[];
}

export interface CarrierMinute {
  at: number;
  byCarrier: Record<string, number>;
}

/** Silent (`tracking_silent` condition holds) and high-risk shipments, plus carrier updates per minute. */
export interface ShipmentsPanel {
  silent: number;
  highRisk: number;
  /** The last 60 minutes of `shipment.update` events by carrier. */
  updatesPerMinute: CarrierMinute[];
}

/**
 * Today's reconciliation (calendar day in ORDERPULSE_TZ) of the stores in scope, from the reconciled
 * bills: the figures of reconciliation_mismatch, the `orderpulse_reconciliation_mismatch_ratio`
 * gauge and the `reconciliation_daily` views.
 */
export interface ReconciliationPanel {
  /** `YYYY-MM-DD`. */
  day: string;
  /**
   * The larger of unmatched payments / bill payments and unmatched orders / paid orders, 0..1 (what
   * reconciliation_mismatch compares with its threshold); null before any bill was reconciled today.
   */
  mismatchRate: number | null;
  paymentsTotal: number;
  ordersTotal: number;
  unmatchedPayments: number;
  unmatchedOrders: number;
  /** Bill payments matched to an order. */
  matched: number;
  /** unmatchedPayments + unmatchedOrders. */
  unmatched: number;
  /** Today's items still waiting in the pending pool (status open or escalated). */
  pending: number;
}

export interface StoreAlertCount {
  storeId: string;
  region: string | null;
  openAlerts: number;
  critical: number;
}

/** The stores with the most open alerts, most first (at most 10). */
export interface TopStoresPanel {
  stores: StoreAlertCount[];
}

export interface SourceFreshness {
  /** The event `source` (ingest token name or provider), e.g. `pos`, `wechatpay`, `kuaidi100`. */
  source: string;
  /** Newest `occurred_at` seen from this source. */
  newestEventAt: number | null;
  /** When that source was last heard at all (receive time). */
  lastReceivedAt: number | null;
}

/** How old the newest data from each source is; a frozen feed must look frozen. */
export interface FreshnessPanel {
  sources: SourceFreshness[];
}

export interface PanelDataMap {
  orders_per_minute: OrdersPerMinutePanel;
  payment_lag: PaymentLagPanel;
  open_stalls: OpenStallsPanel;
  callbacks: CallbacksPanel;
  shipments: ShipmentsPanel;
  reconciliation: ReconciliationPanel;
  top_stores: TopStoresPanel;
  freshness: FreshnessPanel;
}

export type PanelName = keyof PanelDataMap;

export const PANEL_NAMES = [
  'orders_per_minute',
  'payment_lag',
  'open_stalls',
  'callbacks',
  'shipments',
  'reconciliation',
  'top_stores',
  'freshness',
] as const satisfies readonly PanelName[];

/** One panel's new data; a discriminated union on `name`. */
export type PanelUpdate = {
  [N in PanelName]: { name: N; data: PanelDataMap[N]; at: number };
}[PanelName];

/** Every panel one pass found changed, for a client whose handshake set `panel_batches`. */
export interface PanelBatch {
  /** The time of the pass (each update's `at` is the same). */
  at: number;
  updates: PanelUpdate[];
}

// ---------------------------------------------------------------------------------------------
// Subscription and snapshot

/** Empty filter = the whole chain. Store and region together narrow to that store. */
export interface LiveFilter {
  store_id?: string;
  region?: string;
}

export interface LiveSnapshot {
  at: number;
  /** The filter this snapshot was computed for (what the server accepted). */
  filter: LiveFilter;
  panels: PanelDataMap;
  /** Open alerts (firing and acknowledged) matching the filter, at most 200, newest first. */
  alerts: Alert[];
  /** Known stores and regions, for `?rotate=store|region` on wall displays. */
  scopes: { stores: string[]; regions: string[] };
}

export type SubscribeAck = { ok: true; filter: LiveFilter } | { ok: false; error: string; message: string };

export interface ServerToClientEvents {
  /** Sent on connect and after every `subscribe`: the full state for the current filter. */
  snapshot: (snapshot: LiveSnapshot) => void;
  /** A changed panel, coalesced (at most four per panel per second, only when data changed). */
  panel: (update: PanelUpdate) => void;
  /** Instead of `panel` when the handshake set `panel_batches`: one pass's changed panels together. */
  panels: (batch: PanelBatch) => void;
  /** Every alert opened, changed or resolved that matches the filter, sent at once. */
  alert: (event: LiveAlertEvent) => void;
}

export interface ClientToServerEvents {
  /** Replace the socket's filter; the server acks and then sends a fresh `snapshot`. */
  subscribe: (filter: LiveFilter, ack?: (result: SubscribeAck) => void) => void;
}

/**
 * Between collectors whose streams are joined (ORDERPULSE_REDIS_URL): what one committed, so the
 * others' panels and snapshots show it too. Events travel as the collector stores them in memory.
 */
export interface InterServerEvents {
  peerAlert: (event: LiveAlertEvent) => void;
  peerEvents: (events: readonly Record<string, unknown>[]) => void;
}

/** What the gateway stores on `socket.data` after the handshake. */
export interface LiveSocketData {
  role: 'viewer' | 'operator';
  /** The language of the alerts' sentences: `auth.lang` of the handshake, else Chinese. */
  locale: Locale;
  tokenName: string;
  filter: LiveFilter;
  /** The handshake's `panel_batches`: this client gets `panels` batches, not `panel` events. */
  panelBatches: boolean;
  /** A scoped token's scope, as its sockets were let in with (a change closes them). */
  scope?: { stores?: readonly string[] | undefined; regions?: readonly string[] | undefined };
  /** The stores a scoped token sees, resolved at the handshake; undefined: every store. */
  visible?: ReadonlySet<string>;
}
