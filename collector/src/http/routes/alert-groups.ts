// GET /v1/alert-groups (alerts by rule and store, with counts), GET /v1/alert-groups/{group}/alerts
// (one group's alerts, paged), and the bulk POST /v1/alerts/ack and /v1/alerts/silence over chosen
// alerts or a whole group.
import type { FastifyInstance } from 'fastify';
import type { AlertingService } from '../../alerting/alerting-service.ts';
import { storeVisible, type VisibleStores } from '../../auth/scope.ts';
import type { Alert } from '../../domain/alerts/alert.ts';
import { matchersFromObject, silenceProblem } from '../../domain/alerts/silences.ts';
import {
  alertsByIds,
  type GroupFilter,
  type GroupKey,
  groupAlertIds,
  listAlertGroups,
  listGroupAlerts,
} from '../../store/alert-groups.ts';
import { toWireAlert } from '../../store/alerts.ts';
import { type MatcherObject, toWireSilence } from '../../store/silences.ts';
import {
  AlertGroupPage,
  AlertGroupParams,
  AlertGroupsQuery,
  BulkAckBody,
  BulkAckReply,
  BulkSilenceBody,
  BulkSilenceReply,
  GroupAlertPage,
  GroupAlertsQuery,
} from '../../wire/alert-groups.ts';
import { groupFilter, parseSeverities, parseTime } from '../alert-filters.ts';
import { authorize } from '../auth.ts';
import type { AppContext } from '../context.ts';
import { errors } from '../errors.ts';
import {
  alertPositionText,
  groupKeyText,
  groupPositionText,
  parseAlertPosition,
  parseGroupKey,
  parseGroupPosition,
} from '../list-cursors.ts';
import { BEARER, errorResponses, PROTECTED_ERRORS } from '../route-schema.ts';
import { visibleTo } from '../scope.ts';

/** A scoped caller's filter: its stores' groups and the store-less ones only. */
const within = (filter: GroupFilter, visible: VisibleStores): GroupFilter =>
  visible === undefined ? filter : { ...filter, stores: [...visible].sort() };

/** The most alerts one bulk action over a group touches; a larger group is narrowed first. */
export const BULK_GROUP_LIMIT = 10_000;

const SEVERITY_RANK: Record<string, number> = { critical: 0, warning: 1, info: 2 };

