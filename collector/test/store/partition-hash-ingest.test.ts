// The group commit stores each order's and waybill's partition hash as the collector computed it,
// without running the PL/pgSQL hash for any row; rows that come without one (a bulk load, a
// collector of an earlier version calling the three-argument ingest_batch) still get it from the
// trigger, and the same value.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { partitionHash } from '../../src/cluster/partitions.ts';
import type { OrderEvent } from '../../src/domain/events.ts';
import type { Queryable } from '../../src/store/database.ts';
import { eventKey, ingestBatch } from '../../src/store/event-batch.ts';
import { openTestDatabase, STORE_KINDS, type TestDatabase } from '../support/test-database.ts';

const AT = Date.parse('2026-11-11T10:00:00Z');
// Ids a hostile or unusual store may send: object-key names JavaScript treats specially, non-ASCII,
// beyond the BMP, the empty id.
const ORDER_IDS = ['__proto__', 'constructor', 'SO-1', '订单-2', '📦-3', '𠀀', ''];

let seq = 0;
const created = (orderId: string): OrderEvent => ({
  type: 'order.status',
  id: `ph-${++seq}`,
  source: 'pos',
  occurredAt: AT,
  orderId,
  storeId: 's1',
  status: 'created',
});
const shipped = (orderId: string, trackingNo: string): OrderEvent => ({
  type: 'shipment.update',
  id: `ph-${++seq}`,
  source: 'sf',
  occurredAt: AT + 60_000,
  orderId,
  storeId: 's1',
  carrier: 'sf',
  trackingNo,
  state: 'in_transit',
});
const sortedByKey = (events: OrderEvent[]) => events.sort((a, b) => (eventKey(a) < eventKey(b) ? -1 : 1));

async function storedHashes(q: Queryable, table: 'orders' | 'shipments', orderIds: string[]) {
  const { rows } = await q.query<{ order_id: string; hash: number }>(
    `SELECT order_id, partition_hash::float8 AS hash FROM ${table} WHERE order_id = ANY($1::text[])`,
    [orderIds],
  );
  return rows;
}

describe.each(STORE_KINDS)('partition hashes of ingested rows (%s)', (kind) => {
  let store: TestDatabase;
  beforeAll(async () => {
    store = await openTestDatabase(kind);
  });
  afterAll(() => store.dispose());

  it('come from the collector: the group commit calls no hash function in SQL', async () => {
    const events = sortedByKey([
      ...ORDER_IDS.map(created),
      ...ORDER_IDS.map((id, i) => shipped(id, `SF-ph-${i}`)),
    ]);
    const calls = await store.db.transaction(async (q) => {
      await q.query(`SET LOCAL track_functions = 'pl'`);
      const fresh = await ingestBatch(q, events, AT);
      expect(fresh).toBe('all');
      const { rows } = await q.query<{ funcname: string; calls: string }>(
        `SELECT funcname, calls::text FROM pg_stat_xact_user_functions
          WHERE funcname IN ('order_partition_hash', 'set_partition_hash', 'ingest_batch')`,
      );
      return Object.fromEntries(rows.map((r) => [r.funcname, Number(r.calls)]));
    });
    // the call itself is counted, so a missing count is not mistaken for "no calls"
    expect(calls.ingest_batch).toBe(1);
    expect(calls.order_partition_hash ?? 0).toBe(0);
    expect(calls.set_partition_hash ?? 0).toBe(0);

    for (const table of ['orders', 'shipments'] as const) {
      const rows = await storedHashes(store.db, table, ORDER_IDS);
      expect(rows.map((r) => r.order_id).sort()).toEqual([...ORDER_IDS].sort());
      expect(rows.filter((r) => r.hash !== partitionHash(r.order_id))).toEqual([]);
    }
  });

  it('come from the trigger, the same value, for rows written without one', async () => {
    const ids = ['bulk-1', '批量-2', '📦-bulk-3'];
    await store.db.query(
      `INSERT INTO orders (order_id, store_id, status, status_at, status_rank, first_seen_at, last_event_at, updated_at)
       SELECT id, 's1', 'created', now(), 0, now(), now(), now() FROM unnest($1::text[]) AS id`,
      [ids],
    );
    const bulk = await storedHashes(store.db, 'orders', ids);
    expect(bulk).toHaveLength(ids.length);
    expect(bulk.filter((r) => r.hash !== partitionHash(r.order_id))).toEqual([]);

    // a collector of the version before calls the three-argument form
    const older = ['older-1', '订单-older-2'];
    await store.db.query('SELECT source, id FROM ingest_batch($1::jsonb, $2::timestamptz, $3::text[])', [
      JSON.stringify(sortedByKey([...older.map(created), shipped(older[1]!, 'SF-older')])),
      new Date(AT).toISOString(),
      ['created', 'paid', 'picking', 'packed', 'shipped', 'delivered', 'cancelled'],
    ]);
    for (const table of ['orders', 'shipments'] as const) {
      const rows = await storedHashes(store.db, table, older);
      expect(rows.length).toBe(table === 'orders' ? 2 : 1);
      expect(rows.filter((r) => r.hash !== partitionHash(r.order_id))).toEqual([]);
    }
  });
});
