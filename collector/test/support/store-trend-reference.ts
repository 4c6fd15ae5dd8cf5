// The per-store trend totals as they were read before migration 0028's per-store-day rollup: summed
// from reconciliation_results on every call. Kept as the reference the rollup's answers must equal
// (store-trend tests, bench/store-trends.ts). Also the rollup's first reading (one JSON document with
// the days as dates, every device day unnested), for store days only the rollup can hold and as the
// bench's same-run "before".
import type { StoreTotals } from '../../src/domain/reconciliation/store-trends.ts';
import type { Queryable } from '../../src/store/database.ts';

const STORE_TOTALS_FROM_RESULTS = {
  name: 'orderpulse_store_trend_totals_from_results',
  text: `
    WITH device_days AS (
      SELECT store_id, device_id, day, sum(payments) AS payments, sum(orders) AS orders,
             sum(unmatched_payments) AS missing, sum(unmatched_orders) AS unmatched_orders
      FROM reconciliation_results WHERE day BETWEEN $1::date AND $2::date
      GROUP BY store_id, device_id, day
    ), store_days AS (
      SELECT store_id,
             json_agg(json_build_array(to_char(day, 'YYYY-MM-DD'), payments, orders, missing, unmatched_orders)) AS days
      FROM (SELECT store_id, day, sum(payments) AS payments, sum(orders) AS orders, sum(missing) AS missing,
                   sum(unmatched_orders) AS unmatched_orders
            FROM device_days GROUP BY store_id, day) d
      GROUP BY store_id
    ), store_devices AS (
      SELECT store_id, json_agg(json_build_array(device_id, missing, days_over)) AS devices
      FROM (SELECT store_id, device_id, sum(missing) AS missing,
                   count(*) FILTER (WHERE CASE WHEN payments = 0 THEN 0::float8
                                               ELSE missing::float8 / payments::float8 END > $3::float8) AS days_over
            FROM device_days GROUP BY store_id, device_id) v
      GROUP BY store_id
    )
    SELECT coalesce(json_agg(json_build_array(d.store_id, d.days, v.devices)), '[]')::text AS stores
    FROM store_days d JOIN store_devices v USING (store_id)`,
};

type Tuple = [
  storeId: string,
  days: [day: string, payments: number, orders: number, missing: number, unmatchedOrders: number][],
  devices: [deviceId: string, missing: number, daysOverThreshold: number][],
];

/** storeTotalsInRange as it was: the same answer, summed from every provider-device day. */
export async function storeTotalsFromResults(
  q: Queryable,
  fromDay: string,
  toDay: string,
  threshold: number,
): Promise<StoreTotals[]> {
  const { rows } = await q.query<{ stores: string }>(STORE_TOTALS_FROM_RESULTS, [fromDay, toDay, threshold]);
  return fromTuples(rows[0]!.stores);
}

function fromTuples(document: string): StoreTotals[] {
  return (JSON.parse(document) as Tuple[]).map(([storeId, days, devices]) => ({
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

const STORE_TOTALS_AS_IN_0028 = {
  name: 'orderpulse_store_trend_totals_as_in_0028',
  text: `
    WITH store_days AS NOT MATERIALIZED (
      SELECT * FROM reconciliation_store_days WHERE day BETWEEN $1::date AND $2::date
    ), days AS (
      SELECT store_id, json_agg(json_build_array(day, payments, orders, missing, unmatched_orders)) AS days
      FROM store_days GROUP BY store_id
    ), devices AS (
      SELECT store_id, json_agg(json_build_array(device_id, missing, days_over)) AS devices
      FROM (SELECT store_id, device_id, sum(missing) AS missing,
                   count(*) FILTER (WHERE CASE WHEN payments = 0 THEN 0::float8
                                               ELSE missing::float8 / payments::float8 END > $3::float8) AS days_over
            FROM (SELECT store_id, unnest(device_ids) AS device_id, unnest(device_payments) AS payments,
                         unnest(device_missing) AS missing
                  FROM store_days) device_days
            GROUP BY store_id, device_id) v
      GROUP BY store_id
    )
    SELECT coalesce(json_agg(json_build_array(d.store_id, d.days, v.devices)), '[]')::text AS stores
    FROM days d JOIN devices v USING (store_id)`,
};

/** storeTotalsInRange as migration 0028 first read the rollup. */
export async function storeTotalsAsIn0028(
  q: Queryable,
  fromDay: string,
  toDay: string,
  threshold: number,
): Promise<StoreTotals[]> {
  const { rows } = await q.query<{ stores: string }>(STORE_TOTALS_AS_IN_0028, [fromDay, toDay, threshold]);
  return fromTuples(rows[0]!.stores);
}

/** Totals in one order (the queries promise none): stores, their days and their devices by key. */
export function sortedTotals(totals: readonly StoreTotals[]): StoreTotals[] {
  const by =
    <T>(key: (t: T) => string) =>
    (a: T, b: T) =>
      key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;
  return totals
    .map((s) => ({
      storeId: s.storeId,
      days: [...s.days].sort(by((d) => d.day)),
      devices: [...s.devices].sort(by((d) => d.deviceId)),
    }))
    .sort(by((s) => s.storeId));
}