export async function alertGroupsRoutes(
  app: FastifyInstance,
  { ctx, alerting }: { ctx: AppContext; alerting: AlertingService },
): Promise<void> {
  const wire = (a: Alert) => toWireAlert(a, a.status !== 'resolved' && alerting.isSilenced(a));

  app.get<{ Querystring: AlertGroupsQuery }>(
    '/v1/alert-groups',
    {
      schema: {
        tags: ['alerts'],
        summary: 'Alerts grouped by rule and store, with counts and the newest alert of each group',
        security: BEARER,
        querystring: AlertGroupsQuery,
        response: { 200: AlertGroupPage, ...errorResponses(...PROTECTED_ERRORS) },
      },
    },
    async (request): Promise<AlertGroupPage> => {
      const principal = authorize(ctx.tokens, request, ['viewer']);
      const q = request.query;
      const filter = within(groupFilter(q), await visibleTo(ctx, principal));
      const key = {
        ...(q.rule !== undefined && { rule: q.rule }),
        ...(q.store_id !== undefined && { storeId: q.store_id }),
      };
      const after = q.after === undefined ? undefined : parseGroupPosition(q.after);
      // One more than asked tells whether a next page exists.
      const { groups, totalGroups, totalAlerts } = await listAlertGroups(ctx.db, filter, key, {
        limit: q.limit + 1,
        ...(after !== undefined && { after }),
      });
      const page = groups.slice(0, q.limit);
      const last = page.at(-1);
      return {
        groups: page.map((g) => ({
          group: groupKeyText(g),
          rule: g.rule,
          store_id: g.storeId,
          severity: g.severity,
          count: g.count,
          firing: g.firing,
          acknowledged: g.acknowledged,
          updated_at: new Date(g.updatedAt).toISOString(),
          newest: wire(g.newest),
        })),
        total_groups: totalGroups,
        total_alerts: totalAlerts,
        next_after:
          groups.length > q.limit && last
            ? groupPositionText({
                severityRank: SEVERITY_RANK[last.severity] ?? 2,
                count: last.count,
                rule: last.rule,
                storeKey: last.storeId ?? '',
              })
            : null,
      };
    },
  );

  app.get<{ Params: AlertGroupParams; Querystring: GroupAlertsQuery }>(
    '/v1/alert-groups/:group/alerts',
    {
      schema: {
        tags: ['alerts'],
        summary: "One group's alerts, newest first, keyset-paged",
        security: BEARER,
        params: AlertGroupParams,
        querystring: GroupAlertsQuery,
        response: { 200: GroupAlertPage, ...errorResponses(...PROTECTED_ERRORS) },
      },
    },
    async (request): Promise<GroupAlertPage> => {
      const principal = authorize(ctx.tokens, request, ['viewer']);
      const q = request.query;
      const key = parseGroupKey(request.params.group);
      const before = q.before === undefined ? undefined : parseAlertPosition(q.before);
      const filter = within(groupFilter(q), await visibleTo(ctx, principal));
      const alerts = await listGroupAlerts(ctx.db, key, filter, {
        limit: q.limit + 1,
        ...(before !== undefined && { before }),
      });
      const page = alerts.slice(0, q.limit);
      const last = page.at(-1);
      return {
        alerts: page.map(wire),
        next_before:
          alerts.length > q.limit && last
            ? alertPositionText({ startedAt: last.startedAt, id: last.id })
            : null,
      };
    },
  );

  app.post<{ Body: BulkAckBody }>(
    '/v1/alerts/ack',
    {
      schema: {
        tags: ['alerts'],
        summary: 'Acknowledge chosen alerts, or the firing alerts of a group, with one note (operators)',
        security: BEARER,
        body: BulkAckBody,
        response: { 200: BulkAckReply, ...errorResponses(...PROTECTED_ERRORS) },
      },
    },
    async (request): Promise<BulkAckReply> => {
      const principal = authorize(ctx.tokens, request, ['operator']);
      const visible = await visibleTo(ctx, principal);
      const body = request.body;
      const chosen = bulkChoice(body);
      let ids =
        'ids' in chosen
          ? chosen.ids
          : await groupAlertIds(
              ctx.db,
              chosen.key,
              within({ ...chosen.filter, statuses: ['firing'] }, visible),
              BULK_GROUP_LIMIT,
            );
      // Chosen alerts of another store are, for a scoped operator, alerts that do not exist.
      const hidden: { id: string; reason: 'not_found' }[] = [];
      if (visible !== undefined && 'ids' in chosen) {
        const seen = new Set(
          (await alertsByIds(ctx.db, ids)).filter((a) => storeVisible(visible, a.storeId)).map((a) => a.id),
        );
        for (const id of new Set(ids)) if (!seen.has(id)) hidden.push({ id, reason: 'not_found' });
        ids = ids.filter((id) => seen.has(id));
      }
      const result = await alerting.acknowledgeMany(ids, principal.name, body.note?.trim() || undefined);
      return { acknowledged: result.acknowledged.map((a) => a.id), skipped: [...result.skipped, ...hidden] };
    },
  );

  app.post<{ Body: BulkSilenceBody }>(
    '/v1/alerts/silence',
    {
      schema: {
        tags: ['silences'],
        summary: 'Silence chosen alerts, or a whole group, until ends_at (operators)',
        security: BEARER,
        body: BulkSilenceBody,
        response: { 201: BulkSilenceReply, ...errorResponses(...PROTECTED_ERRORS) },
      },
    },
    async (request, reply) => {
      const principal = authorize(ctx.tokens, request, ['operator']);
      const visible = await visibleTo(ctx, principal);
      const body = request.body;
      const now = alerting.clock();
      const endsAt = parseTime('ends_at', body.ends_at);
      if (endsAt <= now) throw errors.invalidRequest('ends_at must be in the future');
      const chosen = bulkChoice(body);
      let matcherSets: MatcherObject[];
      if ('ids' in chosen) {
        const alerts = (await alertsByIds(ctx.db, chosen.ids)).filter((a) =>
          storeVisible(visible, a.storeId),
        );
        if (alerts.length === 0) throw errors.notFound('none of the alerts');
        matcherSets = entityMatchers(alerts, visible !== undefined);
      } else {
        if (!storeVisible(visible, chosen.key.storeId)) throw errors.notFound('the group');
        if (chosen.filter.since !== undefined || chosen.filter.until !== undefined) {
          throw errors.invalidRequest('a silence matches labels, not times: leave out since and until');
        }
        matcherSets = [groupMatchers(chosen.key, chosen.filter)];
      }
      for (const matchers of matcherSets) {
        const problem = silenceProblem({ matchers: matchersFromObject(matchers), startsAt: now, endsAt });
        if (problem !== undefined) throw errors.invalidRequest(problem);
      }
      const silences = [];
      for (const matchers of matcherSets) {
        const silence = await alerting.createSilence(
          { matchers, startsAt: now, endsAt, comment: body.comment.trim() },
          principal.name,
        );
        silences.push(toWireSilence(silence, alerting.clock()));
      }
      return reply.code(201).send({ silences });
    },
  );
}

