-- The bill reconciliation's daily figures for Grafana, defined as the collector computes them
-- (domain/reconciliation/day-figures.ts) for the wall's 今日对账差异率, the reconciliation_mismatch rule
-- and the orderpulse_reconciliation_mismatch_ratio gauge: counts summed over providers and devices,
-- and mismatch_rate = the larger of unmatched payments / bill payments and unmatched orders / paid
-- orders (a side with no items counts 0; no items at all is NULL). `pending` counts the pool items of
-- that day still waiting for someone (open or escalated). Days are local days (ORDERPULSE_TZ), as
-- the bill import assigns them.

CREATE FUNCTION reconciliation_mismatch_rate(payments bigint, orders bigint, unmatched_payments bigint,
                                             unmatched_orders bigint) RETURNS double precision
LANGUAGE sql IMMUTABLE AS $fn$
  SELECT CASE WHEN payments = 0 AND orders = 0 THEN NULL
              ELSE greatest(coalesce(unmatched_payments::double precision / nullif(payments, 0), 0),
                            coalesce(unmatched_orders::double precision / nullif(orders, 0), 0)) END
$fn$;

CREATE VIEW reconciliation_daily AS
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
  FROM results r FULL JOIN waiting w ON w.day = r.day AND w.store_id = r.store_id;

CREATE VIEW reconciliation_daily_total AS
  SELECT day, sum(payments)::bigint AS payments, sum(orders)::bigint AS orders,
         sum(unmatched_payments)::bigint AS unmatched_payments, sum(unmatched_orders)::bigint AS unmatched_orders,
         sum(pending)::bigint AS pending,
         reconciliation_mismatch_rate(sum(payments)::bigint, sum(orders)::bigint, sum(unmatched_payments)::bigint,
                                      sum(unmatched_orders)::bigint) AS mismatch_rate
  FROM reconciliation_daily GROUP BY day;

COMMENT ON VIEW reconciliation_daily IS
  'Bill reconciliation per local day and store: payments, orders, unmatched_payments, unmatched_orders, pending (pool items waiting), mismatch_rate (the rule''s share).';
COMMENT ON VIEW reconciliation_daily_total IS 'reconciliation_daily summed over all stores, rated the same way.';
