// The live panels' state: fed by committed events and alert transitions, read per filter.
// In memory and bounded; time is a parameter so it is tested without a clock.

import { storeVisible, type VisibleStores } from '../auth/scope.ts';
import {
  isQueriedPayment,
  type OrderStatus,
  PAYMENT_PROVIDERS,
  type PaymentProvider,
  type StoredEvent,
} from '../domain/events.ts';
import { reconciliationFigures } from '../domain/reconciliation/day-figures.ts';
import { callbackHeardAt } from '../domain/rules/callback-silent.ts';
import type { StoreReconciliationResult } from '../domain/rules/reconciliation-mismatch.ts';
import { isStallRule } from '../domain/rules/stall-rules.ts';
import {
  type Alert,
  countsOnWall,
  type LiveAlertEvent,
  type LiveFilter,
  type PanelDataMap,
  type ProviderSilence,
  type ReconciliationPanel,
  type SourceFreshness,
} from './events.ts';
import { lagBucket, lagPercentileSeconds } from './lag-histogram.ts';
import { MinuteSeries, sumWindows } from './minute-series.ts';
import { type OrderRate, orderRate } from './order-rate.ts';
import { RecentMap } from './recent-map.ts';

const WINDOW_MINUTES = 60;
const LAG_WINDOW_MINUTES = 15;
const LAG_WINDOW_MS = LAG_WINDOW_MINUTES * 60_000;
/** At most this many orders remembered for paid→applied lag; the oldest are forgotten first. */
const LAG_MEMORY = 200_000;
const PAID_OR_LATER: ReadonlySet<OrderStatus> = new Set([
  'paid',
  'picking',
  'packed',
  'shipped',
  'delivered',
]);

interface ScopeSeries {
  orders: MinuteSeries<OrderStatus>;
  callbacks: MinuteSeries<PaymentProvider>;
  carriers: MinuteSeries<string>;
  /** Paid→applied lags by minute, counted per lag bucket (see lag-histogram.ts). */
  lags: MinuteSeries<string>;
}

const newSeries = (): ScopeSeries => ({
  orders: new MinuteSeries(WINDOW_MINUTES),
  callbacks: new MinuteSeries(WINDOW_MINUTES),
  carriers: new MinuteSeries(WINDOW_MINUTES),
  lags: new MinuteSeries(LAG_WINDOW_MINUTES),
});

/** One store's reconciliation of today and its items still waiting in the pending pool. */
export interface StoreReconciliationToday extends StoreReconciliationResult {
  pending: number;
}

export class LivePanels {
  private readonly chain = newSeries();
  private readonly stores = new Map<string, ScopeSeries>();
  private readonly regionOfStore = new Map<string, string>();
  /** When each provider was last heard, as callback_silent counts it. */
  private readonly lastHeard = new Map<PaymentProvider, number>();
  private readonly freshness = new Map<string, SourceFreshness>();
  /** Successful payments whose order has not reached paid yet: orderId → payment time, store. */
  private readonly awaiting = new RecentMap<string, { at: number; storeId: string }>(LAG_MEMORY);
  /** Orders known to have reached paid: orderId → when. */
  private readonly applied = new RecentMap<string, number>(LAG_MEMORY);
  private readonly openAlerts = new Map<string, Alert>();
  private reconciliation: { day: string; byStore: Map<string, StoreReconciliationToday> } | undefined;

  constructor(private readonly timeZone: string) {}

  applyEvents(events: readonly StoredEvent[]): void {
    for (const e of events) {
      const store = this.storeSeries(e.storeId);
      const fresh = this.freshness.get(e.source) ?? {
        source: e.source,
        newestEventAt: null,
        lastReceivedAt: null,
      };
      fresh.newestEventAt = Math.max(fresh.newestEventAt ?? 0, e.occurredAt);
      fresh.lastReceivedAt = Math.max(fresh.lastReceivedAt ?? 0, e.receivedAt);
      this.freshness.set(e.source, fresh);
      switch (e.type) {
        case 'order.status':
          this.chain.orders.add(e.occurredAt, e.status);
          store.orders.add(e.occurredAt, e.status);
          if (e.region) this.regionOfStore.set(e.storeId, e.region);
          if (PAID_OR_LATER.has(e.status)) this.orderApplied(e.orderId, e.occurredAt, e.storeId);
          break;
        case 'payment.notify':
          // A payment confirmed by asking the provider is no callback: a silent provider must look silent.
          if (!isQueriedPayment(e)) {
            this.chain.callbacks.add(e.occurredAt, e.provider);
            store.callbacks.add(e.occurredAt, e.provider);
          }
          this.heard(e.provider, callbackHeardAt(e));
          if (e.status === 'success') this.paymentSucceeded(e.orderId, e.occurredAt, e.storeId);
          break;
        case 'shipment.update':
          this.chain.carriers.add(e.occurredAt, e.carrier);
          store.carriers.add(e.occurredAt, e.carrier);
          break;
      }
    }
  }

