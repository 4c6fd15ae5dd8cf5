// Alerts by (rule, store) for the grouped list: a page of groups with their counts and newest
// alert, one group's alerts page by page, and the ids a bulk action over a group acts on. Pages
// are keyset-paged (a cursor names the last row seen), so a page costs the same at any depth.
import type { Alert, AlertStatus } from '../domain/alerts/alert.ts';
import type { Severity } from '../domain/rules/params.ts';
import { ALERT_COLUMNS, type AlertRow, alertFromRow } from './alerts.ts';
import type { Queryable } from './database.ts';

/** A group is the alerts of one rule in one store; `storeId` null holds the store-less ones. */
export interface GroupKey {
  rule: string;
  storeId: string | null;
}

export interface GroupFilter {
  statuses: readonly AlertStatus[];
  severities?: readonly Severity[];
  /** A scoped caller's stores: these and the store-less alerts (see auth/scope.ts). */
  stores?: readonly string[];
  /** Alerts updated at or after this time (epoch ms). */
  since?: number;
  /** Alerts updated before this time (epoch ms). */
  until?: number;
}

export interface AlertGroupSummary extends GroupKey {
  severity: Severity;
  count: number;
  firing: number;
  acknowledged: number;
  updatedAt: number;
  newest: Alert;
}

/** Where the previous page of groups ended, in the page's order. */
export interface GroupPosition {
  severityRank: number;
  count: number;
  rule: string;
  storeKey: string;
}

/** Where the previous page of a group's alerts ended. */
export interface AlertPosition {
  startedAt: number;
  id: string;
}

const SEVERITY_RANK = `CASE severity WHEN 'critical' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END`;
const RANKED: readonly Severity[] = ['critical', 'warning', 'info'];

/** The WHERE clause of the filters, its values numbered from `values.length + 1`. */
function filterSql(filter: GroupFilter, values: unknown[], alias = ''): string {
  const col = (c: string) => `${alias}${c}`;
  values.push(filter.statuses);
  const where = [`${col('status')} = ANY($${values.length}::text[])`];
  if (filter.severities !== undefined) {
    values.push(filter.severities);
    where.push(`${col('severity')} = ANY($${values.length}::text[])`);
  }
  if (filter.stores !== undefined) {
    values.push(filter.stores);
    where.push(`(${col('store_id')} IS NULL OR ${col('store_id')} = ANY($${values.length}::text[]))`);
  }
  if (filter.since !== undefined) {
    values.push(new Date(filter.since).toISOString());
    where.push(`${col('updated_at')} >= $${values.length}`);
  }
  if (filter.until !== undefined) {
    values.push(new Date(filter.until).toISOString());
    where.push(`${col('updated_at')} < $${values.length}`);
  }
  return where.join(' AND ');
}

function keySql(key: Partial<GroupKey>, values: unknown[], alias = ''): string[] {
  const where: string[] = [];
  if (key.rule !== undefined) {
    values.push(key.rule);
    where.push(`${alias}rule = $${values.length}`);
  }
  if (key.storeId === null) where.push(`${alias}store_id IS NULL`);
  else if (key.storeId !== undefined) {
    values.push(key.storeId);
    where.push(`${alias}store_id = $${values.length}`);
  }
  return where;
}

interface GroupRow extends AlertRow {
  total_groups: number;
  total_alerts: number;
  g_rule: string;
  g_store_id: string | null;
  g_severity_rank: number;
  g_count: number;
  g_firing: number;
  g_acknowledged: number;
  g_updated_at: Date;
}

export interface AlertGroupList {
  groups: AlertGroupSummary[];
  /** Groups and alerts the filters choose, on every page. */
  totalGroups: number;
  totalAlerts: number;
}

/**
 * One page of groups: highest severity first, then the largest, then by rule and store; and the
 * totals. One pass over the chosen alerts counts the groups and names each one's newest alert;
 * only the page's newest alerts are then read whole (by primary key).
 */
