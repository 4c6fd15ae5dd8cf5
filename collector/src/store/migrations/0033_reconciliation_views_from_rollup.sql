-- reconciliation_daily and reconciliation_daily_total (0012), same columns and figures, now read from
-- the per-store-day rollup (0028) and written so that a filter on the day reaches both tables.
-- 0012's FULL JOIN of two aggregates kept PostgreSQL from pushing `WHERE day = …` below it: the
-- wall's "today" panel summed every reconciliation result ever stored on every refresh. A UNION ALL
-- grouped by (day, store_id) lets the day's condition into each branch, where the rollup's key and the
-- pool's (day, id) index find that day's rows alone.
CREATE OR REPLACE VIEW reconciliation_daily AS
  SELECT day, store_id,
         sum(payments)::bigint AS payments, sum(orders)::bigint AS orders,
         sum(unmatched_payments)::bigint AS unmatched_payments, sum(unmatched_orders)::bigint AS unmatched_orders,
         sum(pending)::bigint AS pending,
         reconciliation_mismatch_rate(sum(payments)::bigint, sum(orders)::bigint, sum(unmatched_payments)::bigint,
                                      sum(unmatched_orders)::bigint) AS mismatch_rate
  FROM (
    SELECT day, store_id, payments, orders, missing AS unmatched_payments, unmatched_orders, 0::bigint AS pending
    FROM reconciliation_store_days
    UNION ALL
    SELECT day, store_id, 0, 0, 0, 0, 1
    FROM reconciliation_pending WHERE status IN ('open', 'escalated')
  ) figures
  GROUP BY day, store_id;

COMMENT ON VIEW reconciliation_daily IS
  'Bill reconciliation per local day and store: payments, orders, unmatched_payments, unmatched_orders, pending (pool items waiting), mismatch_rate (the rule''s share).';
