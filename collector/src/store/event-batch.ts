// The SQL of one group commit: event log, current order state, payments, shipments, all in one
// call of ingest_batch (migration 0001_ingest), one round trip on PostgreSQL and on PGlite alike.
import { partitionHash } from '../cluster/partitions.ts';
import { ORDER_STATUSES, type OrderEvent } from '../domain/events.ts';
import type { PreparedStatement, Queryable } from './database.ts';

const key = (source: string, id: string) => `${source}\u0000${id}`;

export const eventKey = (e: { source: string; id: string }) => key(e.source, e.id);

const INGEST_BATCH: PreparedStatement = {
  name: 'orderpulse_ingest_batch',
  text: 'SELECT source, id FROM ingest_batch($1::jsonb, $2::timestamptz, $3::text[], $4::jsonb)',
};

const STATUSES = [...ORDER_STATUSES];

/**
 * Stores a batch in one transaction: events not seen before, and what they change in orders,
 * payments and shipments. `events` hold one event per key, sorted by key (the lock order).
 * The batch goes as one JSON array, which is also each event's stored payload, with each order's
 * partition hash beside it (cheaper here than in PL/pgSQL, migration 0030).
 * Returns the keys (eventKey) of the events that were new.
 */
export async function ingestBatch(
  db: Queryable,
  events: OrderEvent[],
  receivedAt: number,
): Promise<Set<string>> {
  const { rows } = await db.query<{ source: string; id: string }>(INGEST_BATCH, [
    JSON.stringify(events),
    new Date(receivedAt).toISOString(),
    STATUSES,
    partitionHashesOf(events),
  ]);
  return new Set(rows.map((r) => key(r.source, r.id)));
}

/** ingest_batch's order_hashes: each order's partition hash, as a JSON object keyed by order id. */
export function partitionHashesOf(events: readonly OrderEvent[]): string {
  // no prototype: an order id such as "__proto__" is a key like any other
  const hashes: Record<string, number> = Object.create(null);
  for (const e of events) hashes[e.orderId] ??= partitionHash(e.orderId);
  return JSON.stringify(hashes);
}
