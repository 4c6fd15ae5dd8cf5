// The rule engine: keeps the current state of open orders and shipments, one deadline per entity,
// and turns events, ticks and reconciliation results into Signals (a condition started or cleared).
//
// Evaluate → report: every evaluation computes whether each rule's condition holds for an entity
// NOW (by event time), and `report` compares with what this engine last said about that (rule,
// entity) — so a condition is reported firing once (again only if its summary changes) and resolved
// once. Deadlines: each order/shipment has at most one deadline, the earliest time at which one of
// its conditions that does not hold yet would start to hold; popping it just re-evaluates the entity.
// Nothing here reads the clock or does I/O.
import { DeadlineHeap, DeadlineQueue } from '../deadlines.ts';
import type { OrderEvent, PaymentProvider, ShipmentUpdateEvent, StoredEvent } from '../events.ts';
import { applyOrderEvent, isTerminal, type OrderState } from '../order-lifecycle.ts';
import { CreationWindow, callbackSilence, callbackSilentSummary } from './callback-silent.ts';
import type { CustomRule, CustomRuleContext } from './custom-rule.ts';
import { orderStalledDueAt, orderStalledSummary } from './order-stalled.ts';
import { OrderTable } from './order-table.ts';
import type { BuiltinRuleName, BuiltinRuleParams, Severity } from './params.ts';
import { paymentUnappliedDueAt, paymentUnappliedSummary } from './payment-unapplied.ts';
import {
  isMismatch,
  mismatchRates,
  reconciliationMismatchSummary,
  type StoreReconciliationResult,
  windowDays,
} from './reconciliation-mismatch.ts';
import { inScope } from './scope.ts';
import {
  type RegionLookup,
  SIMPLE_REGION_LOOKUP,
  shipmentAnomalies,
  shipmentAnomalySummary,
  stuckAtLocationDueAt,
} from './shipment-anomaly.ts';
import {
  DEFAULT_SHIPMENT_EVENT_PARAMS,
  SHIPMENT_EVENT_RULE,
  type ShipmentEventParams,
  shipmentEventAt,
} from './shipment-event.ts';
import { applyShipmentEvent, boundShipment, type ShipmentState, shipmentKey } from './shipment-state.ts';
import type { EntityType, Signal, Summary } from './signal.ts';
import { SHIPMENT_FINAL_STATES, trackingSilentDueAt, trackingSilentSummary } from './tracking-silent.ts';

/** What an entity's single deadline is for (DueDeadline.kind). */
export const DEADLINE_KIND = {
  paymentUnapplied: 1,
  orderStalled: 2,
  trackingSilent: 3,
  stuckAtLocation: 4,
  /** A finished entity may be forgotten (kept until then for late events). */
  evict: 5,
  /** Re-evaluate soon (after restore, for alerts that were open before the restart). */
  recheck: 6,
  /** A shipment_event alert's hold ends. */
  shipmentEventEnds: 7,
} as const;

export interface RuleEngineOptions {
  regions?: RegionLookup;
  /** Business hours: orders created while their store is closed do not count for callback_silent. */
  storeOpen?: (storeId: string, at: number) => boolean;
  /** A store closed all day (holiday, renovation) raises no reconciliation_mismatch for that day. */
  storeOpenOnDay?: (storeId: string, day: string) => boolean;
  /** How long a finished order/shipment is kept for late events before it is forgotten; default 24 h. */
  retainFinishedMs?: number;
  /** Carrier key events (delivered, rejected, stuck, exception) as alerts; off unless given. */
  shipmentEvent?: ShipmentEventParams;
}

export interface TrackedCounts {
  orders: number;
  shipments: number;
  deadlines: number;
}

export interface RuleTiming {
  forMs: number;
  coolDownMs: number;
}

/** An alert that was open before a restart, as the store has it. */
export type OpenCondition = Pick<
  Signal,
  'rule' | 'entityType' | 'entityId' | 'storeId' | 'severity' | 'summary' | 'labels' | 'at'
>;

