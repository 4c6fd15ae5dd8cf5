// Roll per-entity alerts up into groups (default: by rule and store), so 800 stalled orders in
// 40 stores are 40 pages, each saying how many, since when, and which orders for example.
import type { Severity } from '../rules/params.ts';
import { type Alert, isOpen } from './alert.ts';
import { alertLabels, isSilenced, type Silence } from './silences.ts';

export const DEFAULT_GROUP_BY: readonly string[] = ['rule', 'store_id'];
/** Alertmanager's `group_by: ['...']`: every label, i.e. no grouping. */
export const GROUP_BY_ALL = '...';

export interface GroupingOptions {
  groupBy?: readonly string[];
  /** How many entity ids a group shows as examples; default 5. */
  sampleSize?: number;
  /** Silenced alerts are left out of the groups (they stay visible as alerts). */
  silences?: readonly Silence[];
  /** Business hours: a group whose store is closed is held (not notified) until it opens. */
  storeOpen?: (storeId: string) => boolean;
}

export interface AlertGroup {
  /** Stable identity of the group: its group-by label values. */
  key: string;
  labels: Record<string, string>;
  /** Open alerts (firing or acknowledged), oldest first. */
  open: Alert[];
  /** Resolved alerts the caller passed in (e.g. resolved since the last notification). */
  resolved: Alert[];
  count: number;
  firingCount: number;
  acknowledgedCount: number;
  oldestStartedAt: number | undefined;
  oldestAgeMs: number | undefined;
  /** Entity ids of the oldest open alerts, at most sampleSize. */
  sampleEntityIds: string[];
  /** Highest severity among the open alerts. */
  severity: Severity | undefined;
  /** The group's store is closed now: keep it, do not notify. */
  held: boolean;
}

const SEVERITY_RANK: Record<Severity, number> = { critical: 3, warning: 2, info: 1 };

/** Pending alerts are never grouped (they have not fired); silenced ones are left out when silences are given. */
export function groupAlerts(
  alerts: readonly Alert[],
  now: number,
  options: GroupingOptions = {},
): AlertGroup[] {
  const groupBy = options.groupBy ?? DEFAULT_GROUP_BY;
  const sampleSize = options.sampleSize ?? 5;
  const byKey = new Map<string, { labels: Record<string, string>; alerts: Alert[] }>();
  for (const alert of alerts) {
    if (alert.status === 'pending') continue;
    if (options.silences && isOpen(alert) && isSilenced(alert, options.silences, now)) continue;
    const all = alertLabels(alert);
    const labels = groupBy.includes(GROUP_BY_ALL)
      ? all
      : Object.fromEntries(groupBy.map((name) => [name, all[name] ?? '']));
    const key = JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    let group = byKey.get(key);
    if (group === undefined) {
      group = { labels, alerts: [] };
      byKey.set(key, group);
    }
    group.alerts.push(alert);
  }
  const groups: AlertGroup[] = [];
  for (const [key, { labels, alerts: members }] of byKey) {
    const open = members
      .filter(isOpen)
      .sort((a, b) => a.startedAt - b.startedAt || compare(a.entityId, b.entityId));
    const resolved = members.filter((a) => a.status === 'resolved');
    const oldest = open[0]?.startedAt;
    let severity: Severity | undefined;
    for (const a of open)
      if (severity === undefined || SEVERITY_RANK[a.severity] > SEVERITY_RANK[severity])
        severity = a.severity;
    const storeId = labels.store_id;
    groups.push({
      key,
      labels,
      open,
      resolved,
      count: open.length,
      firingCount: open.filter((a) => a.status === 'firing').length,
      acknowledgedCount: open.filter((a) => a.status === 'acknowledged').length,
      oldestStartedAt: oldest,
      oldestAgeMs: oldest === undefined ? undefined : now - oldest,
      sampleEntityIds: open.slice(0, sampleSize).map((a) => a.entityId),
      severity,
      held:
        storeId !== undefined &&
        storeId !== '' &&
        options.storeOpen !== undefined &&
        !options.storeOpen(storeId),
    });
  }
  return groups.sort((a, b) => compare(a.key, b.key));
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
