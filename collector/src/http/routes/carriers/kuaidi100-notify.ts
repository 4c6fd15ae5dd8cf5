// POST /v1/notify/kuaidi100: the Kuaidi100 subscription push (form fields `param`, `sign`). The
// sign is the authentication; refused pushes are kept as dead letters. The documented reply goes
// out only after the checkpoints are committed, well within Kuaidi100's 20 s. Every refusal, the
// framework's too (oversize body, rate limit), answers in Kuaidi100's failure shape.
import type { FastifyError, FastifyInstance } from 'fastify';
import type { CarrierTracking } from '../../../carriers/carrier-tracking.ts';
import { Kuaidi100Error } from '../../../ingest/kuaidi100/errors.ts';
import { parseKuaidi100Push } from '../../../ingest/kuaidi100/push.ts';
import { KUAIDI100_PUSH_ACCEPTED, kuaidi100Refusal } from '../../../ingest/kuaidi100/reply.ts';
import { KUAIDI100_SOURCE } from '../../../ingest/kuaidi100/track-result.ts';
import { limitProviderEvents } from '../../../ingest/provider-event-limits.ts';
import { StoreUnavailableError } from '../../../store/database.ts';
import { Kuaidi100PushAccepted, Kuaidi100PushRefusal } from '../../../wire/provider-callbacks.ts';
import type { AppContext } from '../../context.ts';
import { ApiError, errors } from '../../errors.ts';

const ENDPOINT = '/v1/notify/kuaidi100';

/** Refusals thrown before the handler ran (body parsing, hooks such as rate limits), as ApiErrors. */
function frameworkRefusal(error: FastifyError & { status?: number }): ApiError | undefined {
  const status = error.statusCode ?? error.status;
  if (status === undefined || status < 400 || status >= 500) return undefined;
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return errors.tooLarge('the push is larger than 1 MiB');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return errors.unsupportedMediaType(undefined, 'the push has no usable content type');
  }
  if (status === 429) return errors.rateLimited(undefined, 'too many pushes; push again later');
  return errors.badRequest(status, error.message);
}

export async function kuaidi100NotifyRoutes(
  app: FastifyInstance,
  { ctx, carriers }: { ctx: AppContext; carriers: CarrierTracking },
): Promise<void> {
  // Read every body as text: the sign covers the raw form value, and anything refused is kept verbatim.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: 1024 * 1024 }, (_req, body, done) =>
    done(null, body),
  );

  app.setErrorHandler(async (error: FastifyError, request, reply) => {
    let refusal: ApiError;
    if (error instanceof ApiError) {
      refusal = error; // kept as a dead letter where it was raised
    } else {
      const framework = frameworkRefusal(error);
      if (error instanceof StoreUnavailableError) {
        refusal = errors.storeUnavailable();
      } else if (framework === undefined) {
        request.log.error({ err: error }, 'kuaidi100 push failed');
        refusal = errors.internal();
      } else {
        refusal = framework;
      }
      // A body refused before it was read is still recorded (without it); rate-limited pushes are
      // not, or the limit would stop nothing from reaching the disk.
      if (refusal.status !== 429 && refusal.status < 500) {
        await ctx
          .keepDeadLetters([
            {
              endpoint: ENDPOINT,
              source: KUAIDI100_SOURCE,
              reason: refusal.code,
              message: `${refusal.message} (content-length ${request.headers['content-length'] ?? 'unknown'})`,
              itemIndex: null,
              raw: typeof request.body === 'string' ? request.body : '',
            },
          ])
          .catch((err) => request.log.error({ err }, 'kuaidi100 refusal not kept as a dead letter'));
      }
    }
    if (refusal.retryAfter !== undefined) reply.header('Retry-After', String(refusal.retryAfter));
    return reply.code(refusal.status).send(kuaidi100Refusal(refusal.code, refusal.message));
  });

  // Response schemas only: the sign covers the raw form, so the body is never parsed by a schema.
  const schema = {
    tags: ['shipments'],
    summary: 'Kuaidi100 subscription push (form fields param and sign; authenticated by the sign)',
    // Every refusal answers in Kuaidi100's failure shape, whatever its status.
    response: { 200: Kuaidi100PushAccepted, '4xx': Kuaidi100PushRefusal, '5xx': Kuaidi100PushRefusal },
  };
  app.post(ENDPOINT, { schema }, async (request, reply) => {
    const raw = typeof request.body === 'string' ? request.body : '';
    const refuse = async (error: ApiError) => {
      await ctx.keepDeadLetters([
        {
          endpoint: ENDPOINT,
          source: KUAIDI100_SOURCE,
          reason: error.code,
          message: error.message,
          itemIndex: null,
          raw,
          // Kept before the sign is known to hold (or with no salt to check it): a preview only.
          authenticated: false,
        },
      ]);
      return error;
    };
    const salt = ctx.config.kuaidi100Salt;
    if (salt === undefined) {
      throw await refuse(errors.notConfigured('ORDERPULSE_KUAIDI100_SALT is not set; the push was kept'));
    }
    const form = new URLSearchParams(raw);
    let push: ReturnType<typeof parseKuaidi100Push>;
    try {
      push = parseKuaidi100Push(
        { param: form.get('param') ?? undefined, sign: form.get('sign') ?? undefined },
        salt,
      );
    } catch (error) {
      if (error instanceof Kuaidi100Error) throw await refuse(errors.providerRefusal(error));
      throw error;
    }
    const limited = limitProviderEvents(
      push.updates,
      { now: Date.now(), maxSkewMs: ctx.config.maxClockSkewMs },
      'ftime',
    );
    if (!limited.ok) throw await refuse(errors.invalidItem(limited.error, limited.message));
    const outcome = await carriers.handlePush(push);
    request.log.debug({ waybill: push.trackingNo, ...outcome }, 'kuaidi100 push stored');
    return reply.code(200).send(KUAIDI100_PUSH_ACCEPTED);
  });
}
