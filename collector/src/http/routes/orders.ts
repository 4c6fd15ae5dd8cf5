// GET /v1/orders/{order_id}: one order's state, timeline, payments, shipments and alerts.
import type { FastifyInstance } from 'fastify';
import { findOrder } from '../../store/orders.ts';
import { OrderDetail, OrderParams } from '../../wire/orders.ts';
import { authorize } from '../auth.ts';
import type { AppContext } from '../context.ts';
import { errors } from '../errors.ts';
import { requestLocale } from '../request-locale.ts';
import { BEARER, errorResponses, PROTECTED_ERRORS } from '../route-schema.ts';

export async function ordersRoutes(app: FastifyInstance, { ctx }: { ctx: AppContext }): Promise<void> {
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
      authorize(ctx.tokens, request, ['viewer']);
      const order = await findOrder(ctx.db, request.params.order_id, {
        locale: requestLocale(request),
        timeZone: ctx.config.timeZone,
      });
      if (!order) throw errors.notFound(`order ${JSON.stringify(request.params.order_id)}`);
      return order;
    },
  );
}
