// GET /v1/business-day: the collector's business day, so a browser in any time zone shows the same
// "today" and default ranges as the API's daily figures (days in ORDERPULSE_TZ).
import type { FastifyInstance } from 'fastify';
import { localDayFn, localDayRange } from '../../domain/reconciliation/local-day.ts';
import { BusinessDay } from '../../wire/business-day.ts';
import { authorize } from '../auth.ts';
import type { AppContext } from '../context.ts';
import { BEARER, errorResponses, PROTECTED_ERRORS } from '../route-schema.ts';

export async function businessDayRoutes(
  app: FastifyInstance,
  { ctx, now = Date.now }: { ctx: AppContext; now?: () => number },
): Promise<void> {
  app.get(
    '/v1/business-day',
    {
      schema: {
        tags: ['calendar'],
        summary: 'Today in ORDERPULSE_TZ, the day every daily figure and default range follows',
        security: BEARER,
        response: { 200: BusinessDay, ...errorResponses(...PROTECTED_ERRORS) },
      },
    },
    async (request): Promise<BusinessDay> => {
      authorize(ctx.tokens, request, ['viewer']);
      const timeZone = ctx.config.timeZone;
      const today = localDayFn(timeZone)(now());
      const [start, end] = localDayRange(today, timeZone);
      return {
        time_zone: timeZone,
        today,
        day_start: new Date(start).toISOString(),
        day_end: new Date(end).toISOString(),
      };
    },
  );
}
