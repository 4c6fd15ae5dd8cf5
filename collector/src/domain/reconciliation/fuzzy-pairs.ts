// The fuzzy step of matching (match-bill.ts) over candidate pairs found elsewhere (a SQL join on amount,
// order-number tail and time window): the same greedy walk, so the pairs are the ones reconcile() makes.
// Each payment, in time order, takes the nearest order of its candidates that no earlier payment took.
import { type PaidOrder, takeNearest } from './match-bill.ts';

/** One payment left after the exact step, with every unclaimed order of its bucket within the window. */
export interface FuzzyCandidate {
  /** The payment's place in the bill (earlier lines after this file's), which breaks ties of time. */
  pos: number;
  paidAt: number;
  /** The orders' place in the matcher's order list, which breaks ties of order time. */
  orders: { orderId: string; paidAt: number; seq: number }[];
}

export interface FuzzyPair {
  pos: number;
  orderId: string;
  /** payment time − order time. */
  deltaMs: number;
}

export function pairFuzzy(candidates: readonly FuzzyCandidate[], windowMs: number): FuzzyPair[] {
  const claimed = new Map<string, string>();
  const pairs: FuzzyPair[] = [];
  const payments = [...candidates].sort((a, b) => a.paidAt - b.paidAt || a.pos - b.pos);
  for (const payment of payments) {
    const bucket: PaidOrder[] = [...payment.orders]
      .sort((a, b) => a.paidAt - b.paidAt || a.seq - b.seq)
      .map((o) => ({ orderId: o.orderId, storeId: '', amountFen: 0, paidAt: o.paidAt }));
    const order = takeNearest(bucket, payment.paidAt, windowMs, claimed);
    if (!order) continue;
    claimed.set(order.orderId, String(payment.pos));
    pairs.push({ pos: payment.pos, orderId: order.orderId, deltaMs: payment.paidAt - order.paidAt });
  }
  return pairs;
}
