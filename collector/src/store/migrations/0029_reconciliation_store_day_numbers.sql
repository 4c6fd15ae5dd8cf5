-- The per-store trends hand each store's days and its devices' missing payments to TypeScript as JSON
-- numbers: made once when a store-day is written instead of on every read. Turning ~10k store days'
-- integers into text and unnesting their devices were most of the 30-day read (BENCHMARKS.md §7.1);
-- the read now only joins these strings, and counts a device's days over the threshold itself.
ALTER TABLE reconciliation_store_days
  -- day (as days after 2000-01-01), payments, orders, missing, unmatched_orders, comma-separated
  ADD COLUMN day_numbers   text NOT NULL GENERATED ALWAYS AS (
    (day - DATE '2000-01-01')::text || ',' || payments::text || ',' || orders::text || ',' || missing::text
    || ',' || unmatched_orders::text) STORED,
  -- the devices with missing payments, by device id: "device id" (a JSON string), missing, payments,
  -- comma-separated; null when there are none (a device day without missing payments adds nothing to
  -- its device's missing and has a rate of 0, which is above no threshold)
  ADD COLUMN device_misses text;

CREATE OR REPLACE FUNCTION refresh_reconciliation_store_days(days date[], stores text[]) RETURNS void
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
           array_agg(missing ORDER BY device_id) AS device_missing,
           string_agg(concat_ws(',', to_json(device_id)::text, missing, payments), ',' ORDER BY device_id)
             FILTER (WHERE missing <> 0) AS device_misses
    FROM per_device GROUP BY day, store_id
  ), kept AS (
    INSERT INTO reconciliation_store_days AS s (day, store_id, payments, orders, missing, unmatched_orders,
                                                device_ids, device_payments, device_missing, device_misses)
    SELECT day, store_id, payments, orders, missing, unmatched_orders, device_ids, device_payments, device_missing,
           device_misses
    FROM per_store
    ORDER BY day, store_id
    ON CONFLICT (day, store_id) DO UPDATE SET
      payments = excluded.payments,
      orders = excluded.orders,
      missing = excluded.missing,
      unmatched_orders = excluded.unmatched_orders,
      device_ids = excluded.device_ids,
      device_payments = excluded.device_payments,
      device_missing = excluded.device_missing,
      device_misses = excluded.device_misses
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

UPDATE reconciliation_store_days s
SET device_misses = (SELECT string_agg(concat_ws(',', to_json(v.device_id)::text, v.missing, v.payments), ','
                                       ORDER BY v.n)
                     FROM unnest(s.device_ids, s.device_payments, s.device_missing) WITH ORDINALITY
                            AS v(device_id, payments, missing, n)
                     WHERE v.missing <> 0)
WHERE 0 <> ANY(s.device_missing);
