// The event model of the ingest API. Times are epoch milliseconds once inside
// the domain; the wire carries RFC 3339 strings (converted at the ingest edge).

export const ORDER_STATUSES = [
  'created',
  'paid',
  'picking',
  'packed',
  'shipped',
  'delivered',
  'cancelled',
  'refunded',
  'closed',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export const PAYMENT_PROVIDERS = ['wechatpay', 'alipay', 'other'] as const;
export type PaymentProvider = (typeof PAYMENT_PROVIDERS)[number];

export const PAYMENT_STATUSES = ['success', 'refund', 'closed'] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

export const SHIPMENT_STATES = [
  'created',
  'collected',
  'in_transit',
  'out_for_delivery',
  'delivered',
  'rejected',
  'returned',
  'exception',
  'stuck',
] as const;
export type ShipmentState = (typeof SHIPMENT_STATES)[number];

export const EVENT_TYPES = ['order.status', 'payment.notify', 'shipment.update'] as const;

/** The source of a payment OrderPulse confirmed by asking the provider rather than being called. */
export function querySource(provider: PaymentProvider): string {
  return `${provider}-query`;
}

/**
 * Whether a payment came from asking the provider. It says nothing about the provider's callbacks
 * reaching us, so it must never make a silent provider look heard.
 */
export function isQueriedPayment(event: { provider: PaymentProvider; source: string }): boolean {
  return event.source === querySource(event.provider);
}
export type EventType = (typeof EVENT_TYPES)[number];

interface EventBase {
  /** Idempotency key within `source`. */
  id: string;
  /** Who sent it: the ingest token's name, or the provider for native callbacks. */
  source: string;
  /** Event time, epoch ms. State is decided by this, never by arrival. */
  occurredAt: number;
  orderId: string;
  storeId: string;
}

export interface OrderStatusEvent extends EventBase {
  type: 'order.status';
  status: OrderStatus;
  amountFen?: number;
  region?: string;
  channel?: string;
  /** A `shipped` event may bind a waybill to the order. */
  carrier?: string;
  trackingNo?: string;
  /** Who takes the order's payment: the provider queries ask only this one (`other`: none). */
  provider?: PaymentProvider;
}

export interface PaymentNotifyEvent extends EventBase {
  type: 'payment.notify';
  provider: PaymentProvider;
  transactionId: string;
  amountFen: number;
  status: PaymentStatus;
}

export interface ShipmentUpdateEvent extends EventBase {
  type: 'shipment.update';
  carrier: string;
  trackingNo: string;
  state: ShipmentState;
  location?: string;
  destinationRegion?: string;
  /** Provider-native state code and text (e.g. Kuaidi100 `status`/`context`), kept for the record. */
  providerCode?: string;
  providerText?: string;
}

export type OrderEvent = OrderStatusEvent | PaymentNotifyEvent | ShipmentUpdateEvent;

/** An event as committed to the store, with the time the collector received it. */
export type StoredEvent = OrderEvent & { receivedAt: number };
