-- Open shipments (not delivered, rejected or returned) counted per carrier and hour of their last
-- update, so "how many have been silent for 24 h / 48 h" reads a few hundred rows instead of
-- every open waybill. Triggers on `shipments` move a waybill between hours as updates arrive
-- (new row's contribution minus old row's), in the committing transaction.

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

CREATE FUNCTION rollup_open_shipments() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $fn$
BEGIN
  -- the INSERT and UPDATE triggers of one upsert touch the same rows: see 0052 on deadlocks
  PERFORM lock_reporting_rollups();
  IF TG_OP = 'INSERT' THEN
    INSERT INTO open_shipment_rollup AS r (carrier, last_update_hour, shipments)
    SELECT carrier, date_bin(interval '1 hour', last_update_at, timestamptz '2000-01-01 00:00+00'), count(*)
    FROM new_shipments WHERE shipment_is_open(state)
    GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (carrier, last_update_hour) DO UPDATE SET shipments = r.shipments + excluded.shipments;
  ELSE
    INSERT INTO open_shipment_rollup AS r (carrier, last_update_hour, shipments)
    SELECT carrier, hour, sum(delta)
    FROM (
      SELECT carrier, date_bin(interval '1 hour', last_update_at, timestamptz '2000-01-01 00:00+00') AS hour,
             1 AS delta
      FROM new_shipments WHERE shipment_is_open(state)
      UNION ALL
      SELECT carrier, date_bin(interval '1 hour', last_update_at, timestamptz '2000-01-01 00:00+00'), -1
      FROM old_shipments WHERE shipment_is_open(state)
    ) change
    GROUP BY 1, 2 HAVING sum(delta) <> 0 ORDER BY 1, 2
    ON CONFLICT (carrier, last_update_hour) DO UPDATE SET shipments = r.shipments + excluded.shipments;
    DELETE FROM open_shipment_rollup WHERE shipments = 0;
  END IF;
  RETURN NULL;
END
$fn$;

CREATE TRIGGER shipments_open_rollup_insert
  AFTER INSERT ON shipments REFERENCING NEW TABLE AS new_shipments
  FOR EACH STATEMENT EXECUTE FUNCTION rollup_open_shipments();
CREATE TRIGGER shipments_open_rollup_update
  AFTER UPDATE ON shipments REFERENCING OLD TABLE AS old_shipments NEW TABLE AS new_shipments
  FOR EACH STATEMENT EXECUTE FUNCTION rollup_open_shipments();

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
