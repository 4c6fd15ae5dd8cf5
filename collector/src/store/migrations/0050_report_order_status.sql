-- Reporting for Grafana (grafana/README.md documents every view). Panels read rollups, never the
-- raw event log: a 30-day per-store scan of 30M events takes seconds, a daily rollup milliseconds.
--
-- How rollups stay current, decided once here by whether TimescaleDB is installed:
--   * TimescaleDB: `events` is a hypertable (0002), so order-status rollups are continuous
--     aggregates with real-time aggregation (fresh up to the last second).
--   * Plain PostgreSQL and PGlite: rollup tables that a statement-level AFTER INSERT trigger on
--     `events` updates in the same transaction as the group commit, from the batch's transition
--     table (one aggregate upsert per batch, not per row). Hypertables cannot have transition-table
--     triggers, which is why the two paths differ.
-- Either way the views below have the same columns, so dashboards do not care which path runs.

-- Daily figures are days in this time zone (ORDERPULSE_TZ). Changing it: SELECT set_report_time_zone('…'),
-- which rebuilds the rollups (0054).
CREATE TABLE report_settings (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  time_zone text    NOT NULL DEFAULT 'Asia/Shanghai'
);
INSERT INTO report_settings DEFAULT VALUES;

DO $migration$
DECLARE
  tz text := (SELECT time_zone FROM report_settings);
