-- Reporting for Grafana (grafana/README.md documents every view). Panels read rollups, never the
-- raw event log: a 30-day per-store scan of 30M events takes seconds, a daily rollup milliseconds.
--
-- Rollups stay off the acknowledgement path. Capture runs in the committing transaction but only
-- appends the needed columns of each statement's transition table to append-only staging tables
-- (no updates of shared rows, no lock), so staged rows commit or roll back with the events and
-- nothing is lost in a crash. apply_reporting_rollups(max_rows), run by the collector about once
-- a second, takes the rollups' advisory lock, consumes staged rows (DELETE … RETURNING, so a row
-- is applied exactly once whatever commits in between) and merges them into the rollups, one
-- statement per staging table. Rollups are eventually consistent, seconds behind the event log.
-- (Updating shared rollup rows inside every group commit, with a lock serialising concurrent
-- commits, ran ingest at about half its speed.)
--
-- Order-status rollups depend on whether TimescaleDB is installed:
--   * TimescaleDB: `events` is a hypertable, so they are continuous aggregates with real-time
--     aggregation (fresh up to the last second); nothing is staged for them.
--   * Plain PostgreSQL and PGlite: rollup tables fed from the staging table of `events`.
--     Hypertables cannot have transition-table triggers, which is why the two paths differ.
-- Either way the views below have the same columns, so dashboards do not care which path runs.
--
-- Staged times stay timestamps: local days are computed when applied, with the time zone of that
-- moment (set_report_time_zone rebuilds and clears the staging under the same lock).

-- Daily figures are days in this time zone (ORDERPULSE_TZ). Changing it: SELECT set_report_time_zone('…'),
-- which rebuilds the rollups.
CREATE TABLE report_settings (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  time_zone text    NOT NULL DEFAULT 'Asia/Shanghai'
);
INSERT INTO report_settings DEFAULT VALUES;

-- Staging rows are deleted as they are applied: autovacuum is told to keep up with the churn.
CREATE TABLE report_staged_order_status (
  occurred_at timestamptz NOT NULL,
  store_id    text        NOT NULL,
  status      text,
  amount_fen  bigint
) WITH (autovacuum_vacuum_scale_factor = 0.01);

-- One row per new payments row (retries of a notification insert nothing, so nothing is staged twice).
CREATE TABLE report_staged_payments (
  occurred_at timestamptz NOT NULL,
  provider    text        NOT NULL,
  status      text        NOT NULL,
  amount_fen  bigint,
  order_id    text        NOT NULL,
  store_id    text
) WITH (autovacuum_vacuum_scale_factor = 0.01);

-- Orders that came to count as paid, or got a new paid_at, with the moment that makes them paid.
-- paid_at is nullable as orders.status_at is: an order that counts as paid with neither still
-- stages (with no paid day) rather than failing the ingest commit.
CREATE TABLE report_staged_paid_orders (
  order_id text        NOT NULL,
  store_id text        NOT NULL,
  paid_at  timestamptz
) WITH (autovacuum_vacuum_scale_factor = 0.01);

-- Per statement and hour: open waybills entering (+) and leaving (−) the hour of their last update.
CREATE TABLE report_staged_shipment_changes (
  carrier          text        NOT NULL,
  last_update_hour timestamptz NOT NULL,
  delta            bigint      NOT NULL
) WITH (autovacuum_vacuum_scale_factor = 0.01);

-- Rollups changed from several staging tables (order_match and the daily mismatch from payments
-- and orders) are changed only under this transaction-scoped lock, so two appliers cannot
-- deadlock; the rebuild takes it too.
CREATE FUNCTION lock_reporting_rollups() RETURNS void
LANGUAGE sql SET search_path FROM CURRENT AS $fn$
  SELECT pg_advisory_xact_lock(hashtextextended('orderpulse.reporting_rollups:' || current_schema(), 0))
$fn$;

-- ---------------------------------------------------------------------------------------------
-- Order status per minute and per local day. Upserts run in key order so two appliers lock shared
-- rollup rows in the same order; `+ excluded` makes each batch's contribution additive.

CREATE FUNCTION stage_order_status_events() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $fn$
BEGIN
  INSERT INTO report_staged_order_status (occurred_at, store_id, status, amount_fen)
  SELECT occurred_at, store_id, payload->>'status', (payload->>'amountFen')::bigint
  FROM new_events WHERE type = 'order.status';
  RETURN NULL;