export interface RestoreOptions {
  /** Latest payment.notify time per provider, from the store. */
  lastNotifyAt?: Partial<Record<PaymentProvider, number>>;
  openAlerts?: Iterable<OpenCondition>;
}

interface Holding {
  at: number;
  summary: Summary;
  labels: Record<string, string>;
  severity: Severity;
  /** What must change for a firing condition to be reported again (default: severity + English summary). */
  fingerprint?: string;
}

interface Reported {
  signal: Signal;
  fingerprint: string;
}

const DEFAULT_RETAIN_FINISHED_MS = 24 * 3_600_000;
const DEFAULT_COOL_DOWN_MS = 5 * 60_000;

export class RuleEngine {
  private params: BuiltinRuleParams;
  /**
   * Stores with parameters of their own (a promotion limited to some stores); the others use
   * `params`. Order, shipment and store rules read the entity's store's set; callback_silent is per
   * provider across stores, and `for`/cool-down timing per rule, so those always use `params`.
   */
  private storeParams: ReadonlyMap<string, BuiltinRuleParams> = new Map();
  private customRules: readonly CustomRule[];
  private readonly regions: RegionLookup;
  private readonly storeOpen: (storeId: string, at: number) => boolean;
  private readonly storeOpenOnDay: (storeId: string, day: string) => boolean;
  private readonly retainFinishedMs: number;
  private readonly shipmentEvent: ShipmentEventParams;

  private readonly orders = new OrderTable(1024);
  private readonly shipments = new Map<string, ShipmentState>();
  /** Keyed by the order's slot in `orders`. */
  private readonly orderDeadlines = new DeadlineHeap(1024);
  private readonly shipmentDeadlines = new DeadlineQueue(1024);
  /** rule → entityId → what was last reported firing. Holds only firing conditions. */
  private readonly firing = new Map<string, Map<string, Reported>>();
  private readonly lastNotifyAt = new Map<PaymentProvider, number>();
  /** orderId → earliest successful refund, for tracked orders only (refunds are few). */
  private readonly refundedAt = new Map<string, number>();
  private watchingSince: number | undefined;
  private readonly creations: CreationWindow;
  /** storeId → day → result, only the days inside the window. */
  private readonly reconciliations = new Map<string, Map<string, StoreReconciliationResult>>();
  private readonly customErrors = new Map<string, number>();

  constructor(
    params: BuiltinRuleParams,
    customRules: readonly CustomRule[] = [],
    options: RuleEngineOptions = {},
  ) {
    this.params = params;
    this.customRules = customRules;
    this.regions = options.regions ?? SIMPLE_REGION_LOOKUP;
    this.storeOpen = options.storeOpen ?? (() => true);
    this.storeOpenOnDay = options.storeOpenOnDay ?? (() => true);
    this.retainFinishedMs = options.retainFinishedMs ?? DEFAULT_RETAIN_FINISHED_MS;
    this.shipmentEvent = options.shipmentEvent ?? { ...DEFAULT_SHIPMENT_EVENT_PARAMS, enabled: false };
    this.creations = new CreationWindow(params.callback_silent.limitMs);
  }

  /** Applies one stored event. A deadline the event puts in the past fires at once. */
  ingest(event: StoredEvent, now: number): Signal[] {
    this.watchingSince ??= now;
    const out: Signal[] = [];
    let order: OrderState | undefined;
    let shipment: ShipmentState | undefined;
    if (event.type === 'shipment.update') {
      shipment = this.applyShipment(event, now, out);
      order = this.orders.get(event.orderId);
    } else {
      order = this.applyOrder(event, now, out);
      if (event.type === 'payment.notify') {
        // Nothing is heard before it arrives: a sender's clock running ahead must not put the
        // provider's last-heard time in the future, where it would keep callback_silent quiet.
        const heardAt = Math.min(event.occurredAt, event.receivedAt);
        const known = this.lastNotifyAt.get(event.provider);
        if (known === undefined || heardAt > known) this.lastNotifyAt.set(event.provider, heardAt);
        this.evaluateProvider(event.provider, now, heardAt, out);
      }
    }
    if (this.customRules.length > 0) this.evaluateCustom({ event, order, shipment }, out);
    return out;
  }

