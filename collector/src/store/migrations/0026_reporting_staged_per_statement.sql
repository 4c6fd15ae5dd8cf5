-- The order-status rollups' staging holds one row per statement, its events' columns as arrays,
-- instead of one row per event (BENCHMARKS.md §3: the per-event row, inserted by the commit and
-- deleted by the applier, was 143 of ~1,080 bytes of WAL per event, and as many tuples to write,
-- delete and vacuum). The paid orders' staging likewise (36 bytes per event, a row per order that
-- came to count as paid). Nothing here trades durability: the rows are logged and commit with
-- their events as before, and the applier consumes each row exactly once.
--
-- Rows staged before this migration become one-element rows, so nothing staged is lost or counted
-- twice across the upgrade.
ALTER TABLE report_staged_order_status
  ADD COLUMN events integer NOT NULL DEFAULT 1,
  ALTER COLUMN occurred_at TYPE timestamptz[] USING ARRAY[occurred_at],
  ALTER COLUMN store_id TYPE text[] USING ARRAY[store_id],
  ALTER COLUMN status TYPE text[] USING ARRAY[status],
  ALTER COLUMN amount_fen TYPE bigint[] USING ARRAY[amount_fen];
ALTER TABLE report_staged_order_status
  ALTER COLUMN events DROP DEFAULT,
  ADD CONSTRAINT report_staged_order_status_events CHECK (events = cardinality(occurred_at));

CREATE OR REPLACE FUNCTION stage_order_status_events() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $fn$
BEGIN
  -- A statement without status reports stages nothing (HAVING on an aggregate without GROUP BY).
  INSERT INTO report_staged_order_status (events, occurred_at, store_id, status, amount_fen)
  SELECT count(*), array_agg(occurred_at), array_agg(store_id), array_agg(payload->>'status'),
         array_agg((payload->>'amountFen')::bigint)
  FROM new_events WHERE type = 'order.status'
  HAVING count(*) > 0;
  RETURN NULL;
END
$fn$;

ALTER TABLE report_staged_paid_orders
  ADD COLUMN orders integer NOT NULL DEFAULT 1,
  ALTER COLUMN order_id TYPE text[] USING ARRAY[order_id],
  ALTER COLUMN store_id TYPE text[] USING ARRAY[store_id],
  ALTER COLUMN paid_at TYPE timestamptz[] USING ARRAY[paid_at];
ALTER TABLE report_staged_paid_orders
  ALTER COLUMN orders DROP DEFAULT,
  ADD CONSTRAINT report_staged_paid_orders_orders CHECK (orders = cardinality(order_id));

-- 0007's, staging the statement's paid orders as one row.
CREATE OR REPLACE FUNCTION stage_paid_orders() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $fn$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO report_staged_paid_orders (orders, order_id, store_id, paid_at)
    SELECT count(*), array_agg(n.order_id), array_agg(n.store_id), array_agg(coalesce(n.paid_at, n.status_at))
    FROM new_orders n WHERE order_is_paid(n.status, n.paid_at)
    HAVING count(*) > 0;
  ELSE
    INSERT INTO report_staged_paid_orders (orders, order_id, store_id, paid_at)
    SELECT count(*), array_agg(n.order_id), array_agg(n.store_id), array_agg(coalesce(n.paid_at, n.status_at))
    FROM new_orders n JOIN old_orders o USING (order_id)
    WHERE order_is_paid(n.status, n.paid_at)
      AND (NOT order_is_paid(o.status, o.paid_at) OR n.paid_at IS DISTINCT FROM o.paid_at)
    HAVING count(*) > 0;
  END IF;
  RETURN NULL;
END
$fn$;

-- apply_reporting_rollups is 0007's, with the order-status chunk counted in events and the
-- paid-orders chunk in orders: it takes staged rows in physical order until they hold max_rows
-- (or the table ends), then every row up to the last one's TID, as 0007 does with rows (see there
-- for why a TID range).
CREATE OR REPLACE FUNCTION apply_reporting_rollups(max_rows integer) RETURNS bigint
LANGUAGE plpgsql SET search_path FROM CURRENT AS $fn$
DECLARE
  tz text := (SELECT time_zone FROM report_settings);
  n bigint;
  total bigint := 0;
  staged record;
  taken bigint := 0;
  last_tid tid;
BEGIN
  PERFORM lock_reporting_rollups();

  IF to_regclass('order_status_minute_rollup') IS NOT NULL THEN
    -- A FOR loop fetches a few rows at a time, so a backlog is read about as far as the chunk goes.
    FOR staged IN SELECT ctid AS tid, s.events FROM report_staged_order_status s LOOP
      last_tid := staged.tid;
      taken := taken + staged.events;
      EXIT WHEN taken >= max_rows;
    END LOOP;
    IF last_tid IS NOT NULL THEN
      WITH consumed AS (
        DELETE FROM report_staged_order_status
        WHERE ctid <= last_tid
        RETURNING events, occurred_at, store_id, status, amount_fen
      ), staged_events AS (
        SELECT e.occurred_at, e.store_id, e.status, e.amount_fen
        FROM consumed c, unnest(c.occurred_at, c.store_id, c.status, c.amount_fen)
          AS e(occurred_at, store_id, status, amount_fen)
      ), by_day AS (
        SELECT (occurred_at AT TIME ZONE tz)::date AS day, store_id, status,
               count(*) AS orders, coalesce(sum(amount_fen), 0) AS amount_fen
        FROM staged_events GROUP BY 1, 2, 3
      ), minute AS (
        INSERT INTO order_status_minute_rollup AS r (bucket, status, orders, amount_fen)
        SELECT date_bin(interval '1 minute', occurred_at, timestamptz '2000-01-01 00:00+00'), status,
               count(*), coalesce(sum(amount_fen), 0)
        FROM staged_events GROUP BY 1, 2 ORDER BY 1, 2
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
      SELECT coalesce(sum(events), 0) INTO n FROM consumed;
      total := total + n;
    END IF;
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

  taken := 0;
  last_tid := NULL;
  FOR staged IN SELECT ctid AS tid, s.orders FROM report_staged_paid_orders s LOOP
    last_tid := staged.tid;
    taken := taken + staged.orders;
    EXIT WHEN taken >= max_rows;
  END LOOP;
  WITH consumed AS (
    DELETE FROM report_staged_paid_orders
    WHERE ctid <= last_tid
    RETURNING orders, order_id, store_id, paid_at
  ), staged_orders AS (
    SELECT o.order_id, o.store_id, o.paid_at
    FROM consumed c, unnest(c.order_id, c.store_id, c.paid_at) AS o(order_id, store_id, paid_at)
  ), matched AS (
    INSERT INTO order_match AS m (order_id, store_id, has_payment, pay_day, is_paid, paid_day)
    SELECT c.order_id, c.store_id, pay.pay_day IS NOT NULL, pay.pay_day, true, c.paid_day
    FROM (
      SELECT order_id, min(store_id) AS store_id, min((paid_at AT TIME ZONE tz)::date) AS paid_day
      FROM staged_orders GROUP BY order_id
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
  SELECT coalesce(sum(orders), 0) INTO n FROM consumed;
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
