// Replays stored events through draft custom rules, as the engine would have evaluated them: each
// event is folded into its order's state with the engine's own fold (applyOrderEvent), then every
// rule is asked about the event with that order, exactly the CustomRuleContext the engine builds.
// A rule "fires" when its condition starts to hold for an order (the engine's firing signal); it
// holds until an event of that order makes it false. Pure: the caller streams events in event-time
// order and reads the result.
//
// Memory: orders live in the engine's columnar OrderTable (~40 B of columns per order) with one
// 32-bit word per order saying which rules hold; a finished order is forgotten `retainFinishedMs`
// after its last event, as the engine forgets it, so a week's replay keeps about a day of orders.
import type { OrderEvent } from '../events.ts';
import { applyOrderEvent, isTerminal, type OrderState } from '../order-lifecycle.ts';
import type { CustomRule } from './custom-rule.ts';
import { OrderTable } from './order-table.ts';

/** One word of "holds" bits per order. */
export const MAX_BACKTEST_RULES = 32;

export interface BacktestOptions {
  /** Events before it only build order state (the warm-up); from it on, rules are evaluated. */
  from: number;
  /** At most this many firings are kept as samples (the first ones by event time). */
  sampleLimit: number;
  /** How many stores `result()` lists, most firings first. */
  topStores: number;
  /** A finished order is forgotten this long after its last event (the engine's default: 24 h). */
  retainFinishedMs: number;
}

export interface BacktestSample {
  orderId: string;
  storeId: string;
  at: number;
  rule: string;
}

/** Where a sample stands in its replay: the firing event's keys, then the rule's place in the draft. */
export interface SampleKey {
  at: number;
  source: string;
  id: string;
  rule: number;
}

export interface BacktestResult {
  /** Events evaluated (from `from` on; the warm-up is not counted). */
  eventsScanned: number;
  fired: number;
  byRule: Array<{ rule: string; count: number }>;
  byStore: Array<{ storeId: string; count: number }>;
  /** Stores with at least one firing (byStore may list fewer). */
  storesFired: number;
  sample: BacktestSample[];
  /** Rules that threw, and how often (a rule that throws does not match, as in the engine). */
  errors: Record<string, number>;
  /** Orders held at the end, the most at any time (for the memory bound). */
  ordersHeld: number;
  peakOrdersHeld: number;
}

export class Backtest {
  private readonly orders = new OrderTable(1 << 16);
  private holds = new Uint32Array(1 << 16);
  /** Orders that reached a terminal status, oldest last event first: candidates to forget. */
  private finishedIds: string[] = [];
  private finishedAt: number[] = [];
  private finishedHead = 0;
  private scanned = 0;
  private fired = 0;
  private readonly perRule: number[];
  private readonly perStore = new Map<string, number>();
  private readonly samples: BacktestSample[] = [];
  private readonly sampleKeys: SampleKey[] = [];
  private readonly errors = new Map<string, number>();
  private peak = 0;

  constructor(
    private readonly rules: readonly CustomRule[],
    private readonly options: BacktestOptions,
  ) {
    if (rules.length > MAX_BACKTEST_RULES)
      throw new RangeError(`at most ${MAX_BACKTEST_RULES} rules can be backtested at once`);
    this.perRule = rules.map(() => 0);
  }

  /** One event, in event-time order after the previous one. */
  apply(event: OrderEvent): void {
    this.forgetFinishedBefore(event.occurredAt - this.options.retainFinishedMs);
    let order: OrderState | undefined;
    let slot: number | undefined;
    if (event.type === 'shipment.update') {
      // As in the engine: a carrier update changes the waybill, not the order it is evaluated with.
      slot = this.orders.slot(event.orderId);
      order = slot === undefined ? undefined : this.orders.at(slot);
    } else {
      const previous = this.orders.get(event.orderId);
      order = applyOrderEvent(previous, event).state;
      slot = this.orders.set(order);
      if (slot >= this.holds.length) this.growHolds(slot);
      if (previous === undefined) this.holds[slot] = 0;
      if (order.status !== undefined && isTerminal(order.status)) {
        this.finishedIds.push(order.orderId);
        this.finishedAt.push(order.updatedAt);
      }
      if (this.orders.size > this.peak) this.peak = this.orders.size;
    }
    // Warm-up events are evaluated too, uncounted: a condition already holding when the window
    // opens fired before it, as far as the engine is concerned.
    const counted = event.occurredAt >= this.options.from;
    if (counted) this.scanned++;
    this.evaluate(event, order, slot, counted);
  }

  result(): BacktestResult {
    return {
      eventsScanned: this.scanned,
      fired: this.fired,
      byRule: this.rules.map((rule, i) => ({ rule: rule.name, count: this.perRule[i]! })),
      byStore: topStores(this.perStore, this.options.topStores),
      storesFired: this.perStore.size,
      sample: [...this.samples],
      errors: Object.fromEntries(this.errors),
      ordersHeld: this.orders.size,
      peakOrdersHeld: this.peak,
    };
  }

