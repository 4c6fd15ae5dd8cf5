// Reads the daily reconciliation results for the per-store trend view.
import {
  type DailyDeviceCounts,
  type DeviceDayMisses,
  deviceTotalsOfMisses,
  type StoreDayTotals,
  type StoreTotals,
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
 * whose missing rate is above `threshold` (the domain's dayCountsAgainst), read from the per-store-day
 * rollup (migration 0028: a month of a chain is ~10k store days carrying their devices, instead of
 * ~59k provider-device days summed on each call). One row per store, its numbers as JSON text made
 * when each store-day was written (migration 0029), so the read only joins strings (BENCHMARKS.md §7.2):
 * - days: flat [day as days after 2000-01-01, payments, orders, missing, unmatchedOrders, …];
 * - misses: flat ["device id", missing, payments, …], each device day with missing payments;
 * - devices: the store's distinct device lists, [["device id", …], …].
 * A device day without missing payments adds nothing to its device's missing and has a rate of 0,
 * above no threshold of 0 or more: the misses are all a device's days that count.
 *
 * Planned on each call, not a named prepared statement: after five calls PostgreSQL keeps a generic
 * plan made for any range (~50 store days estimated), which sorts a month's ~10k store days where a
 * plan for the range asked hashes them (30 ms against 15 ms a 30-day call, BENCHMARKS.md §7.2).
 */
const STORE_TOTALS = `
    WITH store_days AS NOT MATERIALIZED (
      -- read twice rather than copied: a month is ~10k narrow rows
      SELECT * FROM reconciliation_store_days WHERE day BETWEEN $1::date AND $2::date
    ), days AS (
      SELECT store_id, string_agg(day_numbers, ',') AS days, string_agg(device_misses, ',') AS misses
      FROM store_days GROUP BY store_id
    ), devices AS (
      -- a store-day without devices lists none (as when the devices were unnested: a store with no
      -- device in the range is left out)
      SELECT store_id, string_agg(to_json(device_ids)::text, ',') AS devices
      FROM (SELECT DISTINCT store_id, device_ids FROM store_days WHERE cardinality(device_ids) > 0) lists
      GROUP BY store_id
    )
    SELECT store_id, '[' || d.days || ']' AS days, '[' || coalesce(d.misses, '') || ']' AS misses,
           '[' || v.devices || ']' AS devices
    FROM days d JOIN devices v USING (store_id)`;

const DAY_MS = 86_400_000;
const DAY_ZERO = Date.UTC(2000, 0, 1);

export async function storeTotalsInRange(
  q: Queryable,
  fromDay: string,
  toDay: string,
  threshold: number,
): Promise<StoreTotals[]> {
  // Device days without missing payments are not read: they would count below a threshold of 0.
  if (!(threshold >= 0)) throw new RangeError(`threshold must be 0 or more, not ${threshold}`);
  const { rows } = await q.query<{ store_id: string; days: string; misses: string; devices: string }>(
    STORE_TOTALS,
    [fromDay, toDay],
  );
  // 'YYYY-MM-DD' by day number, each made once (30 days: 30 strings for ~10k store days)
  const names = new Map<number, string>();
  const dayAt = (n: number) => {
    let name = names.get(n);
    if (name === undefined) {
      name = new Date(DAY_ZERO + n * DAY_MS).toISOString().slice(0, 10);
      names.set(n, name);
    }
    return name;
  };
  return rows.map((r) => {
    const d = JSON.parse(r.days) as number[];
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
    const m = JSON.parse(r.misses) as (string | number)[];
    const misses: DeviceDayMisses[] = [];
    for (let i = 0; i < m.length; i += 3) {
      misses.push({ deviceId: m[i] as string, missing: m[i + 1] as number, payments: m[i + 2] as number });
    }
    const devices = deviceTotalsOfMisses(JSON.parse(r.devices) as string[][], misses, threshold);
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
