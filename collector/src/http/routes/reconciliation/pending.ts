// The pending pool over HTTP: list (viewer), resolve (operator, audited).
import type { FastifyInstance } from 'fastify';
import {
  getPending,
  listPending,
  resolvePending,
  toWirePending,
} from '../../../reconciliation/pending-queries.ts';
import { appendAudit } from '../../../store/audit-log.ts';
import {
  PendingList,
  PendingListQuery,
  PendingParams,
  type PendingStatus,
  ResolvePendingBody,
  ResolvePendingReply,
} from '../../../wire/pending.ts';
import { authorize } from '../../auth.ts';
import type { AppContext } from '../../context.ts';
import { errors } from '../../errors.ts';
import { requestLocale } from '../../request-locale.ts';
import { errorResponses } from '../../route-schema.ts';

const STATUSES: Record<PendingListQuery['status'], PendingStatus[]> = {
  // "open" is what still needs someone: new items and escalated ones
  open: ['open', 'escalated'],
  escalated: ['escalated'],
  resolved: ['resolved'],
  all: ['open', 'escalated', 'resolved'],
};

export async function pendingRoutes(
  app: FastifyInstance,
  { ctx, now }: { ctx: AppContext; now: () => number },
) {
  app.get<{ Querystring: PendingListQuery }>(
    '/v1/reconciliation/pending',
    {
      schema: {
        tags: ['reconciliation'],
        summary: 'The pending pool: fuzzy matches and unmatched items, newest first',
        querystring: PendingListQuery,
        response: { 200: PendingList, ...errorResponses(400, 401, 403, 429, 503) },
      },
    },
    async (request) => {
      authorize(ctx.tokens, request, ['viewer']);
      const q = request.query;
      const items = await listPending(ctx.db, {
        statuses: STATUSES[q.status],
        limit: q.limit,
        ...(q.store_id !== undefined && { storeId: q.store_id }),
        ...(q.kind !== undefined && { kind: q.kind }),
        ...(q.before_id !== undefined && { beforeId: q.before_id }),
      });
      const reader = { locale: requestLocale(request), timeZone: ctx.config.timeZone };
      return { items: items.map((item) => toWirePending(item, reader)), time_zone: ctx.config.timeZone };
    },
  );

  app.post<{ Params: PendingParams; Body: ResolvePendingBody }>(
    '/v1/reconciliation/pending/:id/resolve',
    {
      schema: {
        tags: ['reconciliation'],
        summary: 'Resolve a pending item (operator; audited); escalate keeps it in the pool',
        params: PendingParams,
        body: ResolvePendingBody,
        response: { 200: ResolvePendingReply, ...errorResponses(400, 401, 403, 404, 409, 429, 503) },
      },
    },
    async (request) => {
      const principal = authorize(ctx.tokens, request, ['operator']);
      const id = Number(request.params.id);
      const { resolution, note } = request.body;
      const at = now();
      const item = await ctx.db.transaction(async (tx) => {
        const resolved = await resolvePending(tx, id, resolution, note, principal.name, at);
        if (!resolved) return undefined;
        await appendAudit(tx, {
          at,
          actor: principal.name,
          action: 'reconciliation.resolve',
          target: `reconciliation-pending/${id}`,
          details: {
            resolution,
            note,
            kind: resolved.kind,
            item_key: resolved.itemKey,
            store_id: resolved.storeId,
          },
        });
        return resolved;
      });
      if (item)
        return {
          item: toWirePending(item, { locale: requestLocale(request), timeZone: ctx.config.timeZone }),
        };
      const existing = await getPending(ctx.db, id);
      if (!existing) throw errors.notFound(`pending item ${id}`);
      throw errors.alreadyResolved(`pending item ${id} was already resolved (${existing.resolution})`);
    },
  );
}
