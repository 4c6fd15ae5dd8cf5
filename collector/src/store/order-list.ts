// Reads for GET /v1/orders: a keyset page of orders newest first (by latest event), and the count
// per status. "Stalled" is what the rules already decided: an open order_stalled or
// payment_unapplied alert about the order.
import type { Queryable } from './database.ts';

const STALLING_RULES = ['order_stalled', 'payment_unapplied'];

export interface OrderListFilter {
  statuses?: readonly string[];
  storeId?: string;
  /** A scoped caller's stores: only these (see auth/scope.ts). */
  stores?: readonly string[];
  stalled?: boolean;
  /** Only orders a custom rule tagged so (order_tags). */
  tag?: string;
  /** Latest event at or after (epoch ms). */
  from?: number;
  /** Latest event before (epoch ms). */
  to?: number;
}

export interface OrderPosition {
  lastEventAt: number;
  orderId: string;
}

export interface OrderListRow {
  orderId: string;
  storeId: string;
  status: string | null;
  amountFen: number | null;
  channel: string | null;
  createdAt: number | null;
  statusAt: number | null;
  lastEventAt: number;
  stalled: boolean;
  openAlerts: number;
  tags: string[];
}

const OPEN_ALERTS = `SELECT count(*)::int AS n,
    (count(*) FILTER (WHERE al.rule = ANY($1::text[])))::int AS stalling
  FROM alerts al WHERE al.order_id = o.order_id AND al.status IN ('firing', 'acknowledged')`;

const STALLED = `EXISTS (SELECT 1 FROM alerts al WHERE al.order_id = o.order_id
  AND al.status IN ('firing', 'acknowledged') AND al.rule = ANY($1::text[]))`;

function whereSql(filter: OrderListFilter, values: unknown[], withStatus = true): string[] {
  const where: string[] = [];
  if (withStatus && filter.statuses !== undefined) {
    values.push(filter.statuses);
    where.push(`o.status = ANY($${values.length}::text[])`);
  }
  if (filter.storeId !== undefined) {
    values.push(filter.storeId);
    where.push(`o.store_id = $${values.length}`);
  }
  if (filter.stores !== undefined) {
    values.push(filter.stores);
    where.push(`o.store_id = ANY($${values.length}::text[])`);
  }
  if (filter.from !== undefined) {
    values.push(new Date(filter.from).toISOString());
    where.push(`o.last_event_at >= $${values.length}`);
  }
  if (filter.to !== undefined) {
    values.push(new Date(filter.to).toISOString());
    where.push(`o.last_event_at < $${values.length}`);
  }
  if (filter.stalled !== undefined) where.push(filter.stalled ? STALLED : `NOT ${STALLED}`);
  if (filter.tag !== undefined) {
    values.push(filter.tag);
    where.push(`o.order_id IN (SELECT t.order_id FROM order_tags t WHERE t.tag = $${values.length})`);
  }
  return where;
}

export async function listOrders(
  q: Queryable,
  filter: OrderListFilter,
  page: { limit: number; before?: OrderPosition },
): Promise<OrderListRow[]> {
  const values: unknown[] = [STALLING_RULES];
  const where = whereSql(filter, values);
  if (page.before !== undefined) {
    values.push(new Date(page.before.lastEventAt).toISOString(), page.before.orderId);
    where.push(`(o.last_event_at, o.order_id) < ($${values.length - 1}::timestamptz, $${values.length})`);
  }
  values.push(page.limit);
  const { rows } = await q.query<{
    order_id: string;
    store_id: string;
    status: string | null;
    amount_fen: string | null;
    channel: string | null;
    created_at: Date | null;
    status_at: Date | null;
    last_event_at: Date;
    n: number;
    stalling: number;
    tags: string[] | null;
  }>(
    `SELECT o.order_id, o.store_id, o.status, o.amount_fen, o.channel, o.created_at, o.status_at, o.last_event_at,
            oa.n, oa.stalling,
            (SELECT array_agg(t.tag ORDER BY t.tag) FROM order_tags t WHERE t.order_id = o.order_id) AS tags
     FROM orders o CROSS JOIN LATERAL (${OPEN_ALERTS}) oa
     ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY o.last_event_at DESC, o.order_id DESC
     LIMIT $${values.length}`,
    values,
  );
  return rows.map((r) => ({
    orderId: r.order_id,
    storeId: r.store_id,
    status: r.status,
    amountFen: r.amount_fen === null ? null : Number(r.amount_fen),
    channel: r.channel,
    createdAt: r.created_at?.getTime() ?? null,
    statusAt: r.status_at?.getTime() ?? null,
    lastEventAt: r.last_event_at.getTime(),
    stalled: r.stalling > 0,
    openAlerts: r.n,
    tags: r.tags ?? [],
  }));
}

/**
 * Orders per status (null status as `none`) and how many are stalled, under the filters but status.
 * The stalled ones are counted from the open alerts (a few) rather than by probing every order.
 */
export async function countOrdersByStatus(
  q: Queryable,
  filter: OrderListFilter,
): Promise<{ byStatus: Record<string, number>; stalled: number }> {
  const values: unknown[] = [STALLING_RULES];
  const where = whereSql(filter, values, false);
  const byStatus: Record<string, number> = {};
  // $1 (the stalling rules) appears only when the stalled filter is set; naming it always keeps
  // PostgreSQL from refusing a parameter whose type it cannot tell.
  const perStatus = await q.query<{ status: string; n: number }>(
    `SELECT coalesce(o.status, 'none') AS status, count(*)::int AS n
     FROM orders o WHERE $1::text[] IS NOT NULL ${where.map((w) => `AND ${w}`).join(' ')}
     GROUP BY 1`,
    values,
  );
  for (const r of perStatus.rows) byStatus[r.status] = r.n;
  const stalled = await q.query<{ n: number }>(
    `SELECT count(DISTINCT o.order_id)::int AS n
     FROM alerts al JOIN orders o ON o.order_id = al.order_id
     WHERE al.status IN ('firing', 'acknowledged') AND al.rule = ANY($1::text[]) ${where.map((w) => `AND ${w}`).join(' ')}`,
    values,
  );
  return { byStatus, stalled: stalled.rows[0]?.n ?? 0 };
}
