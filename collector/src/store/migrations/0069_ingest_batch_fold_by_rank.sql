-- The fold of a batch into one row per order, without an ordered aggregate per field. 0067 took
-- each field of the newest status event with its own array_agg(… ORDER BY at DESC, status_rank
-- DESC, source, id): on PostgreSQL 15 every one of them sorts its order's rows anew (16 and later
-- share one sort between aggregates of the same ORDER BY), seven sorts per order in every commit.
-- Here two window passes over the batch rank the events once, and plain aggregates pick by rank.
-- The result is 0067's, field for field; only the function changes.

CREATE OR REPLACE FUNCTION ingest_batch(batch jsonb, received_at timestamptz, statuses text[])
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
    store_id      = CASE WHEN (excluded.status IS NOT NULL AND (o.status_at IS NULL
                      OR (excluded.status_at, excluded.status_rank) > (o.status_at, o.status_rank)))
                    THEN excluded.store_id ELSE o.store_id END,
    status        = CASE WHEN (excluded.status IS NOT NULL AND (o.status_at IS NULL
                      OR (excluded.status_at, excluded.status_rank) > (o.status_at, o.status_rank)))
                    THEN excluded.status ELSE o.status END,
    status_rank   = CASE WHEN (excluded.status IS NOT NULL AND (o.status_at IS NULL
                      OR (excluded.status_at, excluded.status_rank) > (o.status_at, o.status_rank)))
                    THEN excluded.status_rank ELSE o.status_rank END,
    amount_fen    = COALESCE(CASE WHEN (excluded.status IS NOT NULL AND (o.status_at IS NULL
                      OR (excluded.status_at, excluded.status_rank) > (o.status_at, o.status_rank)))
                    THEN excluded.amount_fen END, o.amount_fen, excluded.amount_fen),
    region        = COALESCE(CASE WHEN (excluded.status IS NOT NULL AND (o.status_at IS NULL
                      OR (excluded.status_at, excluded.status_rank) > (o.status_at, o.status_rank)))
                    THEN excluded.region END, o.region, excluded.region),
    channel       = COALESCE(CASE WHEN (excluded.status IS NOT NULL AND (o.status_at IS NULL
                      OR (excluded.status_at, excluded.status_rank) > (o.status_at, o.status_rank)))
                    THEN excluded.channel END, o.channel, excluded.channel),
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
