// Everything carrier tracking adds to the app, as one plugin: the Kuaidi100 push endpoint, the
// shipments list, the binding of waybills on commit, and the poller's lifecycle.
import type { FastifyInstance } from 'fastify';
import type { CarrierMetrics } from '../../../carriers/carrier-ingest.ts';
import { CarrierTracking } from '../../../carriers/carrier-tracking.ts';
import type { AppContext } from '../../context.ts';
import { kuaidi100NotifyRoutes } from './kuaidi100-notify.ts';
import { shipmentsRoutes } from './shipments.ts';

export interface CarriersPluginOptions {
  ctx: AppContext;
  /** Tests pass a clock for the risk listing. */
  now?: () => number;
  /** The app's OrderPulseMetrics (it satisfies this): carrier updates by carrier and push/poll, with their age. */
  metrics?: CarrierMetrics;
}

export async function carriersPlugin(
  app: FastifyInstance,
  { ctx, now, metrics }: CarriersPluginOptions,
): Promise<void> {
  const carriers = new CarrierTracking({
    db: ctx.db,
    writer: ctx.writer,
    config: ctx.config,
    log: app.log,
    maxClockSkewMs: ctx.config.maxClockSkewMs,
    ...(metrics !== undefined && { metrics }),
    ...(now !== undefined && { now }),
  });
  await app.register(kuaidi100NotifyRoutes, { ctx, carriers });
  await app.register(shipmentsRoutes, { ctx, ...(now !== undefined && { now }) });
  app.addHook('onReady', async () => carriers.start());
  app.addHook('onClose', async () => carriers.stop());
}
