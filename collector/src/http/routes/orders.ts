import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { findOrder } from '../../store/orders.ts';
import { authorize } from '../auth.ts';
import type { AppContext } from '../context.ts';
import { errors } from '../errors.ts';

const Params = Type.Object({ order_id: Type.String({ minLength: 1, maxLength: 64 }) });

export async function ordersRoutes(app: FastifyInstance, { ctx }: { ctx: AppContext }): Promise<void> {
  app.get<{ Params: Static<typeof Params> }>(
    '/v1/orders/:order_id',
    { schema: { params: Params } },
    async (request) => {
      authorize(ctx.tokens, request, ['viewer']);
      const order = await findOrder(ctx.db, request.params.order_id);
      if (!order) throw errors.notFound(`order ${JSON.stringify(request.params.order_id)}`);
      return order;
    },
  );
}
