// Reads the daily reconciliation results for the per-store trend view.
import type {
  DailyDeviceCounts,
  DeviceTotals,
  StoreDayTotals,
  StoreTotals,
} from '../domain/reconciliation/store-trends.ts';
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
 * each call). One row per store, its numbers as JSON text (BENCHMARKS.md §7.1):
 * - days: flat [dayOffset, payments, orders, missing, unmatchedOrders, …], the day as days after
 *   fromDay (a third of a month's JSON was its 'YYYY-MM-DD' strings);
 * - devices: flat [deviceId, missing, daysOverThreshold, …].
 * Only device days with missing payments are unnested and summed: a device day without any adds
 * nothing to its device's missing and has a rate of 0, which no threshold of 0 or more is below
 * (a negative threshold unnests them all). Every device of the store's days is still listed, from
 * the distinct device lists of its days (most stores have one or two in a month).
 */
const STORE_TOTALS = {
  name: 'orderpulse_store_trend_totals_by_store_day_v2',
  text: `
    WITH store_days AS NOT MATERIALIZED (
      -- read three times rather than copied: a month is ~10k narrow rows
      SELECT * FROM reconciliation_store_days WHERE day BETWEEN $1::date AND $2::date
    ), days AS (
      SELECT store_id,
             string_agg(concat_ws(',', day - $1::date, payments, orders, missing, unmatched_orders), ',') AS days
      FROM store_days GROUP BY store_id
    ), devices AS (
      SELECT store_id, string_agg(concat_ws(',', to_json(device_id)::text, missing, days_over), ',') AS devices
      FROM (SELECT store_id, device_id, sum(missing) AS missing,
                   count(*) FILTER (WHERE CASE WHEN payments = 0 THEN 0::float8
                                               ELSE missing::float8 / payments::float8 END > $3::float8) AS days_over
            FROM (SELECT store_id, device_id, payments, missing
                  -- unnest in the select list walks the three arrays in step without a tuplestore
                  FROM (SELECT store_id, unnest(device_ids) AS device_id, unnest(device_payments) AS payments,
                               unnest(device_missing) AS missing
                        FROM store_days WHERE $3::float8 < 0 OR 0 <> ANY(device_missing)) device_days
                  WHERE $3::float8 < 0 OR missing <> 0
                  UNION ALL
                  -- each device once, counted on no day (a null rate is above no threshold)
                  SELECT store_id, unnest(device_ids), NULL, 0
                  FROM (SELECT DISTINCT store_id, device_ids FROM store_days) device_lists) v
            GROUP BY store_id, device_id) totals
      GROUP BY store_id
    )
    SELECT store_id, to_char($1::date, 'YYYY-MM-DD') AS from_day, '[' || d.days || ']' AS days,
           '[' || v.devices || ']' AS devices
    FROM days d JOIN devices v USING (store_id)`,
};

const DAY_MS = 86_400_000;

export async function storeTotalsInRange(
  q: Queryable,
  fromDay: string,
  toDay: string,
  threshold: number,
): Promise<StoreTotals[]> {
  const { rows } = await q.query<{ store_id: string; from_day: string; days: string; devices: string }>(
    STORE_TOTALS,
    [fromDay, toDay, threshold],
  );
  if (rows.length === 0) return [];
  // 'YYYY-MM-DD' by offset from the first day, each made once (30 days: 30 strings for ~10k days)
  const first = Date.parse(`${rows[0]!.from_day}T00:00:00Z`);
  const names: string[] = [];
  const dayAt = (offset: number) =>
    (names[offset] ??= new Date(first + offset * DAY_MS).toISOString().slice(0, 10));
  return rows.map((r) => {
    const d = JSON.parse(r.days) as number[];
    const v = JSON.parse(r.devices) as (string | number)[];
    const days: StoreDayTotals[] = [];
    for (let i = 0; i < d.length; i += 5) {
      days.push({
        day: dayAt(d[i]!),
        payments: d[i + 1]!,
        orders: d[i + 2]!,
        missing: d[i + 3]!,
        unmatchedOrders: d[i + 4]!,
      });
    }
    const devices: DeviceTotals[] = [];
    for (let i = 0; i < v.length; i += 3) {
      devices.push({
        deviceId: v[i] as string,
        missing: v[i + 1] as number,
        daysOverThreshold: v[i + 2] as number,
      });
    }
    return { storeId: r.store_id, days, devices };
  });
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
