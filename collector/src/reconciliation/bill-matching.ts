// Matching a scanned bill against the orders of the days it covers, and against the same days' lines
// from earlier imports, so a day is reconciled on everything the provider has said about it.

import { localDayRange } from '../domain/reconciliation/local-day.ts';
import {
  type BilledPayment,
  type PaidOrder,
  type Reconciliation,
  reconcile,
  storeResultsOf,
} from '../domain/reconciliation/match-bill.ts';
import type { BillProvider } from '../ingest/bills/bill-row.ts';
import type { Queryable } from '../store/database.ts';
import { type EarlierBillLine, loadEarlierBillLines, loadPaidOrders } from './bill-import-queries.ts';
import { ordersCountedElsewhere, ordersNamedByBill } from './bill-match-queries.ts';
import type { BillScan } from './bill-scan.ts';

export interface BillMatchOptions {
  timeZone: string;
  dayOf: (ms: number) => string;
  windowMs: number;
  tailLength?: number;
  deviceStores?: ReadonlyMap<string, string>;
}

export interface BillMatch {
  /** Limited to the bill's days, without the orders another provider already counts as unmatched. */
  result: Reconciliation;
  /** The bill's days, sorted. */
  days: string[];
  /** The same days' lines from earlier imports (those this file restates excepted). */
  earlier: EarlierBillLine[];
  earlierSet: ReadonlySet<BilledPayment>;
}

export async function matchBill(
  db: Queryable,
  provider: BillProvider,
  scan: BillScan,
  options: BillMatchOptions,
): Promise<BillMatch> {
  const { payments, days, minAt, maxAt } = scan;
  const { timeZone, dayOf, windowMs } = options;
  const sortedDays = [...days].sort();
  let orders: PaidOrder[] = [];
  // Orders a bill line names by number that the time window did not bring in (paid long before).
  const addOrdersNamedBy = async (lines: readonly BilledPayment[]) => {
    const known = new Set(orders.map((o) => o.orderId));
    const missing = [
      ...new Set(
        lines
          .filter((l) => l.kind === 'payment' && !known.has(l.merchantOrderNo))
          .map((l) => l.merchantOrderNo),
      ),
    ];
    orders.push(...(await ordersNamedByBill(db, missing)));
  };
  if (sortedDays.length > 0) {
    const from = localDayRange(sortedDays[0]!, timeZone)[0] - windowMs;
    const to = localDayRange(sortedDays[sortedDays.length - 1]!, timeZone)[1] + windowMs;
    orders = await loadPaidOrders(
      db,
      provider,
      Math.min(from, minAt - windowMs),
      Math.max(to, maxAt + windowMs),
    );
    await addOrdersNamedBy(payments);
  }
  const restated = new Set(payments.map((p) => `${p.kind}\u0000${p.transactionId}`));
  const earlier = (await loadEarlierBillLines(db, provider, sortedDays)).filter(
    (e) => !restated.has(`${e.kind}\u0000${e.transactionId}`),
  );
  if (earlier.length > 0) await addOrdersNamedBy(earlier);
  const full = reconcile(earlier.length > 0 ? [...payments, ...earlier] : payments, orders, {
    dayOf,
    windowMs,
    ...(options.tailLength !== undefined && { tailLength: options.tailLength }),
    ...(options.deviceStores !== undefined && { deviceStores: options.deviceStores }),
  });
  // Orders loaded only as fuzzy candidates from the neighbouring days are not this bill's business.
  const inBill = full.tallies.filter((t) => days.has(t.day));
  const result = withoutOrdersCountedElsewhere(
    {
      ...full,
      unmatchedOrders: full.unmatchedOrders.filter((u) => days.has(u.day)),
      tallies: inBill,
      storeResults: storeResultsOf(inBill),
    },
    await ordersCountedElsewhere(db, provider, sortedDays),
  );
  return { result, days: sortedDays, earlier, earlierSet: new Set<BilledPayment>(earlier) };
}

/**
 * An order no bill has paid shows up as unmatched in every provider's reconciliation; it is counted once,
 * by the first provider that reported it. Drops the others from the result and from its tallies.
 */
function withoutOrdersCountedElsewhere(r: Reconciliation, counted: ReadonlySet<string>): Reconciliation {
  if (counted.size === 0) return r;
  const tallies = r.tallies.map((t) => ({ ...t }));
  const byKey = new Map(tallies.map((t) => [`${t.day}\u0000${t.storeId}\u0000${t.deviceId}`, t]));
  const unmatchedOrders = r.unmatchedOrders.filter((u) => {
    if (!counted.has(u.order.orderId)) return true;
    const t = byKey.get(`${u.day}\u0000${u.order.storeId}\u0000${u.order.deviceId ?? ''}`);
    if (t) {
      t.orders--;
      t.unmatchedOrders--;
    }
    return false;
  });
  const kept = tallies.filter((t) => t.payments > 0 || t.orders > 0 || t.refunds > 0);
  return { ...r, unmatchedOrders, tallies: kept, storeResults: storeResultsOf(kept) };
}
