// The order system's webhooks in the outbox, on both stores: queued before the payment is stored
// and not sent until it is, queued once however often the same payment is queued, sent signed
// once it is stored, and not sent once the order has moved on.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OrderStatusEvent, PaymentNotifyEvent } from '../../src/domain/events.ts';
import type { OrderSystemWebhookOutcome } from '../../src/metrics/orderpulse-metrics.ts';
import { ORDER_SYSTEM_RECEIVER, OrderSystemWebhooks } from '../../src/order-system/order-system-webhooks.ts';
import { LoopbackOrderSystem } from '../../src/simulator/order-system/loopback-order-system.ts';
import { ingestBatch } from '../../src/store/event-batch.ts';
import { openTestDatabase, STORE_KINDS, type TestDatabase } from '../support/test-database.ts';

const SECRET = 'outbox-test-secret-0123456789';
const T0 = Date.parse('2026-11-11T10:00:00Z');

const created: OrderStatusEvent = {
  type: 'order.status',
  id: 'c-1',
  source: 'shop',
  occurredAt: T0,
  orderId: 'W-1',
  storeId: 'S001',
  status: 'created',
};
const payment: PaymentNotifyEvent & { provider: 'alipay' } = {
  type: 'payment.notify',
  id: '2026000000000000000000000001',
  source: 'alipay-query',
  occurredAt: T0 + 20_000,
  orderId: 'W-1',
  storeId: 'S001',
  provider: 'alipay',
  transactionId: '2026000000000000000000000001',
  amountFen: 2500,
  status: 'success',
};

describe.each(STORE_KINDS)('order-system webhooks in the outbox on %s', (kind) => {
  let store: TestDatabase;
  let orderSystem: LoopbackOrderSystem;
  const clock = { now: T0 + 60_000 };
  const outcomes: OrderSystemWebhookOutcome[] = [];
  let webhooks: OrderSystemWebhooks;

  const rows = async () =>
    (
      await store.db.query<{ status: string; last_error: string | null }>(
        'SELECT status, last_error FROM notification_outbox WHERE receiver = $1',
        [ORDER_SYSTEM_RECEIVER],
      )
    ).rows;

  beforeAll(async () => {
    store = await openTestDatabase(kind);
    // No collector to report to: it answers 503 after checking the signature, so the row stays pending.
    orderSystem = new LoopbackOrderSystem({ secret: SECRET, now: () => clock.now });
    await orderSystem.listen();
    webhooks = new OrderSystemWebhooks({
      db: store.db,
      url: orderSystem.url,
      secret: SECRET,
      now: () => clock.now,
      metrics: { orderSystemWebhooks: { inc: ({ outcome }) => outcomes.push(outcome) } },
      pollIntervalMs: 0,
    });
    await ingestBatch(store.db, [created], T0);
  });
  afterAll(async () => {
    await webhooks?.stop();
    await orderSystem?.close();
    await store?.dispose();
  });

  it('waits for the payment to be stored, sends it signed, and not once the order moved on', async () => {
    await webhooks.queue(payment);
    await webhooks.queue(payment);
    await webhooks.worker.runOnce();
    expect(orderSystem.deliveries).toEqual([]);
    expect(await rows()).toEqual([
      { status: 'pending', last_error: expect.stringContaining('not stored yet') },
    ]);
    expect(outcomes).toEqual([]);

    await ingestBatch(store.db, [payment], clock.now);
    clock.now += 60_000;
    await webhooks.worker.runOnce();
    expect(orderSystem.deliveries).toEqual([
      expect.objectContaining({
        id: 'alipay-query:2026000000000000000000000001',
        idempotencyKey: 'alipay-query:2026000000000000000000000001',
        signatureOk: true,
        status: 503,
      }),
    ]);
    expect(outcomes).toEqual(['failed']);

    await ingestBatch(
      store.db,
      [{ ...created, id: 'p-1', status: 'paid', occurredAt: T0 + 90_000 }],
      clock.now,
    );
    clock.now += 60_000;
    await webhooks.worker.runOnce();
    expect(orderSystem.deliveries).toHaveLength(1);
    expect(outcomes).toEqual(['failed', 'already_applied']);
    expect(await rows()).toEqual([{ status: 'delivered', last_error: null }]);
  });
});
