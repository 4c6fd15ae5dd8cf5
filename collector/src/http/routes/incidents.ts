// GET /v1/incidents: recent payment-callback outages with their recovery by provider queries. A
// scoped token sees an outage only when it touched one of its stores' orders, and then only those
// orders' figures: a provider outage is nobody's store, but the orders it left waiting are.
import type { FastifyInstance } from 'fastify';
import type { OutageRecovery } from '../../domain/payment-queries/outage-recovery.ts';
import { outageRecoveries } from '../../provider-queries/outage-recoveries.ts';
import { type Incident, IncidentList, IncidentsQuery } from '../../wire/incidents.ts';
import { authorize } from '../auth.ts';
import type { AppContext } from '../context.ts';
import { errors } from '../errors.ts';
import { BEARER, errorResponses, PROTECTED_ERRORS } from '../route-schema.ts';
import { visibleTo } from '../scope.ts';

const DAY_MS = 86_400_000;
/** How many outages a scoped reply looks through for ones that touched its stores. */
const SCOPED_SCAN = 100;

/** Whether any order of the figures' stores is involved: awaiting, confirmed or queried. */
const touchesStores = (r: OutageRecovery) => r.awaitingPayment > 0 || r.queries.sent > 0;

export function incidentOf(r: OutageRecovery): Incident {
  return {
    kind: 'callback_silent',
    alert_id: r.alertId,
    provider: r.provider,
    started_at: new Date(r.from).toISOString(),
    ended_at: r.to === undefined ? null : new Date(r.to).toISOString(),
    open: r.open,
    awaiting_payment: r.awaitingPayment,
    confirmed_by_query: r.confirmedByQuery,
    applied: r.applied,
    remaining: r.remaining,
    still_awaiting: r.stillAwaiting,
    queries: r.queries,
  };
}

export async function incidentsRoutes(
  app: FastifyInstance,
  { ctx, now = Date.now }: { ctx: AppContext; now?: () => number },
): Promise<void> {
  app.get<{ Querystring: IncidentsQuery }>(
    '/v1/incidents',
    {
      schema: {
        tags: ['incidents'],
        summary:
          'Payment-callback outages (callback_silent), open or recent: orders confirmed by query, applied, remaining',
        security: BEARER,
        querystring: IncidentsQuery,
        response: { 200: IncidentList, ...errorResponses(...PROTECTED_ERRORS) },
      },
    },
    async (request): Promise<IncidentList> => {
      const principal = authorize(ctx.tokens, request, ['viewer']);
      const at = now();
      const since = request.query.since === undefined ? at - DAY_MS : Date.parse(request.query.since);
      if (Number.isNaN(since)) throw errors.invalidRequest('since must be an RFC 3339 time');
      const visible = await visibleTo(ctx, principal);
      const { limit } = request.query;
      if (visible === undefined) {
        const recoveries = await outageRecoveries(ctx.db, at, { resolvedSince: since, limit });
        return { incidents: recoveries.map(incidentOf) };
      }
      const recoveries = await outageRecoveries(ctx.db, at, {
        resolvedSince: since,
        limit: Math.max(limit, SCOPED_SCAN),
        stores: [...visible],
      });
      return { incidents: recoveries.filter(touchesStores).slice(0, limit).map(incidentOf) };
    },
  );
}
