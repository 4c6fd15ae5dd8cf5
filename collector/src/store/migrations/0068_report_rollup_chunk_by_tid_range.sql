-- The applier's chunks are taken by a TID range instead of `ctid = ANY (ARRAY(SELECT ctid … LIMIT
-- max_rows))`. With that form PostgreSQL could run the DELETE as a sequential scan testing every row
-- against the whole array (a linear search per row: rows × max_rows comparisons), and plpgsql keeps
-- such a plan once made. Profiled on a backend after 300k ingested events: 100 % of a core for
-- tens of seconds in ExecEvalScalarArrayOp/tideq, one call taking over 13 s, while nothing was
-- being ingested: the backlog a burst leaves (a bulk load, a restart after downtime) cost a core
-- for as long as it took, beside whatever ingest came next.
-- `ctid <= (the last TID of the first max_rows rows)` is a TID Range Scan, and even as a
-- sequential scan it is one comparison per row. It takes exactly the rows the LIMIT saw, except
-- when a synchronised scan starts mid-table: then the chunk is bigger, and still every staged row
-- is consumed (and applied) exactly once. Only this function changes; its body is 0055's otherwise.

CREATE OR REPLACE FUNCTION apply_reporting_rollups(max_rows integer) RETURNS bigint
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
