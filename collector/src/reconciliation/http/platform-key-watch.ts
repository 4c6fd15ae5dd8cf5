// Watches the WeChat Pay platform certificates' expiry: a warning in the log at start and twice a
// day while one is within 30 days of notAfter (or its expiry is unknown), the state in /readyz, and
// the seconds left as a metric. Expiry never makes the collector unready: the keys still verify
// the notifications signed before it, and a restart would not fix anything.
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../http/context.ts';
import { platformKeysExpiry } from '../../ingest/wechatpay/platform-key-expiry.ts';
import type { PlatformKeySet } from '../../ingest/wechatpay/platform-keys.ts';

const RECHECK_MS = 12 * 3_600_000;

export function watchPlatformKeyExpiry(
  app: FastifyInstance,
  { ctx, keys, now }: { ctx: AppContext; keys: PlatformKeySet; now: () => number },
): void {
  ctx.metrics.wechatpayPlatformCertificates(
    keys.keys.flatMap((k) =>
      k.serial !== undefined && k.notAfterMs !== undefined && !Number.isNaN(k.notAfterMs)
        ? [{ serial: k.serial, notAfterMs: k.notAfterMs }]
        : [],
    ),
  );
  ctx.readiness.push({
    name: 'wechatpay_platform_keys',
    check: async () => ({ ok: true, detail: platformKeysExpiry(keys.keys, now()) }),
  });
  const warn = () => {
    const expiry = platformKeysExpiry(keys.keys, now());
    for (const warning of expiry.warnings) app.log.warn({ provider: 'wechatpay' }, warning);
  };
  let timer: NodeJS.Timeout | undefined;
  app.addHook('onReady', async () => {
    warn();
    timer = setInterval(warn, RECHECK_MS);
    timer.unref();
  });
  app.addHook('onClose', async () => clearInterval(timer));
}