BEGIN
  IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') THEN
    EXECUTE $q$
      CREATE MATERIALIZED VIEW order_status_minute_cagg
      WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
      SELECT time_bucket(interval '1 minute', occurred_at) AS bucket,
             payload->>'status' AS status,
             count(*) AS orders,
             sum((payload->>'amountFen')::bigint) AS amount_fen
      FROM events
      WHERE type = 'order.status'
      GROUP BY 1, 2
      WITH NO DATA$q$;
    EXECUTE format($q$
      CREATE MATERIALIZED VIEW order_status_day_cagg
      WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
      SELECT time_bucket(interval '1 day', occurred_at, %L) AS bucket,
             store_id,
             payload->>'status' AS status,
             count(*) AS orders,
             sum((payload->>'amountFen')::bigint) AS amount_fen
      FROM events
      WHERE type = 'order.status'
      GROUP BY 1, 2, 3
      WITH NO DATA$q$, tz);
    PERFORM add_continuous_aggregate_policy('order_status_minute_cagg',
      start_offset => interval '2 days', end_offset => interval '1 minute', schedule_interval => interval '1 minute');
    PERFORM add_continuous_aggregate_policy('order_status_day_cagg',
      start_offset => interval '40 days', end_offset => interval '1 hour', schedule_interval => interval '15 minutes');

    EXECUTE $q$
      CREATE VIEW order_status_minutely AS
      SELECT bucket, status, orders, coalesce(amount_fen, 0)::bigint AS amount_fen FROM order_status_minute_cagg$q$;
    EXECUTE format($q$
      CREATE VIEW order_status_daily AS
      SELECT (bucket AT TIME ZONE %L)::date AS day, bucket AS day_start, store_id, status, orders,
             coalesce(amount_fen, 0)::bigint AS amount_fen
      FROM order_status_day_cagg$q$, tz);
    EXECUTE $q$
      CREATE VIEW order_status_daily_total AS
      SELECT day, day_start, status, sum(orders)::bigint AS orders, sum(amount_fen)::bigint AS amount_fen
      FROM order_status_daily GROUP BY day, day_start, status$q$;
  ELSE
    CREATE TABLE order_status_minute_rollup (
      bucket     timestamptz NOT NULL,
      status     text        NOT NULL,
      orders     bigint      NOT NULL,
      amount_fen bigint      NOT NULL,
      PRIMARY KEY (bucket, status)
    );
    -- day_start (the local day's first instant) is stored, not computed in the view: converting
    -- every row with a time zone read from a table costs more than the whole aggregate.
    CREATE TABLE order_status_day_rollup (
      day        date        NOT NULL,
      day_start  timestamptz NOT NULL,
      store_id   text        NOT NULL,
      status     text        NOT NULL,
      orders     bigint      NOT NULL,
      amount_fen bigint      NOT NULL,
      -- store first: a panel over a few stores reads just their rows
      PRIMARY KEY (store_id, day, status)
    );
    CREATE INDEX order_status_day_rollup_start_idx ON order_status_day_rollup (day_start);
    -- All stores together: 30 days are ~300 rows here instead of ~90k in the per-store table.
    CREATE TABLE order_status_day_total_rollup (
      day        date        NOT NULL,
      day_start  timestamptz NOT NULL,
      status     text        NOT NULL,
      orders     bigint      NOT NULL,
      amount_fen bigint      NOT NULL,
      PRIMARY KEY (day, status)
    );

    -- Upserts run in key order so two concurrent commits lock shared rollup rows in the same
    -- order and cannot deadlock; `+ excluded` makes each batch's contribution additive.
    CREATE FUNCTION rollup_order_status_events() RETURNS trigger
    LANGUAGE plpgsql SET search_path FROM CURRENT AS $fn$
    DECLARE
      tz text := (SELECT time_zone FROM report_settings);
    BEGIN
      INSERT INTO order_status_minute_rollup AS r (bucket, status, orders, amount_fen)
      SELECT date_bin(interval '1 minute', occurred_at, timestamptz '2000-01-01 00:00+00'), payload->>'status',
             count(*), coalesce(sum((payload->>'amountFen')::bigint), 0)
      FROM new_events WHERE type = 'order.status'
      GROUP BY 1, 2 ORDER BY 1, 2
      ON CONFLICT (bucket, status) DO UPDATE
        SET orders = r.orders + excluded.orders, amount_fen = r.amount_fen + excluded.amount_fen;

      INSERT INTO order_status_day_rollup AS r (day, day_start, store_id, status, orders, amount_fen)
      SELECT day, day::timestamp AT TIME ZONE tz, store_id, status, orders, amount_fen
      FROM (
        SELECT (occurred_at AT TIME ZONE tz)::date AS day, store_id, payload->>'status' AS status,
               count(*) AS orders, coalesce(sum((payload->>'amountFen')::bigint), 0) AS amount_fen
        FROM new_events WHERE type = 'order.status'
        GROUP BY 1, 2, 3
      ) batch
      ORDER BY 3, 1, 4
      ON CONFLICT (store_id, day, status) DO UPDATE
        SET orders = r.orders + excluded.orders, amount_fen = r.amount_fen + excluded.amount_fen;

      INSERT INTO order_status_day_total_rollup AS r (day, day_start, status, orders, amount_fen)
      SELECT day, day::timestamp AT TIME ZONE tz, status, orders, amount_fen
      FROM (
        SELECT (occurred_at AT TIME ZONE tz)::date AS day, payload->>'status' AS status,
               count(*) AS orders, coalesce(sum((payload->>'amountFen')::bigint), 0) AS amount_fen
        FROM new_events WHERE type = 'order.status'
        GROUP BY 1, 2
      ) batch
      ORDER BY 1, 3
      ON CONFLICT (day, status) DO UPDATE
        SET orders = r.orders + excluded.orders, amount_fen = r.amount_fen + excluded.amount_fen;
      RETURN NULL;
    END
    $fn$;

    CREATE TRIGGER events_order_status_rollup
      AFTER INSERT ON events REFERENCING NEW TABLE AS new_events
      FOR EACH STATEMENT EXECUTE FUNCTION rollup_order_status_events();

    CREATE VIEW order_status_minutely AS
      SELECT bucket, status, orders, amount_fen FROM order_status_minute_rollup;
    CREATE VIEW order_status_daily AS
      SELECT day, day_start, store_id, status, orders, amount_fen FROM order_status_day_rollup;
    CREATE VIEW order_status_daily_total AS
      SELECT day, day_start, status, orders, amount_fen FROM order_status_day_total_rollup;
  END IF;
END
$migration$;

-- Hourly figures come from the minute rollup rather than a per-store hourly one: a per-store
-- rollup changes about one row per store and status in every group commit, which costs the
-- ingest path more than any panel gains (per-store trends read the daily rollup).
CREATE VIEW order_status_hourly AS
  SELECT date_bin(interval '1 hour', bucket, timestamptz '2000-01-01 00:00+00') AS bucket, status,
         sum(orders)::bigint AS orders, sum(amount_fen)::bigint AS amount_fen
  FROM order_status_minutely
  GROUP BY 1, 2;

COMMENT ON VIEW order_status_minutely IS
  'order.status events per minute (event time) by status, all stores; amount_fen sums the events'' amounts.';
COMMENT ON VIEW order_status_hourly IS 'order.status events per hour (event time) by status, all stores.';
COMMENT ON VIEW order_status_daily IS
  'order.status events per local day (report_settings.time_zone) by store and status; day_start is the day''s first instant.';
COMMENT ON VIEW order_status_daily_total IS 'order_status_daily summed over all stores.';
