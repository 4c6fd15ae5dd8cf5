// A whole scenario: the chain, the orders of every 10-minute chunk (each drawn from its own seeded
// stream), the back-dated history to send first and the live actions after it, in time order.
import type {
  BillLine,
  CarrierPush,
  IncidentKind,
  LiveAction,
  PaymentCallback,
  WireEvent,
} from './actions.ts';
import { INCIDENT_KINDS } from './actions.ts';
import { buildChain, type Chain, pickStore } from './chain.ts';
import { type OrderContext, type PlannedOrder, planOrder } from './order-plan.ts';
import { Prng } from './prng.ts';
import { CARRY_OVER_WINDOW, type ScenarioConfig } from './scenario-config.ts';
import { arrivals, chainOrderRate, MAX_DIURNAL_FACTOR } from './traffic-curve.ts';

export const CHUNK_MS = 10 * 60_000;

/** Share of orders taken at a till (the rest online); order-plan.ts draws channels with it. */
const POS_SHARE = 0.45;

/**
 * The back-dated traffic, in the order it is sent. The collector takes NDJSON events by the thousand but
 * provider callbacks one request each, so the plan puts first what makes the incidents visible:
 * 1. `events`: every order's statuses, newest first per order, so a finished order never looks overdue
 *    between two requests (all but the earlier days' healthy shipments, below);
 * 2. `urgentPayments` (the last WeChat Pay callback before the outage, so callback_silent shows, then
 *    the payments never applied) and `urgentPushes` (waybills already silent 48 h or returned twice);
 * 3. the earlier days' other waybills, `carrierFirst` (kept pending until their order binds them, so no
 *    healthy shipment looks silent while they are sent) then `carryOverEvents`, in parallel with the
 *    other `payments`;
 * 4. `pushes` of today's orders, and the bill once every payment is in (an Alipay-paid order must be
 *    known not to be WeChat's).
 */
export interface IncidentTally {
  /** Orders (or bill lines) the incident touched, up to the end of the history. */
  total: number;
  /** Of those, how many meet their rule's condition at the start (alerts to expect at once). */
  dueAtStart: number;
  stores: string[];
}

export interface HistoryPlan {
  carrierFirst: CarrierPush[];
  carryOverEvents: WireEvent[];
  events: WireEvent[];
  urgentPayments: PaymentCallback[];
  urgentPushes: CarrierPush[];
  payments: PaymentCallback[];
  pushes: CarrierPush[];
  orders: number;
  incidents: Record<IncidentKind, IncidentTally>;
  /** WeChat Pay payments before the start (the bill's lines). */
  billLines: BillLine[];
}

/**
 * The history's events (newest first per order) regrouped so layer k holds each order's k-th newest
 * event. Sent layer after layer, an order's latest status is committed before its older ones whatever
 * order the collector commits the rows of one request in — so nothing long finished looks overdue.
 */
export function layersNewestFirst(events: readonly WireEvent[]): WireEvent[][] {
  const byOrder = new Map<string, WireEvent[]>();
  for (const event of events) {
    const list = byOrder.get(event.order_id);
    if (list) list.push(event);
    else byOrder.set(event.order_id, [event]);
  }
  const layers: WireEvent[][] = [];
  for (const list of byOrder.values()) {
    list.forEach((event, k) => {
      layers[k] ??= [];
      layers[k].push(event);
    });
  }
  return layers;
}

class ActionHeap {
  readonly #items: LiveAction[] = [];
  get size(): number {
    return this.#items.length;
  }
  peek(): LiveAction | undefined {
    return this.#items[0];
  }
  push(action: LiveAction): void {
    const a = this.#items;
    a.push(action);
    let i = a.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (a[parent]!.at <= action.at) break;
      a[i] = a[parent]!;
      i = parent;
    }
    a[i] = action;
  }
  pop(): LiveAction | undefined {
    const a = this.#items;
    const top = a[0];
    const last = a.pop();
    if (a.length === 0 || last === undefined) return top;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < a.length && a[l]!.at < (m === i ? last.at : a[m]!.at)) m = l;
      if (r < a.length && a[r]!.at < (m === i ? last.at : a[m]!.at)) m = r;
      if (m === i) break;
      a[i] = a[m]!;
      i = m;
    }
    a[i] = last;
    return top;
  }
}