  /** Fires due deadlines and evaluates callback_silent. Call often (every ~50 ms). */
  tick(now: number): Signal[] {
    this.watchingSince ??= now;
    const out: Signal[] = [];
    const dueOrders = this.orderDeadlines
      .popDue(now)
      .map((due) => ({ ...due, order: this.orders.at(due.id) }))
      .sort((a, b) => a.dueAt - b.dueAt || compare(a.order.orderId, b.order.orderId));
    for (const { id, kind, order } of dueOrders) {
      if (kind === DEADLINE_KIND.evict && this.mayForgetOrder(order, now)) {
        this.orders.delete(order.orderId);
        this.refundedAt.delete(order.orderId);
      } else this.evaluateOrder(order, id, now, now, out);
    }
    for (const due of this.shipmentDeadlines.popDue(now)) {
      const shipment = this.shipments.get(due.key);
      if (shipment === undefined) continue;
      if (due.kind === DEADLINE_KIND.evict && this.mayForgetShipment(shipment, now))
        this.shipments.delete(due.key);
      else this.evaluateShipment(shipment, now, now, out);
    }
    for (const provider of this.watchedProviders()) this.evaluateProvider(provider, now, now, out);
    return out;
  }

  /**
   * Takes the daily reconciliation results (any stores, any days) and reports each touched store:
   * firing while its unmatched share over the window exceeds the threshold, resolved when it falls.
   */
  reconciliation(results: readonly StoreReconciliationResult[], now: number): Signal[] {
    const touched = new Set<string>();
    for (const result of results) {
      let days = this.reconciliations.get(result.storeId);
      if (days === undefined) {
        days = new Map();
        this.reconciliations.set(result.storeId, days);
      }
      days.set(result.day, result);
      touched.add(result.storeId);
    }
    const out: Signal[] = [];
    for (const storeId of touched) this.evaluateStore(storeId, now, out);
    return out;
  }

  /**
   * Rebuilds state after a restart from what the store holds. Every entity gets its next deadline
   * even if that lies in the past, so deadlines that passed during the downtime fire on the next
   * tick; alerts that were open are re-checked on the next tick (kept if they still hold, resolved if not).
   */
  restore(
    orders: Iterable<OrderState>,
    shipments: Iterable<ShipmentState>,
    now: number,
    options: RestoreOptions = {},
  ): void {
    this.watchingSince ??= now;
    for (const order of orders) {
      this.scheduleOrder(order, this.orders.set(order), now);
      if (order.createdAt !== undefined && this.countsAsCreation(order.storeId, order.createdAt)) {
        this.creations.add(order.createdAt, now);
      }
    }
    for (const shipment of shipments) {
      this.shipments.set(shipment.key, shipment);
      this.scheduleShipment(shipment, now);
    }
    for (const [provider, at] of Object.entries(options.lastNotifyAt ?? {})) {
      // A time ahead of the restart was never heard yet (a future-dated notification stored before
      // event times were bounded): it would silence callback_silent until that time comes.
      if (at !== undefined) this.lastNotifyAt.set(provider as PaymentProvider, Math.min(at, now));
    }
    for (const open of options.openAlerts ?? []) {
      const signal: Signal = { ...open, condition: 'firing' };
      this.firingOf(open.rule).set(open.entityId, { signal, fingerprint: fingerprintOf(signal) });
      const slot = open.entityType === 'order' ? this.orders.slot(open.entityId) : undefined;
      if (slot !== undefined) {
        this.orderDeadlines.schedule(slot, now, DEADLINE_KIND.recheck);
      } else if (open.entityType === 'shipment' && this.shipments.has(open.entityId)) {
        this.shipmentDeadlines.schedule(open.entityId, now, DEADLINE_KIND.recheck);
      }
    }
  }

