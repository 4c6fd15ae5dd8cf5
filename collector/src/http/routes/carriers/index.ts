// The HTTP face of carrier tracking, as one plugin: the Kuaidi100 push endpoint and the shipments
// list. The tracking itself (binding on commit, the poller) runs in the core.
import type { FastifyInstance } from 'fastify';
import type { CarrierTracking } from '../../../carriers/carrier-tracking.ts';
import type { AppContext } from '../../context.ts';
import { kuaidi100NotifyRoutes } from './kuaidi100-notify.ts';
import { shipmentsRoutes } from './shipments.ts';

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
