// GET /v1/shipments?risk=&store_id=&carrier=&limit= (viewer): shipments with risk and reasons.
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { listShipmentRisks } from '../../carriers/shipment-risk-list.ts';
import { authorize } from '../auth.ts';
import type { AppContext } from '../context.ts';

const Query = Type.Object({
  risk: Type.Optional(Type.Union([Type.Literal('low'), Type.Literal('medium'), Type.Literal('high')])),
  store_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  carrier: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
});

export async function shipmentsRoutes(
  app: FastifyInstance,
  { ctx, now = Date.now }: { ctx: AppContext; now?: () => number },
): Promise<void> {
  app.get<{ Querystring: Static<typeof Query> }>(
    '/v1/shipments',
    { schema: { querystring: Query } },
    async (request) => {
      authorize(ctx.tokens, request, ['viewer']);
      const q = request.query;
      const shipments = await listShipmentRisks(
        ctx.db,
        {
          ...(q.risk !== undefined && { risk: q.risk }),
          ...(q.store_id !== undefined && { storeId: q.store_id }),
          ...(q.carrier !== undefined && { carrier: q.carrier }),
          limit: q.limit ?? 200,
        },
        now(),
      );
      return { shipments };
    },
  );
}
