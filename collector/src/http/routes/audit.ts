// GET /v1/audit: operator actions and rule-set changes, newest first.
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { listAudit, toWireAudit } from '../../store/audit-log.ts';
import { authorize } from '../auth.ts';
import type { AppContext } from '../context.ts';

const Query = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
  before_id: Type.Optional(Type.Integer({ minimum: 1 })),
  action: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
});

export async function auditRoutes(app: FastifyInstance, { ctx }: { ctx: AppContext }): Promise<void> {
  app.get<{ Querystring: Static<typeof Query> }>(
    '/v1/audit',
    { schema: { querystring: Query } },
    async (request) => {
      authorize(ctx.tokens, request, ['viewer']);
      const entries = await listAudit(ctx.db, {
        limit: request.query.limit,
        ...(request.query.before_id !== undefined && { beforeId: request.query.before_id }),
        ...(request.query.action !== undefined && { action: request.query.action }),
      });
      return { entries: entries.map(toWireAudit) };
    },
  );
}
