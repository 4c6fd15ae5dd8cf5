// GET /v1/alerts and POST /v1/alerts/{id}/ack, as the public contract names them.
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AlertingService } from '../../alerting/alerting-service.ts';
import type { AlertStatus } from '../../domain/alerts/alert.ts';
import { listAlerts, toWireAlert } from '../../store/alerts.ts';
import { authorize } from '../auth.ts';
import type { AppContext } from '../context.ts';
import { errors } from '../errors.ts';

const STATUSES: readonly AlertStatus[] = ['firing', 'acknowledged', 'resolved', 'pending'];
const DEFAULT_STATUSES: readonly AlertStatus[] = ['firing', 'acknowledged'];

const Query = Type.Object({
  /** One status or a comma-separated list; default firing and acknowledged. */
  status: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  rule: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  store_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  since: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
});

const Params = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
const AckBody = Type.Union([
  Type.Object({ note: Type.Optional(Type.String({ maxLength: 1000 })) }, { additionalProperties: false }),
  Type.Null(),
]);

export interface AlertRoutesOptions {
  ctx: AppContext;
  alerting: AlertingService;
}

export async function alertsRoutes(
  app: FastifyInstance,
  { ctx, alerting }: AlertRoutesOptions,
): Promise<void> {
  app.get<{ Querystring: Static<typeof Query> }>(
    '/v1/alerts',
    { schema: { querystring: Query } },
    async (request) => {
      authorize(ctx.tokens, request, ['viewer']);
      const { status, rule, store_id, since, limit } = request.query;
      const statuses = status === undefined ? DEFAULT_STATUSES : parseStatuses(status);
      let sinceMs: number | undefined;
      if (since !== undefined) {
        sinceMs = Date.parse(since);
        if (!/^\d{4}-\d\d-\d\dT/.test(since) || Number.isNaN(sinceMs)) {
          throw errors.invalidRequest(
            `since must be an RFC 3339 time such as 2025-11-11T08:00:00+08:00, got "${since}"`,
          );
        }
      }
      const alerts = await listAlerts(ctx.db, {
        statuses,
        limit,
        ...(rule !== undefined && { rule }),
        ...(store_id !== undefined && { storeId: store_id }),
        ...(sinceMs !== undefined && { since: sinceMs }),
      });
      return { alerts: alerts.map((a) => toWireAlert(a, a.status !== 'resolved' && alerting.isSilenced(a))) };
    },
  );

  app.post<{ Params: Static<typeof Params>; Body: Static<typeof AckBody> | undefined }>(
    '/v1/alerts/:id/ack',
    { schema: { params: Params, body: AckBody } },
    async (request) => {
      const principal = authorize(ctx.tokens, request, ['operator']);
      const note = request.body?.note?.trim() || undefined;
      const result = await alerting.acknowledge(request.params.id, principal.name, note);
      if (!result.ok) throw ackError(result.reason, request.params.id);
      return { alert: toWireAlert(result.alert, alerting.isSilenced(result.alert)) };
    },
  );

  // Operators may also close an alert by hand: a condition the collector cannot see end (a refund
  // settled by phone) would otherwise stay open.
  app.post<{ Params: Static<typeof Params>; Body: Static<typeof AckBody> | undefined }>(
    '/v1/alerts/:id/resolve',
    { schema: { params: Params, body: AckBody } },
    async (request) => {
      const principal = authorize(ctx.tokens, request, ['operator']);
      const note = request.body?.note?.trim() || undefined;
      const result = await alerting.resolve(request.params.id, principal.name, note);
      if (!result.ok) throw ackError(result.reason, request.params.id);
      return { alert: toWireAlert(result.alert) };
    },
  );
}

function ackError(reason: 'not_found' | 'already_resolved' | 'not_firing', id: string) {
  if (reason === 'not_found') return errors.notFound(`alert ${JSON.stringify(id)}`);
  if (reason === 'already_resolved') return errors.conflict('the alert is already resolved');
  return errors.conflict("the alert is not firing yet (its condition has not held for the rule's `for`)");
}

function parseStatuses(text: string): AlertStatus[] {
  const wanted = text.split(',').map((s) => s.trim());
  for (const s of wanted) {
    if (!STATUSES.includes(s as AlertStatus)) {
      throw errors.invalidRequest(
        `status must be firing, acknowledged or resolved (comma-separated), got "${s}"`,
      );
    }
  }
  return wanted as AlertStatus[];
}
