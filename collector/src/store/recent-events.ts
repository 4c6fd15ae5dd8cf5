// The last hour of events, so live panels restart where they were instead of at zero.
import type { StoredEvent } from '../domain/events.ts';
import type { Queryable } from './database.ts';

/** Events with occurred_at after `sinceMs`, oldest first, at most `limit` (the newest are kept). */
export async function recentEvents(db: Queryable, sinceMs: number, limit: number): Promise<StoredEvent[]> {
  const { rows } = await db.query<{ payload: StoredEvent; received_at: Date }>(
    `SELECT payload, received_at FROM (
       SELECT payload, received_at, occurred_at FROM events
       WHERE occurred_at > $1 ORDER BY occurred_at DESC LIMIT $2
     ) recent ORDER BY occurred_at`,
    [new Date(sinceMs).toISOString(), limit],
  );
  return rows.map((r) => ({ ...r.payload, receivedAt: r.received_at.getTime() }));
}
