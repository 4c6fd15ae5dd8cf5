// The HTTP face of carrier tracking, as one plugin: the Kuaidi100 push endpoint and the shipments
// list. The tracking itself (binding on commit, the poller) runs in the core.
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../http/context.ts';
import { kuaidi100NotifyRoutes } from '../http/routes/kuaidi100-notify.ts';
import { shipmentsRoutes } from '../http/routes/shipments.ts';
import type { CarrierTracking } from './carrier-tracking.ts';

export interface CarriersPluginOptions {
  ctx: AppContext;
  carriers: CarrierTracking;
  /** Tests pass a clock for the risk listing. */
  now?: () => number;
}

export async function carriersPlugin(
  app: FastifyInstance,
  { ctx, carriers, now }: CarriersPluginOptions,
): Promise<void> {
  await app.register(kuaidi100NotifyRoutes, { ctx, carriers });
  await app.register(shipmentsRoutes, { ctx, ...(now !== undefined && { now }) });
}
