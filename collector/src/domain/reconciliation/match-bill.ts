// Matching a provider's bill against the orders the order system says were paid, for one or more days.
// Pure and Map-based: a million bill rows against a million orders is a few hash lookups per row.
//
// 1. exact: the bill's merchant order number is one of our order ids;
// 2. fuzzy, among what is left: same amount, same order-number tail (last 4 characters by default) and
//    paid within 15 minutes — a POS that rewrites the prefix, a truncated id, a re-keyed order — each
//    pair carrying the reason it matched, for an operator to confirm;
// 3. unmatched payments (paid in the bill, no order: the 漏单 this exists for) and unmatched orders
//    (the order says paid, the provider has no payment).
// Refund rows are counted but not matched: they refer to an earlier payment, possibly on another day.

import { fenToYuan } from '../money.ts';
import type { StoreReconciliationResult } from '../rules/reconciliation-mismatch.ts';

export type { StoreReconciliationResult };

/**
 * A bill line as matching needs it: the provider's own record of money that moved. The bill parsers'
 * BillRow extends it.
 */
export interface BilledPayment {
  provider: string;
  /** The provider's transaction number (微信订单号 / 支付宝交易号). */
  transactionId: string;
  /** Our order number as the provider recorded it (商户订单号). */
  merchantOrderNo: string;
  /** Payment time, or for a refund the time it was made; epoch ms (bills are China local time). */
  paidAt: number;
  /** Integer fen; negative for refunds, so a day's rows sum to the net amount. */
  amountFen: number;
  kind: 'payment' | 'refund';
  /** From the bill where it carries one (Alipay 门店编号, WeChat 商户数据包 `{"store_id"}`). */
  storeId?: string;
  /** The till or terminal (WeChat 设备号, Alipay 终端号); empty when the bill leaves it blank. */
  deviceId: string;
}

/** An order the order system reports as paid. */
export interface PaidOrder {
  orderId: string;
  storeId: string;
  amountFen: number;
  paidAt: number;
  /** The till that took the order, when the order system says; bill rows carry theirs. */
  deviceId?: string;
}

export interface MatchOptions {
  /** How many trailing characters of the order number must agree for a fuzzy match. Default 4. */
  tailLength?: number;
  /** How far apart payment and order may be for a fuzzy match. Default 15 min. */
  windowMs?: number;
  /** Epoch ms → local day `YYYY-MM-DD` (see localDayFn). */
  dayOf: (ms: number) => string;
  /** Device → store, for bill rows that do not carry a store. */
  deviceStores?: ReadonlyMap<string, string>;
}

export interface FuzzyReason {
  amountFen: number;
  tail: string;
  /** payment time − order time. */
  deltaMs: number;
  text: string;
}

export interface ExactMatch {
  payment: BilledPayment;
  order: PaidOrder;
}
export interface FuzzyMatch extends ExactMatch {
  reason: FuzzyReason;
}
export interface UnmatchedPayment {
  payment: BilledPayment;
  storeId: string;
  day: string;
  /** Set when the bill holds another payment for the same order number: a double charge. */
  duplicateOf?: string;
}
export interface UnmatchedOrder {
  order: PaidOrder;
  day: string;
}

/** Counts for one (day, store, device). Device is '' when unknown. */
export interface ReconciliationTally {
  day: string;
  storeId: string;
  deviceId: string;
  payments: number;
  orders: number;
  matched: number;
  fuzzyMatched: number;
  unmatchedPayments: number;
  unmatchedOrders: number;
  paymentsFen: number;
  unmatchedPaymentsFen: number;
  refunds: number;
  refundsFen: number;
}

export interface Reconciliation {
  exact: ExactMatch[];
  /** Exact matches whose amounts differ: matched by number, but worth a look. */
  amountMismatches: ExactMatch[];
  fuzzy: FuzzyMatch[];
  unmatchedPayments: UnmatchedPayment[];
  unmatchedOrders: UnmatchedOrder[];
  refunds: number;
  /** Per (day, store, device), sorted. */
  tallies: ReconciliationTally[];
  /** Per (day, store): the records the reconciliation_mismatch rule evaluates. */
  storeResults: StoreReconciliationResult[];
}

export const DEFAULT_TAIL_LENGTH = 4;
export const DEFAULT_FUZZY_WINDOW_MS = 15 * 60_000;
export const UNKNOWN_STORE = 'unknown';

const minutes = (ms: number) => {
  const m = Math.round(Math.abs(ms) / 60_000);
  return m === 0 ? `${Math.round(Math.abs(ms) / 1000)} s` : `${m} min`;
};

