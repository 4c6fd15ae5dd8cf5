// Reads the daily reconciliation results for the per-store trend view.
import type { DailyDeviceCounts } from '../domain/reconciliation/store-trends.ts';
import type { StoreReconciliationResult } from '../domain/rules/reconciliation-mismatch.ts';
import type { Queryable } from '../store/database.ts';

/** reconciliation_results summed per day and store; the sums of bigint columns arrive as text. */
interface CountsRow {
  day: string;
  store_id: string;
  payments: string;
  orders: string;
  unmatched_payments: string;
  unmatched_orders: string;
}

/** Counts per day, store and device (all providers together) for days in [fromDay, toDay]. */
export async function dailyDeviceCounts(
  q: Queryable,
  fromDay: string,
  toDay: string,
): Promise<DailyDeviceCounts[]> {
  const { rows } = await q.query<CountsRow & { device_id: string }>(
    `SELECT to_char(day, 'YYYY-MM-DD') AS day, store_id, device_id, sum(payments) AS payments, sum(orders) AS orders,
            sum(unmatched_payments) AS unmatched_payments, sum(unmatched_orders) AS unmatched_orders
     FROM reconciliation_results WHERE day BETWEEN $1::date AND $2::date
     GROUP BY day, store_id, device_id ORDER BY day, store_id, device_id`,
    [fromDay, toDay],
  );
  return rows.map((r) => ({
    day: r.day,
    storeId: r.store_id,
    deviceId: r.device_id,
    payments: Number(r.payments),
    orders: Number(r.orders),
    unmatchedPayments: Number(r.unmatched_payments),
    unmatchedOrders: Number(r.unmatched_orders),
  }));
}

/** Per store and day, for the reconciliation_mismatch rule (e.g. to restore it after a restart). */
export async function storeResults(
  q: Queryable,
  fromDay: string,
  toDay: string,
): Promise<StoreReconciliationResult[]> {
  const { rows } = await q.query<CountsRow>(
    `SELECT to_char(day, 'YYYY-MM-DD') AS day, store_id, sum(payments) AS payments, sum(orders) AS orders,
            sum(unmatched_payments) AS unmatched_payments, sum(unmatched_orders) AS unmatched_orders
     FROM reconciliation_results WHERE day BETWEEN $1::date AND $2::date
     GROUP BY day, store_id ORDER BY day, store_id`,
    [fromDay, toDay],
  );
  return rows.map((r) => ({
    storeId: r.store_id,
    day: r.day,
    paymentsTotal: Number(r.payments),
    ordersTotal: Number(r.orders),
    unmatchedPayments: Number(r.unmatched_payments),
    unmatchedOrders: Number(r.unmatched_orders),
  }));
}