export class Scenario {
  readonly config: ScenarioConfig;
  readonly chain: Chain;
  readonly context: OrderContext;
  readonly leakyStores: readonly string[];
  readonly stalledStores: readonly string[];

  constructor(config: ScenarioConfig) {
    this.config = config;
    this.chain = buildChain(config.seed, config.stores);
    const rng = Prng.derive(config.seed, 'incidents');
    const shuffled = [...this.chain.stores];
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = Math.floor(rng.next() * (i + 1));
      [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
    }
    const missing = config.incidents.missingOrders;
    const leaky = missing
      ? shuffled.slice(0, Math.max(1, Math.round(config.stores * missing.storeShare)))
      : [];
    const leakyTills = new Set<string>();
    let leakyWeight = 0;
    for (const store of leaky) {
      const tills = Math.min(missing!.tillsPerStore, store.tills.length);
      for (const till of store.tills.slice(0, tills)) leakyTills.add(till);
      leakyWeight += store.weight * (tills / store.tills.length);
    }
    // Of all WeChat bill lines, this share comes from the leaky tills; missing there with probability p
    // makes `share` of the bill's lines orders OrderPulse never saw.
    const candidateShare = (leakyWeight / Math.max(1, config.stores)) * POS_SHARE;
    const missingProbability =
      missing && candidateShare > 0 ? Math.min(0.95, missing.share / candidateShare) : 0;
    const stalled = config.incidents.pickingStall
      ? shuffled.slice(shuffled.length - config.incidents.pickingStall.stores)
      : [];
    this.leakyStores = leaky.map((s) => s.id).sort();
    this.stalledStores = stalled.map((s) => s.id).sort();
    this.context = {
      config,
      leakyTills,
      missingProbability,
      stalledStores: new Set(this.stalledStores),
    };
  }

  /** Chunk k covers creations in [createFromMs + k·CHUNK_MS, … + CHUNK_MS). */
  chunkStart(k: number): number {
    return this.config.createFromMs + k * CHUNK_MS;
  }

  get chunkCount(): number {
    const span = this.config.createToMs - this.config.createFromMs;
    return Number.isFinite(span) ? Math.max(0, Math.ceil(span / CHUNK_MS)) : Number.POSITIVE_INFINITY;
  }

  /** Orders created in chunk k, oldest first. */
  ordersOfChunk(k: number): PlannedOrder[] {
    const { config } = this;
    const from = this.chunkStart(k);
    const to = Math.min(from + CHUNK_MS, config.createToMs);
    const rng = Prng.derive(config.seed, 'chunk', k);
    const rate = (ms: number) =>
      chainOrderRate(ms, config.stores, config.ordersPerStorePerDay, config.promotion, config.curveShiftMs);
    const overlapsPromotion =
      config.promotion && config.promotion.fromMs < to && config.promotion.toMs > from;
    const peak =
      ((config.stores * config.ordersPerStorePerDay) / 86_400_000) *
      MAX_DIURNAL_FACTOR *
      (overlapsPromotion ? config.promotion!.factor : 1);
    const times = arrivals(from, to, rate, peak, () => rng.next());
    const chunkTag = k.toString(36);
    return times.map((t, i) => {
      const store = pickStore(this.chain, rng);
      const orderId = `O${config.runId}-${store.id}-${chunkTag}-${i.toString(36)}`;
      return planOrder(this.context, store, orderId, t, false);
    });
  }

  /** Online orders of the previous days still on their way. */
  carryOverOrders(): PlannedOrder[] {
    const { config } = this;
    const rng = Prng.derive(config.seed, 'carry-over');
    const out: PlannedOrder[] = [];
    for (const store of this.chain.stores) {
      for (let i = 0; i < config.carryOverPerStore; i++) {
        const createdAt = Math.floor(
          config.startMs - rng.between(CARRY_OVER_WINDOW.toAgoMs, CARRY_OVER_WINDOW.fromAgoMs),
        );
        out.push(planOrder(this.context, store, `C${config.runId}-${store.id}-${i}`, createdAt, true));
      }
    }
    return out.sort((a, b) => a.createdAt - b.createdAt);
  }

  /** Chunks whose orders are (at least partly) created before the start. */
  get historyChunks(): number {
    return Math.min(
      this.chunkCount,
      Math.max(0, Math.ceil((this.config.startMs - this.config.createFromMs) / CHUNK_MS)),
    );
  }

