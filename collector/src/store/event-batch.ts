// The SQL of one group commit: event log, current order state, payments, shipments, all in one
// call of ingest_batch (migration 0001_ingest), one round trip on PostgreSQL and on PGlite alike.
import { partitionHash } from '../cluster/partitions.ts';
import { ORDER_STATUSES, type OrderEvent } from '../domain/events.ts';
import type { PreparedStatement, Queryable } from './database.ts';

const key = (source: string, id: string) => `${source}\u0000${id}`;

export const eventKey = (e: { source: string; id: string }) => key(e.source, e.id);

// ingest_batch answers with the key of every event it stored. Counted in the store, the common answer
// (all of them) is one row: the keys are sent only when some were not stored, which spares the
// collector a row per event to receive and parse (~330 B allocated an event of a 500-event commit).
const INGEST_BATCH: PreparedStatement = {
  name: 'orderpulse_ingest_batch_counted',
  text: `SELECT count(*)::int AS stored,
                CASE WHEN count(*) < $5 THEN array_agg(source) END AS sources,
                CASE WHEN count(*) < $5 THEN array_agg(id) END AS ids
         FROM ingest_batch($1::jsonb, $2::timestamptz, $3::text[], $4::jsonb)`,
};

/** Which events of a batch were new: all of them, or those whose keys (eventKey) are in the set. */
export type StoredKeys = 'all' | ReadonlySet<string>;

const STATUSES = [...ORDER_STATUSES];

/**
 * Stores a batch in one transaction: events not seen before, and what they change in orders,
 * payments and shipments. `events` hold one event per key, sorted by key (the lock order).
 * The batch goes as one JSON array, which is also each event's stored payload, with each order's
 * partition hash beside it (cheaper here than in PL/pgSQL, migration 0030).
 * Says which of the events were new.
 */
export async function ingestBatch(
  db: Queryable,
  events: OrderEvent[],
  receivedAt: number,
): Promise<StoredKeys> {
  const { rows } = await db.query<{ stored: number; sources: string[] | null; ids: string[] | null }>(
    INGEST_BATCH,
    [
      JSON.stringify(events),
      new Date(receivedAt).toISOString(),
      STATUSES,
      partitionHashesOf(events),
      events.length,
    ],
  );
  const { stored, sources, ids } = rows[0]!;
  if (stored === events.length) return 'all';
  const keys = new Set<string>();
  for (let i = 0; i < stored; i++) keys.add(key(sources![i]!, ids![i]!));
  return keys;
}

/** ingest_batch's order_hashes: each order's partition hash, as a JSON object keyed by order id. */
export function partitionHashesOf(events: readonly OrderEvent[]): string {
  // no prototype: an order id such as "__proto__" is a key like any other
  const hashes: Record<string, number> = Object.create(null);
  for (const e of events) hashes[e.orderId] ??= partitionHash(e.orderId);
  return JSON.stringify(hashes);
}
