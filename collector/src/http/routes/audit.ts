// GET /v1/audit: operator actions and rule-set changes, newest first.
import type { FastifyInstance } from 'fastify';
import { listAudit, toWireAudit } from '../../store/audit-log.ts';
import { AuditList, AuditQuery } from '../../wire/audit.ts';
import { authorize } from '../auth.ts';
import type { AppContext } from '../context.ts';
import { BEARER, errorResponses, PROTECTED_ERRORS } from '../route-schema.ts';
import { visibleTo } from '../scope.ts';

export async function auditRoutes(app: FastifyInstance, { ctx }: { ctx: AppContext }): Promise<void> {
  app.get<{ Querystring: AuditQuery }>(
    '/v1/audit',
    {
      schema: {
        tags: ['audit'],
        summary: 'Operator actions and rule-set changes, newest first',
        security: BEARER,
        querystring: AuditQuery,
        response: { 200: AuditList, ...errorResponses(...PROTECTED_ERRORS) },
      },
    },
    async (request): Promise<AuditList> => {
      const principal = authorize(ctx.tokens, request, ['viewer']);
      const visible = await visibleTo(ctx, principal);
      const entries = await listAudit(ctx.db, {
        ...(visible !== undefined && { scope: { stores: [...visible].sort(), actor: principal.name } }),
        limit: request.query.limit,
        ...(request.query.before_id !== undefined && { beforeId: request.query.before_id }),
        ...(request.query.action !== undefined && { action: request.query.action }),
      });
      return { entries: entries.map(toWireAudit) };
    },
  );
}
