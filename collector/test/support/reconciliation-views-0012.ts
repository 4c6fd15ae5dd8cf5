// reconciliation_daily and reconciliation_daily_total as migration 0012 defined them, over
// reconciliation_results itself: the reference their later definition is tested and measured against.
export const FIRST_DAILY = `
  WITH results AS (
    SELECT day, store_id, sum(payments)::bigint AS payments, sum(orders)::bigint AS orders,
           sum(unmatched_payments)::bigint AS unmatched_payments, sum(unmatched_orders)::bigint AS unmatched_orders
    FROM reconciliation_results GROUP BY day, store_id
  ), waiting AS (
    SELECT day, store_id, count(*)::bigint AS pending
    FROM reconciliation_pending WHERE status IN ('open', 'escalated') GROUP BY day, store_id
  )
  SELECT coalesce(r.day, w.day) AS day, coalesce(r.store_id, w.store_id) AS store_id,
         coalesce(r.payments, 0) AS payments, coalesce(r.orders, 0) AS orders,
         coalesce(r.unmatched_payments, 0) AS unmatched_payments, coalesce(r.unmatched_orders, 0) AS unmatched_orders,
         coalesce(w.pending, 0) AS pending,
         reconciliation_mismatch_rate(coalesce(r.payments, 0), coalesce(r.orders, 0),
                                      coalesce(r.unmatched_payments, 0), coalesce(r.unmatched_orders, 0)) AS mismatch_rate
  FROM results r FULL JOIN waiting w ON w.day = r.day AND w.store_id = r.store_id`;
export const FIRST_TOTAL = `
  SELECT day, sum(payments)::bigint AS payments, sum(orders)::bigint AS orders,
         sum(unmatched_payments)::bigint AS unmatched_payments, sum(unmatched_orders)::bigint AS unmatched_orders,
         sum(pending)::bigint AS pending,
         reconciliation_mismatch_rate(sum(payments)::bigint, sum(orders)::bigint, sum(unmatched_payments)::bigint,
                                      sum(unmatched_orders)::bigint) AS mismatch_rate
  FROM (${FIRST_DAILY}) d GROUP BY day`;
