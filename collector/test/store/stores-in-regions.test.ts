// A region scope's stores, read from the orders: exact with what the store holds, and read from the
// (region, store_id) index rather than every order.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storesInRegions } from '../../src/store/stores-in-regions.ts';
import { openTestDatabase, STORE_KINDS, type TestDatabase } from '../support/test-database.ts';

describe.each(STORE_KINDS)('stores in regions on %s', (kind) => {
  let store: TestDatabase;
  beforeAll(async () => {
    store = await openTestDatabase(kind);
    const at = '2026-11-11T10:00:00Z';
    const orders: [string, string, string | null][] = [
      ['R-1', 'SH-1', '310000'],
      ['R-2', 'SH-1', '310000'],
      ['R-3', 'SH-2', '310000'],
      ['R-4', 'GZ-1', '440000'],
      ['R-5', 'XX-1', null],
    ];
    for (const [order, storeId, region] of orders)
      await store.db.query(
        `INSERT INTO orders (order_id, store_id, region, first_seen_at, last_event_at, updated_at)
         VALUES ($1, $2, $3, $4, $4, $4)`,
        [order, storeId, region, at],
      );
  }, 120_000);
  afterAll(() => store.dispose());

  it('names each store of the regions once, and none for no region', async () => {
    expect(await storesInRegions(store.db, ['310000'])).toEqual(['SH-1', 'SH-2']);
    expect(await storesInRegions(store.db, ['310000', '440000'])).toEqual(['GZ-1', 'SH-1', 'SH-2']);
    expect(await storesInRegions(store.db, ['999999'])).toEqual([]);
    expect(await storesInRegions(store.db, [])).toEqual([]);
  });

  it('can answer from the (region, store_id) index alone', async () => {
    // Sequential scans priced out, so the plan shows whether the index serves this query at all
    // (on a handful of rows the planner would rightly read the table).
    const plan = await store.db.transaction(async (tx) => {
      await tx.query('SET LOCAL enable_seqscan = off');
      const { rows } = await tx.query<{ 'QUERY PLAN': string }>(
        `EXPLAIN SELECT DISTINCT store_id FROM orders WHERE region = ANY($1::text[]) ORDER BY store_id`,
        [['310000']],
      );
      return rows.map((r) => r['QUERY PLAN']).join('\n');
    });
    expect(plan).toMatch(/Index Only Scan using orders_region_store_idx/);
  });
});
