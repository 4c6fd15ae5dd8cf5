-- reconciliation_results summed per store and day (providers together), with that day's devices
-- (providers summed per device) as parallel arrays ordered by device id: the per-store trends of a
-- month read ~10k such rows instead of summing ~59k provider-device-day rows on every request
-- (BENCHMARKS.md).
--
-- Kept exact by statement-level triggers on reconciliation_results that recompute each (day, store)
-- a statement touched from reconciliation_results itself, so every writer (the bill import's delete
-- and insert of a provider's days, an upsert, a direct load) leaves the rows a rebuild would give,
-- and a store-day whose last result goes away loses its row.
CREATE TABLE reconciliation_store_days (
  day              date     NOT NULL,
  store_id         text     NOT NULL,
  payments         bigint   NOT NULL,
  orders           bigint   NOT NULL,
  -- unmatched payments: payments with no order
  missing          bigint   NOT NULL,
  unmatched_orders bigint   NOT NULL,
  device_ids       text[]   NOT NULL,
  device_payments  bigint[] NOT NULL,
  device_missing   bigint[] NOT NULL,
  PRIMARY KEY (day, store_id),
  CONSTRAINT reconciliation_store_days_devices CHECK (
    cardinality(device_payments) = cardinality(device_ids) AND cardinality(device_missing) = cardinality(device_ids))
);

-- The (day, store) pairs given, recomputed from reconciliation_results. A recompute reads what is
-- committed when it runs (read committed, the store's transactions' level), so writers of the same
-- day take that day's lock first (in day order, so two writers cannot deadlock on it) and hold it to
-- commit: the one recomputing last, whatever the order, then sees every other writer's rows besides
-- its own.
CREATE FUNCTION refresh_reconciliation_store_days(days date[], stores text[]) RETURNS void
LANGUAGE plpgsql SET search_path FROM CURRENT AS $fn$
DECLARE
  day_list date[] := ARRAY(SELECT DISTINCT x FROM unnest(days) AS x ORDER BY x);
  d date;
  gone_days date[];
  gone_stores text[];
BEGIN
  FOREACH d IN ARRAY day_list LOOP
    PERFORM pg_advisory_xact_lock(hashtext('orderpulse.reconciliation_store_days:' || current_schema()),
                                  d - date '2000-01-01');
  END LOOP;

  WITH affected AS (
    SELECT DISTINCT a.day, a.store_id FROM unnest(days, stores) AS a(day, store_id)
  ), per_device AS (
    -- the touched days by their index (the day list without repeats: each row of a day is compared
    -- with every element), then the affected stores of those days
    SELECT r.day, r.store_id, r.device_id, sum(r.payments) AS payments, sum(r.orders) AS orders,
           sum(r.unmatched_payments) AS missing, sum(r.unmatched_orders) AS unmatched_orders
    FROM reconciliation_results r
    WHERE r.day = ANY(day_list) AND (r.day, r.store_id) IN (SELECT day, store_id FROM affected)
    GROUP BY r.day, r.store_id, r.device_id
  ), per_store AS (
    SELECT day, store_id, sum(payments) AS payments, sum(orders) AS orders, sum(missing) AS missing,
           sum(unmatched_orders) AS unmatched_orders,
           array_agg(device_id ORDER BY device_id) AS device_ids,
           array_agg(payments ORDER BY device_id) AS device_payments,
           array_agg(missing ORDER BY device_id) AS device_missing
    FROM per_device GROUP BY day, store_id
  ), kept AS (
    INSERT INTO reconciliation_store_days AS s (day, store_id, payments, orders, missing, unmatched_orders,
                                                device_ids, device_payments, device_missing)
    SELECT day, store_id, payments, orders, missing, unmatched_orders, device_ids, device_payments, device_missing
    FROM per_store
    ORDER BY day, store_id
    ON CONFLICT (day, store_id) DO UPDATE SET
      payments = excluded.payments,
      orders = excluded.orders,
      missing = excluded.missing,
      unmatched_orders = excluded.unmatched_orders,
      device_ids = excluded.device_ids,
      device_payments = excluded.device_payments,
      device_missing = excluded.device_missing
    RETURNING s.day, s.store_id
  )
  SELECT array_agg(a.day), array_agg(a.store_id) INTO gone_days, gone_stores
  FROM affected a
  WHERE NOT EXISTS (SELECT 1 FROM kept k WHERE k.day = a.day AND k.store_id = a.store_id);

  -- store-days left without results (rarely any: looked up by key only when there are)
  IF gone_days IS NOT NULL THEN
    DELETE FROM reconciliation_store_days s USING unnest(gone_days, gone_stores) AS g(day, store_id)
    WHERE s.day = g.day AND s.store_id = g.store_id;
  END IF;
END
$fn$;

-- One trigger per event: a trigger with transition tables fires for one event only.
CREATE FUNCTION reconciliation_results_changed() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $fn$
DECLARE
  days date[];
  stores text[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(day), array_agg(store_id) INTO days, stores
    FROM (SELECT DISTINCT day, store_id FROM new_rows) p;
  ELSIF TG_OP = 'DELETE' THEN
    SELECT array_agg(day), array_agg(store_id) INTO days, stores
    FROM (SELECT DISTINCT day, store_id FROM old_rows) p;
  ELSE
    -- an update can move a row to another day or store: both pairs change
    SELECT array_agg(day), array_agg(store_id) INTO days, stores
    FROM (SELECT day, store_id FROM old_rows UNION SELECT day, store_id FROM new_rows) p;
  END IF;
  IF days IS NOT NULL THEN
    PERFORM refresh_reconciliation_store_days(days, stores);
  END IF;
  RETURN NULL;
END
$fn$;

CREATE TRIGGER reconciliation_results_store_days_insert
  AFTER INSERT ON reconciliation_results REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION reconciliation_results_changed();
CREATE TRIGGER reconciliation_results_store_days_update
  AFTER UPDATE ON reconciliation_results REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION reconciliation_results_changed();
CREATE TRIGGER reconciliation_results_store_days_delete
  AFTER DELETE ON reconciliation_results REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION reconciliation_results_changed();

CREATE FUNCTION reconciliation_results_truncated() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $fn$
BEGIN
  DELETE FROM reconciliation_store_days;
  RETURN NULL;
END
$fn$;

CREATE TRIGGER reconciliation_results_store_days_truncate
  AFTER TRUNCATE ON reconciliation_results
  FOR EACH STATEMENT EXECUTE FUNCTION reconciliation_results_truncated();

-- Loads that switch user triggers off (session_replication_role = replica, as the dashboard benches'
-- bulk load does) still keep the rollup exact.
ALTER TABLE reconciliation_results ENABLE ALWAYS TRIGGER reconciliation_results_store_days_insert;
ALTER TABLE reconciliation_results ENABLE ALWAYS TRIGGER reconciliation_results_store_days_update;
ALTER TABLE reconciliation_results ENABLE ALWAYS TRIGGER reconciliation_results_store_days_delete;
ALTER TABLE reconciliation_results ENABLE ALWAYS TRIGGER reconciliation_results_store_days_truncate;

INSERT INTO reconciliation_store_days (day, store_id, payments, orders, missing, unmatched_orders, device_ids,
                                       device_payments, device_missing)
SELECT day, store_id, sum(payments), sum(orders), sum(missing), sum(unmatched_orders),
       array_agg(device_id ORDER BY device_id), array_agg(payments ORDER BY device_id),
       array_agg(missing ORDER BY device_id)
FROM (SELECT day, store_id, device_id, sum(payments) AS payments, sum(orders) AS orders,
             sum(unmatched_payments) AS missing, sum(unmatched_orders) AS unmatched_orders
      FROM reconciliation_results GROUP BY day, store_id, device_id) per_device
GROUP BY day, store_id;
