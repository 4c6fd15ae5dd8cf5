// A commit's staging row for the rollups holds its events as arrays, large enough for TOAST to
// compress as the row is written: with lz4 where the server has it (PostgreSQL), pglz where it
// does not (the embedded store). Either way the applier reads back every staged event.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OrderEvent } from '../../src/domain/events.ts';
import { eventKey, ingestBatch } from '../../src/store/event-batch.ts';
import { openTestDatabase, STORE_KINDS, type TestDatabase } from '../support/test-database.ts';

const AT = Date.parse('2026-11-11T10:00:00Z');
const EVENTS = 600;

const events: OrderEvent[] = Array.from(
  { length: EVENTS },
  (_, n): OrderEvent => ({
    type: 'order.status',
    id: `lz-${n}`,
    source: 'pos',
    occurredAt: AT + n * 1_000,
    orderId: `SO-lz-${n}`,
    storeId: `S${String(n % 327).padStart(3, '0')}`,
    status: 'paid',
    amountFen: 1_000 + n,
  }),
).sort((a, b) => (eventKey(a) < eventKey(b) ? -1 : 1));

describe.each(STORE_KINDS)('the rollups staging of a large commit (%s)', (kind) => {
  let store: TestDatabase;
  beforeAll(async () => {
    store = await openTestDatabase(kind);
  });
  afterAll(() => store.dispose());

  it(`is compressed with ${kind === 'postgres' ? 'lz4' : 'pglz'} and reads back whole`, async () => {
    await ingestBatch(store.db, events, AT + EVENTS * 1_000);
    const { rows } = await store.db.query<{
      events: number;
      method: string | null;
      stores: string[];
      amounts: string[];
    }>(
      `SELECT events, pg_column_compression(store_id) AS method, store_id AS stores, amount_fen::text[] AS amounts
         FROM report_staged_order_status`,
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]!.events).toBe(EVENTS);
    expect(rows[0]!.method).toBe(kind === 'postgres' ? 'lz4' : 'pglz');
    expect([...rows[0]!.stores].sort()).toEqual(events.map((e) => e.storeId).sort());
    expect(rows[0]!.amounts.map(Number).sort((a, b) => a - b)).toEqual(
      Array.from({ length: EVENTS }, (_, n) => 1_000 + n),
    );
  });
});