/** Why a payment and an order were paired fuzzily, for an operator to confirm. */
export function fuzzyReason(amountFen: number, tail: string, deltaMs: number): FuzzyReason {
  return {
    amountFen,
    tail,
    deltaMs,
    text: `same amount ${fenToYuan(amountFen)}, same order-number tail "${tail}", ${minutes(deltaMs)} apart`,
  };
}

export function reconcile(
  bill: Iterable<BilledPayment>,
  orders: Iterable<PaidOrder>,
  options: MatchOptions,
): Reconciliation {
  const tailLength = options.tailLength ?? DEFAULT_TAIL_LENGTH;
  const windowMs = options.windowMs ?? DEFAULT_FUZZY_WINDOW_MS;
  const { dayOf } = options;
  if (!Number.isInteger(tailLength) || tailLength < 1)
    throw new RangeError('tailLength must be a positive integer');

  const byId = new Map<string, PaidOrder>();
  for (const order of orders) byId.set(order.orderId, order);
  const matchedBy = new Map<string, string>(); // orderId → transactionId that took it

  const exact: ExactMatch[] = [];
  const amountMismatches: ExactMatch[] = [];
  const leftover: BilledPayment[] = [];
  const tallies: ReconciliationTally[] = [];
  let refunds = 0;

  // Nested maps rather than one map on a joined key: no string is built per row.
  const tallyIndex = new Map<string, Map<string, Map<string, ReconciliationTally>>>();
  const tally = (day: string, storeId: string, deviceId: string): ReconciliationTally => {
    let byStore = tallyIndex.get(day);
    if (!byStore) {
      byStore = new Map();
      tallyIndex.set(day, byStore);
    }
    let byDevice = byStore.get(storeId);
    if (!byDevice) {
      byDevice = new Map();
      byStore.set(storeId, byDevice);
    }
    let t = byDevice.get(deviceId);
    if (!t) {
      t = {
        day,
        storeId,
        deviceId,
        payments: 0,
        orders: 0,
        matched: 0,
        fuzzyMatched: 0,
        unmatchedPayments: 0,
        unmatchedOrders: 0,
        paymentsFen: 0,
        unmatchedPaymentsFen: 0,
        refunds: 0,
        refundsFen: 0,
      };
      byDevice.set(deviceId, t);
      tallies.push(t);
    }
    return t;
  };
  // A till whose other payments in this bill matched orders of one store belongs to that store: a
  // payment missing from it is that store's missing order, not an anonymous one.
  const learned = new Map<string, string | null>();
  const learn = (deviceId: string, storeId: string) => {
    if (deviceId === '') return;
    const known = learned.get(deviceId);
    if (known === undefined) learned.set(deviceId, storeId);
    else if (known !== storeId) learned.set(deviceId, null);
  };
  const paymentStore = (p: BilledPayment) =>
    p.storeId ?? options.deviceStores?.get(p.deviceId) ?? learned.get(p.deviceId) ?? UNKNOWN_STORE;

  // 1. exact
  for (const payment of bill) {
    if (payment.kind === 'refund') {
      refunds++;
      const refunded = byId.get(payment.merchantOrderNo);
      const t = tally(dayOf(payment.paidAt), refunded?.storeId ?? paymentStore(payment), payment.deviceId);
      t.refunds++;
      t.refundsFen += payment.amountFen;
      continue;
    }
    const order = byId.get(payment.merchantOrderNo);
    if (order && !matchedBy.has(order.orderId)) {
      matchedBy.set(order.orderId, payment.transactionId);
      const pair = { payment, order };
      exact.push(pair);
      // A negative amount means the order system never said; that is not a mismatch.
      if (order.amountFen >= 0 && order.amountFen !== payment.amountFen) amountMismatches.push(pair);
      learn(payment.deviceId, order.storeId);
      const t = tally(dayOf(payment.paidAt), order.storeId, payment.deviceId);
      t.payments++;
      t.orders++;
      t.matched++;
      t.paymentsFen += payment.amountFen;
    } else {
      leftover.push(payment);
    }
  }

  // 2. fuzzy, over the orders no payment claimed, bucketed by amount and tail and sorted by time
  const buckets = new Map<string, PaidOrder[]>();
  for (const order of byId.values()) {
    if (matchedBy.has(order.orderId) || order.orderId.length < tailLength) continue;
    const key = `${order.amountFen}:${order.orderId.slice(-tailLength)}`;
    const bucket = buckets.get(key);
    if (bucket) bucket.push(order);
    else buckets.set(key, [order]);
  }
  for (const bucket of buckets.values()) if (bucket.length > 1) bucket.sort((a, b) => a.paidAt - b.paidAt);

  const fuzzy: FuzzyMatch[] = [];
  const unmatchedPayments: UnmatchedPayment[] = [];
  leftover.sort((a, b) => a.paidAt - b.paidAt);
  for (const payment of leftover) {
    // A second payment for an order number we know is a double charge: never hide it behind a fuzzy pair.
    const duplicateOf = matchedBy.get(payment.merchantOrderNo);
    const tail = payment.merchantOrderNo.slice(-tailLength);
    const bucket =
      duplicateOf === undefined && payment.merchantOrderNo.length >= tailLength
        ? buckets.get(`${payment.amountFen}:${tail}`)
        : undefined;
    const order = bucket ? takeNearest(bucket, payment.paidAt, windowMs, matchedBy) : undefined;
    if (order) {
      matchedBy.set(order.orderId, payment.transactionId);
      const deltaMs = payment.paidAt - order.paidAt;
      fuzzy.push({
        payment,
        order,
        reason: fuzzyReason(payment.amountFen, tail, deltaMs),
      });
      const t = tally(dayOf(payment.paidAt), order.storeId, payment.deviceId);
      t.payments++;
      t.orders++;
      t.fuzzyMatched++;
      t.paymentsFen += payment.amountFen;
      continue;
    }
    // A duplicate belongs to the store of the order it paid twice; anything else to the bill's store.
    const storeId =
      duplicateOf === undefined
        ? paymentStore(payment)
        : (byId.get(payment.merchantOrderNo)?.storeId ?? paymentStore(payment));
    const day = dayOf(payment.paidAt);
    unmatchedPayments.push({ payment, storeId, day, ...(duplicateOf ? { duplicateOf } : {}) });
    const t = tally(day, storeId, payment.deviceId);
    t.payments++;
    t.unmatchedPayments++;
    t.paymentsFen += payment.amountFen;
    t.unmatchedPaymentsFen += payment.amountFen;
  }

  // 3. orders nobody paid for
  const unmatchedOrders: UnmatchedOrder[] = [];
  for (const order of byId.values()) {
    if (matchedBy.has(order.orderId)) continue;
    const day = dayOf(order.paidAt);
    unmatchedOrders.push({ order, day });
    const t = tally(day, order.storeId, order.deviceId ?? '');
    t.orders++;
    t.unmatchedOrders++;
  }

  const sortedTallies = tallies.sort(
    (a, b) => cmp(a.day, b.day) || cmp(a.storeId, b.storeId) || cmp(a.deviceId, b.deviceId),
  );
  return {
    exact,
    amountMismatches,
    fuzzy,
    unmatchedPayments,
    unmatchedOrders,
    refunds,
    tallies: sortedTallies,
    storeResults: storeResultsOf(sortedTallies),
  };
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Per (day, store) totals for the reconciliation_mismatch rule, from device-level tallies. */
export function storeResultsOf(tallies: readonly ReconciliationTally[]): StoreReconciliationResult[] {
  const byStoreDay = new Map<string, StoreReconciliationResult>();
  for (const t of tallies) {
    const key = `${t.day}\u0000${t.storeId}`;
    let r = byStoreDay.get(key);
    if (!r) {
      r = {
        storeId: t.storeId,
        day: t.day,
        paymentsTotal: 0,
        ordersTotal: 0,
        unmatchedPayments: 0,
        unmatchedOrders: 0,
      };
      byStoreDay.set(key, r);
    }
    r.paymentsTotal += t.payments;
    r.ordersTotal += t.orders;
    r.unmatchedPayments += t.unmatchedPayments;
    r.unmatchedOrders += t.unmatchedOrders;
  }
  return [...byStoreDay.values()];
}

/**
 * The unclaimed order in a time-sorted bucket closest to `at` and within `windowMs`; binary search, then
 * outward, so a bucket crowded with identical amounts and tails still costs only what lies in the window.
 */
export function takeNearest(
  bucket: readonly PaidOrder[],
  at: number,
  windowMs: number,
  claimed: ReadonlyMap<string, string>,
): PaidOrder | undefined {
  let lo = 0;
  let hi = bucket.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((bucket[mid]?.paidAt ?? 0) < at) lo = mid + 1;
    else hi = mid;
  }
  let best: PaidOrder | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (let i = lo - 1; i >= 0; i--) {
    const order = bucket[i] as PaidOrder;
    const distance = at - order.paidAt;
    if (distance > windowMs || distance >= bestDistance) break;
    if (!claimed.has(order.orderId)) {
      best = order;
      bestDistance = distance;
      break;
    }
  }
  for (let i = lo; i < bucket.length; i++) {
    const order = bucket[i] as PaidOrder;
    const distance = order.paidAt - at;
    if (distance > windowMs || distance >= bestDistance) break;
    if (!claimed.has(order.orderId)) {
      best = order;
      break;
    }
  }
  return best;
}
