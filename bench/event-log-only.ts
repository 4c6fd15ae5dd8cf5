// ingest_batch's first statement alone, for the benches' what-ifs: the events and their keys are stored
// and nothing of what they change in orders, payments and shipments. Same arguments as ingest_batch
// (migration 0030), so it can stand in for it or beside it under another name.
import type pg from 'pg';

export async function createEventLogOnly(client: pg.Client, schema: string, name: string): Promise<void> {
  await client.query(`CREATE OR REPLACE FUNCTION ${schema}.${name}(batch jsonb, received_at timestamptz,
      statuses text[], order_hashes jsonb)
    RETURNS TABLE (source text, id text) LANGUAGE sql SET search_path = ${schema} AS $fn$
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
      SELECT i.source, i.id, i.type, i.occurred_at, received_at, i.order_id, i.store_id, i.payload
      FROM input i JOIN new_keys k ON k.source = i.source AND k.id = i.id
      RETURNING events.source, events.id
    )
    SELECT s.source, s.id FROM stored s
    $fn$`);
}
