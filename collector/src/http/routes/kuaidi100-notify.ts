// POST /v1/notify/kuaidi100: the Kuaidi100 subscription push (form fields `param`, `sign`). The
// sign is the authentication; refused pushes are kept as dead letters. The documented reply goes
// out only after the checkpoints are committed, well within Kuaidi100's 20 s.
import type { FastifyInstance } from 'fastify';
import type { CarrierTracking } from '../../carriers/carrier-tracking.ts';
import { Kuaidi100Error } from '../../ingest/kuaidi100/errors.ts';
import { parseKuaidi100Push } from '../../ingest/kuaidi100/push.ts';
import { KUAIDI100_PUSH_ACCEPTED } from '../../ingest/kuaidi100/reply.ts';
import { KUAIDI100_SOURCE } from '../../ingest/kuaidi100/track-result.ts';
import { limitProviderEvents } from '../../ingest/provider-event-limits.ts';
import type { AppContext } from '../context.ts';
import { ApiError } from '../errors.ts';

const ENDPOINT = '/v1/notify/kuaidi100';

export async function kuaidi100NotifyRoutes(
  app: FastifyInstance,
  { ctx, carriers }: { ctx: AppContext; carriers: CarrierTracking },
): Promise<void> {
  // Read every body as text: the sign covers the raw form value, and anything refused is kept verbatim.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: 1024 * 1024 }, (_req, body, done) =>
    done(null, body),
  );

  app.post(ENDPOINT, async (request, reply) => {
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
        },
      ]);
      return error;
    };
    const salt = ctx.config.kuaidi100Salt;
    if (salt === undefined) {
      throw await refuse(
        new ApiError(
          503,
          'not_configured',
          'ORDERPULSE_KUAIDI100_SALT is not set; the push was kept',
          undefined,
          60,
        ),
      );
    }
    const form = new URLSearchParams(raw);
    let push: ReturnType<typeof parseKuaidi100Push>;
    try {
      push = parseKuaidi100Push(
        { param: form.get('param') ?? undefined, sign: form.get('sign') ?? undefined },
        salt,
      );
    } catch (error) {
      if (error instanceof Kuaidi100Error)
        throw await refuse(new ApiError(error.status, error.code, error.message));
      throw error;
    }
    const limited = limitProviderEvents(
      push.updates,
      { now: Date.now(), maxSkewMs: ctx.config.maxClockSkewMs },
      'ftime',
    );
    if (!limited.ok) throw await refuse(new ApiError(400, limited.error, limited.message));
    const outcome = await carriers.handlePush(push);
    request.log.debug({ waybill: push.trackingNo, ...outcome }, 'kuaidi100 push stored');
    return reply.code(200).send(KUAIDI100_PUSH_ACCEPTED);
  });
}
