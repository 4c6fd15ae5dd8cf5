// The stores whose orders carry one of the given regions: what a region scope names. Orders are
// the only rows with a region (the `region` of their order.status events), so this is exact with
// what the store holds.
import type { Queryable } from './database.ts';

export async function storesInRegions(db: Queryable, regions: readonly string[]): Promise<string[]> {
  if (regions.length === 0) return [];
  const { rows } = await db.query<{ store_id: string }>(
    'SELECT DISTINCT store_id FROM orders WHERE region = ANY($1::text[]) ORDER BY store_id',
    [regions],
  );
  return rows.map((r) => r.store_id);
}