export async function listAlertGroups(
  q: Queryable,
  filter: GroupFilter,
  key: Partial<GroupKey>,
  page: { limit: number; after?: GroupPosition },
): Promise<AlertGroupList> {
  const values: unknown[] = [];
  const where = [filterSql(filter, values), ...keySql(key, values)].join(' AND ');
  let afterSql = '';
  if (page.after !== undefined) {
    const a = page.after;
    values.push(a.severityRank, -a.count, a.rule, a.storeKey);
    const n = values.length;
    afterSql = `WHERE (severity_rank, -n, rule, store_key) > ($${n - 3}::int, $${n - 2}::int, $${n - 1}, $${n})`;
  }
  values.push(page.limit);
  const { rows } = await q.query<GroupRow>(
    `WITH groups AS (
       SELECT rule, store_id, coalesce(store_id, '') AS store_key, min(${SEVERITY_RANK}) AS severity_rank,
              count(*)::int AS n, (count(*) FILTER (WHERE status = 'firing'))::int AS firing,
              (count(*) FILTER (WHERE status = 'acknowledged'))::int AS acknowledged, max(updated_at) AS last_update,
              (array_agg(id ORDER BY started_at DESC, id DESC))[1] AS newest_id
       FROM alerts WHERE ${where}
       GROUP BY rule, store_id
     ), totals AS (
       SELECT count(*)::int AS total_groups, coalesce(sum(n), 0)::int AS total_alerts FROM groups
     ), page AS (
       SELECT * FROM groups ${afterSql}
       ORDER BY severity_rank, n DESC, rule, store_key
       LIMIT $${values.length}
     )
     SELECT t.total_groups, t.total_alerts, p.rule AS g_rule, p.store_id AS g_store_id,
            p.severity_rank AS g_severity_rank, p.n AS g_count, p.firing AS g_firing,
            p.acknowledged AS g_acknowledged, p.last_update AS g_updated_at, ${ALERT_COLUMNS.replace(/(\w+)/g, 'a.$1')}
     FROM totals t
     LEFT JOIN (page p JOIN alerts a ON a.id = p.newest_id) ON true
     ORDER BY p.severity_rank, p.n DESC, p.rule, p.store_key`,
    values,
  );
  const totals = rows[0] ?? { total_groups: 0, total_alerts: 0 };
  return {
    totalGroups: totals.total_groups,
    totalAlerts: totals.total_alerts,
    groups: rows
      .filter((r) => r.g_rule !== null)
      .map((r) => ({
        rule: r.g_rule,
        storeId: r.g_store_id,
        severity: RANKED[r.g_severity_rank] ?? 'info',
        count: r.g_count,
        firing: r.g_firing,
        acknowledged: r.g_acknowledged,
        updatedAt: r.g_updated_at.getTime(),
        newest: alertFromRow(r),
      })),
  };
}

/** One group's alerts, newest first (by when the condition started), after `before`. */
export async function listGroupAlerts(
  q: Queryable,
  key: GroupKey,
  filter: GroupFilter,
  page: { limit: number; before?: AlertPosition },
): Promise<Alert[]> {
  const values: unknown[] = [];
  const where = [filterSql(filter, values), ...keySql(key, values)];
  if (page.before !== undefined) {
    values.push(new Date(page.before.startedAt).toISOString(), page.before.id);
    where.push(`(started_at, id) < ($${values.length - 1}::timestamptz, $${values.length})`);
  }
  values.push(page.limit);
  const { rows } = await q.query<AlertRow>(
    `SELECT ${ALERT_COLUMNS} FROM alerts WHERE ${where.join(' AND ')}
     ORDER BY started_at DESC, id DESC LIMIT $${values.length}`,
    values,
  );
  return rows.map(alertFromRow);
}

/** The ids of a group's alerts the filters choose, at most `limit` of them (newest first). */
export async function groupAlertIds(
  q: Queryable,
  key: GroupKey,
  filter: GroupFilter,
  limit: number,
): Promise<string[]> {
  const values: unknown[] = [];
  const where = [filterSql(filter, values), ...keySql(key, values)];
  values.push(limit);
  const { rows } = await q.query<{ id: string }>(
    `SELECT id FROM alerts WHERE ${where.join(' AND ')} ORDER BY started_at DESC, id DESC LIMIT $${values.length}`,
    values,
  );
  return rows.map((r) => r.id);
}

/** Alerts by id (in no particular order); unknown ids are left out. */
export async function alertsByIds(q: Queryable, ids: readonly string[]): Promise<Alert[]> {
  const { rows } = await q.query<AlertRow>(`SELECT ${ALERT_COLUMNS} FROM alerts WHERE id = ANY($1::text[])`, [
    ids,
  ]);
  return rows.map(alertFromRow);
}
