// What the whole chain did lately, as callback_silent reads it: orders created per store and second.
// In cluster mode each processor sees only its partitions' events; the one answering for the
// chain-wide rules reads these from the store instead (see AlertingService.tick).
import type { ChainCreations } from '../domain/rules/engine-facts.ts';
import type { Queryable } from '../store/database.ts';

/** Orders created in (since, until], counted per store and second of creation. */
export async function chainCreations(q: Queryable, since: number, until: number): Promise<ChainCreations[]> {
  const { rows } = await q.query<{ store_id: string; at: number; orders: number }>(
    `SELECT store_id, floor(extract(epoch FROM created_at))::float8 * 1000 AS at, count(*)::int AS orders
       FROM orders
      WHERE created_at > $1 AND created_at <= $2
      GROUP BY 1, 2`,
    [new Date(since).toISOString(), new Date(until).toISOString()],
  );
  return rows.map((r) => ({ storeId: r.store_id, at: Number(r.at), orders: r.orders }));
}
