// Restart recovery reads event times back from orders, payments and shipments. Rows dated ahead of
// their receipt (stored before event times were bounded) must not come back as future last-heard or
// latest times: each is taken at most at its receipt (or, where the row keeps none, at the restart).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  lastNotifyPerProvider,
  openOrdersPage,
  openShipmentsPage,
} from '../../src/alerting/recovery-queries.ts';
import { EventWriter } from '../../src/store/event-writer.ts';
import { openTestDatabase, STORE_KINDS, type TestDatabase } from '../support/test-database.ts';

const HOUR = 3_600_000;
const YEAR_9999 = new Date(Date.UTC(9999, 0, 1)).toISOString();

describe.each(STORE_KINDS)('restore of future-dated rows on %s', (kind) => {
  let store: TestDatabase;
  beforeAll(async () => {
    store = await openTestDatabase(kind);
  });
  afterAll(() => store.dispose());

  it('takes a provider as last heard at most when its latest notification arrived', async () => {
    const now = Date.now();
    const writer = new EventWriter(store.db, {
      maxBatchEvents: 100,
      queueLimit: 1000,
      now: () => now - HOUR,
    });
    await writer.write([
      {
        type: 'payment.notify',
        id: 'legit',
        source: 'wechatpay',
        occurredAt: now - HOUR,
        orderId: 'R1',
        storeId: 's1',
        provider: 'wechatpay',
        transactionId: 'tx-legit',
        amountFen: 100,
        status: 'success',
      },
    ]);
    await writer.close();
    // A notification dated 9999 that arrived half an hour ago, as an unbounded ingest stored it.
    const receivedAt = new Date(now - HOUR / 2).toISOString();
    await store.db.query(
      `INSERT INTO events (source, id, type, occurred_at, received_at, order_id, store_id, payload)
       VALUES ('wechatpay', 'future', 'payment.notify', $1, $2, 'R2', 's1', '{}')`,
      [YEAR_9999, receivedAt],
    );
    await store.db.query(
      `INSERT INTO payments (provider, transaction_id, status, order_id, store_id, amount_fen, occurred_at, source, event_id)
       VALUES ('wechatpay', 'tx-future', 'success', 'R2', 's1', 100, $1, 'wechatpay', 'future')`,
      [YEAR_9999],
    );
    expect((await lastNotifyPerProvider(store.db)).wechatpay).toBe(Date.parse(receivedAt));
  });

  it('takes an order row dated ahead back at its last commit, and a shipment row at the restart', async () => {
    await store.db.query(
      `INSERT INTO orders (order_id, store_id, status, status_at, status_rank, created_at, first_seen_at, last_event_at, updated_at)
       VALUES ('F1', 's1', 'created', $1, 0, $1, $1, $1, $2)`,
      [YEAR_9999, new Date(Date.now() - HOUR).toISOString()],
    );
    await store.db.query(
      `INSERT INTO shipments (carrier, tracking_no, order_id, store_id, state, last_update_at)
       VALUES ('sf', 'SF1', 'F1', 's1', 'in_transit', $1)`,
      [YEAR_9999],
    );
    const after = Date.now();
    const [order] = (await openOrdersPage(store.db, '', 0, 100)).filter((o) => o.orderId === 'F1');
    expect(order!.statusAt).toBeLessThan(after);
    expect(order!.createdAt).toBeLessThan(after);
    expect(order!.updatedAt).toBeLessThan(after);
    expect(order!.paidAt).toBeUndefined();
    const [shipment] = await openShipmentsPage(store.db, { carrier: '', trackingNo: '' }, 100);
    // now() of the store, not this process: an hour of leeway still tells it from 9999.
    expect(shipment!.lastUpdateAt).toBeLessThan(Date.now() + HOUR);
  });
});