type BulkChoice = { ids: string[] } | { key: GroupKey; filter: Omit<GroupFilter, 'statuses'> };

function bulkChoice(body: BulkAckBody | BulkSilenceBody): BulkChoice {
  if ((body.ids === undefined) === (body.group === undefined)) {
    throw errors.invalidRequest('choose the alerts with either `ids` or `group`');
  }
  if (body.ids !== undefined) {
    if (body.severity !== undefined || body.since !== undefined || body.until !== undefined) {
      throw errors.invalidRequest('severity, since and until narrow a `group`, not `ids`');
    }
    return { ids: body.ids };
  }
  return {
    key: parseGroupKey(body.group as string),
    filter: {
      ...(body.severity !== undefined && { severities: parseSeverities(body.severity) }),
      ...(body.since !== undefined && { since: parseTime('since', body.since) }),
      ...(body.until !== undefined && { until: parseTime('until', body.until) }),
    },
  };
}

/** A group's silence: its rule and store (an empty store_id matches the store-less alerts). */
function groupMatchers(key: GroupKey, filter: Omit<GroupFilter, 'statuses'>): MatcherObject {
  const matchers: MatcherObject = { rule: key.rule, store_id: key.storeId ?? '' };
  if (filter.severities !== undefined) {
    matchers.severity = { op: '=~', value: filter.severities.join('|') };
  }
  return matchers;
}

/**
 * Chosen alerts' silences: one per rule and entity type, naming their entities. `perStore`: one per
 * store too, naming it, so a scoped operator's silence cannot reach another store's alerts of an
 * entity with the same id.
 */
function entityMatchers(alerts: readonly Alert[], perStore = false): MatcherObject[] {
  const byKind = new Map<
    string,
    { rule: string; entityType: string; storeId: string | null; ids: Set<string> }
  >();
  for (const a of alerts) {
    const storeId = perStore ? a.storeId : null;
    const k = `${a.rule}\0${a.entityType}\0${storeId ?? ''}`;
    const entry = byKind.get(k) ?? { rule: a.rule, entityType: a.entityType, storeId, ids: new Set() };
    entry.ids.add(a.entityId);
    byKind.set(k, entry);
  }
  return [...byKind.values()].map(({ rule, entityType, storeId, ids }) => ({
    rule,
    entity_type: entityType,
    entity_id: ids.size === 1 ? [...ids][0]! : { op: '=~', value: [...ids].map(escapeRegex).join('|') },
    ...(perStore && { store_id: storeId ?? '' }),
  }));
}

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
