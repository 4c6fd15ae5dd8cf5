// Everything reconciliation adds to the HTTP API, as one plugin for app.ts to register. Each part is its own
// encapsulated plugin because they read bodies differently (raw bytes, a stream, JSON).
import type { FastifyInstance } from 'fastify';
import type { StoreReconciliationResult } from '../../domain/reconciliation/match-bill.ts';
import type { AppContext } from '../../http/context.ts';
import { billRoutes } from './bill-routes.ts';
import { type NotifyVerifiers, notifyRoutes, notifyVerifiersFromConfig } from './notify-routes.ts';
import { pendingRoutes } from './pending-routes.ts';
import { watchPlatformKeyExpiry } from './platform-key-watch.ts';
import { storeTrendRoutes } from './store-trend-routes.ts';

export interface PaymentsPluginOptions {
  ctx: AppContext;
  now?: () => number;
  /** Defaults to the verifiers the config's provider secrets allow. */
  verifiers?: NotifyVerifiers;
  /** New per-store daily results after a bill import, e.g. for the reconciliation_mismatch rule. */
  onReconciled?: (results: StoreReconciliationResult[]) => void;
  onNotifyRejected?: (provider: 'wechatpay' | 'alipay', reason: string) => void;
}

export async function paymentsPlugin(app: FastifyInstance, options: PaymentsPluginOptions): Promise<void> {
  const { ctx } = options;
  const now = options.now ?? Date.now;
  const verifiers = options.verifiers ?? notifyVerifiersFromConfig(ctx.config);
  if (verifiers.wechatpay) watchPlatformKeyExpiry(app, { ctx, keys: verifiers.wechatpay.platformKeys, now });
  await app.register(notifyRoutes, {
    ctx,
    now,
    verifiers,
    ...(options.onNotifyRejected && { onRejected: options.onNotifyRejected }),
  });
  await app.register(billRoutes, {
    ctx,
    now,
    ...(options.onReconciled && { onReconciled: options.onReconciled }),
  });
  await app.register(pendingRoutes, { ctx, now });
  await app.register(storeTrendRoutes, { ctx, now });
}