  /**
   * The events of a committed batch that could be for an order or shipment that finished and was
   * forgotten (or finished before a restart and was never restored): applied to nothing, such an
   * event would start the entity over and could open deadlines the entity is long past (a late
   * `paid` for a delivered order). The caller asks the store for those entities' current state and
   * hands finished ones to `adoptFinished` before ingesting the batch. Not asked about: entities the
   * engine holds, and orders with a recent `created` in the batch (new orders) — a forgotten order
   * finished at least `retainFinishedMs` ago, so its own `created` is older than that.
   */
  needingStoreVerdict(events: readonly StoredEvent[], now: number): StoredEvent[] {
    const createdRecently = new Set<string>();
    for (const e of events) {
      if (e.type === 'order.status' && e.status === 'created' && e.occurredAt > now - this.retainFinishedMs)
        createdRecently.add(e.orderId);
    }
    return events.filter((e) =>
      e.type === 'shipment.update'
        ? !this.shipments.has(shipmentKey(e.carrier, e.trackingNo))
        : !this.orders.has(e.orderId) && !createdRecently.has(e.orderId),
    );
  }

  /**
   * The store's current state of entities this engine does not hold: finished ones (terminal order
   * status, final shipment state) are taken as they are, so late events apply on top of them and
   * open nothing; they are kept like any finished entity, then forgotten again. Others are left to
   * the events (they are new). Entities the engine holds meanwhile are left alone.
   */
  adoptFinished(orders: Iterable<OrderState>, shipments: Iterable<ShipmentState>, now: number): void {
    for (const order of orders) {
      if (order.status === undefined || !isTerminal(order.status) || this.orders.has(order.orderId)) continue;
      this.orderDeadlines.schedule(this.orders.set(order), now + this.retainFinishedMs, DEADLINE_KIND.evict);
    }
    for (const shipment of shipments) {
      if (!SHIPMENT_FINAL_STATES.has(shipment.state) || this.shipments.has(shipment.key)) continue;
      this.shipments.set(shipment.key, shipment);
      this.shipmentDeadlines.schedule(shipment.key, now + this.retainFinishedMs, DEADLINE_KIND.evict);
    }
  }

  /**
   * Hot reload: new parameters apply at once; conditions are re-evaluated (O(tracked entities)).
   * `byStore` replaces the per-store sets (stores not in it use `params`).
   */
  setParams(
    params: BuiltinRuleParams,
    now: number,
    byStore: ReadonlyMap<string, BuiltinRuleParams> = new Map(),
  ): Signal[] {
    this.params = params;
    this.storeParams = byStore;
    this.creations.setRetention(params.callback_silent.limitMs);
    const out: Signal[] = [];
    for (const [slot, order] of this.orders.entries()) this.evaluateOrder(order, slot, now, now, out);
    for (const shipment of this.shipments.values()) this.evaluateShipment(shipment, now, now, out);
    for (const provider of new Set([...this.watchedProviders(), ...this.lastNotifyAt.keys()])) {
      this.evaluateProvider(provider, now, now, out);
    }
    for (const storeId of this.reconciliations.keys()) this.evaluateStore(storeId, now, out);
    return out;
  }

  /**
   * Hot reload of custom rules. Conditions of rules that are gone are resolved now; the others are
   * re-evaluated on the next event of their order. (The constructor keeps the array it is given, not
   * a copy, so refilling that array in place also works; this resolves removed rules' alerts too.)
   */
  setCustomRules(rules: readonly CustomRule[], now: number): Signal[] {
    const kept = new Set(rules.map((r) => r.name));
    const out: Signal[] = [];
    for (const rule of this.customRules) {
      if (kept.has(rule.name)) continue;
      const byEntity = this.firing.get(rule.name);
      for (const { signal } of byEntity?.values() ?? []) {
        out.push({ ...signal, condition: 'resolved', at: Math.max(now, signal.at) });
      }
      this.firing.delete(rule.name);
    }
    this.customRules = rules;
    return out;
  }

  trackedCount(): TrackedCounts {
    return {
      orders: this.orders.size,
      shipments: this.shipments.size,
      deadlines: this.orderDeadlines.size + this.shipmentDeadlines.size,
    };
  }

