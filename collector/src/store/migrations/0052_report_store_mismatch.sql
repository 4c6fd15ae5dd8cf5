-- Daily per-store mismatch between orders and payment notifications, for the Store missing-order
-- trends dashboard:
--   missing_orders   = orders with a successful payment.notify that never reached `paid` (the
--                      order system did not report them: the "missing order" of the brief);
--   missing_payments = orders that reached `paid` with no successful payment.notify (a lost callback).
--
-- Kept exact and incremental in two steps, both in the committing transaction:
--   1. `order_match` holds one row per order that is paid or has a payment: its flags and days.
--      Triggers on `payments` and `orders` upsert it with a monotone merge (flags only turn true,
--      days only move earlier), so concurrent commits give the same row in any order.
--   2. A trigger on `order_match` adds (new row's contribution − old row's contribution) to the
--      per-store daily rollup, so every count is the sum of the current rows' contributions.
-- rebuild_reporting_rollups() (0054) recomputes both from scratch; tests check it agrees.
--
-- Deadlocks: one group commit touches these rollups from several statements (orders, then
-- payments, then shipments), so two concurrent commits could lock the same hot rows (today × store)
-- in opposite orders. Each trigger that does so first takes one transaction-scoped advisory lock,
-- lock_reporting_rollups(): concurrent commits queue there for the rollup part instead of
-- deadlocking (only when they have rollup rows to change). Rollups touched by a single statement per commit (order-status, callbacks) lock
-- their rows in key order and need no such lock.

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

CREATE FUNCTION lock_reporting_rollups() RETURNS void
LANGUAGE sql SET search_path FROM CURRENT AS $fn$
  SELECT pg_advisory_xact_lock(hashtextextended('orderpulse.reporting_rollups:' || current_schema(), 0))
$fn$;

-- never NULL: an order known only from a payment or shipment has no status yet
CREATE FUNCTION order_is_paid(status text, paid_at timestamptz) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $fn$
  SELECT paid_at IS NOT NULL OR coalesce(status IN ('paid', 'picking', 'packed', 'shipped', 'delivered', 'refunded'), false)
$fn$;

CREATE FUNCTION match_payments() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $fn$
DECLARE
  tz text := (SELECT time_zone FROM report_settings);
BEGIN
  IF NOT EXISTS (SELECT 1 FROM new_payments WHERE status = 'success') THEN
    RETURN NULL;
  END IF;
  PERFORM lock_reporting_rollups();
  INSERT INTO order_match AS m (order_id, store_id, has_payment, pay_day, is_paid, paid_day)
  SELECT p.order_id, coalesce(o.store_id, p.store_id), true, p.pay_day,
         coalesce(order_is_paid(o.status, o.paid_at), false),
         CASE WHEN order_is_paid(o.status, o.paid_at) THEN (coalesce(o.paid_at, o.status_at) AT TIME ZONE tz)::date END
  FROM (
    SELECT order_id, min(store_id) AS store_id, min((occurred_at AT TIME ZONE tz)::date) AS pay_day
    FROM new_payments WHERE status = 'success' GROUP BY order_id
  ) p
  LEFT JOIN orders o ON o.order_id = p.order_id
  ORDER BY p.order_id
  ON CONFLICT (order_id) DO UPDATE SET
    has_payment = true,
    pay_day = least(m.pay_day, excluded.pay_day),
    is_paid = m.is_paid OR excluded.is_paid,
    paid_day = least(m.paid_day, excluded.paid_day)
  WHERE (m.has_payment, m.pay_day, m.is_paid, m.paid_day) IS DISTINCT FROM
        (true, least(m.pay_day, excluded.pay_day), m.is_paid OR excluded.is_paid, least(m.paid_day, excluded.paid_day));
  RETURN NULL;
END
$fn$;

CREATE TRIGGER payments_order_match
  AFTER INSERT ON payments REFERENCING NEW TABLE AS new_payments
  FOR EACH STATEMENT EXECUTE FUNCTION match_payments();

-- Merges orders that now count as paid into order_match, looking up their payments.
CREATE FUNCTION merge_paid_orders(order_ids text[], store_ids text[], paid_days date[]) RETURNS void
LANGUAGE sql SET search_path FROM CURRENT AS $fn$
  INSERT INTO order_match AS m (order_id, store_id, has_payment, pay_day, is_paid, paid_day)
  SELECT c.order_id, c.store_id, pay.pay_day IS NOT NULL, pay.pay_day, true, c.paid_day
  FROM unnest(order_ids, store_ids, paid_days) AS c(order_id, store_id, paid_day)
  CROSS JOIN report_settings s
  CROSS JOIN LATERAL (
    SELECT min((p.occurred_at AT TIME ZONE s.time_zone)::date) AS pay_day
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
$fn$;

CREATE FUNCTION match_inserted_orders() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $fn$
DECLARE
  tz text := (SELECT time_zone FROM report_settings);
  ids text[];
  stores text[];
  days date[];
BEGIN
  SELECT array_agg(n.order_id), array_agg(n.store_id),
         array_agg((coalesce(n.paid_at, n.status_at) AT TIME ZONE tz)::date)
  INTO ids, stores, days
  FROM new_orders n WHERE order_is_paid(n.status, n.paid_at);
  IF ids IS NOT NULL THEN
    PERFORM lock_reporting_rollups();
    PERFORM merge_paid_orders(ids, stores, days);
  END IF;
  RETURN NULL;
END
$fn$;

-- Orders change on every status event; only the first time an order counts as paid, or a new
-- (earlier) paid_at, can change its match row, so updates look at nothing else.
CREATE FUNCTION match_updated_orders() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $fn$
DECLARE
  tz text := (SELECT time_zone FROM report_settings);
  ids text[];
  stores text[];
  days date[];
BEGIN
  SELECT array_agg(n.order_id), array_agg(n.store_id),
         array_agg((coalesce(n.paid_at, n.status_at) AT TIME ZONE tz)::date)
  INTO ids, stores, days
  FROM new_orders n JOIN old_orders o USING (order_id)
  WHERE order_is_paid(n.status, n.paid_at)
    AND (NOT order_is_paid(o.status, o.paid_at) OR n.paid_at IS DISTINCT FROM o.paid_at);
  IF ids IS NOT NULL THEN
    PERFORM lock_reporting_rollups();
    PERFORM merge_paid_orders(ids, stores, days);
  END IF;
  RETURN NULL;
END
$fn$;

CREATE TRIGGER orders_match_insert
  AFTER INSERT ON orders REFERENCING NEW TABLE AS new_orders
  FOR EACH STATEMENT EXECUTE FUNCTION match_inserted_orders();
CREATE TRIGGER orders_match_update
  AFTER UPDATE ON orders REFERENCING OLD TABLE AS old_orders NEW TABLE AS new_orders
  FOR EACH STATEMENT EXECUTE FUNCTION match_updated_orders();

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
