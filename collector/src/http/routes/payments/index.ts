// The payment providers' side of the API: their signed callbacks and their bill files. Each part is its
// own encapsulated plugin because they read bodies differently (raw bytes, a stream).
import type { FastifyInstance } from 'fastify';
import type { StoreReconciliationResult } from '../../../domain/reconciliation/match-bill.ts';
import { type NotifyVerifiers, notifyVerifiersFromConfig } from '../../../ingest/notify-verifiers.ts';
import { PlatformKeyWatch } from '../../../ingest/wechatpay/platform-key-watch.ts';
import type { AppContext } from '../../context.ts';
import { billRoutes } from './bills.ts';
import { notifyRoutes } from './notify.ts';

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
  if (verifiers.wechatpay) {
    const watch = new PlatformKeyWatch({
      keys: verifiers.wechatpay.platformKeys,
      now,
      warn: (message) => app.log.warn({ provider: 'wechatpay' }, message),
      publishCertificates: (certificates) => ctx.metrics.wechatpayPlatformCertificates(certificates),
    });
    ctx.readiness.push(watch.readiness);
    app.addHook('onReady', async () => watch.start());
    app.addHook('onClose', async () => watch.stop());
  }
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
}
