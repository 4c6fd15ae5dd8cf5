// `order.status` may say which provider takes the order's payment: the order row keeps the newest
// such report whatever order the reports arrive in, and the query planner then asks only that
// provider (`other`: nobody); an order that never said is asked at every configured provider.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OrderStatusEvent, PaymentProvider } from '../../src/domain/events.ts';
import { planQueries } from '../../src/domain/payment-queries/plan-queries.ts';
import { defaultQueryPolicy, QUERIED_PROVIDERS } from '../../src/domain/payment-queries/policy.ts';
import { awaitingOrders } from '../../src/provider-queries/attempt-queries.ts';
import { ingestBatch } from '../../src/store/event-batch.ts';
import { openTestDatabase, STORE_KINDS, type TestDatabase } from '../support/test-database.ts';

const T0 = Date.parse('2026-11-11T10:00:00Z');
const MINUTE = 60_000;
let counter = 0;

function created(order: string, at: number, provider?: PaymentProvider): OrderStatusEvent {
  return {
    type: 'order.status',
    id: `e-${++counter}`,
    source: 'shop',
    occurredAt: at,
    orderId: order,
    storeId: 'S001',
    status: 'created',
    ...(provider !== undefined && { provider }),
  };
}

describe.each(STORE_KINDS)('the payment provider of an order on %s', (kind) => {
  let store: TestDatabase;
  beforeAll(async () => {
    store = await openTestDatabase(kind);
  });
  afterAll(async () => {
    await store?.dispose();
  });

  it('keeps the newest report that names one, and the planner asks only that provider', async () => {
    // Each batch a commit of its own, the newer report first: arrival order must not decide.
    await ingestBatch(store.db, [created('P-WX', T0 + 1000, 'wechatpay')], T0);
    await ingestBatch(store.db, [created('P-WX', T0, 'alipay')], T0);
    await ingestBatch(store.db, [created('P-ALI', T0, 'wechatpay')], T0);
    await ingestBatch(store.db, [created('P-ALI', T0 + 2000, 'alipay')], T0);
    // A later report without a provider leaves the one named before.
    await ingestBatch(store.db, [created('P-ALI', T0 + 3000)], T0);
    await ingestBatch(store.db, [created('P-OTHER', T0, 'other')], T0);
    await ingestBatch(store.db, [created('P-ANY', T0)], T0);
    // Two reports of one order in one batch: the newer wins there too.
    await ingestBatch(
      store.db,
      [created('P-BATCH', T0 + 500, 'alipay'), created('P-BATCH', T0, 'wechatpay')],
      T0,
    );

    const orders = await awaitingOrders(store.db, T0 - MINUTE, 100);
    expect(Object.fromEntries(orders.map((o) => [o.orderId, o.provider ?? null]))).toEqual({
      'P-WX': 'wechatpay',
      'P-ALI': 'alipay',
      'P-OTHER': 'other',
      'P-ANY': null,
      'P-BATCH': 'alipay',
    });

    const { due } = planQueries(
      {
        now: T0 + 10 * MINUTE,
        orders,
        attempts: [],
        configured: new Set(QUERIED_PROVIDERS),
        silentSince: new Map(),
      },
      defaultQueryPolicy(),
    );
    const asked = (order: string) =>
      due
        .filter((q) => q.orderId === order)
        .map((q) => q.provider)
        .sort();
    expect(asked('P-WX')).toEqual(['wechatpay']);
    expect(asked('P-ALI')).toEqual(['alipay']);
    expect(asked('P-BATCH')).toEqual(['alipay']);
    expect(asked('P-OTHER')).toEqual([]);
    expect(asked('P-ANY')).toEqual(['alipay', 'wechatpay']);
  });
});
