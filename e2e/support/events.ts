// Wire-format events for injecting live data through the API.
let seq = 0;
const id = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${(seq++).toString(36)}`;

export const minutesAgo = (m: number, now = Date.now()) => new Date(now - m * 60_000).toISOString();

export function orderStatus(
  orderId: string,
  storeId: string,
  status: string,
  occurredAt: string,
  region = 'GD',
) {
  return {
    id: id('o'),
    type: 'order.status',
    occurred_at: occurredAt,
    order_id: orderId,
    store_id: storeId,
    status,
    amount_fen: 2800,
    region,
    channel: 'miniapp',
  };
}

export function payment(
  orderId: string,
  storeId: string,
  provider: 'wechatpay' | 'alipay',
  occurredAt: string,
) {
  return {
    id: id('p'),
    type: 'payment.notify',
    occurred_at: occurredAt,
    order_id: orderId,
    store_id: storeId,
    provider,
    transaction_id: id('tx'),
    amount_fen: 2800,
    status: 'success',
  };
}

export function shipment(
  orderId: string,
  storeId: string,
  carrier: string,
  state: string,
  occurredAt: string,
) {
  return {
    id: id('s'),
    type: 'shipment.update',
    occurred_at: occurredAt,
    order_id: orderId,
    store_id: storeId,
    carrier,
    tracking_no: `T-${orderId}`,
    state,
    location: '广州',
  };
}

/** A busy hour: orders created and paid in each of the last `minutes` minutes, with callbacks. */
export function busyHour(minutes: number, perMinute: number, now = Date.now()) {
  const out: object[] = [];
  for (let m = minutes; m >= 1; m--) {
    for (let i = 0; i < perMinute; i++) {
      const store = `S00${1 + ((m + i) % 3)}`;
      const order = `${store}-${m}-${i}`;
      const at = minutesAgo(m - 0.2 - i * 0.01, now);
      out.push(orderStatus(order, store, 'created', at, store === 'S003' ? 'ZJ' : 'GD'));
      out.push(payment(order, store, i % 2 ? 'alipay' : 'wechatpay', at));
      out.push(orderStatus(order, store, 'paid', at));
      out.push(orderStatus(order, store, 'picking', minutesAgo(m - 0.5, now)));
      if (i === 0) out.push(shipment(order, store, m % 2 ? 'SF' : 'ZTO', 'in_transit', at));
    }
  }
  return out;
}

/**
 * What the wall's "orders / min" figure should show at `now`: orders created in the newest
 * complete minute (optionally for one store).
 */
export function expectedOrdersPerMinute(events: object[], now: number, storeId?: string): number {
  const end = Math.floor(now / 60_000) * 60_000;
  return (events as { type: string; status?: string; store_id: string; occurred_at: string }[]).filter(
    (e) => {
      const at = Date.parse(e.occurred_at);
      return (
        e.type === 'order.status' &&
        e.status === 'created' &&
        (!storeId || e.store_id === storeId) &&
        at >= end - 60_000 &&
        at < end
      );
    },
  ).length;
}