END
$fn$;

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

    -- A hypertable cannot have transition-table triggers, so only this path stages order statuses.
    CREATE TRIGGER events_stage_reporting
      AFTER INSERT ON events REFERENCING NEW TABLE AS new_events
      FOR EACH STATEMENT EXECUTE FUNCTION stage_order_status_events();

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

-- ---------------------------------------------------------------------------------------------
-- Payment notifications per minute and per hour by provider and status (event time), for the
-- Payments & callbacks dashboard. `payments` holds one row per (provider, transaction, status),
-- so provider retries of the same notification are not counted twice. `payments` is a plain table
-- on every store, so one staged rollup serves TimescaleDB and plain PostgreSQL alike.

CREATE TABLE callback_minute_rollup (
  bucket     timestamptz NOT NULL,
  provider   text        NOT NULL,
  status     text        NOT NULL,
  callbacks  bigint      NOT NULL,
  amount_fen bigint      NOT NULL,
  PRIMARY KEY (bucket, provider, status)
);

CREATE TABLE callback_hour_rollup (
  bucket     timestamptz NOT NULL,
  provider   text        NOT NULL,
  status     text        NOT NULL,
  callbacks  bigint      NOT NULL,
  amount_fen bigint      NOT NULL,
  PRIMARY KEY (bucket, provider, status)
);

CREATE FUNCTION stage_payments() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $fn$
BEGIN
  INSERT INTO report_staged_payments (occurred_at, provider, status, amount_fen, order_id, store_id)
  SELECT occurred_at, provider, status, amount_fen, order_id, store_id FROM new_payments;
  RETURN NULL;
END
$fn$;

CREATE TRIGGER payments_stage_reporting
  AFTER INSERT ON payments REFERENCING NEW TABLE AS new_payments
  FOR EACH STATEMENT EXECUTE FUNCTION stage_payments();

CREATE VIEW callback_rate_minutely AS
  SELECT bucket, provider, status, callbacks, amount_fen FROM callback_minute_rollup;
CREATE VIEW callback_rate_hourly AS
  SELECT bucket, provider, status, callbacks, amount_fen FROM callback_hour_rollup;

COMMENT ON VIEW callback_rate_minutely IS
  'payment.notify per minute (event time) by provider and status; amount_fen is the sum notified.';
COMMENT ON VIEW callback_rate_hourly IS 'payment.notify per hour (event time) by provider and status.';

-- ---------------------------------------------------------------------------------------------
-- Daily per-store mismatch between orders and payment notifications, for the Store missing-order
-- trends dashboard:
--   missing_orders   = orders with a successful payment.notify that never reached `paid` (the
--                      order system did not report them: the "missing order" of the brief);
--   missing_payments = orders that reached `paid` with no successful payment.notify (a lost callback).
--
-- Kept exact and incremental in two steps:
--   1. `order_match` holds one row per order that is paid or has a payment: its flags and days.
--      Staged payments and paid orders are merged into it monotonically (flags only turn true,
--      days only move earlier), so any interleaving gives the same row. A staged payment looks its
--      order up and a staged paid order its payments: whichever is applied later sees the other.
--   2. A trigger on `order_match` adds (new row's contribution − old row's contribution) to the
--      per-store daily rollup, so every count is the sum of the current rows' contributions.
-- rebuild_reporting_rollups() recomputes both from scratch; tests check it agrees.

CREATE TABLE order_match (
  order_id    text    PRIMARY KEY,
  store_id    text    NOT NULL,
  has_payment boolean NOT NULL,
  -- local day of the earliest successful payment.notify
  pay_day     date,
  is_paid     boolean NOT NULL,
  -- local day the order reached paid (paid_at, or the status time of a later status if `paid` was never reported)
  paid_day    date
);

CREATE TABLE store_mismatch_day_rollup (
  day                 date        NOT NULL,
  -- the local day's first instant, stored so panels filter and plot it without a per-row conversion
  day_start           timestamptz NOT NULL,
  store_id            text        NOT NULL,
  orders_paid         bigint NOT NULL,
  orders_with_payment bigint NOT NULL,
  missing_orders      bigint NOT NULL,
  missing_payments    bigint NOT NULL,
  PRIMARY KEY (day, store_id)
);

