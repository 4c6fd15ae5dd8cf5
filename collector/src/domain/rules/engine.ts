// The rule engine: keeps the current state of open orders and shipments, one deadline per entity,
// and turns events, ticks and reconciliation results into Signals (a condition started or cleared).
//
// Evaluate → report: every evaluation asks each registered rule (builtin-evaluators.ts) whether its
// condition holds for an entity NOW (by event time), and FiringConditions compares with what this
// engine last said about that (rule, entity). Deadlines: each order/shipment has at most one
// deadline, the earliest time at which one of its rules' answers would change with no new event;
// popping it just re-evaluates the entity. Nothing here reads the clock or does I/O.
import { DeadlineHeap } from '../deadlines.ts';
import type { OrderEvent, PaymentProvider, ShipmentUpdateEvent, StoredEvent } from '../events.ts';
import { applyOrderEvent, type OrderState } from '../order-lifecycle.ts';
import { BUILTIN_EVALUATORS, orderKind, type RuleEvaluators, shipmentKind } from './builtin-evaluators.ts';
import { callbackHeardAt } from './callback-silent.ts';
import type { CustomRule } from './custom-rule.ts';
import { CustomRuleSet } from './custom-rule-set.ts';
import { type ChainCreations, EngineFacts } from './engine-facts.ts';
import { DEADLINE_KIND, EntityRules } from './entity-rules.ts';
import { FiringConditions } from './firing-conditions.ts';
import { OrderTable } from './order-table.ts';
import type { BuiltinRuleName, BuiltinRuleParams } from './params.ts';
import type { StoreReconciliationResult } from './reconciliation-mismatch.ts';
import { type RegionLookup, SIMPLE_REGION_LOOKUP } from './shipment-anomaly.ts';
import { DEFAULT_SHIPMENT_EVENT_PARAMS, type ShipmentEventParams } from './shipment-event.ts';
import { applyShipmentEvent, boundShipment, type ShipmentState } from './shipment-state.ts';
import { ShipmentTable } from './shipment-table.ts';
import type { Signal } from './signal.ts';

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
  /**
   * The rules evaluated, `ruleEvaluators(list)` of a registration list; default the built-in ones.
   * The parameters passed to the engine must then hold an entry for every rule in the list.
   */
  rules?: RuleEvaluators;
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

const DEFAULT_RETAIN_FINISHED_MS = 24 * 3_600_000;

export class RuleEngine {
  private params: BuiltinRuleParams;
  /**
   * Stores with parameters of their own (a promotion limited to some stores); the others use
   * `params`. Order, shipment and store rules read the entity's store's set; callback_silent is per
   * provider across stores, and `for`/cool-down timing per rule, so those always use `params`.
   */
  private storeParams: ReadonlyMap<string, BuiltinRuleParams> = new Map();
  private readonly customRules: CustomRuleSet;
  private readonly retainFinishedMs: number;
  private readonly facts: EngineFacts;

  private readonly orders = new OrderTable(1024);
  private readonly shipments = new ShipmentTable(1024);
  /** Keyed by the order's slot in `orders`. */
  private readonly orderDeadlines = new DeadlineHeap(1024);
  /** Keyed by the shipment's slot in `shipments`. */
  private readonly shipmentDeadlines = new DeadlineHeap(1024);
  private readonly orderRules: EntityRules<OrderState, number>;
  private readonly shipmentRules: EntityRules<ShipmentState, number>;
  private readonly firing = new FiringConditions();
  private readonly rules: RuleEvaluators;

  constructor(
    params: BuiltinRuleParams,
    customRules: readonly CustomRule[] = [],
    options: RuleEngineOptions = {},
  ) {
    this.params = params;
    this.customRules = new CustomRuleSet(customRules, this.firing);
    this.retainFinishedMs = options.retainFinishedMs ?? DEFAULT_RETAIN_FINISHED_MS;
    this.rules = options.rules ?? BUILTIN_EVALUATORS;
    this.facts = new EngineFacts({
      regions: options.regions ?? SIMPLE_REGION_LOOKUP,
      shipmentEvent: options.shipmentEvent ?? { ...DEFAULT_SHIPMENT_EVENT_PARAMS, enabled: false },
      storeOpen: options.storeOpen ?? (() => true),
      storeOpenOnDay: options.storeOpenOnDay ?? (() => true),
      creationRetentionMs: params.callback_silent.limitMs,
    });
    this.orderRules = new EntityRules(
      orderKind(this.orderDeadlines, this.rules.order),
      this.firing,
      this.facts,
      this.retainFinishedMs,
    );
    this.shipmentRules = new EntityRules(
      shipmentKind(this.shipmentDeadlines, this.rules.shipment),
      this.firing,
      this.facts,
      this.retainFinishedMs,
    );
  }

