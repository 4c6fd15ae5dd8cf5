// GET /v1/reconciliation/stores?from=&to=: each store's daily missing-order rate, its devices, and
// the repeat offenders.
import type { FastifyInstance } from 'fastify';
import { storeBoundVisible } from '../../../auth/scope.ts';
import { localDayFn } from '../../../domain/reconciliation/local-day.ts';
import { trendsOfTotals } from '../../../domain/reconciliation/store-trends.ts';
import { DEFAULT_RULE_PARAMS } from '../../../domain/rules/params.ts';
import { storeTotalsInRange } from '../../../reconciliation/store-trend-queries.ts';
import { StoresReport, StoreTrendsQuery } from '../../../wire/store-trends.ts';
import { authorize } from '../../auth.ts';
import type { AppContext } from '../../context.ts';
import { errors } from '../../errors.ts';
import { errorResponses } from '../../route-schema.ts';
import { visibleTo } from '../../scope.ts';

const DAY_MS = 86_400_000;

export async function storeTrendRoutes(
  app: FastifyInstance,
  { ctx, now }: { ctx: AppContext; now: () => number },
) {
  app.get<{ Querystring: StoreTrendsQuery }>(
    '/v1/reconciliation/stores',
    {
      schema: {
        tags: ['reconciliation'],
        summary: "Each store's daily missing-order rate, its devices, and the chain's average",
        querystring: StoreTrendsQuery,
        response: { 200: StoresReport, ...errorResponses(400, 401, 403, 429, 503) },
      },
    },
    async (request): Promise<StoresReport> => {
      const principal = authorize(ctx.tokens, request, ['viewer']);
      const visible = await visibleTo(ctx, principal);
      const dayOf = localDayFn(ctx.config.timeZone);
      const to = request.query.to ?? dayOf(now());
      const from = request.query.from ?? dayOf(Date.parse(`${to}T12:00:00Z`) - 29 * DAY_MS);
      if (from > to) throw errors.invalidRequest('from must not be after to');
      const threshold = request.query.threshold ?? DEFAULT_RULE_PARAMS.reconciliation_mismatch.threshold;
      // A scoped caller's "chain" is its own stores: their rows, and the average over them.
      const totals = (await storeTotalsInRange(ctx.db, from, to, threshold)).filter((s) =>
        storeBoundVisible(visible, s.storeId),
      );
      const trends = trendsOfTotals(totals, {
        threshold,
        minDays: request.query.min_days,
      });
      return {
        from,
        to,
        threshold,
        min_days: request.query.min_days,
        stores: trends.stores.map((s) => ({
          store_id: s.storeId,
          flagged: s.flagged,
          days_flagged: s.daysFlagged,
          days: s.days.map((d) => ({
            day: d.day,
            payments: d.payments,
            orders: d.orders,
            missing: d.missing,
            unmatched_orders: d.unmatchedOrders,
            rate: d.rate,
          })),
          devices: s.devices.map((d) => ({
            device_id: d.deviceId,
            missing: d.missing,
            days_flagged: d.daysFlagged,
            flagged: d.flagged,
          })),
        })),
        chain: trends.chain,
      };
    },
  );
}