  /** `for` and cool-down of a built-in or custom rule, for the alert lifecycle. */
  ruleTiming(rule: string): RuleTiming {
    if (rule in this.params) {
      const p = this.params[rule as BuiltinRuleName];
      return { forMs: p.forMs, coolDownMs: p.coolDownMs };
    }
    const custom = this.customRules.find((r) => r.name === rule);
    return { forMs: custom?.forMs ?? 0, coolDownMs: custom?.coolDownMs ?? DEFAULT_COOL_DOWN_MS };
  }

  order(orderId: string): OrderState | undefined {
    return this.orders.get(orderId);
  }

  shipment(carrier: string, trackingNo: string): ShipmentState | undefined {
    return this.shipments.get(shipmentKey(carrier, trackingNo));
  }

  /** Conditions currently reported firing (what the engine believes is open). */
  firingSignals(): Signal[] {
    return [...this.firing.values()].flatMap((byEntity) => [...byEntity.values()].map((r) => r.signal));
  }

  /** How many times each custom rule threw (it then counts as not matching). */
  customRuleErrors(): Record<string, number> {
    return Object.fromEntries(this.customErrors);
  }

  private paramsFor(storeId: string): BuiltinRuleParams {
    return this.storeParams.size === 0 ? this.params : (this.storeParams.get(storeId) ?? this.params);
  }

  // --- orders ---------------------------------------------------------------------------------

  private applyOrder(event: OrderEvent, now: number, out: Signal[]): OrderState {
    const previous = this.orders.get(event.orderId);
    const { state } = applyOrderEvent(previous, event);
    const slot = this.orders.set(state);
    if (event.type === 'payment.notify' && event.status === 'refund') {
      const known = this.refundedAt.get(event.orderId);
      if (known === undefined || event.occurredAt < known)
        this.refundedAt.set(event.orderId, event.occurredAt);
    }
    if (
      event.type === 'order.status' &&
      event.status === 'created' &&
      previous?.createdAt === undefined &&
      this.countsAsCreation(state.storeId, event.occurredAt)
    ) {
      this.creations.add(event.occurredAt, now);
    }
    if (event.type === 'order.status' && event.carrier && event.trackingNo) {
      const key = shipmentKey(event.carrier, event.trackingNo);
      if (!this.shipments.has(key)) {
        const bound = boundShipment(
          state.orderId,
          state.storeId,
          event.carrier,
          event.trackingNo,
          event.occurredAt,
        );
        this.shipments.set(key, bound);
        this.evaluateShipment(bound, now, event.occurredAt, out);
      }
    }
    this.evaluateOrder(state, slot, now, event.occurredAt, out);
    return state;
  }

  private evaluateOrder(
    order: OrderState,
    slot: number,
    now: number,
    clearedAt: number,
    out: Signal[],
  ): void {
    const { payment_unapplied: pu, order_stalled: os } = this.paramsFor(order.storeId);
    let nextDue = Number.POSITIVE_INFINITY;
    let nextKind = 0;

    let unapplied: Holding | undefined;
    const puDue =
      pu.enabled && inScope(pu.scope, order.storeId)
        ? paymentUnappliedDueAt(order, pu, this.refundedAt.get(order.orderId))
        : undefined;
    if (puDue !== undefined && puDue <= now) {
      unapplied = {
        at: puDue,
        summary: paymentUnappliedSummary(order, pu),
        labels: {},
        severity: pu.severity,
      };
    } else if (puDue !== undefined) {
      nextDue = puDue;
      nextKind = DEADLINE_KIND.paymentUnapplied;
    }
    this.report(out, 'payment_unapplied', 'order', order.orderId, order.storeId, unapplied, clearedAt);

    let stalled: Holding | undefined;
    const osDue = os.enabled && inScope(os.scope, order.storeId) ? orderStalledDueAt(order, os) : undefined;
    if (osDue !== undefined && osDue <= now) {
      const labels = { status: order.status ?? '' };
      stalled = { at: osDue, summary: orderStalledSummary(order, os), labels, severity: os.severity };
    } else if (osDue !== undefined && osDue < nextDue) {
      nextDue = osDue;
      nextKind = DEADLINE_KIND.orderStalled;
    }
    this.report(out, 'order_stalled', 'order', order.orderId, order.storeId, stalled, clearedAt);

    if (nextDue !== Number.POSITIVE_INFINITY) {
      this.orderDeadlines.schedule(slot, nextDue, nextKind);
    } else if (order.status !== undefined && isTerminal(order.status)) {
      this.orderDeadlines.schedule(slot, now + this.retainFinishedMs, DEADLINE_KIND.evict);
    } else {
      this.orderDeadlines.cancel(slot);
    }
  }

