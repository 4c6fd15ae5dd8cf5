// Traffic that gives every dashboard panel something to show.
import type { OrderEvent } from '../../src/domain/events.ts';

/** Three stores over the last few days: orders, callbacks (one missing), a long-silent waybill. */
export function sampleTraffic(now: number): OrderEvent[] {
  const events: OrderEvent[] = [];
  let n = 0;
  for (let i = 0; i < 60; i += 1) {
    const storeId = `store-${i % 3}`;
    const orderId = `o-${i}`;
    const created = now - (i % 20) * 3_600_000 - (i % 7) * 86_400_000 - 600_000;
    const common = { source: 'pos', orderId, storeId };
    events.push({
      ...common,
      type: 'order.status',
      id: `e${n++}`,
      occurredAt: created,
      status: 'created',
      amountFen: 990,
    });
    events.push({
      ...common,
      type: 'order.status',
      id: `e${n++}`,
      occurredAt: created + 60_000,
      status: 'paid',
      amountFen: 990,
    });
    if (i % 10 !== 0) {
      events.push({
        ...common,
        type: 'payment.notify',
        id: `e${n++}`,
        source: 'wechatpay',
        occurredAt: created + 55_000,
        provider: i % 2 ? 'wechatpay' : 'alipay',
        transactionId: `t-${i}`,
        amountFen: 990,
        status: 'success',
      });
    }
    events.push({
      ...common,
      type: 'shipment.update',
      id: `e${n++}`,
      source: 'kuaidi100',
      // a third of the waybills last heard of 3 days ago
      occurredAt: i % 3 === 0 ? now - 72 * 3_600_000 : created + 3_600_000,
      carrier: i % 2 ? 'sf' : 'zto',
      trackingNo: `w-${i}`,
      state: 'in_transit',
    });
  }
  return events;
}
