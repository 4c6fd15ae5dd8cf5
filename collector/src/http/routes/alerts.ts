// GET /v1/alerts, GET /v1/alerts/{id} and POST /v1/alerts/{id}/ack and /resolve.
import type { FastifyInstance } from 'fastify';
import type { AlertingService } from '../../alerting/alerting-service.ts';
import { storeFilter } from '../../auth/scope.ts';
import type { Alert } from '../../domain/alerts/alert.ts';
import { findAlert, listAlerts, toWireAlert } from '../../store/alerts.ts';
import { AlertActionBody, AlertList, AlertParams, AlertReply, AlertsQuery } from '../../wire/alerts.ts';
import { DEFAULT_STATUSES, parseStatuses } from '../alert-filters.ts';
import { authorize } from '../auth.ts';
import type { AppContext } from '../context.ts';
import { errors } from '../errors.ts';
import { requestLocale } from '../request-locale.ts';
import { BEARER, errorResponses, PROTECTED_ERRORS } from '../route-schema.ts';
import { requireVisible, visibleTo } from '../scope.ts';

const actionSchema = (summary: string) => ({
  tags: ['alerts'],
  summary,
  security: BEARER,
  params: AlertParams,
  body: AlertActionBody,
  response: { 200: AlertReply, ...errorResponses(...PROTECTED_ERRORS, 404, 409) },
});

export interface AlertRoutesOptions {
  ctx: AppContext;
  alerting: AlertingService;
}

export async function alertsRoutes(
  app: FastifyInstance,
  { ctx, alerting }: AlertRoutesOptions,
): Promise<void> {
  app.get<{ Querystring: AlertsQuery }>(
    '/v1/alerts',
    {
      schema: {
        tags: ['alerts'],
        summary: 'Alerts, newest first (by default the firing and acknowledged ones)',
        security: BEARER,
        querystring: AlertsQuery,
        response: { 200: AlertList, ...errorResponses(...PROTECTED_ERRORS) },
      },
    },
    async (request): Promise<AlertList> => {
      const principal = authorize(ctx.tokens, request, ['viewer']);
      const { status, rule, store_id, since, limit } = request.query;
      const stores = storeFilter(await visibleTo(ctx, principal), store_id);
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
      if (stores === undefined) return { alerts: [] };
      const alerts = await listAlerts(ctx.db, {
        statuses,
        limit,
        ...(rule !== undefined && { rule }),
        ...stores,
        ...(sinceMs !== undefined && { since: sinceMs }),
      });
      const reader = { locale: requestLocale(request), timeZone: ctx.config.timeZone };
      return {
        alerts: alerts.map((a) => toWireAlert(a, a.status !== 'resolved' && alerting.isSilenced(a), reader)),
      };
    },
  );

  // One alert, whatever its status: what a chat message's link opens on the on-call's phone.
  app.get<{ Params: AlertParams }>(
    '/v1/alerts/:id',
    {
      schema: {
        tags: ['alerts'],
        summary: 'One alert by id, resolved ones included',
        security: BEARER,
        params: AlertParams,
        response: { 200: AlertReply, ...errorResponses(...PROTECTED_ERRORS, 404) },
      },
    },
    async (request): Promise<AlertReply> => {
      const principal = authorize(ctx.tokens, request, ['viewer']);
      const visible = await visibleTo(ctx, principal);
      const alert = await findAlert(ctx.db, request.params.id);
      const what = `alert ${JSON.stringify(request.params.id)}`;
      if (!alert) throw errors.notFound(what);
      requireVisible(visible, alert.storeId, what);
      return { alert: toWireAlert(alert, alert.status !== 'resolved' && alerting.isSilenced(alert)) };
    },
  );

  // Acknowledging and resolving by hand differ only in what the service does and whether the reply
  // says the alert is silenced (the resolve reply never has).
  const action = (
    path: string,
    summary: string,
    act: AlertingService['resolve'],
    silenced?: (alert: Alert) => boolean,
  ) =>
    app.post<{ Params: AlertParams; Body: AlertActionBody | undefined }>(
      path,
      { schema: actionSchema(summary) },
      async (request): Promise<AlertReply> => {
        const principal = authorize(ctx.tokens, request, ['operator']);
        const visible = await visibleTo(ctx, principal);
        if (visible !== undefined) {
          // Another store's alert is not there for a scoped operator, to act on or to learn of.
          const alert = await findAlert(ctx.db, request.params.id);
          requireVisible(visible, alert?.storeId, `alert ${JSON.stringify(request.params.id)}`);
          if (!alert) throw errors.notFound(`alert ${JSON.stringify(request.params.id)}`);
        }
        const note = request.body?.note?.trim() || undefined;
        const result = await act(request.params.id, principal.name, note);
        if (!result.ok) throw ackError(result.reason, request.params.id);
        const reader = { locale: requestLocale(request), timeZone: ctx.config.timeZone };
        return { alert: toWireAlert(result.alert, silenced?.(result.alert), reader) };
      },
    );

  action(
    '/v1/alerts/:id/ack',
    'Acknowledge a firing alert (operators)',
    (id, actor, note) => alerting.acknowledge(id, actor, note),
    (alert) => alerting.isSilenced(alert),
  );
  // Operators may also close an alert by hand: a condition the collector cannot see end (a refund
  // settled by phone) would otherwise stay open.
  action('/v1/alerts/:id/resolve', 'Resolve an alert by hand (operators)', (id, actor, note) =>
    alerting.resolve(id, actor, note),
  );
}

function ackError(reason: 'not_found' | 'already_resolved' | 'not_firing', id: string) {
  if (reason === 'not_found') return errors.notFound(`alert ${JSON.stringify(id)}`);
  if (reason === 'already_resolved') return errors.conflict('the alert is already resolved');
  return errors.conflict("the alert is not firing yet (its condition has not held for the rule's `for`)");
}