CREATE INDEX store_mismatch_day_rollup_start_idx ON store_mismatch_day_rollup (day_start);

-- Order lookups by order_id already have payments_order_idx; this one skips refunds and closes.
CREATE INDEX payments_success_order_idx ON payments (order_id) WHERE status = 'success';

-- never NULL: an order known only from a payment or shipment has no status yet
CREATE FUNCTION order_is_paid(status text, paid_at timestamptz) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $fn$
  SELECT paid_at IS NOT NULL OR coalesce(status IN ('paid', 'picking', 'packed', 'shipped', 'delivered', 'refunded'), false)
$fn$;

-- Orders change on every status event; only the first time an order counts as paid, or a new
-- paid_at, can change its match row, so only those are staged.
CREATE FUNCTION stage_paid_orders() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $fn$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO report_staged_paid_orders (order_id, store_id, paid_at)
    SELECT n.order_id, n.store_id, coalesce(n.paid_at, n.status_at)
    FROM new_orders n WHERE order_is_paid(n.status, n.paid_at);
  ELSE
    INSERT INTO report_staged_paid_orders (order_id, store_id, paid_at)
    SELECT n.order_id, n.store_id, coalesce(n.paid_at, n.status_at)
    FROM new_orders n JOIN old_orders o USING (order_id)
    WHERE order_is_paid(n.status, n.paid_at)
      AND (NOT order_is_paid(o.status, o.paid_at) OR n.paid_at IS DISTINCT FROM o.paid_at);
  END IF;
  RETURN NULL;
END
$fn$;

CREATE TRIGGER orders_stage_reporting_insert
  AFTER INSERT ON orders REFERENCING NEW TABLE AS new_orders
  FOR EACH STATEMENT EXECUTE FUNCTION stage_paid_orders();
CREATE TRIGGER orders_stage_reporting_update
  AFTER UPDATE ON orders REFERENCING OLD TABLE AS old_orders NEW TABLE AS new_orders
  FOR EACH STATEMENT EXECUTE FUNCTION stage_paid_orders();

CREATE FUNCTION rollup_order_match() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $fn$
DECLARE
  tz text := (SELECT time_zone FROM report_settings);
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO store_mismatch_day_rollup AS r
      (day, day_start, store_id, orders_paid, orders_with_payment, missing_orders, missing_payments)
    SELECT day, day::timestamp AT TIME ZONE tz, store_id, sum(paid), sum(with_payment), sum(missing_order),
           sum(missing_payment)
    FROM (
      SELECT pay_day AS day, store_id, 0 AS paid, 1 AS with_payment, (NOT is_paid)::int AS missing_order,
             0 AS missing_payment
      FROM new_rows WHERE has_payment
      UNION ALL
      SELECT paid_day, store_id, 1, 0, 0, (NOT has_payment)::int FROM new_rows WHERE is_paid
    ) contribution
    GROUP BY day, store_id ORDER BY day, store_id
    ON CONFLICT (day, store_id) DO UPDATE SET
      orders_paid = r.orders_paid + excluded.orders_paid,
      orders_with_payment = r.orders_with_payment + excluded.orders_with_payment,
      missing_orders = r.missing_orders + excluded.missing_orders,
      missing_payments = r.missing_payments + excluded.missing_payments;
  ELSE
    INSERT INTO store_mismatch_day_rollup AS r
      (day, day_start, store_id, orders_paid, orders_with_payment, missing_orders, missing_payments)
    SELECT day, day::timestamp AT TIME ZONE tz, store_id, sum(paid), sum(with_payment), sum(missing_order),
           sum(missing_payment)
    FROM (
      SELECT pay_day AS day, store_id, 0 AS paid, 1 AS with_payment, (NOT is_paid)::int AS missing_order,
             0 AS missing_payment
      FROM new_rows WHERE has_payment
      UNION ALL
      SELECT paid_day, store_id, 1, 0, 0, (NOT has_payment)::int FROM new_rows WHERE is_paid
      UNION ALL
      SELECT pay_day, store_id, 0, -1, -(NOT is_paid)::int, 0 FROM old_rows WHERE has_payment
      UNION ALL
      SELECT paid_day, store_id, -1, 0, 0, -(NOT has_payment)::int FROM old_rows WHERE is_paid
    ) contribution
    GROUP BY day, store_id ORDER BY day, store_id
    ON CONFLICT (day, store_id) DO UPDATE SET
      orders_paid = r.orders_paid + excluded.orders_paid,
      orders_with_payment = r.orders_with_payment + excluded.orders_with_payment,
      missing_orders = r.missing_orders + excluded.missing_orders,
      missing_payments = r.missing_payments + excluded.missing_payments;
  END IF;
  RETURN NULL;
