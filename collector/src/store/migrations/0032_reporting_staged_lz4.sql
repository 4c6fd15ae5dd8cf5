-- The rollups' staging rows hold a statement's events as arrays (0026): a 500-event commit stages
-- ~17 kB, which TOAST compresses with pglz as the row is written, and the applier reads and deletes
-- the row moments later. pglz was ~4 % of a group commit's PostgreSQL CPU (perf); lz4 compresses
-- the same arrays for 0.7–1.5 µs an event less, with the same WAL (BENCHMARKS.md §20.2). A server built
-- without lz4 (the embedded store's) refuses the method: its staging keeps pglz.
DO $$
BEGIN
  ALTER TABLE report_staged_order_status
    ALTER COLUMN occurred_at SET COMPRESSION lz4,
    ALTER COLUMN store_id SET COMPRESSION lz4,
    ALTER COLUMN status SET COMPRESSION lz4,
    ALTER COLUMN amount_fen SET COMPRESSION lz4;
  ALTER TABLE report_staged_paid_orders
    ALTER COLUMN order_id SET COMPRESSION lz4,
    ALTER COLUMN store_id SET COMPRESSION lz4,
    ALTER COLUMN paid_at SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
  NULL;
END
$$;
