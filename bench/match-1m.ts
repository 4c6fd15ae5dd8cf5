// Measures reconcile() on a synthetic day: N bill rows against N paid orders across 327 stores
// (98 % exact, 1 % fuzzy by a rewritten prefix, 1 % paid-but-no-order; 1 % orders with no payment).
// Also times, in the same run, the floor any exact matcher pays: one Map build plus one lookup per row,
// so the figure can be read on a loaded, shared machine.
// Run: node --expose-gc --import tsx bench/match-1m.ts [N]
import { localDayFn } from '../collector/src/domain/reconciliation/local-day.ts';
import {
  type BilledPayment,
  type PaidOrder,
  reconcile,
} from '../collector/src/domain/reconciliation/match-bill.ts';

const n = Number(process.argv[2] ?? 1_000_000);
const dayStart = Date.parse('2024-06-01T00:00:00+08:00');
const gc = (globalThis as { gc?: () => void }).gc;

const orders: PaidOrder[] = [];
const bill: BilledPayment[] = [];
for (let i = 0; i < n; i++) {
  const storeId = `S${String(i % 327).padStart(3, '0')}`;
  const orderId = `${storeId}-20240601-${String(i).padStart(7, '0')}`;
  const paidAt = dayStart + Math.floor((i / n) * 86_000_000);
  const amountFen = 500 + ((i * 7919) % 20_000);
  const kind = i % 100;
  if (kind !== 99) orders.push({ orderId, storeId, amountFen, paidAt });
  if (kind === 98) continue; // order with no payment
  const merchantOrderNo =
    kind === 97 ? `POS${String(i).padStart(7, '0')}` : kind === 99 ? `GHOST${i}` : orderId;
  bill.push({
    provider: 'wechatpay',
    transactionId: `4200${i}`,
    merchantOrderNo,
    paidAt: paidAt + 30_000,
    amountFen,
    kind: 'payment',
    deviceId: `${storeId}-POS-${i % 3}`,
  });
}
while (orders.length < n) {
  const i = orders.length;
  orders.push({ orderId: `EXTRA-${i}`, storeId: 'S000', amountFen: 1, paidAt: dayStart + 1000 });
}
while (bill.length < n) {
  const i = bill.length;
  bill.push({
    provider: 'wechatpay',
    transactionId: `EXTRA${i}`,
    merchantOrderNo: `EXTRA-BILL-${i}`,
    paidAt: dayStart + 2000,
    amountFen: 3,
    kind: 'payment',
    deviceId: '',
  });
}

gc?.();
const baselineStarted = performance.now();
const floor = new Map<string, PaidOrder>();
for (const order of orders) floor.set(order.orderId, order);
let found = 0;
for (const row of bill) if (floor.get(row.merchantOrderNo)) found++;
const baselineMs = performance.now() - baselineStarted;
floor.clear();

gc?.();
const heapBefore = process.memoryUsage().heapUsed;
const started = performance.now();
const result = reconcile(bill, orders, { dayOf: localDayFn('Asia/Shanghai') });
const elapsed = performance.now() - started;
const heapAfter = process.memoryUsage().heapUsed;
console.log(
  JSON.stringify({
    billRows: bill.length,
    orders: orders.length,
    exact: result.exact.length,
    fuzzy: result.fuzzy.length,
    unmatchedPayments: result.unmatchedPayments.length,
    unmatchedOrders: result.unmatchedOrders.length,
    storeDays: result.storeResults.length,
    tallies: result.tallies.length,
    ms: Math.round(elapsed),
    mapBaselineMs: Math.round(baselineMs),
    ratioToBaseline: Math.round((elapsed / baselineMs) * 10) / 10,
    baselineFound: found,
    heapGrowthMiB: Math.round((heapAfter - heapBefore) / 1048576),
    rssMiB: Math.round(process.memoryUsage().rss / 1048576),
  }),
);