END
$fn$;

CREATE TRIGGER order_match_rollup_insert
  AFTER INSERT ON order_match REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION rollup_order_match();
CREATE TRIGGER order_match_rollup_update
  AFTER UPDATE ON order_match REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION rollup_order_match();

-- The rate's denominator counts every order once: paid orders, plus paid-for orders not yet paid.
CREATE VIEW store_daily_mismatch AS
  SELECT day, day_start, store_id, orders_paid, orders_with_payment, missing_orders, missing_payments,
         (missing_orders + missing_payments)::double precision / nullif(orders_paid + missing_orders, 0) AS mismatch_rate
  FROM store_mismatch_day_rollup
  WHERE orders_paid <> 0 OR orders_with_payment <> 0;

COMMENT ON VIEW store_daily_mismatch IS
  'Per store and local day: orders paid, orders with a successful payment.notify, missing_orders (paid for, never reached paid), missing_payments (paid, no payment.notify), mismatch_rate.';

-- ---------------------------------------------------------------------------------------------
-- Open shipments (not delivered, rejected or returned) counted per carrier and hour of their last
-- update, so "how many have been silent for 24 h / 48 h" reads a few hundred rows instead of
-- every open waybill. Staged changes move a waybill between hours as updates arrive (new row's
-- contribution minus old row's).

CREATE TABLE open_shipment_rollup (
  carrier        text        NOT NULL,
  last_update_hour timestamptz NOT NULL,
  shipments      bigint      NOT NULL,
  PRIMARY KEY (carrier, last_update_hour)
);

CREATE FUNCTION shipment_is_open(state text) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $fn$
  SELECT state NOT IN ('delivered', 'rejected', 'returned')
$fn$;

CREATE FUNCTION stage_shipment_changes() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $fn$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO report_staged_shipment_changes (carrier, last_update_hour, delta)
    SELECT carrier, date_bin(interval '1 hour', last_update_at, timestamptz '2000-01-01 00:00+00'), count(*)
    FROM new_shipments WHERE shipment_is_open(state)
    GROUP BY 1, 2;
  ELSE
    INSERT INTO report_staged_shipment_changes (carrier, last_update_hour, delta)
    SELECT carrier, hour, sum(delta)
    FROM (
      SELECT carrier, date_bin(interval '1 hour', last_update_at, timestamptz '2000-01-01 00:00+00') AS hour,
             1 AS delta
      FROM new_shipments WHERE shipment_is_open(state)
      UNION ALL
      SELECT carrier, date_bin(interval '1 hour', last_update_at, timestamptz '2000-01-01 00:00+00'), -1
      FROM old_shipments WHERE shipment_is_open(state)
    ) change
    GROUP BY 1, 2 HAVING sum(delta) <> 0;
  END IF;
  RETURN NULL;
END
$fn$;

CREATE TRIGGER shipments_stage_reporting_insert
  AFTER INSERT ON shipments REFERENCING NEW TABLE AS new_shipments
  FOR EACH STATEMENT EXECUTE FUNCTION stage_shipment_changes();
CREATE TRIGGER shipments_stage_reporting_update
  AFTER UPDATE ON shipments REFERENCING OLD TABLE AS old_shipments NEW TABLE AS new_shipments
  FOR EACH STATEMENT EXECUTE FUNCTION stage_shipment_changes();

-- The silent_shipments listing reads the oldest open waybills first through this index.
CREATE INDEX shipments_open_last_update_idx ON shipments (last_update_at)
  WHERE state NOT IN ('delivered', 'rejected', 'returned');

-- Silence is counted to the hour: a waybill counts as silent for 24 h once its whole last-update
-- hour lies 24 h or more in the past.
CREATE VIEW carrier_silence AS
  SELECT carrier,
         sum(shipments)::bigint AS open_shipments,
         coalesce(sum(shipments) FILTER (
           WHERE last_update_hour + interval '1 hour' <= now() - interval '24 hours'), 0)::bigint AS silent_24h,
         coalesce(sum(shipments) FILTER (
           WHERE last_update_hour + interval '1 hour' <= now() - interval '48 hours'), 0)::bigint AS silent_48h,
         min(last_update_hour) AS oldest_update_hour,
         greatest(0, extract(epoch FROM now() - min(last_update_hour)))::bigint AS max_silence_seconds
  FROM open_shipment_rollup
  WHERE shipments > 0
  GROUP BY carrier;

CREATE VIEW silent_shipments AS
  SELECT carrier, tracking_no, order_id, store_id, state, last_update_at, location, destination_region,
         now() - last_update_at AS silence
  FROM shipments
  WHERE state NOT IN ('delivered', 'rejected', 'returned');

COMMENT ON VIEW carrier_silence IS
  'Per carrier: open shipments, how many have had no update for 24 h / 48 h (to the hour), the oldest last-update hour.';
COMMENT ON VIEW silent_shipments IS
  'Open shipments with their time since the last carrier update; filter on silence and ORDER BY last_update_at.';

-- ---------------------------------------------------------------------------------------------
-- Applying, rebuilding, the time zone.

-- Applies at most max_rows staged rows of each staging table; returns how many it applied in all
-- (0 when nothing was staged). Each statement consumes and merges in one snapshot; order_match
-- merges monotonically and its own trigger moves the daily mismatch counts, so any interleaving
-- of staged rows and the base tables gives the counts a rebuild gives.
-- A chunk is the rows up to the last TID of the first max_rows rows: a TID Range Scan, or one
-- comparison per row even as a sequential scan (`ctid = ANY (ARRAY(… LIMIT max_rows))` could be
-- planned as a sequential scan searching the whole array for every row, and plpgsql keeps such a
-- plan: a core busy for tens of seconds on a backlog). It takes exactly the rows the LIMIT saw,
-- except when a synchronised scan starts mid-table: then the chunk is bigger, and still every
-- staged row is consumed (and applied) exactly once.
CREATE FUNCTION apply_reporting_rollups(max_rows integer) RETURNS bigint
LANGUAGE plpgsql SET search_path FROM CURRENT AS $fn$
DECLARE
  tz text := (SELECT time_zone FROM report_settings);
  n bigint;
  total bigint := 0;
BEGIN
  PERFORM lock_reporting_rollups();

  IF to_regclass('order_status_minute_rollup') IS NOT NULL THEN
    WITH consumed AS (
      DELETE FROM report_staged_order_status
      WHERE ctid <= (SELECT max(ctid) FROM (SELECT ctid FROM report_staged_order_status LIMIT max_rows) AS chunk)
      RETURNING occurred_at, store_id, status, amount_fen
    ), by_day AS (
      SELECT (occurred_at AT TIME ZONE tz)::date AS day, store_id, status,
             count(*) AS orders, coalesce(sum(amount_fen), 0) AS amount_fen
      FROM consumed GROUP BY 1, 2, 3
    ), minute AS (
      INSERT INTO order_status_minute_rollup AS r (bucket, status, orders, amount_fen)
      SELECT date_bin(interval '1 minute', occurred_at, timestamptz '2000-01-01 00:00+00'), status,
             count(*), coalesce(sum(amount_fen), 0)
      FROM consumed GROUP BY 1, 2 ORDER BY 1, 2
      ON CONFLICT (bucket, status) DO UPDATE
        SET orders = r.orders + excluded.orders, amount_fen = r.amount_fen + excluded.amount_fen
    ), per_store AS (
      INSERT INTO order_status_day_rollup AS r (day, day_start, store_id, status, orders, amount_fen)
      SELECT day, day::timestamp AT TIME ZONE tz, store_id, status, orders, amount_fen
      FROM by_day ORDER BY store_id, day, status
      ON CONFLICT (store_id, day, status) DO UPDATE
        SET orders = r.orders + excluded.orders, amount_fen = r.amount_fen + excluded.amount_fen
    ), all_stores AS (
      INSERT INTO order_status_day_total_rollup AS r (day, day_start, status, orders, amount_fen)
      SELECT day, day::timestamp AT TIME ZONE tz, status, sum(orders), sum(amount_fen)
      FROM by_day GROUP BY day, status ORDER BY day, status
      ON CONFLICT (day, status) DO UPDATE
        SET orders = r.orders + excluded.orders, amount_fen = r.amount_fen + excluded.amount_fen
    )
    SELECT count(*) INTO n FROM consumed;
    total := total + n;
  END IF;

  WITH consumed AS (
    DELETE FROM report_staged_payments
    WHERE ctid <= (SELECT max(ctid) FROM (SELECT ctid FROM report_staged_payments LIMIT max_rows) AS chunk)
    RETURNING occurred_at, provider, status, amount_fen, order_id, store_id
  ), minute AS (
    INSERT INTO callback_minute_rollup AS r (bucket, provider, status, callbacks, amount_fen)
    SELECT date_bin(interval '1 minute', occurred_at, timestamptz '2000-01-01 00:00+00'), provider, status,
           count(*), sum(amount_fen)
    FROM consumed GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (bucket, provider, status) DO UPDATE
      SET callbacks = r.callbacks + excluded.callbacks, amount_fen = r.amount_fen + excluded.amount_fen
  ), hour AS (
    INSERT INTO callback_hour_rollup AS r (bucket, provider, status, callbacks, amount_fen)
    SELECT date_bin(interval '1 hour', occurred_at, timestamptz '2000-01-01 00:00+00'), provider, status,
           count(*), sum(amount_fen)
    FROM consumed GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (bucket, provider, status) DO UPDATE
      SET callbacks = r.callbacks + excluded.callbacks, amount_fen = r.amount_fen + excluded.amount_fen
  ), matched AS (
    INSERT INTO order_match AS m (order_id, store_id, has_payment, pay_day, is_paid, paid_day)
    SELECT p.order_id, coalesce(o.store_id, p.store_id), true, p.pay_day,
           coalesce(order_is_paid(o.status, o.paid_at), false),
           CASE WHEN order_is_paid(o.status, o.paid_at) THEN (coalesce(o.paid_at, o.status_at) AT TIME ZONE tz)::date END
    FROM (
      SELECT order_id, min(store_id) AS store_id, min((occurred_at AT TIME ZONE tz)::date) AS pay_day
      FROM consumed WHERE status = 'success' GROUP BY order_id
    ) p
    LEFT JOIN orders o ON o.order_id = p.order_id
    ORDER BY p.order_id
    ON CONFLICT (order_id) DO UPDATE SET
      has_payment = true,
      pay_day = least(m.pay_day, excluded.pay_day),
      is_paid = m.is_paid OR excluded.is_paid,
      paid_day = least(m.paid_day, excluded.paid_day)
    WHERE (m.has_payment, m.pay_day, m.is_paid, m.paid_day) IS DISTINCT FROM
          (true, least(m.pay_day, excluded.pay_day), m.is_paid OR excluded.is_paid, least(m.paid_day, excluded.paid_day))
  )
  SELECT count(*) INTO n FROM consumed;
  total := total + n;

  WITH consumed AS (
    DELETE FROM report_staged_paid_orders
    WHERE ctid <= (SELECT max(ctid) FROM (SELECT ctid FROM report_staged_paid_orders LIMIT max_rows) AS chunk)
    RETURNING order_id, store_id, paid_at
  ), matched AS (
    INSERT INTO order_match AS m (order_id, store_id, has_payment, pay_day, is_paid, paid_day)
    SELECT c.order_id, c.store_id, pay.pay_day IS NOT NULL, pay.pay_day, true, c.paid_day
    FROM (
      SELECT order_id, min(store_id) AS store_id, min((paid_at AT TIME ZONE tz)::date) AS paid_day
      FROM consumed GROUP BY order_id
    ) c
    CROSS JOIN LATERAL (
      SELECT min((p.occurred_at AT TIME ZONE tz)::date) AS pay_day
      FROM payments p WHERE p.order_id = c.order_id AND p.status = 'success'
    ) pay
    ORDER BY c.order_id
    ON CONFLICT (order_id) DO UPDATE SET
      has_payment = m.has_payment OR excluded.has_payment,
      pay_day = least(m.pay_day, excluded.pay_day),
      is_paid = true,
      paid_day = least(m.paid_day, excluded.paid_day)
    WHERE (m.has_payment, m.pay_day, m.is_paid, m.paid_day) IS DISTINCT FROM
          (m.has_payment OR excluded.has_payment, least(m.pay_day, excluded.pay_day), true,
           least(m.paid_day, excluded.paid_day))
  )
  SELECT count(*) INTO n FROM consumed;
  total := total + n;

  WITH consumed AS (
    DELETE FROM report_staged_shipment_changes
    WHERE ctid <= (SELECT max(ctid) FROM (SELECT ctid FROM report_staged_shipment_changes LIMIT max_rows) AS chunk)
    RETURNING carrier, last_update_hour, delta
  ), merged AS (
    INSERT INTO open_shipment_rollup AS r (carrier, last_update_hour, shipments)
    SELECT carrier, last_update_hour, sum(delta) FROM consumed
    GROUP BY 1, 2 HAVING sum(delta) <> 0 ORDER BY 1, 2
    ON CONFLICT (carrier, last_update_hour) DO UPDATE SET shipments = r.shipments + excluded.shipments
  )
  SELECT count(*) INTO n FROM consumed;
  total := total + n;
  -- a separate statement: the upsert's result is not visible to its own statement's other parts
  IF n > 0 THEN
    DELETE FROM open_shipment_rollup WHERE shipments = 0;
  END IF;
  RETURN total;
END
$fn$;

-- Recomputes every reporting rollup from the base tables: the repair after a manual data fix, and
-- the check the tests use (applied rollups must equal a rebuild). It clears the staging tables,
-- each in the same statement (so the same snapshot) as the base tables it reads: a staged row is
-- either in the rebuild or still staged, never both. It holds the rollups' lock, so no apply runs
-- meanwhile. Continuous aggregates (TimescaleDB) are left to refresh_continuous_aggregate, which
-- cannot run inside a transaction.
CREATE FUNCTION rebuild_reporting_rollups() RETURNS void
LANGUAGE plpgsql SET search_path FROM CURRENT AS $fn$
DECLARE
  tz text := (SELECT time_zone FROM report_settings);
BEGIN
  PERFORM lock_reporting_rollups();
  TRUNCATE callback_minute_rollup, callback_hour_rollup, order_match, store_mismatch_day_rollup,
    open_shipment_rollup;

  IF to_regclass('order_status_minute_rollup') IS NOT NULL THEN
    TRUNCATE order_status_minute_rollup, order_status_day_rollup, order_status_day_total_rollup;
    WITH cleared AS (
      DELETE FROM report_staged_order_status
    ), minute AS (
      INSERT INTO order_status_minute_rollup (bucket, status, orders, amount_fen)
      SELECT date_bin(interval '1 minute', occurred_at, timestamptz '2000-01-01 00:00+00'), payload->>'status',
             count(*), coalesce(sum((payload->>'amountFen')::bigint), 0)
      FROM events WHERE type = 'order.status' GROUP BY 1, 2
    )
    INSERT INTO order_status_day_rollup (day, day_start, store_id, status, orders, amount_fen)
    SELECT day, day::timestamp AT TIME ZONE tz, store_id, status, orders, amount_fen
    FROM (
      SELECT (occurred_at AT TIME ZONE tz)::date AS day, store_id, payload->>'status' AS status,
             count(*) AS orders, coalesce(sum((payload->>'amountFen')::bigint), 0) AS amount_fen
      FROM events WHERE type = 'order.status' GROUP BY 1, 2, 3
    ) rebuilt;
    INSERT INTO order_status_day_total_rollup (day, day_start, status, orders, amount_fen)
    SELECT day, day_start, status, sum(orders), sum(amount_fen)
    FROM order_status_day_rollup GROUP BY 1, 2, 3;
  ELSE
    -- nothing stages order status on this path; kept empty should a branch ever change
    DELETE FROM report_staged_order_status;
  END IF;

  -- order_match reads orders and payments, callbacks read payments: one statement for all of them.
  -- Filling order_match fires its INSERT trigger, which fills the daily mismatch rollup.
  WITH cleared_payments AS (
    DELETE FROM report_staged_payments
  ), cleared_orders AS (
    DELETE FROM report_staged_paid_orders
  ), minute AS (
    INSERT INTO callback_minute_rollup (bucket, provider, status, callbacks, amount_fen)
    SELECT date_bin(interval '1 minute', occurred_at, timestamptz '2000-01-01 00:00+00'), provider, status,
           count(*), sum(amount_fen)
    FROM payments GROUP BY 1, 2, 3
  ), hour AS (
    INSERT INTO callback_hour_rollup (bucket, provider, status, callbacks, amount_fen)
    SELECT date_bin(interval '1 hour', occurred_at, timestamptz '2000-01-01 00:00+00'), provider, status,
           count(*), sum(amount_fen)
    FROM payments GROUP BY 1, 2, 3
  )
  INSERT INTO order_match (order_id, store_id, has_payment, pay_day, is_paid, paid_day)
  SELECT coalesce(o.order_id, p.order_id),
         coalesce(o.store_id, unpaid.store_id, p.store_id),
         p.order_id IS NOT NULL,
         p.pay_day,
         coalesce(order_is_paid(o.status, o.paid_at), false),
         CASE WHEN order_is_paid(o.status, o.paid_at) THEN (coalesce(o.paid_at, o.status_at) AT TIME ZONE tz)::date END
  FROM (SELECT * FROM orders WHERE order_is_paid(status, paid_at)) o
  FULL JOIN (
    SELECT order_id, min(store_id) AS store_id, min((occurred_at AT TIME ZONE tz)::date) AS pay_day
    FROM payments WHERE status = 'success' GROUP BY order_id
  ) p ON p.order_id = o.order_id
  -- a payment whose order exists but is not paid still takes the order's store
  LEFT JOIN orders unpaid ON o.order_id IS NULL AND unpaid.order_id = p.order_id;

  WITH cleared AS (
    DELETE FROM report_staged_shipment_changes
  )
  INSERT INTO open_shipment_rollup (carrier, last_update_hour, shipments)
  SELECT carrier, date_bin(interval '1 hour', last_update_at, timestamptz '2000-01-01 00:00+00'), count(*)
  FROM shipments WHERE shipment_is_open(state) GROUP BY 1, 2;
END
$fn$;

CREATE FUNCTION set_report_time_zone(zone text) RETURNS void
LANGUAGE plpgsql SET search_path FROM CURRENT AS $fn$
BEGIN
  -- refuses an unknown zone before anything changes
  PERFORM now() AT TIME ZONE zone;
  IF zone IS DISTINCT FROM (SELECT time_zone FROM report_settings) THEN
    UPDATE report_settings SET time_zone = zone;
    PERFORM rebuild_reporting_rollups();
  END IF;
END
$fn$;

-- ---------------------------------------------------------------------------------------------
-- Time series panels over minute rollups return one row per minute and series: over 30 days that is
-- ~43k minutes × 8 statuses ≈ 300k rows for "Orders per minute by status", which PostgreSQL reads
-- from the rollup in ~60 ms but which take seconds to ship, parse and draw (measured with
-- bench/dashboard-queries.ts: p50 ≈ 0.7 s client side at 30 d with only 20 stores' minutes). A
-- panel cannot show more points than it has pixels anyway, so the panels bucket by this width:
-- the smallest of 1 min, 5 min, 15 min, 1 h, 6 h, 1 day giving at most `max_points` buckets over
-- the range (1 min up to a day, 1 h for 30 days). Values stay "per minute" by dividing by the
-- width in minutes.
CREATE FUNCTION report_bucket_width(range_from timestamptz, range_to timestamptz, max_points integer DEFAULT 1500)
RETURNS interval
LANGUAGE sql IMMUTABLE AS $fn$
  SELECT coalesce(
    (SELECT w FROM unnest(ARRAY[interval '1 minute', interval '5 minutes', interval '15 minutes', interval '1 hour',
                                interval '6 hours', interval '1 day']) w
     WHERE extract(epoch FROM range_to - range_from) / extract(epoch FROM w) <= max_points
     ORDER BY w LIMIT 1),
    interval '1 day')
$fn$;

COMMENT ON FUNCTION report_bucket_width(timestamptz, timestamptz, integer) IS
  'Bucket width for a time series panel over [range_from, range_to]: 1 min, 5 min, 15 min, 1 h, 6 h or 1 day, the smallest giving at most max_points buckets.';
