// POST /v1/notify/wechatpay and /v1/notify/alipay: the providers' own callbacks, authenticated by their
// signatures (no bearer token). A verified payment goes through the same group-commit writer as
// /v1/events and is answered only after commit; a retry is a duplicate by (source, id). Anything
// forged, stale or undecryptable is refused with 401/400 and kept as a dead letter — never a 5xx.
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../../config.ts';
import type { AppContext } from '../../http/context.ts';
import { errors } from '../../http/errors.ts';
import { alipayPublicKey } from '../../ingest/alipay/notify-signature.ts';
import { ALIPAY_SUCCESS_REPLY, AlipayNotifyVerifier } from '../../ingest/alipay/notify-verifier.ts';
import { limitProviderEvents } from '../../ingest/provider-event-limits.ts';
import { WechatPayNotifyVerifier, wechatpayFailureBody } from '../../ingest/wechatpay/notify-verifier.ts';
import { loadPlatformKeys } from '../../ingest/wechatpay/platform-keys.ts';

export interface NotifyVerifiers {
  wechatpay?: WechatPayNotifyVerifier;
  alipay?: AlipayNotifyVerifier;
}

/** Builds the verifiers the configuration allows; a provider without its secrets stays unconfigured. */
export function notifyVerifiersFromConfig(
  config: Pick<Config, 'wechatpay' | 'alipayPublicKeyPath' | 'alipayNotify'>,
  readFile: (path: string) => string = (path) => readFileSync(path, 'utf8'),
): NotifyVerifiers {
  const verifiers: NotifyVerifiers = {};
  const { apiV3Key, platformPublicKeyPath } = config.wechatpay;
  if (apiV3Key && platformPublicKeyPath) {
    verifiers.wechatpay = new WechatPayNotifyVerifier({
      apiV3Key,
      platformKeys: loadPlatformKeys(platformPublicKeyPath, readFile),
    });
  }
  if (config.alipayPublicKeyPath) {
    verifiers.alipay = new AlipayNotifyVerifier({
      publicKey: alipayPublicKey(readFile(config.alipayPublicKeyPath)),
      ...config.alipayNotify,
    });
  }
  return verifiers;
}

export interface NotifyRoutesOptions {
  ctx: AppContext;
  verifiers: NotifyVerifiers;
  now: () => number;
  /** Counts refusals (e.g. the dead-letter metric); reason is the machine code. */
  onRejected?: (provider: 'wechatpay' | 'alipay', reason: string) => void;
}

const notConfigured = errors.providerNotConfigured;

const MAX_NOTIFY_BYTES = 1024 * 1024;

export async function notifyRoutes(app: FastifyInstance, options: NotifyRoutesOptions): Promise<void> {
  const { ctx, verifiers, now } = options;
  const bounds = () => ({ now: now(), maxSkewMs: ctx.config.maxClockSkewMs });
  // Signatures cover the bytes as sent: keep every body raw, whatever it claims to be.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: MAX_NOTIFY_BYTES }, (_req, body, done) =>
    done(null, body),
  );

  const deadLetter = async (
    endpoint: string,
    provider: 'wechatpay' | 'alipay',
    reason: string,
    message: string,
    body: Buffer,
  ) => {
    await ctx.keepDeadLetters([
      // The signature did not hold: a preview with the exact bytes' length and SHA-256 is kept.
      { endpoint, source: provider, reason, message, itemIndex: null, raw: body, authenticated: false },
    ]);
    options.onRejected?.(provider, reason);
  };

  app.post('/v1/notify/wechatpay', async (request, reply) => {
    const verifier = verifiers.wechatpay;
    if (!verifier) throw notConfigured('wechatpay');
    const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const outcome = verifier.verify(request.headers, body, now());
    if (!outcome.ok) {
      await deadLetter('/v1/notify/wechatpay', 'wechatpay', outcome.error, outcome.message, body);
      return reply.code(outcome.status).send(wechatpayFailureBody(outcome));
    }
    if (outcome.kind === 'event') {
      const limited = limitProviderEvents([outcome.event], bounds(), 'success_time');
      if (!limited.ok) {
        await deadLetter('/v1/notify/wechatpay', 'wechatpay', limited.error, limited.message, body);
        return reply
          .code(400)
          .send({ error: limited.error, message: limited.message.slice(0, 64), code: 'FAIL' });
      }
      await ctx.writer.write([outcome.event]);
    }
    return reply.code(204).send();
  });

  app.post('/v1/notify/alipay', async (request, reply) => {
    const verifier = verifiers.alipay;
    if (!verifier) throw notConfigured('alipay');
    const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const outcome = verifier.verify(body, now());
    if (!outcome.ok) {
      await deadLetter('/v1/notify/alipay', 'alipay', outcome.error, outcome.message, body);
      return reply.code(outcome.status).send({ error: outcome.error, message: outcome.message });
    }
    if (outcome.kind === 'event') {
      const limited = limitProviderEvents([outcome.event], bounds(), 'gmt_payment/notify_time');
      if (!limited.ok) {
        await deadLetter('/v1/notify/alipay', 'alipay', limited.error, limited.message, body);
        return reply.code(400).send({ error: limited.error, message: limited.message });
      }
      await ctx.writer.write([outcome.event]);
    }
    // Exactly these 7 bytes, and only once stored: anything else makes Alipay retry.
    return reply.code(200).type('text/plain').send(ALIPAY_SUCCESS_REPLY);
  });
}