  applyAlert(event: LiveAlertEvent): void {
    if (event.alert.status === 'resolved' || !countsOnWall(event.alert))
      this.openAlerts.delete(event.alert.id);
    else this.openAlerts.set(event.alert.id, event.alert);
  }

  /** Replaces the open alerts wholesale (at start, from the store). */
  loadOpenAlerts(alerts: readonly Alert[]): void {
    this.openAlerts.clear();
    for (const a of alerts) if (a.status !== 'resolved' && countsOnWall(a)) this.openAlerts.set(a.id, a);
  }

  /** Today's reconciliation per store (`day` in the panels' time zone), replaced wholesale. */
  setReconciliationToday(day: string, byStore: Map<string, StoreReconciliationToday>): void {
    this.reconciliation = { day, byStore };
  }

  regionOf(storeId: string): string | undefined {
    return this.regionOfStore.get(storeId);
  }

  /** Known stores and regions; for a scoped caller only its stores and their regions. */
  scopes(visible?: VisibleStores): { stores: string[]; regions: string[] } {
    const stores = [...this.stores.keys()].filter((s) => visible === undefined || visible.has(s));
    const regions = [...this.regionOfStore.entries()]
      .filter(([store]) => visible === undefined || visible.has(store))
      .map(([, region]) => region);
    return { stores: stores.sort(), regions: [...new Set(regions)].sort() };
  }

  /** Open alerts matching the filter (within `visible`, when the caller is scoped), newest first. */
  alerts(filter: LiveFilter, limit = 200, visible?: VisibleStores): Alert[] {
    const match = this.storeMatcher(filter, visible);
    return [...this.openAlerts.values()]
      .filter((a) => match(a.store_id))
      .sort((a, b) => b.started_at.localeCompare(a.started_at))
      .slice(0, limit);
  }

  /** The chain's order rate, as the unfiltered panel shows it. */
  orderRate(now: number): OrderRate {
    return orderRate(this.chain.orders.window(now).map((m) => ({ byStatus: Object.fromEntries(m.counts) })));
  }

  /** Forgets minutes that left their windows. */
  prune(now: number): void {
    for (const s of [this.chain, ...this.stores.values()]) {
      s.orders.prune(now);
      s.callbacks.prune(now);
      s.carriers.prune(now);
      s.lags.prune(now);
    }
  }

  /**
   * The panels of the filter. A scoped caller (`visible`) gets the figures of its stores only,
   * never the chain's: per-store figures summed over its stores, and only its stores' rows.
   */
  panels(filter: LiveFilter, now: number, visible?: VisibleStores): PanelDataMap {
    const match = this.storeMatcher(filter, visible);
    const scoped = this.scopedSeries(filter, now, visible);
    const minutes = this.chain.orders.window(now).map((m) => m.at);
    const orders = sumWindows(scoped.orders, minutes);
    const callbacks = sumWindows(scoped.callbacks, minutes);
    const carriers = sumWindows(scoped.carriers, minutes);
    const alerts = [...this.openAlerts.values()].filter((a) => match(a.store_id));
    const byRule: Record<string, number> = {};
    let stalls = 0;
    const perStore = new Map<string, { openAlerts: number; critical: number }>();
    for (const a of alerts) {
      byRule[a.rule] = (byRule[a.rule] ?? 0) + 1;
      if (isStallRule(a.rule)) stalls++;
      if (a.store_id) {
        const s = perStore.get(a.store_id) ?? { openAlerts: 0, critical: 0 };
        s.openAlerts++;
        if (a.severity === 'critical') s.critical++;
        perStore.set(a.store_id, s);
      }
    }
    const lags = new Map<string, number>();
    let lagSamples = 0;
    for (const minutes of scoped.lags)
      for (const { counts } of minutes)
        for (const [bucket, n] of counts) {
          lags.set(bucket, (lags.get(bucket) ?? 0) + n);
          lagSamples += n;
        }
    let unapplied = 0;
    for (const w of this.awaiting.values()) if (match(w.storeId)) unapplied++;

    const orderMinutes = minutes.map((at, i) => {
      const byStatus = Object.fromEntries(orders[i]!) as Partial<Record<OrderStatus, number>>;
      let total = 0;
      for (const n of orders[i]!.values()) total += n;
      return { at, byStatus, total };
    });

    return {
      orders_per_minute: { minutes: orderMinutes, ...orderRate(orderMinutes) },
      payment_lag: {
        windowMs: LAG_WINDOW_MS,
        samples: lagSamples,
        p50Seconds: lagPercentileSeconds(lags, 0.5),
        p95Seconds: lagPercentileSeconds(lags, 0.95),
        unapplied,
      },
      open_stalls: { byRule, stalls, total: alerts.length },
      callbacks: {
        providers: PAYMENT_PROVIDERS.filter((p) => p !== 'other' || this.lastHeard.has(p)).map(
          (provider) => ({
            provider,
            perMinute: minutes.map((at, i) => ({ at, count: callbacks[i]!.get(provider) ?? 0 })),
            lastHeardAt: this.lastHeard.get(provider) ?? null,
            silent: this.silence(provider),
          }),
        ),
      },
      shipments: {
        silent: byRule.tracking_silent ?? 0,
        highRisk: byRule.shipment_anomaly ?? 0,
        updatesPerMinute: minutes.map((at, i) => ({ at, byCarrier: Object.fromEntries(carriers[i]!) })),
      },
      reconciliation: this.reconciliationPanel(match, now),
      top_stores: {
        stores: [...perStore.entries()]
          .sort(
            (a, b) =>
              b[1].openAlerts - a[1].openAlerts || b[1].critical - a[1].critical || a[0].localeCompare(b[0]),
          )
          .slice(0, 10)
          .map(([storeId, s]) => ({ storeId, region: this.regionOfStore.get(storeId) ?? null, ...s })),
      },
      freshness: { sources: [...this.freshness.values()].map((f) => ({ ...f })) },
    };
  }