  /** The keys of `result().sample`, in the same order. */
  sampleOrder(): readonly SampleKey[] {
    return this.sampleKeys;
  }

  /**
   * One result for replays of disjoint sets of orders with the same rules and options, as one
   * replay of all their events would give it: an order's fold and firings depend on its own events
   * only, so the counts add up. `sampleOrder` numbers the parts' samples one part after the other
   * (as their `sampleOrder()` lists them) and gives them in the order of that one replay; its first
   * `sampleLimit` are kept. The orders held at most is the sum of the parts' peaks (an upper bound:
   * the parts need not peak at once).
   */
  static merge(parts: readonly Backtest[], sampleOrder: readonly number[]): BacktestResult {
    const first = parts[0];
    if (first === undefined) throw new RangeError('nothing to merge');
    const perRule = first.rules.map(() => 0);
    const perStore = new Map<string, number>();
    const errors = new Map<string, number>();
    const samples: BacktestSample[] = [];
    let scanned = 0;
    let fired = 0;
    let held = 0;
    let peak = 0;
    for (const part of parts) {
      scanned += part.scanned;
      fired += part.fired;
      held += part.orders.size;
      peak += part.peak;
      part.perRule.forEach((count, i) => {
        perRule[i]! += count;
      });
      for (const [storeId, count] of part.perStore)
        perStore.set(storeId, (perStore.get(storeId) ?? 0) + count);
      for (const [rule, count] of part.errors) errors.set(rule, (errors.get(rule) ?? 0) + count);
      samples.push(...part.samples);
    }
    return {
      eventsScanned: scanned,
      fired,
      byRule: first.rules.map((rule, i) => ({ rule: rule.name, count: perRule[i]! })),
      byStore: topStores(perStore, first.options.topStores),
      storesFired: perStore.size,
      sample: sampleOrder.slice(0, first.options.sampleLimit).map((i) => samples[i]!),
      errors: Object.fromEntries(errors),
      ordersHeld: held,
      peakOrdersHeld: peak,
    };
  }

  private evaluate(
    event: OrderEvent,
    order: OrderState | undefined,
    slot: number | undefined,
    counted: boolean,
  ): void {
    const ctx = { event, order, shipment: undefined };
    let holds = slot === undefined ? 0 : this.holds[slot]!;
    const before = holds;
    for (let i = 0; i < this.rules.length; i++) {
      const rule = this.rules[i]!;
      let matched = false;
      try {
        matched = rule.matches(ctx);
      } catch {
        if (counted) this.errors.set(rule.name, (this.errors.get(rule.name) ?? 0) + 1);
      }
      const bit = 1 << i;
      if (!matched) {
        holds &= ~bit;
        continue;
      }
      // An order never seen before this shipment update has nowhere to remember that the rule
      // holds: every matching event of it counts, as the engine's report without an order would.
      if (slot !== undefined && (holds & bit) !== 0) continue;
      holds |= bit;
      if (counted) this.fire(rule.name, i, order?.storeId ?? event.storeId, event);
    }
    if (slot !== undefined && holds !== before) this.holds[slot] = holds;
  }

  private fire(rule: string, index: number, storeId: string, event: OrderEvent): void {
    this.fired++;
    this.perRule[index]!++;
    this.perStore.set(storeId, (this.perStore.get(storeId) ?? 0) + 1);
    if (this.samples.length < this.options.sampleLimit) {
      this.samples.push({ orderId: event.orderId, storeId, at: event.occurredAt, rule });
      this.sampleKeys.push({ at: event.occurredAt, source: event.source, id: event.id, rule: index });
    }
  }

  private forgetFinishedBefore(cutoff: number): void {
    while (this.finishedHead < this.finishedIds.length && this.finishedAt[this.finishedHead]! < cutoff) {
      const orderId = this.finishedIds[this.finishedHead]!;
      const at = this.finishedAt[this.finishedHead]!;
      this.finishedHead++;
      // A later event moved the order on: its newer entry in the queue decides.
      const slot = this.orders.slot(orderId);
      if (slot !== undefined && this.orders.at(slot).updatedAt === at) {
        this.orders.delete(orderId);
        this.holds[slot] = 0;
      }
    }
    if (this.finishedHead > 4096 && this.finishedHead * 2 > this.finishedIds.length) {
      this.finishedIds = this.finishedIds.slice(this.finishedHead);
      this.finishedAt = this.finishedAt.slice(this.finishedHead);
      this.finishedHead = 0;
    }
  }

  private growHolds(slot: number): void {
    let size = this.holds.length;
    while (size <= slot) size *= 2;
    const next = new Uint32Array(size);
    next.set(this.holds);
    this.holds = next;
  }
}

/** The stores with the most firings, most first (ties by store id). */
function topStores(perStore: ReadonlyMap<string, number>, limit: number): BacktestResult['byStore'] {
  return [...perStore]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .slice(0, limit)
    .map(([storeId, count]) => ({ storeId, count }));
}
