// Reads for GET /v1/orders/{order_id}: current state, the timeline by event time, payments, shipments.

import { getHealing, toWireSubscription } from '../carriers/subscription-healing-rows.ts';
import { DEFAULT_READER, type Reader } from '../messages/format-message.ts';
import type { Alert } from '../wire/alerts.ts';
import { alertsOfOrder, toWireAlert } from './alerts.ts';
import type { Queryable } from './database.ts';
import { tagsOfOrders } from './order-tags.ts';

export interface OrderView {
  order_id: string;
  store_id: string;
  status: string | null;
  amount_fen: number | null;
  region: string | null;
  channel: string | null;
  created_at: string | null;
  paid_at: string | null;
  updated_at: string;
  timeline: Record<string, unknown>[];
  /** How many events name the order; more than the timeline holds when it was cut. */
  timeline_total: number;
  /** The timeline holds only the last TIMELINE_LIMIT events by event time. */
  timeline_truncated: boolean;
  payments: Record<string, unknown>[];
  shipments: Record<string, unknown>[];
  alerts: Alert[];
  /** Tags custom rules put on the order, sorted. */
  tags: string[];
  /** Whether an open alert of a rule with `requires_approval` waits for an operator's approval. */
  awaiting_approval: boolean;
  /** The latest approval (acknowledgement of such an alert): who, by token name, and when. */
  approved_by: string | null;
  approved_at: string | null;
}

/**
 * Events shown per order: the latest by event time. An order system in a retry loop can send
 * tens of thousands for one order, and the whole list in one reply helps nobody.
 */
export const TIMELINE_LIMIT = 500;

const isoOrNull = (d: Date | null) => (d ? d.toISOString() : null);

/** The orders row as read: the view's own columns, with its times still Dates. */
type OrderRow = Pick<OrderView, 'order_id' | 'store_id' | 'status' | 'amount_fen' | 'region' | 'channel'> & {
  created_at: Date | null;
  paid_at: Date | null;
  status_at: Date | null;
  last_event_at: Date;
};

export async function findOrder(
  db: Queryable,
  orderId: string,
  reader: Reader = DEFAULT_READER,
): Promise<OrderView | undefined> {
  const { rows } = await db.query<OrderRow>(
    `SELECT order_id, store_id, status, amount_fen, region, channel, created_at, paid_at, status_at, last_event_at
     FROM orders WHERE order_id = $1`,
    [orderId],
  );
  const order = rows[0];
  if (!order) return undefined;
  const [timeline, payments, shipments] = [
    await db.query<{ payload: Record<string, unknown>; received_at: Date; total: number }>(
      `SELECT payload, received_at, count(*) OVER () AS total FROM events WHERE order_id = $1
       ORDER BY occurred_at DESC, received_at DESC, id DESC LIMIT $2`,
      [orderId, TIMELINE_LIMIT],
    ),
    await db.query<Record<string, unknown>>(
      `SELECT provider, transaction_id, status, amount_fen, occurred_at, source FROM payments
       WHERE order_id = $1 ORDER BY occurred_at`,
      [orderId],
    ),
    await db.query<Record<string, unknown>>(
      `SELECT carrier, tracking_no, state, last_update_at, location, destination_region, returned_count
       FROM shipments WHERE order_id = $1 ORDER BY last_update_at`,
      [orderId],
    ),
  ];
  const approval = await approvalOfOrder(db, orderId);
  return {
    order_id: order.order_id,
    store_id: order.store_id,
    status: order.status,
    amount_fen: order.amount_fen,
    region: order.region,
    channel: order.channel,
    created_at: isoOrNull(order.created_at),
    paid_at: isoOrNull(order.paid_at),
    updated_at: (order.status_at ?? order.last_event_at).toISOString(),
    timeline: timeline.rows.map((r) => toWire(r.payload, r.received_at)).reverse(),
    timeline_total: Number(timeline.rows[0]?.total ?? 0),
    timeline_truncated: Number(timeline.rows[0]?.total ?? 0) > timeline.rows.length,
    payments: payments.rows,
    shipments: await withSubscriptions(db, shipments.rows),
    alerts: (await alertsOfOrder(db, orderId)).map((a) => toWireAlert(a, undefined, reader)),
    tags: (await tagsOfOrders(db, [orderId])).get(orderId) ?? [],
    ...approval,
  };
}

/** From the alerts of rules needing approval (labelled requires_approval): see 0017_order_tags.sql. */
async function approvalOfOrder(
  db: Queryable,
  orderId: string,
): Promise<Pick<OrderView, 'awaiting_approval' | 'approved_by' | 'approved_at'>> {
  const { rows } = await db.query<{
    awaiting: boolean;
    approved_by: string | null;
    approved_at: Date | null;
  }>(
    `SELECT bool_or(status IN ('pending', 'firing')) AS awaiting,
            (array_agg(acknowledged_by ORDER BY acknowledged_at DESC) FILTER (WHERE acknowledged_at IS NOT NULL))[1] AS approved_by,
            max(acknowledged_at) AS approved_at
     FROM alerts WHERE order_id = $1 AND labels ? 'requires_approval' AND labels->>'requires_approval' = 'true'`,
    [orderId],
  );
  const row = rows[0];
  return {
    awaiting_approval: row?.awaiting ?? false,
    approved_by: row?.approved_by ?? null,
    approved_at: isoOrNull(row?.approved_at ?? null),
  };
}

/** Each waybill with what was done if Kuaidi100 ended its subscription (an order has few waybills). */
async function withSubscriptions(
  db: Queryable,
  shipments: Record<string, unknown>[],
): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  for (const s of shipments) {
    const healing = await getHealing(db, { carrier: String(s.carrier), trackingNo: String(s.tracking_no) });
    out.push({ ...s, subscription: healing ? toWireSubscription(healing) : null });
  }
  return out;
}

/** The stored domain event back in the contract's snake_case wire shape. */
function toWire(payload: Record<string, unknown>, receivedAt: Date): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(payload)) {
    if (k === 'occurredAt') out.occurred_at = new Date(v as number).toISOString();
    else out[k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)] = v;
  }
  out.received_at = receivedAt.toISOString();
  return out;
}
