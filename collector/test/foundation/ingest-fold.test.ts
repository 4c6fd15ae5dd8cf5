// Migration 0069 folds a batch into order rows by ranking the events once instead of with an
// ordered aggregate per field. Its orders must be 0067's, column for column: the same random
// batches (ties in event time and rank, optional fields missing, orders with no status event) go
// through both versions of ingest_batch, each in a store of its own.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ORDER_STATUSES, type OrderEvent } from '../../src/domain/events.ts';
import { eventKey, ingestBatch } from '../../src/store/event-batch.ts';
import { openTestDatabase, STORE_KINDS, type TestDatabase } from '../support/test-database.ts';

const MIGRATION_0067 = new URL('../../src/store/migrations/0067_ingest_batch.sql', import.meta.url);
const T0 = Date.parse('2026-11-11T10:00:00Z');

const orderArb = fc.constantFrom('A', 'B', 'C');
const common = {
  source: fc.constantFrom('pos', 'app'),
  orderId: orderArb,
  storeId: fc.constantFrom('s1', 's2'),
  // a few distinct times, so equal event times are common
  occurredAt: fc.integer({ min: 0, max: 3 }).map((minute) => T0 + minute * 60_000),
};
const eventArb: fc.Arbitrary<Omit<OrderEvent, 'id'>> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record(
      {
        ...common,
        type: fc.constant('order.status' as const),
        status: fc.constantFrom(...ORDER_STATUSES),
        amountFen: fc.option(fc.integer({ min: 1, max: 9 }), { nil: undefined }),
        region: fc.option(fc.constantFrom('310000', '330100'), { nil: undefined }),
        channel: fc.option(fc.constantFrom('app', 'pos'), { nil: undefined }),
      },
      { requiredKeys: ['source', 'orderId', 'storeId', 'occurredAt', 'type', 'status'] },
    ),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      ...common,
      type: fc.constant('payment.notify' as const),
      provider: fc.constant('wechatpay' as const),
      transactionId: fc.constantFrom('t1', 't2'),
      amountFen: fc.integer({ min: 1, max: 9 }),
      status: fc.constant('success' as const),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      ...common,
      type: fc.constant('shipment.update' as const),
      carrier: fc.constant('sf'),
      trackingNo: fc.constantFrom('SF1', 'SF2'),
      state: fc.constantFrom('collected' as const, 'in_transit' as const),
    }),
  },
);
const batchesArb = fc.array(fc.array(eventArb, { minLength: 1, maxLength: 12 }), {
  minLength: 1,
  maxLength: 4,
});

describe.each(STORE_KINDS)('the batch fold of 0069 against 0067 on %s', (kind) => {
  let current: TestDatabase;
  let previous: TestDatabase;

  beforeAll(async () => {
    current = await openTestDatabase(kind);
    previous = await openTestDatabase(kind);
    const sql = readFileSync(MIGRATION_0067, 'utf8');
    await previous.db.query(
      sql.slice(sql.indexOf('CREATE FUNCTION')).replace('CREATE FUNCTION', 'CREATE OR REPLACE FUNCTION'),
    );
  });

  afterAll(async () => {
    await current?.dispose();
    await previous?.dispose();
  });

  it('stores the same order rows for the same batches', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(batchesArb, async (batches) => {
        run += 1;
        // Each run has orders, waybills, payments and ids of its own.
        const prefix = `r${run}-`;
        const rows: unknown[][] = [];
        for (const store of [current, previous]) {
          let n = 0;
          for (const batch of batches) {
            const events = batch.map((e) => {
              const event = { ...e, id: `${prefix}${n++}`, orderId: `${prefix}${e.orderId}` } as OrderEvent;
              if (event.type === 'payment.notify') event.transactionId = `${prefix}${event.transactionId}`;
              if (event.type === 'shipment.update') event.trackingNo = `${prefix}${event.trackingNo}`;
              return event;
            });
            events.sort((a, b) => (eventKey(a) < eventKey(b) ? -1 : 1));
            await ingestBatch(store.db, events, T0 + 3_600_000);
          }
          const { rows: orders } = await store.db.query(
            'SELECT * FROM orders WHERE order_id LIKE $1 ORDER BY order_id',
            [`${prefix}%`],
          );
          rows.push(orders);
        }
        expect(rows[0]!.length).toBeGreaterThan(0);
        expect(rows[0]).toEqual(rows[1]);
      }),
      { numRuns: 100 },
    );
  });
});
