// GET /v1/shipments?risk=&store_id=&carrier=&limit= (viewer): shipments with risk and reasons.
import type { FastifyInstance } from 'fastify';
import { listShipmentRisks } from '../../../carriers/shipment-risk-list.ts';
import { ShipmentsList, ShipmentsQuery } from '../../../wire/shipments.ts';
import { authorize } from '../../auth.ts';
import type { AppContext } from '../../context.ts';
import { errorResponses } from '../../route-schema.ts';

export async function shipmentsRoutes(
  app: FastifyInstance,
  { ctx, now = Date.now }: { ctx: AppContext; now?: () => number },
): Promise<void> {
  app.get<{ Querystring: ShipmentsQuery }>(
    '/v1/shipments',
    {
      schema: {
        tags: ['shipments'],
        summary: 'Shipments with their risk and its reasons, riskiest first',
        querystring: ShipmentsQuery,
        response: { 200: ShipmentsList, ...errorResponses(400, 401, 403, 429, 503) },
      },
    },
    async (request): Promise<ShipmentsList> => {
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
