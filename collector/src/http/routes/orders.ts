// GET /v1/orders: orders newest first, filtered and paged; GET /v1/orders/{order_id}: one order's
// state, timeline, payments, shipments and alerts.
import type { FastifyInstance } from 'fastify';
import { storeFilter } from '../../auth/scope.ts';
import { ORDER_STATUSES } from '../../domain/events.ts';
import { countOrdersByStatus, listOrders, type OrderListFilter } from '../../store/order-list.ts';
import { findOrder } from '../../store/orders.ts';
import { OrderListQuery, OrderPage } from '../../wire/order-list.ts';
import { OrderDetail, OrderParams } from '../../wire/orders.ts';
import { parseTime } from '../alert-filters.ts';
import { authorize } from '../auth.ts';
import type { AppContext } from '../context.ts';
import { errors } from '../errors.ts';
import { orderPositionText, parseOrderPosition } from '../list-cursors.ts';
import { requestLocale } from '../request-locale.ts';
import { BEARER, errorResponses, PROTECTED_ERRORS } from '../route-schema.ts';
import { requireVisible, visibleTo } from '../scope.ts';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export async function ordersRoutes(app: FastifyInstance, { ctx }: { ctx: AppContext }): Promise<void> {
  app.get<{ Querystring: OrderListQuery }>(
    '/v1/orders',
    {
      schema: {
        tags: ['orders'],
        summary:
          'Orders newest first (by latest event), filtered and keyset-paged; each row links its drill-down',
        security: BEARER,
        querystring: OrderListQuery,
        response: { 200: OrderPage, ...errorResponses(...PROTECTED_ERRORS) },
      },
    },
    async (request): Promise<OrderPage> => {
      const principal = authorize(ctx.tokens, request, ['viewer']);
      const q = request.query;
      const stores = storeFilter(await visibleTo(ctx, principal), q.store_id);
      const filter: OrderListFilter = {
        ...(q.status !== undefined && { statuses: parseOrderStatuses(q.status) }),
        // A store outside the caller's scope: a filter nothing matches, so the reply keeps its shape.
        ...(stores ?? { stores: [] }),
        ...(q.stalled !== undefined && { stalled: q.stalled }),
        ...(q.tag !== undefined && { tag: q.tag }),
        ...(q.from !== undefined && { from: parseTime('from', q.from) }),
        ...(q.to !== undefined && { to: parseTime('to', q.to) }),
      };
      const before = q.before === undefined ? undefined : parseOrderPosition(q.before);
      const rows = await listOrders(ctx.db, filter, {
        limit: q.limit + 1,
        ...(before !== undefined && { before }),
      });
      const page = rows.slice(0, q.limit);
      const last = page.at(-1);
      const counts = q.counts ? await countOrdersByStatus(ctx.db, filter) : undefined;
      return {
        orders: page.map((o) => ({
          order_id: o.orderId,
          store_id: o.storeId,
          status: o.status,
          amount_fen: o.amountFen,
          channel: o.channel,
          created_at: iso(o.createdAt),
          status_at: iso(o.statusAt),
          last_event_at: new Date(o.lastEventAt).toISOString(),
          stalled: o.stalled,
          open_alerts: o.openAlerts,
          tags: o.tags,
          href: `/v1/orders/${encodeURIComponent(o.orderId)}`,
        })),
        next_before:
          rows.length > q.limit && last
            ? orderPositionText({ lastEventAt: last.lastEventAt, orderId: last.orderId })
            : null,
        ...(counts !== undefined && { counts: { by_status: counts.byStatus, stalled: counts.stalled } }),
      };
    },
  );

  app.get<{ Params: OrderParams }>(
    '/v1/orders/:order_id',
    {
      schema: {
        tags: ['orders'],
        summary: 'One order: state, timeline by event time, payments, shipments, alerts',
        security: BEARER,
        params: OrderParams,
        response: { 200: OrderDetail, ...errorResponses(...PROTECTED_ERRORS, 404) },
      },
    },
    async (request) => {
      const principal = authorize(ctx.tokens, request, ['viewer']);
      const visible = await visibleTo(ctx, principal);
      const order = await findOrder(ctx.db, request.params.order_id, {
        locale: requestLocale(request),
        timeZone: ctx.config.timeZone,
      });
      const what = `order ${JSON.stringify(request.params.order_id)}`;
      if (!order) throw errors.notFound(what);
      requireVisible(visible, order.store_id, what, true);
      return order;
    },
  );
}

function parseOrderStatuses(text: string): string[] {
  const wanted = text.split(',').map((s) => s.trim());
  for (const s of wanted) {
    if (!(ORDER_STATUSES as readonly string[]).includes(s)) {
      throw errors.invalidRequest(
        `status must be one of ${ORDER_STATUSES.join(', ')} (comma-separated), got "${s}"`,
      );
    }
  }
  return wanted;
}
