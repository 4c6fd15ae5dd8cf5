// POST /v1/notify/wechatpay and /v1/notify/alipay: the providers' own callbacks, authenticated by their
// signatures (no bearer token). A verified payment goes through the same group-commit writer as
// /v1/events and is answered only after commit; a retry is a duplicate by (source, id). Anything
// forged, stale or undecryptable is refused with 401/400 and kept as a dead letter — never a 5xx.
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { ALIPAY_SUCCESS_REPLY } from '../../../ingest/alipay/notify-verifier.ts';
import type { NotifyVerifiers } from '../../../ingest/notify-verifiers.ts';
import { limitProviderEvents } from '../../../ingest/provider-event-limits.ts';
import { wechatpayFailureBody } from '../../../ingest/wechatpay/notify-verifier.ts';
import { ApiErrorBody } from '../../../wire/errors.ts';
import { AlipayNotifyAccepted, WechatPayNotifyRefusal } from '../../../wire/provider-callbacks.ts';
import type { AppContext } from '../../context.ts';
import { errors } from '../../errors.ts';
import { errorResponses } from '../../route-schema.ts';

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

  // Response schemas only: a body schema would parse what the signature must see as sent.
  const wechatpaySchema = {
    tags: ['payments'],
    summary: 'WeChat Pay payment notification (signed by WeChat Pay, no bearer token)',
    response: {
      204: Type.Null({ description: 'stored (or not a payment event); WeChat Pay stops retrying' }),
      // the provider's shape for what the verifier refuses; the framework's own 400s keep the error body
      400: Type.Union([WechatPayNotifyRefusal, ApiErrorBody]),
      401: WechatPayNotifyRefusal,
      ...errorResponses(413, 415, 429, 503),
    },
  };
  app.post('/v1/notify/wechatpay', { schema: wechatpaySchema }, async (request, reply) => {
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
      await ctx.sink.write([outcome.event]);
    }
    return reply.code(204).send();
  });

  const alipaySchema = {
    tags: ['payments'],
    summary: 'Alipay payment notification (signed by Alipay, no bearer token)',
    response: {
      200: { ...AlipayNotifyAccepted, description: 'stored; text/plain `success` stops Alipay retrying' },
      ...errorResponses(400, 401, 413, 415, 429, 503),
    },
  };
  app.post('/v1/notify/alipay', { schema: alipaySchema }, async (request, reply) => {
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
      await ctx.sink.write([outcome.event]);
    }
    // Exactly these 7 bytes, and only once stored: anything else makes Alipay retry.
    return reply.code(200).type('text/plain').send(ALIPAY_SUCCESS_REPLY);
  });
}
