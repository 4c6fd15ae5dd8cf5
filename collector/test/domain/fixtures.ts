// Event builders for the domain tests: plain data, injected time.
import type { OrderStatus, PaymentProvider, ShipmentState, StoredEvent } from '../../src/domain/events.ts';

export const T0 = Date.UTC(2026, 10, 11, 4, 0, 0); // 12:00 in Asia/Shanghai, a Wednesday
export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;

let seq = 0;

export function orderStatus(
  orderId: string,
  status: OrderStatus,
  at: number,
  extra: {
    storeId?: string;
    amountFen?: number;
    region?: string;
    carrier?: string;
    trackingNo?: string;
  } = {},
): StoredEvent {
  const { storeId = 'S1', ...rest } = extra;
  return {
    id: `e${++seq}`,
    source: 'oms',
    type: 'order.status',
    occurredAt: at,
    receivedAt: at,
    orderId,
    storeId,
    status,
    ...rest,
  };
}

export function payment(
  orderId: string,
  at: number,
  extra: { storeId?: string; provider?: PaymentProvider; status?: 'success' | 'refund' | 'closed' } = {},
): StoredEvent {
  return {
    id: `e${++seq}`,
    source: extra.provider ?? 'wechatpay',
    type: 'payment.notify',
    occurredAt: at,
    receivedAt: at,
    orderId,
    storeId: extra.storeId ?? 'S1',
    provider: extra.provider ?? 'wechatpay',
    transactionId: `tx-${orderId}`,
    amountFen: 1000,
    status: extra.status ?? 'success',
  };
}

export function carrierUpdate(
  orderId: string,
  trackingNo: string,
  state: ShipmentState,
  at: number,
  extra: { storeId?: string; location?: string; destinationRegion?: string; carrier?: string } = {},
): StoredEvent {
  return {
    id: `e${++seq}`,
    source: 'kuaidi100',
    type: 'shipment.update',
    occurredAt: at,
    receivedAt: at,
    orderId,
    storeId: extra.storeId ?? 'S1',
    carrier: extra.carrier ?? 'sf',
    trackingNo,
    state,
    ...(extra.location !== undefined ? { location: extra.location } : {}),
    ...(extra.destinationRegion !== undefined ? { destinationRegion: extra.destinationRegion } : {}),
  };
}
