// Migration 0070 on rows an unbounded ingest left dated 9999: afterwards later events move the
// order and the shipment on again, and the payment no longer lies in the future.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OrderEvent } from '../../src/domain/events.ts';
import { EventWriter } from '../../src/store/event-writer.ts';
import { readMigrations } from '../../src/store/migrate.ts';
import { openTestDatabase, STORE_KINDS, type TestDatabase } from '../support/test-database.ts';

const HOUR = 3_600_000;
const YEAR_9999 = new Date(Date.UTC(9999, 0, 1)).toISOString();

describe.each(STORE_KINDS)('unpinning future event times on %s', (kind) => {
  let store: TestDatabase;
  beforeAll(async () => {
    store = await openTestDatabase(kind);
  });
  afterAll(() => store.dispose());

  it('brings each pinned time back to its receipt, so later events apply again', async () => {
    const receivedAt = new Date(Date.now() - HOUR).toISOString();
    await store.db.query(
      `INSERT INTO orders (order_id, store_id, status, status_at, status_rank, created_at, first_seen_at, last_event_at, updated_at)
       VALUES ('U1', 's1', 'created', $1, 0, $1, $1, $1, $2)`,
      [YEAR_9999, receivedAt],
    );
    await store.db.query(
      `INSERT INTO events (source, id, type, occurred_at, received_at, order_id, store_id, payload)
       VALUES ('wechatpay', 'u-pay', 'payment.notify', $1, $2, 'U1', 's1', '{}')`,
      [YEAR_9999, receivedAt],
    );
    await store.db.query(
      `INSERT INTO payments (provider, transaction_id, status, order_id, store_id, amount_fen, occurred_at, source, event_id)
       VALUES ('wechatpay', 'tx-u', 'success', 'U1', 's1', 100, $1, 'wechatpay', 'u-pay')`,
      [YEAR_9999],
    );
    await store.db.query(
      `INSERT INTO shipments (carrier, tracking_no, order_id, store_id, state, last_update_at)
       VALUES ('sf', 'SFU1', 'U1', 's1', 'in_transit', $1)`,
      [YEAR_9999],
    );
    const migration = (await readMigrations()).find((m) => m.version === 70);
    expect(migration?.name).toBe('0070_unpin_future_event_times');
    await store.db.query(migration!.sql);

    const { rows: payments } = await store.db.query<{ at: Date }>(
      "SELECT occurred_at AS at FROM payments WHERE transaction_id = 'tx-u'",
    );
    expect(payments[0]!.at.toISOString()).toBe(receivedAt);

    const now = Date.now();
    const later: OrderEvent[] = [
      {
        type: 'order.status',
        id: 'u-paid',
        source: 'oms',
        occurredAt: now,
        orderId: 'U1',
        storeId: 's1',
        status: 'paid',
      },
      {
        type: 'shipment.update',
        id: 'u-delivered',
        source: 'oms',
        occurredAt: now,
        orderId: 'U1',
        storeId: 's1',
        carrier: 'sf',
        trackingNo: 'SFU1',
        state: 'delivered',
      },
    ];
    const writer = new EventWriter(store.db, { maxBatchEvents: 100, queueLimit: 1000 });
    await writer.write(later);
    await writer.close();
    const { rows: orders } = await store.db.query<{ status: string }>(
      "SELECT status FROM orders WHERE order_id = 'U1'",
    );
    expect(orders[0]!.status).toBe('paid');
    const { rows: shipments } = await store.db.query<{ state: string }>(
      "SELECT state FROM shipments WHERE tracking_no = 'SFU1'",
    );
    expect(shipments[0]!.state).toBe('delivered');
  });
});
