// reconciliation_store_days as it must be (migrations 0028–0029), recomputed from
// reconciliation_results, and the rows as stored, both in one text form so tests compare them whole.
import type { Queryable } from '../../src/store/database.ts';

const COLUMNS = `to_char(day, 'YYYY-MM-DD') AS day, store_id, payments::text, orders::text, missing::text,
  unmatched_orders::text, device_ids::text, device_payments::text, device_missing::text, day_numbers, device_misses`;

/** The rows of `schema`'s reconciliation_store_days (the search path's when not given), by day and store. */
export async function storedStoreDays(q: Queryable, schema?: string, where = '', values: unknown[] = []) {
  const table = schema ? `${schema}.reconciliation_store_days` : 'reconciliation_store_days';
  return (await q.query(`SELECT ${COLUMNS} FROM ${table} ${where} ORDER BY day, store_id`, values)).rows;
}

/** What those rows must be: the schema's reconciliation_results summed per device, then per store and day. */
export async function recomputedStoreDays(q: Queryable, schema?: string) {
  const results = schema ? `${schema}.reconciliation_results` : 'reconciliation_results';
  return (
    await q.query(
      `SELECT ${COLUMNS}
       FROM (SELECT day, store_id, sum(payments) AS payments, sum(orders) AS orders, sum(missing) AS missing,
                    sum(unmatched_orders) AS unmatched_orders, array_agg(device_id ORDER BY device_id) AS device_ids,
                    array_agg(payments ORDER BY device_id) AS device_payments,
                    array_agg(missing ORDER BY device_id) AS device_missing,
                    concat_ws(',', day - DATE '2000-01-01', sum(payments), sum(orders), sum(missing),
                              sum(unmatched_orders)) AS day_numbers,
                    string_agg(concat_ws(',', to_json(device_id)::text, missing, payments), ',' ORDER BY device_id)
                      FILTER (WHERE missing <> 0) AS device_misses
             FROM (SELECT day, store_id, device_id, sum(payments) AS payments, sum(orders) AS orders,
                          sum(unmatched_payments) AS missing, sum(unmatched_orders) AS unmatched_orders
                   FROM ${results} GROUP BY day, store_id, device_id) per_device
             GROUP BY day, store_id) per_store
       ORDER BY day, store_id`,
    )
  ).rows;
}
