// The pending pool over HTTP: list (viewer), resolve (operator, audited).
import type { FastifyInstance } from 'fastify';
import { storeBoundVisible, storeFilter } from '../../../auth/scope.ts';
import {
  getPending,
  listPending,
  type PendingItem,
  resolvePending,
  toWirePending,
} from '../../../reconciliation/pending-queries.ts';
import { appendAudit } from '../../../store/audit-log.ts';
import {
  BulkResolvePendingBody,
  BulkResolvePendingReply,
  PendingList,
  PendingListQuery,
  PendingParams,
  type PendingResolution,
  type PendingStatus,
  ResolvePendingBody,
  ResolvePendingReply,
} from '../../../wire/pending.ts';
import { authorize } from '../../auth.ts';
import type { AppContext } from '../../context.ts';
import { errors } from '../../errors.ts';
import { requestLocale } from '../../request-locale.ts';
import { errorResponses } from '../../route-schema.ts';
import { requireVisible, visibleTo } from '../../scope.ts';

const STATUSES: Record<PendingListQuery['status'], PendingStatus[]> = {
  // "open" is what still needs someone: new items and escalated ones
  open: ['open', 'escalated'],
  escalated: ['escalated'],
  resolved: ['resolved'],
  all: ['open', 'escalated', 'resolved'],
};

export async function pendingRoutes(
  app: FastifyInstance,
  { ctx, now, onResolved }: { ctx: AppContext; now: () => number; onResolved?: () => void },
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
      const principal = authorize(ctx.tokens, request, ['viewer']);
      const q = request.query;
      // A scoped caller sees its stores' items; an unmatched bill payment names no store, so not those.
      const stores = storeFilter(await visibleTo(ctx, principal), q.store_id) ?? { stores: [] };
      if (q.day !== undefined && !isCalendarDay(q.day)) {
        throw errors.invalidRequest(`day must be a calendar day YYYY-MM-DD, got "${q.day}"`);
      }
      // One more than asked tells whether a next page exists.
      const items = await listPending(ctx.db, {
        statuses: STATUSES[q.status],
        limit: q.limit + 1,
        ...(q.day !== undefined && { day: q.day }),
        ...stores,
        ...(q.kind !== undefined && { kind: q.kind }),
        ...(q.before_id !== undefined && { beforeId: q.before_id }),
      });
      const reader = { locale: requestLocale(request), timeZone: ctx.config.timeZone };
      const page = items.slice(0, q.limit);
      const last = page.at(-1);
      return {
        items: page.map((item) => toWirePending(item, reader)),
        next_before_id: items.length > q.limit && last ? last.id : null,
        time_zone: ctx.config.timeZone,
      };
    },
  );

  app.post<{ Body: BulkResolvePendingBody }>(
    '/v1/reconciliation/pending/resolve',
    {
      schema: {
        tags: ['reconciliation'],
        summary: 'Resolve several pending items with one resolution and note (operator; each audited)',
        body: BulkResolvePendingBody,
        response: { 200: BulkResolvePendingReply, ...errorResponses(400, 401, 403, 429, 503) },
      },
    },
    async (request) => {
      const principal = authorize(ctx.tokens, request, ['operator']);
      const visible = await visibleTo(ctx, principal);
      const { resolution, note } = request.body;
      let ids = [...new Set(request.body.ids.map(Number))];
      const hidden: number[] = [];
      if (visible !== undefined) {
        const allowed: number[] = [];
        for (const id of ids) {
          const item = await getPending(ctx.db, id);
          if (item && storeBoundVisible(visible, item.storeId)) allowed.push(id);
          else hidden.push(id);
        }
        ids = allowed;
      }
      const at = now();
      // One transaction: the items and their audit entries are kept together or not at all.
      const resolved = await ctx.db.transaction(async (tx) => {
        const done: PendingItem[] = [];
        for (const id of ids) {
          const item = await resolvePending(tx, id, resolution, note, principal.name, at);
          if (!item) continue;
          await appendAudit(tx, resolveAudit(at, principal.name, item, resolution, note, true));
          done.push(item);
        }
        return done;
      });
      const done = new Set(resolved.map((i) => i.id));
      const skipped: { id: string; reason: 'already_resolved' | 'not_found' }[] = hidden.map((id) => ({
        id: String(id),
        reason: 'not_found',
      }));
      for (const id of ids.filter((i) => !done.has(i))) {
        const existing = await getPending(ctx.db, id);
        skipped.push({
          id: String(id),
          reason: existing ? ('already_resolved' as const) : ('not_found' as const),
        });
      }
      const reader = { locale: requestLocale(request), timeZone: ctx.config.timeZone };
      return { items: resolved.map((item) => toWirePending(item, reader)), skipped };
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
      const visible = await visibleTo(ctx, principal);
      if (visible !== undefined)
        requireVisible(visible, (await getPending(ctx.db, id))?.storeId ?? null, `pending item ${id}`, true);
      const { resolution, note } = request.body;
      const at = now();
      const item = await ctx.db.transaction(async (tx) => {
        const resolved = await resolvePending(tx, id, resolution, note, principal.name, at);
        if (!resolved) return undefined;
        await appendAudit(tx, resolveAudit(at, principal.name, resolved, resolution, note, false));
        return resolved;
      });
      if (item) {
        onResolved?.();
        return {
          item: toWirePending(item, { locale: requestLocale(request), timeZone: ctx.config.timeZone }),
        };
      }
      const existing = await getPending(ctx.db, id);
      if (!existing) throw errors.notFound(`pending item ${id}`);
      throw errors.alreadyResolved(`pending item ${id} was already resolved (${existing.resolution})`);
    },
  );
}

function resolveAudit(
  at: number,
  actor: string,
  item: PendingItem,
  resolution: PendingResolution,
  note: string,
  bulk: boolean,
) {
  return {
    at,
    actor,
    action: 'reconciliation.resolve',
    target: `reconciliation-pending/${item.id}`,
    details: {
      resolution,
      note,
      kind: item.kind,
      item_key: item.itemKey,
      store_id: item.storeId,
      ...(bulk && { bulk: true }),
    },
  };
}

/** A real day of the calendar (2026-02-30 is not), which the store's date cast would refuse. */
function isCalendarDay(text: string): boolean {
  const ms = Date.parse(`${text}T00:00:00Z`);
  return !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 10) === text;
}
