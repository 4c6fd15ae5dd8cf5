-- Recomputes every reporting rollup from the base tables: the backfill for stores that already
-- hold data when 0050–0053 arrive, the repair after a manual data fix, and the check the tests
-- use (incremental rollups must equal a rebuild). Continuous aggregates (TimescaleDB) are left to
-- refresh_continuous_aggregate, which cannot run inside a transaction.

CREATE FUNCTION rebuild_reporting_rollups() RETURNS void
LANGUAGE plpgsql SET search_path FROM CURRENT AS $fn$
DECLARE
  tz text := (SELECT time_zone FROM report_settings);
BEGIN
  IF to_regclass('order_status_minute_rollup') IS NOT NULL THEN
    TRUNCATE order_status_minute_rollup, order_status_day_rollup, order_status_day_total_rollup;
    INSERT INTO order_status_minute_rollup (bucket, status, orders, amount_fen)
    SELECT date_bin(interval '1 minute', occurred_at, timestamptz '2000-01-01 00:00+00'), payload->>'status',
           count(*), coalesce(sum((payload->>'amountFen')::bigint), 0)
    FROM events WHERE type = 'order.status' GROUP BY 1, 2;
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
  END IF;

  TRUNCATE callback_minute_rollup, callback_hour_rollup;
  INSERT INTO callback_minute_rollup (bucket, provider, status, callbacks, amount_fen)
  SELECT date_bin(interval '1 minute', occurred_at, timestamptz '2000-01-01 00:00+00'), provider, status,
         count(*), sum(amount_fen)
  FROM payments GROUP BY 1, 2, 3;
  INSERT INTO callback_hour_rollup (bucket, provider, status, callbacks, amount_fen)
  SELECT date_bin(interval '1 hour', occurred_at, timestamptz '2000-01-01 00:00+00'), provider, status,
         count(*), sum(amount_fen)
  FROM payments GROUP BY 1, 2, 3;

  -- Filling order_match fires its INSERT trigger, which fills the daily rollup.
  TRUNCATE order_match, store_mismatch_day_rollup;
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

  TRUNCATE open_shipment_rollup;
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

SELECT rebuild_reporting_rollups();
