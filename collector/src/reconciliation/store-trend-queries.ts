// Reads the daily reconciliation results for the per-store trend view.
import type { DailyDeviceCounts, StoreTotals } from '../domain/reconciliation/store-trends.ts';
import type { StoreReconciliationResult } from '../domain/rules/reconciliation-mismatch.ts';
import type { Queryable } from '../store/database.ts';

/** Counts per day and store; bigint columns and sums arrive as text. */
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

/**
 * Per store for days in [fromDay, toDay]: its day totals and its devices' missing payments and days
 * whose missing rate is above `threshold` (as the domain's dayCountsAgainst: 0 with no payments,
 * compared in double precision), read from the per-store-day rollup (migration 0028: a month of a
 * chain is ~10k store days carrying their devices, instead of ~59k provider-device days summed on
 * each call) and handed over as one JSON document of a few hundred stores.
 * [store_id, [[day, payments, orders, missing, unmatched_orders]…], [[device_id, missing, days]…]]
 */
const STORE_TOTALS = {
  name: 'orderpulse_store_trend_totals_by_store_day',
  text: `
    WITH store_days AS NOT MATERIALIZED (
      -- read twice rather than copied: a month is ~10k narrow rows
      SELECT * FROM reconciliation_store_days WHERE day BETWEEN $1::date AND $2::date
    ), days AS (
      -- a date goes into JSON as YYYY-MM-DD whatever the session's DateStyle
      SELECT store_id, json_agg(json_build_array(day, payments, orders, missing, unmatched_orders)) AS days
      FROM store_days GROUP BY store_id
    ), devices AS (
      SELECT store_id, json_agg(json_build_array(device_id, missing, days_over)) AS devices
      FROM (SELECT store_id, device_id, sum(missing) AS missing,
                   count(*) FILTER (WHERE CASE WHEN payments = 0 THEN 0::float8
                                               ELSE missing::float8 / payments::float8 END > $3::float8) AS days_over
            -- unnest in the select list walks the three arrays in step without a tuplestore
            FROM (SELECT store_id, unnest(device_ids) AS device_id, unnest(device_payments) AS payments,
                         unnest(device_missing) AS missing
                  FROM store_days) device_days
            GROUP BY store_id, device_id) v
      GROUP BY store_id
    )
    SELECT coalesce(json_agg(json_build_array(d.store_id, d.days, v.devices)), '[]')::text AS stores
    FROM days d JOIN devices v USING (store_id)`,
};

type StoreTotalsTuple = [
  storeId: string,
  days: [day: string, payments: number, orders: number, missing: number, unmatchedOrders: number][],
  devices: [deviceId: string, missing: number, daysOverThreshold: number][],
];

export async function storeTotalsInRange(
  q: Queryable,
  fromDay: string,
  toDay: string,
  threshold: number,
): Promise<StoreTotals[]> {
  const { rows } = await q.query<{ stores: string }>(STORE_TOTALS, [fromDay, toDay, threshold]);
  return (JSON.parse(rows[0]!.stores) as StoreTotalsTuple[]).map(([storeId, days, devices]) => ({
    storeId,
    days: days.map(([day, payments, orders, missing, unmatchedOrders]) => ({
      day,
      payments,
      orders,
      missing,
      unmatchedOrders,
    })),
    devices: devices.map(([deviceId, missing, daysOverThreshold]) => ({
      deviceId,
      missing,
      daysOverThreshold,
    })),
  }));
}

/** Per store and day, for the reconciliation_mismatch rule (e.g. to restore it after a restart). */
export async function storeResults(
  q: Queryable,
  fromDay: string,
  toDay: string,
): Promise<StoreReconciliationResult[]> {
  const { rows } = await q.query<CountsRow>(
    `SELECT to_char(day, 'YYYY-MM-DD') AS day, store_id, payments, orders, missing AS unmatched_payments,
            unmatched_orders
     FROM reconciliation_store_days WHERE day BETWEEN $1::date AND $2::date
     ORDER BY day, store_id`,
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