  /** Applies one stored event. A deadline the event puts in the past fires at once. */
  ingest(event: StoredEvent, now: number): Signal[] {
    this.facts.watchFrom(now);
    const out: Signal[] = [];
    let order: OrderState | undefined;
    let shipment: ShipmentState | undefined;
    if (event.type === 'shipment.update') {
      shipment = this.applyShipment(event, now, out);
      order = this.orders.get(event.orderId);
    } else {
      order = this.applyOrder(event, now, out);
      const heardAt = event.type === 'payment.notify' ? callbackHeardAt(event) : undefined;
      if (event.type === 'payment.notify' && heardAt !== undefined) {
        this.facts.heardFrom(event.provider, heardAt);
        this.evaluateProvider(event.provider, now, heardAt, out);
      }
    }
    if (!this.customRules.isEmpty) this.customRules.evaluate({ event, order, shipment }, out);
    return out;
  }

  /** The earliest deadline of any order or shipment (a tick at that time has work), or undefined. */
  nextDueAt(): number | undefined {
    const order = this.orderDeadlines.peekDueAt();
    const shipment = this.shipmentDeadlines.peekDueAt();
    if (order === undefined) return shipment;
    return shipment === undefined ? order : Math.min(order, shipment);
  }

  /**
   * Fires due deadlines and evaluates callback_silent. Call at `nextDueAt()` for deadlines to fire
   * as they pass, and often besides (every ~50 ms) for callback_silent.
   */
  tick(now: number): Signal[] {
    this.facts.watchFrom(now);
    const out: Signal[] = [];
    const dueOrders = this.orderDeadlines
      .popDue(now)
      .map((due) => ({ ...due, order: this.orders.at(due.id) }))
      .sort((a, b) => a.dueAt - b.dueAt || compare(a.order.orderId, b.order.orderId));
    for (const { id, kind, order } of dueOrders) {
      if (kind === DEADLINE_KIND.evict && this.orderRules.mayForget(order, now)) {
        this.orders.delete(order.orderId);
        this.facts.forgetOrder(order.orderId);
      } else this.orderRules.evaluate(order, id, this.paramsFor(order.storeId), now, now, out);
    }
    const dueShipments = this.shipmentDeadlines
      .popDue(now)
      .map((due) => ({ ...due, shipment: this.shipments.at(due.id) }))
      .sort((a, b) => a.dueAt - b.dueAt || compare(a.shipment.key, b.shipment.key));
    for (const { id, kind, shipment } of dueShipments) {
      if (kind === DEADLINE_KIND.evict && this.shipmentRules.mayForget(shipment, now))
        this.shipments.delete(shipment.carrier, shipment.trackingNo);
      else this.shipmentRules.evaluate(shipment, id, this.paramsFor(shipment.storeId), now, now, out);
    }
    for (const provider of this.params.callback_silent.providers)
      this.evaluateProvider(provider, now, now, out);
    return out;
  }

  /**
   * Cluster mode, on the processor that answers for the chain-wide rules: what the whole chain did
   * lately (read from the store), where this engine saw only its partitions' events. Each provider's
   * last callback only moves forward.
   */
  chainFacts(
    facts: { creations: Iterable<ChainCreations>; lastNotifyAt: Partial<Record<PaymentProvider, number>> },
    now: number,
  ): void {
    this.facts.replaceCreations(facts.creations, now, this.params.callback_silent.scope);
    for (const [provider, at] of Object.entries(facts.lastNotifyAt)) {
      if (at !== undefined) this.facts.heardFrom(provider as PaymentProvider, Math.min(at, now));
    }
  }

