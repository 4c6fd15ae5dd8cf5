// The reconciliation results over HTTP: the pending pool and the stores' missing-order trends.
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.ts';
import { pendingRoutes } from './pending.ts';
import { storeTrendRoutes } from './store-trends.ts';

export async function reconciliationRoutes(
  app: FastifyInstance,
  {
    ctx,
    now = Date.now,
    onPendingResolved,
  }: { ctx: AppContext; now?: () => number; onPendingResolved?: () => void },
): Promise<void> {
  await app.register(pendingRoutes, {
    ctx,
    now,
    ...(onPendingResolved && { onResolved: onPendingResolved }),
  });
  await app.register(storeTrendRoutes, { ctx, now });
}
