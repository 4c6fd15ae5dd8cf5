-- ingest_batch is 0030's, with the events a commit stored first gathered as an array of their jsonb
-- payloads (array_agg) rather than as one jsonb array (jsonb_agg), which the fold's statements then
-- unnest. jsonb_agg re-encodes every payload into one new document: 5.1–5.6 µs an event on its own
-- against 0.4 µs for array_agg, which copies the values as they are; the whole group commit takes
-- 1.5–2.5 µs of PostgreSQL time an event less at 500-event commits (BENCHMARKS.md §20.2).
CREATE OR REPLACE FUNCTION ingest_batch(batch jsonb, received_at timestamptz, statuses text[], order_hashes jsonb)
RETURNS TABLE (source text, id text)
LANGUAGE plpgsql SET search_path FROM CURRENT AS $fn$
#variable_conflict use_column
DECLARE
  fresh jsonb[];
  fresh_payments int;
  fresh_shipments int;
BEGIN
  -- Keys already stored are filtered out first, so the keys go in by a plain INSERT: with ON
  -- CONFLICT every row is a speculative insertion, which writes a confirm record of its own to the
  -- WAL (48 of ~1,000 bytes per event, BENCHMARKS.md §3). Only a commit racing this one with the
  -- same key makes the plain INSERT fail; that case runs the conflict-handling form instead.
  BEGIN
    WITH input AS (
      SELECT e->>'source' AS source, e->>'id' AS id, e->>'type' AS type,
             timestamptz 'epoch' + (e->>'occurredAt')::float8 * interval '1 millisecond' AS occurred_at,
             e->>'orderId' AS order_id, e->>'storeId' AS store_id, e AS payload
      FROM jsonb_array_elements(batch) AS e
    ), new_keys AS (
      INSERT INTO event_keys (source, id, occurred_at)
      SELECT i.source, i.id, i.occurred_at FROM input i
      WHERE (SELECT true FROM event_keys k WHERE k.source = i.source AND k.id = i.id) IS NULL
      RETURNING event_keys.source, event_keys.id
    ), stored AS (
      INSERT INTO events (source, id, type, occurred_at, received_at, order_id, store_id, payload)
      SELECT i.source, i.id, i.type, i.occurred_at, ingest_batch.received_at, i.order_id, i.store_id, i.payload
      FROM input i JOIN new_keys k ON k.source = i.source AND k.id = i.id
      RETURNING events.type, events.payload
    )
    SELECT coalesce(array_agg(s.payload), '{}'),
           count(*) FILTER (WHERE s.type = 'payment.notify'),
           count(*) FILTER (WHERE s.type = 'shipment.update')
    INTO fresh, fresh_payments, fresh_shipments
    FROM stored s;
  EXCEPTION WHEN unique_violation THEN
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
    SELECT coalesce(array_agg(s.payload), '{}'),
           count(*) FILTER (WHERE s.type = 'payment.notify'),
           count(*) FILTER (WHERE s.type = 'shipment.update')
    INTO fresh, fresh_payments, fresh_shipments
    FROM stored s;
  END;

  IF cardinality(fresh) = 0 THEN
    RETURN;
  END IF;

  WITH e AS (
    -- Only status reports carry a rank and attributes; the other events date the order.
    SELECT e->>'orderId' AS order_id, e->>'storeId' AS store_id, e->>'status' AS status,
           timestamptz 'epoch' + (e->>'occurredAt')::float8 * interval '1 millisecond' AS at,
           CASE WHEN e->>'type' = 'order.status' THEN (array_position(statuses, e->>'status') - 1)::int2 END AS status_rank,
           CASE WHEN e->>'type' = 'order.status' THEN (e->>'amountFen')::int8 END AS amount_fen,
           CASE WHEN e->>'type' = 'order.status' THEN e->>'region' END COLLATE "C" AS region,
           CASE WHEN e->>'type' = 'order.status' THEN e->>'channel' END COLLATE "C" AS channel,
           CASE WHEN e->>'type' = 'order.status' THEN e->>'provider' END COLLATE "C" AS provider
    FROM unnest(fresh) AS e
  ), tops AS (
    SELECT e.*,
           max(status_rank) OVER by_order AS top_rank,
           max(at) FILTER (WHERE amount_fen IS NOT NULL) OVER by_order AS amount_at,
           max(at) FILTER (WHERE region IS NOT NULL) OVER by_order AS region_at,
           max(at) FILTER (WHERE channel IS NOT NULL) OVER by_order AS channel_at,
           max(at) FILTER (WHERE provider IS NOT NULL) OVER by_order AS provider_at
    FROM e
    WINDOW by_order AS (PARTITION BY order_id)
  ), folded AS (
    SELECT order_id,
           min(store_id COLLATE "C") AS store_id,
           statuses[max(status_rank) + 1] AS status,
           min(at) FILTER (WHERE status_rank = top_rank) AS status_at,
           max(status_rank) AS status_rank,
           max(amount_fen) FILTER (WHERE at = amount_at) AS amount_fen,
           max(amount_at) AS amount_at,
           max(region) FILTER (WHERE at = region_at) AS region,
           max(region_at) AS region_at,
           max(channel) FILTER (WHERE at = channel_at) AS channel,
           max(channel_at) AS channel_at,
           max(provider) FILTER (WHERE at = provider_at) AS provider,
           max(provider_at) AS provider_at,
           min(at) FILTER (WHERE status = 'created' AND status_rank IS NOT NULL) AS created_at,
           min(at) FILTER (WHERE status = 'paid' AND status_rank IS NOT NULL) AS paid_at,
           min(at) AS first_seen_at,
           max(at) AS last_event_at
    FROM tops
    GROUP BY order_id
  )
  INSERT INTO orders AS o (order_id, store_id, status, status_at, status_rank, amount_fen, amount_at, region,
                           region_at, channel, channel_at, provider, provider_at, created_at, paid_at,
                           first_seen_at, last_event_at, updated_at, partition_hash)
  SELECT f.order_id, f.store_id, f.status, f.status_at, f.status_rank, f.amount_fen, f.amount_at, f.region,
         f.region_at, f.channel, f.channel_at, f.provider, f.provider_at, f.created_at, f.paid_at,
         f.first_seen_at, f.last_event_at, ingest_batch.received_at, (order_hashes ->> f.order_id)::bigint
  FROM folded f
  ORDER BY f.order_id
  ON CONFLICT (order_id) DO UPDATE SET
    -- Each group of columns takes the batch's values only when they win; NULLs lose, except that a
    -- stored attribute without a time (a row from before attribute times) loses to any report.
    (status, status_rank, status_at) = (
      SELECT CASE WHEN further THEN excluded.status ELSE o.status END,
             CASE WHEN further THEN excluded.status_rank ELSE o.status_rank END,
             CASE WHEN further THEN excluded.status_at
                  WHEN excluded.status_rank = o.status_rank THEN LEAST(o.status_at, excluded.status_at)
                  ELSE o.status_at END
      FROM (SELECT excluded.status_rank > o.status_rank
                   OR (o.status_rank IS NULL AND excluded.status_rank IS NOT NULL) AS further) AS batch
    ),
    (amount_fen, amount_at) = (
      SELECT CASE WHEN newer THEN excluded.amount_fen ELSE o.amount_fen END,
             CASE WHEN newer THEN excluded.amount_at ELSE o.amount_at END
      FROM (SELECT excluded.amount_at IS NOT NULL AND (o.amount_at IS NULL
              OR (excluded.amount_at, excluded.amount_fen) > (o.amount_at, o.amount_fen)) AS newer) AS batch
    ),
    (region, region_at) = (
      SELECT CASE WHEN newer THEN excluded.region ELSE o.region END,
             CASE WHEN newer THEN excluded.region_at ELSE o.region_at END
      FROM (SELECT excluded.region_at IS NOT NULL AND (o.region_at IS NULL
              OR (excluded.region_at, excluded.region COLLATE "C") > (o.region_at, o.region COLLATE "C")) AS newer) AS batch
    ),
    (channel, channel_at) = (
      SELECT CASE WHEN newer THEN excluded.channel ELSE o.channel END,
             CASE WHEN newer THEN excluded.channel_at ELSE o.channel_at END
      FROM (SELECT excluded.channel_at IS NOT NULL AND (o.channel_at IS NULL
              OR (excluded.channel_at, excluded.channel COLLATE "C") > (o.channel_at, o.channel COLLATE "C")) AS newer) AS batch
    ),
    (provider, provider_at) = (
      SELECT CASE WHEN newer THEN excluded.provider ELSE o.provider END,
             CASE WHEN newer THEN excluded.provider_at ELSE o.provider_at END
      FROM (SELECT excluded.provider_at IS NOT NULL AND (o.provider_at IS NULL
              OR (excluded.provider_at, excluded.provider COLLATE "C") > (o.provider_at, o.provider COLLATE "C")) AS newer) AS batch
    ),
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
    FROM unnest(fresh) AS e
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
      FROM unnest(fresh) AS e
      WHERE e->>'type' = 'shipment.update'
    )
    INSERT INTO shipments AS s (carrier, tracking_no, order_id, store_id, state, last_update_at, location,
                                destination_region, returned_count, partition_hash)
    SELECT carrier, tracking_no,
           (array_agg(order_id ORDER BY source, id))[1],
           (array_agg(store_id ORDER BY source, id))[1],
           (array_agg(state ORDER BY at DESC, source DESC, id DESC))[1],
           max(at),
           (array_agg(location ORDER BY at DESC, source DESC, id DESC) FILTER (WHERE location IS NOT NULL))[1],
           (array_agg(destination_region ORDER BY at DESC, source DESC, id DESC)
              FILTER (WHERE destination_region IS NOT NULL))[1],
           (count(*) FILTER (WHERE state = 'returned'))::int4,
           (order_hashes ->> (array_agg(order_id ORDER BY source, id))[1])::bigint
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

  RETURN QUERY SELECT e->>'source', e->>'id' FROM unnest(fresh) AS e;
END
$fn$;
