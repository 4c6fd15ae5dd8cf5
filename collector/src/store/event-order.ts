// Where events stand in a replay's order, decided by the store: replays read events ordered by
// (occurred_at, source, id) in the database's collation, which JavaScript's string order need not
// match, so events read by separate replays are put in one order here.
import type { Queryable } from './database.ts';

export interface EventKey {
  /** Epoch ms, as the event's occurredAt. */
  at: number;
  source: string;
  id: string;
  /** Orders keys of the same event. */
  rank: number;
}

const ORDER = {
  name: 'event_key_order',
  text: `SELECT (n - 1)::float8 AS i
     FROM unnest($1::float8[], $2::text[], $3::text[], $4::float8[]) WITH ORDINALITY AS k(at, source, id, rank, n)
    ORDER BY timestamptz 'epoch' + at * interval '1 millisecond', source, id, rank`,
};

/** The positions of `keys`, in the order a replay meets their events. */
export async function eventOrder(db: Queryable, keys: readonly EventKey[]): Promise<number[]> {
  if (keys.length < 2) return keys.map((_, i) => i);
  const { rows } = await db.query<{ i: number }>(ORDER, [
    keys.map((k) => k.at),
    keys.map((k) => k.source),
    keys.map((k) => k.id),
    keys.map((k) => k.rank),
  ]);
  return rows.map((r) => r.i);
}
