// GET /v1/orders: the orders newest first (by their latest event), filtered and keyset-paged, each
// row naming its drill-down (GET /v1/orders/{order_id}); optionally the count per status.
import { type Static, Type } from '@sinclair/typebox';
import { ORDER_STATUSES } from '../domain/events.ts';
import { Nullable } from './nullable.ts';

export const OrderListQuery = Type.Object({
  status: Type.Optional(
    Type.String({ minLength: 1, maxLength: 128, description: 'one order status or a comma-separated list' }),
  ),
  store_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  stalled: Type.Optional(
    Type.Boolean({
      description: 'true: only orders with an open `order_stalled` or `payment_unapplied` alert; false: none',
    }),
  ),
  tag: Type.Optional(
    Type.String({
      pattern: '^[a-z][a-z0-9_-]{0,31}$',
      description: 'only orders a custom rule tagged so (e.g. `priority`)',
    }),
  ),
  from: Type.Optional(
    Type.String({ minLength: 1, maxLength: 64, description: 'RFC 3339; latest event at or after it' }),
  ),
  to: Type.Optional(
    Type.String({ minLength: 1, maxLength: 64, description: 'RFC 3339; latest event before it' }),
  ),
  limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
  before: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 256,
      description: 'a `next_before` cursor from the previous page',
    }),
  ),
  counts: Type.Optional(
    Type.Boolean({
      description: 'also count the orders per status (and stalled) under the same filters but status',
    }),
  ),
});
export type OrderListQuery = Static<typeof OrderListQuery>;

export const OrderRow = Type.Object({
  order_id: Type.String(),
  store_id: Type.String(),
  status: Nullable(Type.String()),
  amount_fen: Nullable(Type.Integer()),
  channel: Nullable(Type.String()),
  created_at: Nullable(Type.String({ format: 'date-time' })),
  status_at: Nullable(Type.String({ format: 'date-time' })),
  last_event_at: Type.String({ format: 'date-time' }),
  stalled: Type.Boolean(),
  open_alerts: Type.Integer({ minimum: 0 }),
  tags: Type.Array(Type.String(), { description: 'tags custom rules put on the order, sorted' }),
  href: Type.String({ description: 'the drill-down, GET /v1/orders/{order_id}' }),
});
export type OrderRow = Static<typeof OrderRow>;

export const OrderStatusCounts = Type.Object({
  by_status: Type.Record(Type.String(), Type.Integer({ minimum: 0 }), {
    description: `every status of ${ORDER_STATUSES.join(', ')}, and \`none\` for orders seen only through payments or shipments`,
  }),
  stalled: Type.Integer({ minimum: 0 }),
});
export type OrderStatusCounts = Static<typeof OrderStatusCounts>;

export const OrderPage = Type.Object({
  orders: Type.Array(OrderRow),
  next_before: Nullable(Type.String()),
  counts: Type.Optional(OrderStatusCounts),
});
export type OrderPage = Static<typeof OrderPage>;
