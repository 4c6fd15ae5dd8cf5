// The JSON Schema of one event on the wire, built with TypeBox: one declaration gives the validator
// and the static type, so they cannot disagree.
import { type Static, type TLiteral, type TUnion, Type } from '@sinclair/typebox';
import { ORDER_STATUSES, PAYMENT_PROVIDERS, PAYMENT_STATUSES, SHIPMENT_STATES } from '../../domain/events.ts';

const oneOf = <T extends readonly string[]>(values: T) =>
  Type.Union(values.map((v) => Type.Literal(v))) as unknown as TUnion<TLiteral<T[number]>[]>;

/** RFC 3339 date-time that carries an offset (`Z` or ±hh:mm); a bare local time is ambiguous. */
export const RFC3339_WITH_OFFSET =
  /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;

const common = {
  id: Type.String({ minLength: 1, maxLength: 128 }),
  occurred_at: Type.String({ minLength: 1, maxLength: 40 }),
  order_id: Type.String({ minLength: 1, maxLength: 64 }),
  store_id: Type.String({ minLength: 1, maxLength: 64 }),
};

export const OrderStatusWire = Type.Object({
  ...common,
  type: Type.Literal('order.status'),
  status: oneOf(ORDER_STATUSES),
  amount_fen: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })),
  region: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  channel: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })),
  carrier: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })),
  tracking_no: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  provider: Type.Optional(oneOf(PAYMENT_PROVIDERS)),
});

export const PaymentNotifyWire = Type.Object({
  ...common,
  type: Type.Literal('payment.notify'),
  provider: oneOf(PAYMENT_PROVIDERS),
  transaction_id: Type.String({ minLength: 1, maxLength: 64 }),
  amount_fen: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
  status: oneOf(PAYMENT_STATUSES),
});

export const ShipmentUpdateWire = Type.Object({
  ...common,
  type: Type.Literal('shipment.update'),
  carrier: Type.String({ minLength: 1, maxLength: 32 }),
  tracking_no: Type.String({ minLength: 1, maxLength: 64 }),
  state: oneOf(SHIPMENT_STATES),
  location: Type.Optional(Type.String({ maxLength: 256 })),
  destination_region: Type.Optional(Type.String({ maxLength: 64 })),
});

export type OrderStatusWire = Static<typeof OrderStatusWire>;
export type PaymentNotifyWire = Static<typeof PaymentNotifyWire>;
export type ShipmentUpdateWire = Static<typeof ShipmentUpdateWire>;
export type WireEvent = OrderStatusWire | PaymentNotifyWire | ShipmentUpdateWire;
