// GET /v1/orders/{order_id}: current state, the timeline by event time, payments, shipments, alerts.
import { type Static, Type } from '@sinclair/typebox';
import { Alert } from './alerts.ts';
import { Nullable } from './nullable.ts';
import { ShipmentSubscription } from './shipments.ts';

export const OrderParams = Type.Object({ order_id: Type.String({ minLength: 1, maxLength: 64 }) });
export type OrderParams = Static<typeof OrderParams>;

/** An event of the order as ingested (the contract's snake_case fields) plus when it was received. */
export const TimelineEvent = Type.Object(
  {
    id: Type.Optional(Type.String()),
    type: Type.String({ description: '`order.status`, `payment.notify` or `shipment.update`' }),
    occurred_at: Type.String({ format: 'date-time' }),
    received_at: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: true },
);
export type TimelineEvent = Static<typeof TimelineEvent> & {
  status?: string;
  provider?: string;
  amount_fen?: number;
  transaction_id?: string;
  carrier?: string;
  tracking_no?: string;
  state?: string;
  location?: string;
};

export const OrderPayment = Type.Object({
  provider: Type.String(),
  transaction_id: Type.String(),
  status: Type.String(),
  amount_fen: Type.Integer(),
  occurred_at: Type.String({ format: 'date-time' }),
  /** Who told us: the provider's callback, or `<provider>-query` when OrderPulse asked the provider. */
  source: Type.String(),
});
export type OrderPayment = Static<typeof OrderPayment>;

export const OrderShipment = Type.Object({
  carrier: Type.String(),
  tracking_no: Type.String(),
  state: Type.String(),
  last_update_at: Type.String({ format: 'date-time' }),
  location: Nullable(Type.String()),
  destination_region: Nullable(Type.String()),
  returned_count: Type.Integer(),
  subscription: Nullable(ShipmentSubscription, {
    description: "what was done when Kuaidi100 ended the waybill's subscription; null while it runs",
  }),
});
export type OrderShipment = Static<typeof OrderShipment>;

export const OrderDetail = Type.Object({
  order_id: Type.String(),
  store_id: Type.String(),
  status: Nullable(Type.String()),
  amount_fen: Nullable(Type.Integer()),
  region: Nullable(Type.String()),
  channel: Nullable(Type.String()),
  created_at: Nullable(Type.String({ format: 'date-time' })),
  paid_at: Nullable(Type.String({ format: 'date-time' })),
  updated_at: Type.String({ format: 'date-time' }),
  timeline: Type.Array(TimelineEvent, { description: 'the latest events by event time, oldest first' }),
  timeline_total: Type.Integer({ minimum: 0, description: 'events naming the order' }),
  timeline_truncated: Type.Boolean(),
  payments: Type.Array(OrderPayment),
  shipments: Type.Array(OrderShipment),
  alerts: Type.Array(Alert),
  tags: Type.Array(Type.String(), { description: 'tags custom rules put on the order, sorted' }),
  awaiting_approval: Type.Boolean({
    description: 'an open alert of a rule with `requires_approval: true` waits for an operator to approve it',
  }),
  approved_by: Nullable(Type.String({ description: "the approver's token name (the acknowledgement)" })),
  approved_at: Nullable(Type.String({ format: 'date-time' })),
});
export type OrderDetail = Omit<Static<typeof OrderDetail>, 'timeline'> & { timeline: TimelineEvent[] };