  /**
   * Takes the daily reconciliation results (any stores, any days) and reports each touched store:
   * firing while its unmatched share over the window exceeds the threshold, resolved when it falls.
   */
  reconciliation(results: readonly StoreReconciliationResult[], now: number): Signal[] {
    for (const result of results) this.facts.addReconciliation(result);
    const out: Signal[] = [];
    for (const storeId of new Set(results.map((r) => r.storeId))) this.evaluateStore(storeId, now, out);
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
    this.facts.watchFrom(now);
    for (const order of orders) {
      this.orderRules.scheduleFirst(order, this.orders.set(order), this.paramsFor(order.storeId), now);
      if (order.createdAt !== undefined) this.noteCreation(order.storeId, order.createdAt, now);
    }
    for (const shipment of shipments) {
      const slot = this.shipments.set(shipment);
      this.shipmentRules.scheduleFirst(shipment, slot, this.paramsFor(shipment.storeId), now);
    }
    for (const [provider, at] of Object.entries(options.lastNotifyAt ?? {})) {
      // A time ahead of the restart was never heard yet (a future-dated notification stored before
      // event times were bounded): it would silence callback_silent until that time comes.
      if (at !== undefined) this.facts.restoreHeardFrom(provider as PaymentProvider, Math.min(at, now));
    }
    for (const open of options.openAlerts ?? []) {
      this.firing.restore({ ...open, condition: 'firing' });
      if (open.entityType === 'order') {
        const slot = this.orders.slot(open.entityId);
        if (slot !== undefined) this.orderRules.scheduleRecheck(slot, now);
      } else if (open.entityType === 'shipment') {
        const slot = this.shipments.slotOfKey(open.entityId);
        if (slot !== undefined) this.shipmentRules.scheduleRecheck(slot, now);
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
        ? !this.shipments.has(e.carrier, e.trackingNo)
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
      if (!this.orderRules.isFinished(order) || this.orders.has(order.orderId)) continue;
      this.orderRules.scheduleEviction(this.orders.set(order), now);
    }
    for (const shipment of shipments) {
      if (
        !this.shipmentRules.isFinished(shipment) ||
        this.shipments.has(shipment.carrier, shipment.trackingNo)
      )
        continue;
      this.shipmentRules.scheduleEviction(this.shipments.set(shipment), now);
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
    this.facts.setCreationRetention(params.callback_silent.limitMs);
    const out: Signal[] = [];
    for (const [slot, order] of this.orders.entries())
      this.orderRules.evaluate(order, slot, this.paramsFor(order.storeId), now, now, out);
    for (const [slot, shipment] of this.shipments.entries())
      this.shipmentRules.evaluate(shipment, slot, this.paramsFor(shipment.storeId), now, now, out);
    for (const provider of new Set([...params.callback_silent.providers, ...this.facts.heardProviders()])) {
      this.evaluateProvider(provider, now, now, out);
    }
    for (const storeId of this.facts.reconciledStores()) this.evaluateStore(storeId, now, out);
    return out;
  }

  /**
   * Hot reload of custom rules. Conditions of rules that are gone are resolved now; the others are
   * re-evaluated on the next event of their order. (The constructor keeps the array it is given, not
   * a copy, so refilling that array in place also works; this resolves removed rules' alerts too.)
   */
  setCustomRules(rules: readonly CustomRule[], now: number): Signal[] {
    return this.customRules.replace(rules, now);
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
    return this.customRules.timing(rule);
  }

  order(orderId: string): OrderState | undefined {
    return this.orders.get(orderId);
  }

  shipment(carrier: string, trackingNo: string): ShipmentState | undefined {
    return this.shipments.get(carrier, trackingNo);
  }

  /** Conditions currently reported firing (what the engine believes is open). */
  firingSignals(): Signal[] {
    return this.firing.signals();
  }

  /** How many times each custom rule threw (it then counts as not matching). */
  customRuleErrors(): Record<string, number> {
    return this.customRules.errorCounts();
  }

  private paramsFor(storeId: string): BuiltinRuleParams {
    return this.storeParams.size === 0 ? this.params : (this.storeParams.get(storeId) ?? this.params);
  }

  private applyOrder(event: OrderEvent, now: number, out: Signal[]): OrderState {
    const previous = this.orders.get(event.orderId);
    const { state } = applyOrderEvent(previous, event);
    const slot = this.orders.set(state);
    if (event.type === 'payment.notify' && event.status === 'refund') {
      this.facts.noteRefund(event.orderId, event.occurredAt);
    }
    if (event.type === 'order.status' && event.status === 'created' && previous?.createdAt === undefined) {
      this.noteCreation(state.storeId, event.occurredAt, now);
    }
    if (event.type === 'order.status' && event.carrier && event.trackingNo) {
      if (!this.shipments.has(event.carrier, event.trackingNo)) {
        const bound = boundShipment(
          state.orderId,
          state.storeId,
          event.carrier,
          event.trackingNo,
          event.occurredAt,
        );
        const slot = this.shipments.set(bound);
        this.shipmentRules.evaluate(bound, slot, this.paramsFor(bound.storeId), now, event.occurredAt, out);
      }
    }
    this.orderRules.evaluate(state, slot, this.paramsFor(state.storeId), now, event.occurredAt, out);
    return state;
  }

  private applyShipment(event: ShipmentUpdateEvent, now: number, out: Signal[]): ShipmentState {
    const state = applyShipmentEvent(this.shipments.get(event.carrier, event.trackingNo), event);
    const slot = this.shipments.set(state);
    this.shipmentRules.evaluate(state, slot, this.paramsFor(state.storeId), now, event.occurredAt, out);
    return state;
  }

  private noteCreation(storeId: string, at: number, now: number): void {
    this.facts.noteCreation(storeId, at, now, this.params.callback_silent.scope);
  }

  private evaluateProvider(provider: PaymentProvider, now: number, clearedAt: number, out: Signal[]): void {
    for (const rule of this.rules.provider) {
      const holding = rule.holding(provider, this.params, this.facts, now);
      this.firing.report(out, rule.name, 'provider', provider, null, holding, clearedAt);
    }
  }

  private evaluateStore(storeId: string, now: number, out: Signal[]): void {
    const params = this.paramsFor(storeId);
    for (const rule of this.rules.store) {
      const holding = rule.holding(storeId, params, this.facts, now);
      this.firing.report(out, rule.name, 'store', storeId, storeId, holding, now);
    }
  }
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
