// The pending pool over HTTP: list (viewer), resolve (operator, audited).
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { authorize } from '../../http/auth.ts';
import type { AppContext } from '../../http/context.ts';
import { errors } from '../../http/errors.ts';
import { appendAudit } from '../../store/audit-log.ts';
import {
  getPending,
  listPending,
  PENDING_KINDS,
  PENDING_RESOLUTIONS,
  type PendingResolution,
  type PendingStatus,
  resolvePending,
  toWirePending,
} from '../pending-queries.ts';

const Query = Type.Object({
  status: Type.Union(
    [Type.Literal('open'), Type.Literal('escalated'), Type.Literal('resolved'), Type.Literal('all')],
    {
      default: 'open',
    },
  ),
  store_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  kind: Type.Optional(Type.Union(PENDING_KINDS.map((k) => Type.Literal(k)))),
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
  before_id: Type.Optional(Type.Integer({ minimum: 1 })),
});

const Params = Type.Object({ id: Type.String({ pattern: '^[0-9]{1,18}$' }) });
const Body = Type.Object(
  {
    resolution: Type.Union(PENDING_RESOLUTIONS.map((r) => Type.Literal(r))),
    note: Type.String({ minLength: 1, maxLength: 2000 }),
  },
  { additionalProperties: false },
);

const STATUSES: Record<Static<typeof Query>['status'], PendingStatus[]> = {
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
  app.get<{ Querystring: Static<typeof Query> }>(
    '/v1/reconciliation/pending',
    { schema: { querystring: Query } },
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
      return { items: items.map(toWirePending) };
    },
  );

  app.post<{ Params: Static<typeof Params>; Body: Static<typeof Body> }>(
    '/v1/reconciliation/pending/:id/resolve',
    { schema: { params: Params, body: Body } },
    async (request) => {
      const principal = authorize(ctx.tokens, request, ['operator']);
      const id = Number(request.params.id);
      const { resolution, note } = request.body;
      const at = now();
      const item = await ctx.db.transaction(async (tx) => {
        const resolved = await resolvePending(
          tx,
          id,
          resolution as PendingResolution,
          note,
          principal.name,
          at,
        );
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
      if (item) return { item: toWirePending(item) };
      const existing = await getPending(ctx.db, id);
      if (!existing) throw errors.notFound(`pending item ${id}`);
      throw errors.alreadyResolved(`pending item ${id} was already resolved (${existing.resolution})`);
    },
  );
}
