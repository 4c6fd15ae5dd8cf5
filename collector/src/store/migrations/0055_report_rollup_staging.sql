-- Reporting rollups leave the acknowledgement path. Until now (0050–0053) the triggers on `events`,
-- `payments`, `orders` and `shipments` updated shared rollup rows inside every group commit, and
-- the mismatch and open-shipment ones serialised concurrent commits on an advisory lock: ingest ran
-- at about half its speed. From here on:
--   * capture stays in the committing transaction but only appends the transition tables' needed
--     columns to append-only staging tables (no updates of shared rows, no lock), so the staged rows
--     commit or roll back with the events and nothing is lost in a crash;
--   * apply_reporting_rollups(max_rows), run by the collector about once a second, takes the
--     advisory lock, consumes staged rows (DELETE … RETURNING, so a row is applied exactly once
--     whatever commits in between) and merges them into the rollups, one statement per staging
--     table. Rollups are eventually consistent, seconds behind the event log.
-- The TimescaleDB branch keeps its continuous aggregates for order status; nothing is staged for them.
--
-- Staged times stay timestamps: local days are computed when applied, with the time zone of that
-- moment (set_report_time_zone rebuilds and clears the staging under the same lock).

CREATE TABLE report_staged_order_status (
  occurred_at timestamptz NOT NULL,
  store_id    text        NOT NULL,
  status      text,
  amount_fen  bigint
);

-- One row per new payments row (retries of a notification insert nothing, so nothing is staged twice).
CREATE TABLE report_staged_payments (
  occurred_at timestamptz NOT NULL,
  provider    text        NOT NULL,
  status      text        NOT NULL,
  amount_fen  bigint,
  order_id    text        NOT NULL,
  store_id    text
);

-- Orders that came to count as paid, or got a new paid_at, with the moment that makes them paid.
CREATE TABLE report_staged_paid_orders (
  order_id text        NOT NULL,
  store_id text        NOT NULL,
  paid_at  timestamptz NOT NULL
);

-- Per statement and hour: open waybills entering (+) and leaving (−) the hour of their last update.
CREATE TABLE report_staged_shipment_changes (
  carrier          text        NOT NULL,
  last_update_hour timestamptz NOT NULL,
  delta            bigint      NOT NULL
);

-- Staging rows are deleted as they are applied: let autovacuum keep up with the churn.
ALTER TABLE report_staged_order_status SET (autovacuum_vacuum_scale_factor = 0.01);
ALTER TABLE report_staged_payments SET (autovacuum_vacuum_scale_factor = 0.01);
ALTER TABLE report_staged_paid_orders SET (autovacuum_vacuum_scale_factor = 0.01);
ALTER TABLE report_staged_shipment_changes SET (autovacuum_vacuum_scale_factor = 0.01);

-- The in-commit triggers and their functions go; the staging triggers below replace them.
DROP TRIGGER IF EXISTS events_order_status_rollup ON events;
DROP TRIGGER payments_callback_rollup ON payments;
DROP TRIGGER payments_order_match ON payments;
DROP TRIGGER orders_match_insert ON orders;
DROP TRIGGER orders_match_update ON orders;
DROP TRIGGER shipments_open_rollup_insert ON shipments;
DROP TRIGGER shipments_open_rollup_update ON shipments;
DROP FUNCTION IF EXISTS rollup_order_status_events();
DROP FUNCTION rollup_callback_payments();
DROP FUNCTION match_payments();
DROP FUNCTION match_inserted_orders();
DROP FUNCTION match_updated_orders();
DROP FUNCTION rollup_open_shipments();
DROP FUNCTION merge_paid_orders(text[], text[], date[]);

CREATE FUNCTION stage_order_status_events() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $fn$
BEGIN
  INSERT INTO report_staged_order_status (occurred_at, store_id, status, amount_fen)
  SELECT occurred_at, store_id, payload->>'status', (payload->>'amountFen')::bigint
  FROM new_events WHERE type = 'order.status';
  RETURN NULL;
END
$fn$;

-- A hypertable (TimescaleDB) cannot have transition-table triggers; its continuous aggregates need none.
DO $migration$
BEGIN
  IF to_regclass('order_status_minute_rollup') IS NOT NULL THEN
    CREATE TRIGGER events_stage_reporting
      AFTER INSERT ON events REFERENCING NEW TABLE AS new_events
      FOR EACH STATEMENT EXECUTE FUNCTION stage_order_status_events();
  END IF;
END
$migration$;

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

-- Applies at most max_rows staged rows of each staging table; returns how many it applied in all
-- (0 when nothing was staged). Each statement consumes and merges in one snapshot. Upserts run in
-- key order; order_match merges monotonically (flags only turn true, days only move earlier) and
-- its own trigger (0052) moves the daily mismatch counts, so any interleaving of staged rows and
-- the base tables gives the counts a rebuild gives. A staged payment looks its order up and a
-- staged paid order its payments: whichever of the two is applied later sees the other committed.
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
      WHERE ctid = ANY (ARRAY(SELECT ctid FROM report_staged_order_status LIMIT max_rows))
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
    WHERE ctid = ANY (ARRAY(SELECT ctid FROM report_staged_payments LIMIT max_rows))
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
    WHERE ctid = ANY (ARRAY(SELECT ctid FROM report_staged_paid_orders LIMIT max_rows))
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
    WHERE ctid = ANY (ARRAY(SELECT ctid FROM report_staged_shipment_changes LIMIT max_rows))
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

-- The rebuild now also clears the staging tables, each in the same statement (so the same
-- snapshot) as the base tables it reads: a staged row is either in the rebuild or still staged,
-- never both. It holds the rollups' lock, so no apply runs meanwhile.
CREATE OR REPLACE FUNCTION rebuild_reporting_rollups() RETURNS void
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