  history(): HistoryPlan {
    const start = this.config.startMs;
    const incidents = Object.fromEntries(
      INCIDENT_KINDS.map((kind) => [kind, { total: 0, dueAtStart: 0, stores: [] as string[] }]),
    ) as Record<IncidentKind, IncidentTally>;
    const storesOf = new Map<IncidentKind, Set<string>>();
    const plan: HistoryPlan = {
      carrierFirst: [],
      carryOverEvents: [],
      events: [],
      urgentPayments: [],
      urgentPushes: [],
      payments: [],
      pushes: [],
      orders: 0,
      incidents,
      billLines: [],
    };
    const carryOver = this.carryOverOrders();
    const groups: PlannedOrder[][] = [carryOver];
    for (let k = 0; k < this.historyChunks; k++)
      groups.push(this.ordersOfChunk(k).filter((o) => o.createdAt < start));
    for (const orders of groups) {
      for (const order of orders) {
        plan.orders++;
        const past = order.actions.filter((a) => a.at < start);
        const events: WireEvent[] = [];
        for (const a of past) if (a.kind === 'event') events.push(a.event);
        // An earlier day's shipment that already shows its incident goes first, pushes after events:
        // it raises its alert either way. A healthy one must have its checkpoints in before its order.
        const due = order.conditionAt !== undefined && order.conditionAt <= start;
        const healthyCarryOver = orders === carryOver && !due;
        (healthyCarryOver ? plan.carryOverEvents : plan.events).push(...events.reverse());
        for (const a of past) {
          if (a.kind !== 'payment') continue;
          (order.incident === 'payment_unapplied' ? plan.urgentPayments : plan.payments).push(a.callback);
        }
        const lastPush = past.filter((a) => a.kind === 'carrier').at(-1);
        if (lastPush?.kind === 'carrier') {
          const list = healthyCarryOver
            ? plan.carrierFirst
            : orders === carryOver
              ? plan.urgentPushes
              : plan.pushes;
          list.push(lastPush.push);
        }
        if (order.billLine && order.billLine.paidAt < start) plan.billLines.push(order.billLine);
        if (
          order.incident &&
          (order.incident !== 'missing_order' || (order.billLine?.paidAt ?? start) < start)
        ) {
          const tally = incidents[order.incident];
          tally.total++;
          if (order.conditionAt !== undefined && order.conditionAt <= start) tally.dueAtStart++;
          if (!storesOf.has(order.incident)) storesOf.set(order.incident, new Set());
          storesOf.get(order.incident)!.add(order.storeId);
        }
      }
    }
    for (const [kind, stores] of storesOf) incidents[kind].stores = [...stores].sort();
    plan.payments.sort((a, b) => a.paidAt - b.paidAt);
    const outage = this.config.incidents.callbackOutage;
    if (outage) {
      let last = -1;
      plan.payments.forEach((p, i) => {
        if (p.provider === outage.provider && p.paidAt < outage.fromMs) last = i;
      });
      if (last >= 0) plan.urgentPayments.unshift(...plan.payments.splice(last, 1));
    }
    plan.billLines.sort((a, b) => a.paidAt - b.paidAt);
    return plan;
  }

  /**
   * Everything from the start on, in time order: the rest of the history orders' lives, then the
   * orders created live, chunk by chunk as time reaches them (endless when createToMs is Infinity).
   */
  *live(): Generator<LiveAction> {
    const start = this.config.startMs;
    const heap = new ActionHeap();
    const addFuture = (orders: readonly PlannedOrder[], createdFrom: number) => {
      for (const order of orders) {
        const hold = order.paymentAt !== undefined && order.paymentAt >= start;
        for (const a of order.actions) {
          if (order.createdAt < createdFrom && a.at < start) continue;
          heap.push(hold ? { ...a, holdForBill: true } : a);
        }
      }
    };
    addFuture(this.carryOverOrders(), Number.POSITIVE_INFINITY);
    let next = 0;
    for (; next < this.historyChunks; next++) addFuture(this.ordersOfChunk(next), start);
    for (;;) {
      const top = heap.peek();
      if (next < this.chunkCount && (top === undefined || this.chunkStart(next) <= top.at)) {
        addFuture(this.ordersOfChunk(next), start);
        next++;
        continue;
      }
      const action = heap.pop();
      if (action === undefined) return;
      yield action;
    }
  }
}
