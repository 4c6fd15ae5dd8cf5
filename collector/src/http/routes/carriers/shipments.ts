// GET /v1/shipments?risk=&store_id=&carrier=&limit= (viewer): shipments with risk and reasons;
// GET /v1/shipments/{tracking_no}?carrier= (viewer): one, with what was done when its subscription ended.
import type { FastifyInstance } from 'fastify';
import { storeFilter } from '../../../auth/scope.ts';
import { getShipmentRisk, listShipmentRisks } from '../../../carriers/shipment-risk-list.ts';
import { getHealing, toWireSubscription } from '../../../carriers/subscription-healing-rows.ts';
import {
  ShipmentParams,
  ShipmentQuery,
  ShipmentReply,
  ShipmentsList,
  ShipmentsQuery,
} from '../../../wire/shipments.ts';
import { authorize } from '../../auth.ts';
import type { AppContext } from '../../context.ts';
import { errors } from '../../errors.ts';
import { errorResponses } from '../../route-schema.ts';
import { requireVisible, visibleTo } from '../../scope.ts';

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
      const principal = authorize(ctx.tokens, request, ['viewer']);
      const q = request.query;
      const stores = storeFilter(await visibleTo(ctx, principal), q.store_id);
      if (stores === undefined) return { shipments: [] };
      const shipments = await listShipmentRisks(
        ctx.db,
        {
          ...(q.risk !== undefined && { risk: q.risk }),
          ...stores,
          ...(q.carrier !== undefined && { carrier: q.carrier }),
          limit: q.limit ?? 200,
        },
        now(),
      );
      return { shipments };
    },
  );

  app.get<{ Params: ShipmentParams; Querystring: ShipmentQuery }>(
    '/v1/shipments/:tracking_no',
    {
      schema: {
        tags: ['shipments'],
        summary: 'One shipment with its risk, and what was done when its carrier subscription ended',
        params: ShipmentParams,
        querystring: ShipmentQuery,
        response: { 200: ShipmentReply, ...errorResponses(400, 401, 403, 404, 429, 503) },
      },
    },
    async (request): Promise<ShipmentReply> => {
      const principal = authorize(ctx.tokens, request, ['viewer']);
      const visible = await visibleTo(ctx, principal);
      const { tracking_no: trackingNo } = request.params;
      const item = await getShipmentRisk(ctx.db, trackingNo, request.query.carrier, now());
      if (!item) throw errors.notFound(`shipment ${trackingNo}`);
      requireVisible(visible, item.store_id, `shipment ${trackingNo}`, true);
      const healing = await getHealing(ctx.db, { carrier: item.carrier, trackingNo: item.tracking_no });
      return { shipment: { ...item, subscription: healing ? toWireSubscription(healing) : null } };
    },
  );
}
