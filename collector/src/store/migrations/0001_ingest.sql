-- The event log and the current state it folds into: orders, payments, shipments, written by one
-- call of ingest_batch per group commit.
--
-- Migrations use unqualified names: they run with search_path set to the configured schema
-- (ORDERPULSE_DB_SCHEMA, default `orderpulse`), so Grafana users read `orderpulse.<table>`.

-- Idempotency lives here rather than on `events`: a unique index on a TimescaleDB hypertable must
-- include the time column, and (source, id) must stay unique even if a resend carries another time.
CREATE TABLE event_keys (
  source      text        NOT NULL,
  id          text        NOT NULL,
  occurred_at timestamptz NOT NULL,
  PRIMARY KEY (source, id)
);

-- Append-only log of every accepted event, the wire object kept whole in `payload`.
CREATE TABLE events (
  source      text        NOT NULL,
  id          text        NOT NULL,
  type        text        NOT NULL,
  occurred_at timestamptz NOT NULL,
  received_at timestamptz NOT NULL,
  order_id    text        NOT NULL,
  store_id    text        NOT NULL,
  payload     jsonb       NOT NULL
);
CREATE INDEX events_order_idx ON events (order_id, occurred_at);

-- Current state per order. Status fields move only forward in event time: (status_at, status_rank)
-- decides, so a late event never rolls the status back.
CREATE TABLE orders (
  order_id      text        PRIMARY KEY,
  store_id      text        NOT NULL,
  status        text,
  status_at     timestamptz,
  status_rank   smallint,
  amount_fen    bigint,
  region        text,
  channel       text,
  created_at    timestamptz,
  paid_at       timestamptz,
  first_seen_at timestamptz NOT NULL,
  last_event_at timestamptz NOT NULL,
  updated_at    timestamptz NOT NULL
);
CREATE INDEX orders_store_status_idx ON orders (store_id, status);
CREATE INDEX orders_open_idx ON orders (status, status_at)
  WHERE status IN ('created', 'paid', 'picking', 'packed', 'shipped');

CREATE TABLE payments (
  provider       text        NOT NULL,
  transaction_id text        NOT NULL,
  status         text        NOT NULL,
  order_id       text        NOT NULL,
  store_id       text        NOT NULL,
  amount_fen     bigint      NOT NULL,
  occurred_at    timestamptz NOT NULL,
  source         text        NOT NULL,
  event_id       text        NOT NULL,
  PRIMARY KEY (provider, transaction_id, status)
);
CREATE INDEX payments_order_idx ON payments (order_id);
CREATE INDEX payments_time_idx ON payments (occurred_at);

-- Latest known state per waybill (checkpoints stay in `events`).
CREATE TABLE shipments (
  carrier            text        NOT NULL,
  tracking_no        text        NOT NULL,
  order_id           text        NOT NULL,
  store_id           text        NOT NULL,
  state              text        NOT NULL,
  last_update_at     timestamptz NOT NULL,
  location           text,
  destination_region text,
  returned_count     integer     NOT NULL DEFAULT 0,
  PRIMARY KEY (carrier, tracking_no)
);
CREATE INDEX shipments_order_idx ON shipments (order_id);


-- With TimescaleDB present `events` becomes a hypertable with compression and retention;
-- on plain PostgreSQL (and PGlite) a BRIN index serves time-range scans of the append-only log.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb') THEN
    EXECUTE 'CREATE EXTENSION IF NOT EXISTS timescaledb';
    EXECUTE $q$SELECT create_hypertable('events', 'occurred_at', chunk_time_interval => interval '1 day', migrate_data => true)$q$;
    EXECUTE $q$ALTER TABLE events SET (timescaledb.compress, timescaledb.compress_segmentby = 'store_id', timescaledb.compress_orderby = 'occurred_at')$q$;
    EXECUTE $q$SELECT add_compression_policy('events', interval '7 days')$q$;
    EXECUTE $q$SELECT add_retention_policy('events', interval '400 days')$q$;
    EXECUTE 'CREATE INDEX events_time_idx ON events (occurred_at DESC)';
  ELSE
    EXECUTE 'CREATE INDEX events_time_brin ON events USING brin (occurred_at)';
  END IF;
END
$$;