  /** After restore: the earliest due time, past or not, so the next tick evaluates it. */
  private scheduleOrder(order: OrderState, slot: number, now: number): void {
    const { payment_unapplied: pu, order_stalled: os } = this.paramsFor(order.storeId);
    const puDue =
      pu.enabled && inScope(pu.scope, order.storeId)
        ? paymentUnappliedDueAt(order, pu, this.refundedAt.get(order.orderId))
        : undefined;
    const osDue = os.enabled && inScope(os.scope, order.storeId) ? orderStalledDueAt(order, os) : undefined;
    if (puDue !== undefined && (osDue === undefined || puDue <= osDue)) {
      this.orderDeadlines.schedule(slot, puDue, DEADLINE_KIND.paymentUnapplied);
    } else if (osDue !== undefined) {
      this.orderDeadlines.schedule(slot, osDue, DEADLINE_KIND.orderStalled);
    } else if (order.status !== undefined && isTerminal(order.status)) {
      this.orderDeadlines.schedule(slot, now + this.retainFinishedMs, DEADLINE_KIND.evict);
    }
  }

  private mayForgetOrder(order: OrderState, now: number): boolean {
    return (
      order.status !== undefined &&
      isTerminal(order.status) &&
      order.updatedAt + this.retainFinishedMs <= now &&
      !this.isFiringFor(order.orderId)
    );
  }

  // --- shipments ------------------------------------------------------------------------------

  private applyShipment(event: ShipmentUpdateEvent, now: number, out: Signal[]): ShipmentState {
    const key = shipmentKey(event.carrier, event.trackingNo);
    const state = applyShipmentEvent(this.shipments.get(key), event);
    this.shipments.set(key, state);
    this.evaluateShipment(state, now, event.occurredAt, out);
    return state;
  }

  private evaluateShipment(shipment: ShipmentState, now: number, clearedAt: number, out: Signal[]): void {
    const { tracking_silent: ts, shipment_anomaly: sa } = this.paramsFor(shipment.storeId);
    let nextDue = Number.POSITIVE_INFINITY;
    let nextKind = 0;
    const base = { carrier: shipment.carrier, order_id: shipment.orderId };

    let silent: Holding | undefined;
    const tsDue =
      ts.enabled && inScope(ts.scope, shipment.storeId) ? trackingSilentDueAt(shipment, ts) : undefined;
    if (tsDue !== undefined && tsDue <= now) {
      silent = {
        at: tsDue,
        summary: trackingSilentSummary(shipment, ts),
        labels: base,
        severity: ts.severity,
      };
    } else if (tsDue !== undefined) {
      nextDue = tsDue;
      nextKind = DEADLINE_KIND.trackingSilent;
    }
    this.report(out, 'tracking_silent', 'shipment', shipment.key, shipment.storeId, silent, clearedAt);

    let anomaly: Holding | undefined;
    if (sa.enabled && inScope(sa.scope, shipment.storeId)) {
      const found = shipmentAnomalies(shipment, sa, this.regions, now);
      if (found.length > 0) {
        const reasons = found.map((a) => a.reason).join(',');
        anomaly = {
          at: Math.min(...found.map((a) => a.since)),
          summary: shipmentAnomalySummary(shipment, found, sa),
          labels: { ...base, reasons },
          severity: sa.severity,
        };
      }
      const stuckDue = stuckAtLocationDueAt(shipment, sa);
      if (stuckDue !== undefined && stuckDue > now && stuckDue < nextDue) {
        nextDue = stuckDue;
        nextKind = DEADLINE_KIND.stuckAtLocation;
      }
    }
    this.report(out, 'shipment_anomaly', 'shipment', shipment.key, shipment.storeId, anomaly, clearedAt);

    let keyEvent: Holding | undefined;
    // Key events are logistics notifications: they follow shipment_anomaly's store scope.
    const held = inScope(sa.scope, shipment.storeId)
      ? shipmentEventAt(shipment, this.shipmentEvent, now)
      : undefined;
    if (held !== undefined) {
      keyEvent = { at: held.at, summary: held.summary, labels: held.labels, severity: held.severity };
      if (held.endsAt < nextDue) {
        nextDue = held.endsAt;
        nextKind = DEADLINE_KIND.shipmentEventEnds;
      }
    }
    this.report(out, SHIPMENT_EVENT_RULE, 'shipment', shipment.key, shipment.storeId, keyEvent, clearedAt);

    if (nextDue !== Number.POSITIVE_INFINITY) {
      this.shipmentDeadlines.schedule(shipment.key, nextDue, nextKind);
    } else if (SHIPMENT_FINAL_STATES.has(shipment.state)) {
      this.shipmentDeadlines.schedule(shipment.key, now + this.retainFinishedMs, DEADLINE_KIND.evict);
    } else {
      this.shipmentDeadlines.cancel(shipment.key);
    }
  }

