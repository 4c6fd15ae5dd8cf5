import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { listDeadLetters } from '../../store/dead-letters.ts';
import { authorize } from '../auth.ts';
import type { AppContext } from '../context.ts';

const Query = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
  before_id: Type.Optional(Type.Integer({ minimum: 1 })),
  reason: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
});

export async function deadLettersRoutes(app: FastifyInstance, { ctx }: { ctx: AppContext }): Promise<void> {
  app.get<{ Querystring: Static<typeof Query> }>(
    '/v1/dead-letters',
    { schema: { querystring: Query } },
    async (request) => {
      authorize(ctx.tokens, request, ['viewer']);
      const letters = await listDeadLetters(ctx.db, {
        limit: request.query.limit,
        ...(request.query.before_id !== undefined && { beforeId: request.query.before_id }),
        ...(request.query.reason !== undefined && { reason: request.query.reason }),
      });
      return {
        dead_letters: letters.map((l) => ({
          id: l.id,
          received_at: l.receivedAt,
          endpoint: l.endpoint,
          source: l.source,
          reason: l.reason,
          message: l.message,
          index: l.itemIndex,
          raw: l.raw,
        })),
      };
    },
  );
}