-- GET /v1/shipments (the dashboard's shipment list) reads the most recently updated waybills first,
-- optionally of one store (`ORDER BY last_update_at DESC LIMIT 5000`), then those orders'
-- carrier checkpoints from the event log. Measured by bench/dashboard-queries.ts on a month of a
-- 327-store chain (~4M waybills, ~30M events): without an index on the update time the listing
-- sorts every waybill ever shipped (the open-only index of the reporting views cannot serve it);
-- backward scans of these read just the rows listed. The partial index holds only the
-- shipment.update events (about an eighth of events_order_idx) and cut the checkpoints lookup
-- from ~360 ms to ~60 ms.
CREATE INDEX shipments_last_update_idx ON shipments (last_update_at);
CREATE INDEX shipments_store_last_update_idx ON shipments (store_id, last_update_at);
CREATE INDEX events_shipment_order_idx ON events (order_id) WHERE type = 'shipment.update';

-- One group commit in one call: one round trip and one transaction (autocommit) instead of BEGIN,
-- the event insert, the orders upsert (then payments and shipments when present) and COMMIT.
-- Tracing the ack path at 10k events/s put a p99 of 8–10 ms on each round trip, BEGIN included.
--
-- `batch` is a JSON array of domain events (the wire form the collector stores as `payload`),
-- one per (source, id), sorted by that key so concurrent commits lock rows in one order.
-- `statuses` is the order-status list in rank order (ORDER_STATUSES in the domain).
-- Returns the (source, id) of the events that were new; the others were already stored.
--
-- Folding a batch per order: status, its time and store come from the newest status event (event
-- time, then rank); amount, region and channel from the newest status event that carries one;
-- created/paid times are the earliest such events. Two window passes rank the batch's events once
-- and plain aggregates pick by rank: an ordered aggregate per field would sort each order's rows
-- anew for every field on PostgreSQL 15. The upsert then merges that row into the stored one.
CREATE FUNCTION ingest_batch(batch jsonb, received_at timestamptz, statuses text[])
RETURNS TABLE (source text, id text)
LANGUAGE plpgsql SET search_path FROM CURRENT AS $fn$
#variable_conflict use_column
DECLARE
  fresh jsonb;
  fresh_payments int;
  fresh_shipments int;
BEGIN
  WITH input AS (
    SELECT e->>'source' AS source, e->>'id' AS id, e->>'type' AS type,
           timestamptz 'epoch' + (e->>'occurredAt')::float8 * interval '1 millisecond' AS occurred_at,
           e->>'orderId' AS order_id, e->>'storeId' AS store_id, e AS payload
    FROM jsonb_array_elements(batch) AS e
  ), new_keys AS (
    INSERT INTO event_keys (source, id, occurred_at)
    SELECT i.source, i.id, i.occurred_at FROM input i
    ON CONFLICT DO NOTHING
    RETURNING event_keys.source, event_keys.id
  ), stored AS (
    INSERT INTO events (source, id, type, occurred_at, received_at, order_id, store_id, payload)
    SELECT i.source, i.id, i.type, i.occurred_at, ingest_batch.received_at, i.order_id, i.store_id, i.payload
    FROM input i JOIN new_keys k ON k.source = i.source AND k.id = i.id
    RETURNING events.type, events.payload
  )
  SELECT coalesce(jsonb_agg(s.payload), '[]'::jsonb),
         count(*) FILTER (WHERE s.type = 'payment.notify'),
         count(*) FILTER (WHERE s.type = 'shipment.update')
  INTO fresh, fresh_payments, fresh_shipments
  FROM stored s;

  IF jsonb_array_length(fresh) = 0 THEN
    RETURN;
  END IF;

  WITH e AS (
    SELECT e->>'source' AS source, e->>'id' AS id, e->>'type' = 'order.status' AS is_status,
           timestamptz 'epoch' + (e->>'occurredAt')::float8 * interval '1 millisecond' AS at,
           e->>'orderId' AS order_id, e->>'storeId' AS store_id, e->>'status' AS status,
           (array_position(statuses, e->>'status') - 1)::int2 AS status_rank,
           (e->>'amountFen')::int8 AS amount_fen, e->>'region' AS region, e->>'channel' AS channel
    FROM jsonb_array_elements(fresh) AS e
  ), ranked AS (
    -- Two sorts of the batch: each status event's place among its order's status events, newest
    -- first (event time, then rank, then key), and each event's place among its order's by key.
    SELECT e.*,
           CASE WHEN is_status THEN row_number() OVER (PARTITION BY order_id, is_status
                                                       ORDER BY at DESC, status_rank DESC, source, id) END AS newest,
           row_number() OVER (PARTITION BY order_id ORDER BY source, id) AS by_key
    FROM e
  ), picked AS (
    -- the place of the newest status event that carries each optional field
    SELECT r.*,
           min(newest) FILTER (WHERE amount_fen IS NOT NULL) OVER by_order AS amount_from,
           min(newest) FILTER (WHERE region IS NOT NULL) OVER by_order AS region_from,
           min(newest) FILTER (WHERE channel IS NOT NULL) OVER by_order AS channel_from
    FROM ranked r
    WINDOW by_order AS (PARTITION BY order_id)
  ), folded AS (
    SELECT order_id,
           coalesce(max(store_id) FILTER (WHERE newest = 1), max(store_id) FILTER (WHERE by_key = 1)) AS store_id,
           max(status) FILTER (WHERE newest = 1) AS status,
           max(at) FILTER (WHERE is_status) AS status_at,
           max(status_rank) FILTER (WHERE newest = 1) AS status_rank,
           max(amount_fen) FILTER (WHERE newest = amount_from) AS amount_fen,
           max(region) FILTER (WHERE newest = region_from) AS region,
           max(channel) FILTER (WHERE newest = channel_from) AS channel,
           min(at) FILTER (WHERE is_status AND status = 'created') AS created_at,
           min(at) FILTER (WHERE is_status AND status = 'paid') AS paid_at,
           min(at) AS first_seen_at,
           max(at) AS last_event_at
    FROM picked
    GROUP BY order_id
  )
  INSERT INTO orders AS o (order_id, store_id, status, status_at, status_rank, amount_fen, region, channel,
                           created_at, paid_at, first_seen_at, last_event_at, updated_at)
  SELECT f.order_id, f.store_id, f.status, f.status_at, f.status_rank, f.amount_fen, f.region, f.channel,
         f.created_at, f.paid_at, f.first_seen_at, f.last_event_at, ingest_batch.received_at
  FROM folded f
  ORDER BY f.order_id
  ON CONFLICT (order_id) DO UPDATE SET
    -- The batch's status fields replace the stored ones only when its status is newer (event time,
    -- then rank), so a late event never rolls the status back; an attribute the newer status does
    -- not carry keeps the stored value, and a stored row without one takes the batch's.
    (store_id, status, status_rank, amount_fen, region, channel) = (
      SELECT CASE WHEN newer THEN excluded.store_id ELSE o.store_id END,
             CASE WHEN newer THEN excluded.status ELSE o.status END,
             CASE WHEN newer THEN excluded.status_rank ELSE o.status_rank END,
             COALESCE(CASE WHEN newer THEN excluded.amount_fen END, o.amount_fen, excluded.amount_fen),
             COALESCE(CASE WHEN newer THEN excluded.region END, o.region, excluded.region),
             COALESCE(CASE WHEN newer THEN excluded.channel END, o.channel, excluded.channel)
      FROM (SELECT excluded.status IS NOT NULL AND (o.status_at IS NULL
              OR (excluded.status_at, excluded.status_rank) > (o.status_at, o.status_rank)) AS newer) AS batch
    ),
    status_at     = GREATEST(o.status_at, excluded.status_at),
    created_at    = LEAST(o.created_at, excluded.created_at),
    paid_at       = LEAST(o.paid_at, excluded.paid_at),
    first_seen_at = LEAST(o.first_seen_at, excluded.first_seen_at),
    last_event_at = GREATEST(o.last_event_at, excluded.last_event_at),
    updated_at    = excluded.updated_at;

  -- A notification resent with a new id finds its row and inserts nothing.
  IF fresh_payments > 0 THEN
    INSERT INTO payments (provider, transaction_id, status, order_id, store_id, amount_fen, occurred_at, source, event_id)
    SELECT e->>'provider', e->>'transactionId', e->>'status', e->>'orderId', e->>'storeId', (e->>'amountFen')::int8,
           timestamptz 'epoch' + (e->>'occurredAt')::float8 * interval '1 millisecond', e->>'source', e->>'id'
    FROM jsonb_array_elements(fresh) AS e
    WHERE e->>'type' = 'payment.notify'
    ORDER BY 1, 2, 3
    ON CONFLICT DO NOTHING;
  END IF;

  -- Per waybill: state and time from the newest update, location and destination from the newest
  -- that names one, returns counted (they add up across commits), order and store from the first.
  IF fresh_shipments > 0 THEN
    WITH u AS (
      SELECT e->>'source' AS source, e->>'id' AS id, e->>'carrier' AS carrier, e->>'trackingNo' AS tracking_no,
             e->>'orderId' AS order_id, e->>'storeId' AS store_id, e->>'state' AS state,
             timestamptz 'epoch' + (e->>'occurredAt')::float8 * interval '1 millisecond' AS at,
             e->>'location' AS location, e->>'destinationRegion' AS destination_region
      FROM jsonb_array_elements(fresh) AS e
      WHERE e->>'type' = 'shipment.update'
    )
    INSERT INTO shipments AS s (carrier, tracking_no, order_id, store_id, state, last_update_at, location,
                                destination_region, returned_count)
    SELECT carrier, tracking_no,
           (array_agg(order_id ORDER BY source, id))[1],
           (array_agg(store_id ORDER BY source, id))[1],
           (array_agg(state ORDER BY at DESC, source DESC, id DESC))[1],
           max(at),
           (array_agg(location ORDER BY at DESC, source DESC, id DESC) FILTER (WHERE location IS NOT NULL))[1],
           (array_agg(destination_region ORDER BY at DESC, source DESC, id DESC)
              FILTER (WHERE destination_region IS NOT NULL))[1],
           (count(*) FILTER (WHERE state = 'returned'))::int4
    FROM u
    GROUP BY carrier, tracking_no
    ORDER BY carrier, tracking_no
    ON CONFLICT (carrier, tracking_no) DO UPDATE SET
      state              = CASE WHEN excluded.last_update_at >= s.last_update_at THEN excluded.state ELSE s.state END,
      location           = CASE WHEN excluded.last_update_at >= s.last_update_at
                             THEN COALESCE(excluded.location, s.location) ELSE s.location END,
      last_update_at     = GREATEST(s.last_update_at, excluded.last_update_at),
      destination_region = COALESCE(excluded.destination_region, s.destination_region),
      returned_count     = s.returned_count + excluded.returned_count;
  END IF;

  RETURN QUERY SELECT e->>'source', e->>'id' FROM jsonb_array_elements(fresh) AS e;
END
$fn$;
