// POST /v1/events: one event, a JSON array, or NDJSON. The 202 goes out after commit.
import type { FastifyInstance } from 'fastify';
import { ingestEvents, MAX_BODY_BYTES } from '../../ingest/events/ingest-events.ts';
import { IngestReply } from '../../wire/events.ts';
import { authorize } from '../auth.ts';
import type { AppContext } from '../context.ts';
import { errors } from '../errors.ts';
import { BEARER, errorResponses, PROTECTED_ERRORS } from '../route-schema.ts';

/** Bodies of content types we do not take are still read, so they can be kept as dead letters. */
class UnsupportedBody {
  constructor(readonly raw: string) {}
}

export async function eventsRoutes(app: FastifyInstance, { ctx }: { ctx: AppContext }): Promise<void> {
  app.removeAllContentTypeParsers();
  const asText = { parseAs: 'string' as const, bodyLimit: MAX_BODY_BYTES };
  app.addContentTypeParser(['application/json', 'application/x-ndjson'], asText, (_req, body, done) =>
    done(null, body),
  );
  app.addContentTypeParser('*', asText, (_req, body, done) =>
    done(null, new UnsupportedBody(body as unknown as string)),
  );

  const schema = {
    tags: ['events'],
    summary: 'Ingest events: one JSON event, a JSON array, or NDJSON; answered once committed',
    description:
      'Items are checked one by one; refused items are listed in `rejected` and kept as dead letters. ' +
      'At most 10000 events and 10 MiB a request.',
    security: BEARER,
    // No body schema: the body is read as text and checked item by item (the contract's event
    // fields), so one bad item never refuses the others.
    response: { 202: IngestReply, ...errorResponses(...PROTECTED_ERRORS, 413, 415) },
  };

  app.post('/v1/events', { schema }, async (request, reply) => {
    const principal = authorize(ctx.tokens, request, ['ingest']);
    const acknowledged = ctx.metrics.ingestAckSeconds.startTimer();
    const contentType = request.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
    if (request.body instanceof UnsupportedBody || request.body === undefined) {
      const error = errors.unsupportedMediaType(contentType);
      await ctx.keepDeadLetters([
        {
          endpoint: '/v1/events',
          source: principal.name,
          reason: error.code,
          message: error.message,
          itemIndex: null,
          raw: request.body instanceof UnsupportedBody ? request.body.raw : '',
          authenticated: true,
          ...(contentType !== undefined && { contentType }),
        },
      ]);
      throw error;
    }
    const outcome = await ingestEvents(
      { writer: ctx.sink, keepDeadLetters: ctx.keepDeadLetters },
      request.body as string,
      {
        ndjson: contentType === 'application/x-ndjson',
        source: principal.name,
        bounds: { now: Date.now(), maxSkewMs: ctx.config.maxClockSkewMs },
      },
    );
    switch (outcome.kind) {
      case 'invalid_body':
        throw errors.invalidBody(outcome.message);
      case 'too_many_events':
        throw errors.tooLarge(`a request may carry at most 10000 events, this one has ${outcome.count}`);
      case 'ok':
        for (const type of outcome.rejectedTypes) {
          ctx.metrics.ingestEvents.inc({ type, source: principal.name, outcome: 'rejected' });
        }
        acknowledged();
        return reply.code(202).send(outcome.reply);
    }
  });
}
