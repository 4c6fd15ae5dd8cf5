// GET /v1/reconciliation/stores?from=&to=: each store's daily missing-order rate, its devices, and
// the repeat offenders.
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { localDayFn } from '../../domain/reconciliation/local-day.ts';
import { storeTrends } from '../../domain/reconciliation/store-trends.ts';
import { DEFAULT_RULE_PARAMS } from '../../domain/rules/params.ts';
import { authorize } from '../../http/auth.ts';
import type { AppContext } from '../../http/context.ts';
import { errors } from '../../http/errors.ts';
import { dailyDeviceCounts } from '../store-trend-queries.ts';

const DAY = '^\\d{4}-\\d{2}-\\d{2}$';
const Query = Type.Object({
  from: Type.Optional(Type.String({ pattern: DAY })),
  to: Type.Optional(Type.String({ pattern: DAY })),
  threshold: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  min_days: Type.Integer({ minimum: 1, maximum: 366, default: 2 }),
});

const DAY_MS = 86_400_000;

export async function storeTrendRoutes(
  app: FastifyInstance,
  { ctx, now }: { ctx: AppContext; now: () => number },
) {
  app.get<{ Querystring: Static<typeof Query> }>(
    '/v1/reconciliation/stores',
    { schema: { querystring: Query } },
    async (request) => {
      authorize(ctx.tokens, request, ['viewer']);
      const dayOf = localDayFn(ctx.config.timeZone);
      const to = request.query.to ?? dayOf(now());
      const from = request.query.from ?? dayOf(Date.parse(`${to}T12:00:00Z`) - 29 * DAY_MS);
      if (from > to) throw errors.invalidRequest('from must not be after to');
      const threshold = request.query.threshold ?? DEFAULT_RULE_PARAMS.reconciliation_mismatch.threshold;
      const trends = storeTrends(await dailyDeviceCounts(ctx.db, from, to), {
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