  private scheduleShipment(shipment: ShipmentState, now: number): void {
    const { tracking_silent: ts, shipment_anomaly: sa } = this.paramsFor(shipment.storeId);
    const tsDue =
      ts.enabled && inScope(ts.scope, shipment.storeId) ? trackingSilentDueAt(shipment, ts) : undefined;
    const saDue =
      sa.enabled && inScope(sa.scope, shipment.storeId) ? stuckAtLocationDueAt(shipment, sa) : undefined;
    const anomalyNow =
      sa.enabled &&
      inScope(sa.scope, shipment.storeId) &&
      shipmentAnomalies(shipment, sa, this.regions, now).length > 0;
    const keyEventNow =
      inScope(sa.scope, shipment.storeId) && shipmentEventAt(shipment, this.shipmentEvent, now) !== undefined;
    if (anomalyNow || keyEventNow) this.shipmentDeadlines.schedule(shipment.key, now, DEADLINE_KIND.recheck);
    else if (tsDue !== undefined && (saDue === undefined || tsDue <= saDue)) {
      this.shipmentDeadlines.schedule(shipment.key, tsDue, DEADLINE_KIND.trackingSilent);
    } else if (saDue !== undefined)
      this.shipmentDeadlines.schedule(shipment.key, saDue, DEADLINE_KIND.stuckAtLocation);
    else if (SHIPMENT_FINAL_STATES.has(shipment.state)) {
      this.shipmentDeadlines.schedule(shipment.key, now + this.retainFinishedMs, DEADLINE_KIND.evict);
    }
  }

  private mayForgetShipment(shipment: ShipmentState, now: number): boolean {
    return (
      SHIPMENT_FINAL_STATES.has(shipment.state) &&
      shipment.lastUpdateAt + this.retainFinishedMs <= now &&
      !this.isFiringFor(shipment.key)
    );
  }

  // --- providers, stores, custom rules ----------------------------------------------------------

  private watchedProviders(): readonly PaymentProvider[] {
    return this.params.callback_silent.providers;
  }

  private countsAsCreation(storeId: string, at: number): boolean {
    return inScope(this.params.callback_silent.scope, storeId) && this.storeOpen(storeId, at);
  }