  /** The provider's open callback_silent alert, if any: the badge shows what the rule decided. */
  private silence(provider: PaymentProvider): ProviderSilence | null {
    for (const a of this.openAlerts.values())
      if (a.rule === 'callback_silent' && a.entity_id === provider)
        return { since: Date.parse(a.started_at), severity: a.severity };
    return null;
  }

  private heard(provider: PaymentProvider, at: number | undefined): void {
    if (at !== undefined) this.lastHeard.set(provider, Math.max(this.lastHeard.get(provider) ?? at, at));
  }

  private reconciliationPanel(match: (store: string | null) => boolean, now: number): ReconciliationPanel {
    const day = new Intl.DateTimeFormat('en-CA', { timeZone: this.timeZone }).format(now);
    const today =
      this.reconciliation?.day === day
        ? [...this.reconciliation.byStore.values()].filter((r) => match(r.storeId))
        : [];
    const figures = reconciliationFigures(today);
    const unmatched = figures.unmatchedPayments + figures.unmatchedOrders;
    return {
      day,
      ...figures,
      matched: figures.paymentsTotal - figures.unmatchedPayments,
      unmatched,
      pending: today.reduce((sum, r) => sum + r.pending, 0),
    };
  }

  private storeSeries(storeId: string): ScopeSeries {
    let s = this.stores.get(storeId);
    if (!s) {
      s = newSeries();
      this.stores.set(storeId, s);
    }
    return s;
  }

  private storeMatcher(filter: LiveFilter, visible: VisibleStores): (store: string | null) => boolean {
    const within = (store: string | null) => storeVisible(visible, store);
    if (filter.store_id) return (store) => store === filter.store_id && within(store);
    if (filter.region)
      return (store) => store !== null && this.regionOfStore.get(store) === filter.region && within(store);
    return within;
  }

  /** The minute windows of the stores the filter selects (the chain's own series when unfiltered and unscoped). */
  private scopedSeries(filter: LiveFilter, now: number, visible: VisibleStores) {
    let scopes: ScopeSeries[];
    if (filter.store_id)
      scopes = storeVisible(visible, filter.store_id)
        ? [this.stores.get(filter.store_id) ?? newSeries()]
        : [];
    else if (filter.region || visible !== undefined) {
      scopes = [...this.stores.entries()]
        .filter(
          ([id]) =>
            (!filter.region || this.regionOfStore.get(id) === filter.region) &&
            (visible === undefined || visible.has(id)),
        )
        .map(([, s]) => s);
    } else scopes = [this.chain];
    return {
      orders: scopes.map((s) => s.orders.window(now)),
      callbacks: scopes.map((s) => s.callbacks.window(now)),
      carriers: scopes.map((s) => s.carriers.window(now)),
      lags: scopes.map((s) => s.lags.window(now)),
    };
  }

  private paymentSucceeded(orderId: string, at: number, storeId: string): void {
    const appliedAt = this.applied.get(orderId);
    if (appliedAt !== undefined) {
      this.addLag(Math.max(at, appliedAt), appliedAt - at, storeId);
      return;
    }
    if (!this.awaiting.has(orderId)) this.awaiting.set(orderId, { at, storeId });
  }

  private orderApplied(orderId: string, at: number, storeId: string): void {
    const waiting = this.awaiting.get(orderId);
    if (waiting) {
      this.awaiting.delete(orderId);
      this.addLag(at, at - waiting.at, storeId);
    }
    if (!this.applied.has(orderId)) this.applied.set(orderId, at);
  }

  /** A lag known at `at` (when both its payment and its order's paid status had been seen). */
  private addLag(at: number, lagMs: number, storeId: string): void {
    const bucket = lagBucket(lagMs);
    this.chain.lags.add(at, bucket);
    this.storeSeries(storeId).lags.add(at, bucket);
  }
}