  private evaluateProvider(provider: PaymentProvider, now: number, clearedAt: number, out: Signal[]): void {
    const cb = this.params.callback_silent;
    let holding: Holding | undefined;
    if (cb.enabled && cb.providers.includes(provider)) {
      const lastHeard = this.lastNotifyAt.get(provider) ?? this.watchingSince ?? now;
      const silence = callbackSilence(provider, lastHeard, this.creations.count(now, cb.limitMs), cb, now);
      if (silence !== undefined) {
        holding = {
          at: silence.since,
          summary: callbackSilentSummary(silence, cb, now),
          labels: { provider },
          severity: cb.severity,
          // Re-reported once a minute so the open alert shows how long the silence has lasted.
          fingerprint: `${cb.severity}|${Math.floor((now - lastHeard) / 60_000)}`,
        };
      }
    }
    this.report(out, 'callback_silent', 'provider', provider, null, holding, clearedAt);
  }

  private evaluateStore(storeId: string, now: number, out: Signal[]): void {
    const p = this.paramsFor(storeId).reconciliation_mismatch;
    const byDay = this.reconciliations.get(storeId);
    if (byDay === undefined) return;
    const keep = windowDays(p);
    const days = [...byDay.keys()].sort().reverse();
    for (const old of days.slice(keep)) byDay.delete(old);
    const open = days.slice(0, keep).filter((day) => this.storeOpenOnDay(storeId, day));
    const rates = mismatchRates(open.map((day) => byDay.get(day)!));
    let holding: Holding | undefined;
    if (p.enabled && inScope(p.scope, storeId) && rates !== undefined && isMismatch(rates, p)) {
      holding = {
        at: now,
        summary: reconciliationMismatchSummary(rates, p),
        labels: { from_day: rates.fromDay, to_day: rates.toDay },
        severity: p.severity,
      };
    }
    this.report(out, 'reconciliation_mismatch', 'store', storeId, storeId, holding, now);
  }

  private evaluateCustom(ctx: CustomRuleContext, out: Signal[]): void {
    const storeId = ctx.order?.storeId ?? ctx.event.storeId;
    for (const rule of this.customRules) {
      let matched = false;
      try {
        matched = rule.matches(ctx);
      } catch {
        this.customErrors.set(rule.name, (this.customErrors.get(rule.name) ?? 0) + 1);
      }
      const holding: Holding | undefined = matched
        ? {
            at: ctx.event.occurredAt,
            summary: rule.summary?.(ctx) ?? {
              zh: `订单 ${ctx.event.orderId} 命中规则 ${rule.name}`,
              en: `Order ${ctx.event.orderId} matches rule ${rule.name}`,
            },
            labels: { ...rule.labels },
            severity: rule.severity,
          }
        : undefined;
      this.report(out, rule.name, 'order', ctx.event.orderId, storeId, holding, ctx.event.occurredAt);
    }
  }

  // --- reporting ------------------------------------------------------------------------------

  private firingOf(rule: string): Map<string, Reported> {
    let byEntity = this.firing.get(rule);
    if (byEntity === undefined) {
      byEntity = new Map();
      this.firing.set(rule, byEntity);
    }
    return byEntity;
  }

  private isFiringFor(entityId: string): boolean {
    for (const byEntity of this.firing.values()) if (byEntity.has(entityId)) return true;
    return false;
  }

  private report(
    out: Signal[],
    rule: string,
    entityType: EntityType,
    entityId: string,
    storeId: string | null,
    holding: Holding | undefined,
    clearedAt: number,
  ): void {
    const byEntity = this.firing.get(rule);
    const previous = byEntity?.get(entityId);
    if (holding !== undefined) {
      const signal: Signal = {
        rule,
        entityType,
        entityId,
        storeId,
        condition: 'firing',
        severity: holding.severity,
        at: holding.at,
        summary: holding.summary,
        labels: holding.labels,
      };
      const fingerprint = holding.fingerprint ?? fingerprintOf(signal);
      if (previous?.fingerprint === fingerprint) return;
      this.firingOf(rule).set(entityId, { signal, fingerprint });
      out.push(signal);
    } else if (previous !== undefined) {
      byEntity!.delete(entityId);
      out.push({
        ...previous.signal,
        condition: 'resolved',
        at: Math.max(clearedAt, previous.signal.at),
      });
    }
  }
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function fingerprintOf(signal: Pick<Signal, 'severity' | 'summary'>): string {
  return `${signal.severity}|${signal.summary.en}`;
}
