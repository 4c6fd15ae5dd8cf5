// What a channel delivers: one group of alerts (Alertmanager's "notification"), already decided by the
// grouping stage. It is plain JSON so the outbox can store it as jsonb and deliver it after a restart;
// times are RFC 3339 strings for the same reason.
import type { Severity } from '../domain/rules/params.ts';

export type NotificationStatus = 'firing' | 'resolved';

export interface LocalizedText {
  zh: string;
  en: string;
}

/** One alert of the group, as sent to receivers that take individual alerts (webhook, Alertmanager). */
export interface NotificationAlert {
  /** The alert's id in the store; stable while the alert is open. */
  id: string;
  status: NotificationStatus;
  entityType: string;
  entityId: string;
  labels: Readonly<Record<string, string>>;
  summary: LocalizedText;
  startsAt: string;
  /** Set once the alert resolved. */
  endsAt?: string;
}

/** What asking the provider recovered from a callback outage, carried by `callback_silent`'s resolve. */
export interface OutageRecoveryFigures {
  provider: string;
  /** Orders paid during the outage whose payment a query to the provider confirmed. */
  confirmedByQuery: number;
  /** Of those, orders the order system has moved to paid or later. */
  applied: number;
  /** Confirmed and not applied yet. */
  remaining: number;
}

export interface Notification {
  /** Identifies the group across notifications (same group, same key), like Alertmanager's groupKey. */
  groupKey: string;
  receiver: string;
  /** `resolved` only when every alert of the group has resolved (Alertmanager semantics). */
  status: NotificationStatus;
  rule: string;
  severity: Severity;
  /** Present when the whole group belongs to one store. */
  storeId?: string;
  /** The labels the route grouped by, with this group's values. */
  groupLabels: Readonly<Record<string, string>>;
  /** Labels every alert of the group shares. */
  commonLabels: Readonly<Record<string, string>>;
  summary: LocalizedText;
  /** Alerts in the group; may exceed `alerts.length`, which is a bounded sample. */
  count: number;
  /** How long the oldest alert of the group has been open when the notification was built. */
  oldestAgeMs: number;
  sampleEntityIds: readonly string[];
  /** Start of the oldest alert. */
  startsAt: string;
  /** Set when the group resolved: the latest end among its alerts. */
  endsAt?: string;
  dashboardUrl: string;
  alerts: readonly NotificationAlert[];
  /** Set on the resolve of a callback outage: per provider, what the queries recovered from it. */
  recovery?: readonly OutageRecoveryFigures[];
  /**
   * The route's repeat interval, when known: receivers that expire alerts on their own (Alertmanager)
   * must keep a firing alert alive at least until the next repeat.
   */
  repeatIntervalMs?: number;
}

/** Labels shared with the same value by every alert; empty for an empty list. */
export function commonLabelsOf(alerts: readonly Pick<NotificationAlert, 'labels'>[]): Record<string, string> {
  const [first, ...rest] = alerts;
  if (!first) return {};
  const common: Record<string, string> = {};
  for (const [name, value] of Object.entries(first.labels)) {
    if (rest.every((a) => a.labels[name] === value)) common[name] = value;
  }
  return common;
}

/**
 * The label set an alert carries outside OrderPulse (webhook, Alertmanager): Alertmanager's conventional
 * `alertname` and `severity`, plus `store_id`, then the alert's own labels, which win on conflict.
 */
export function externalLabelsOf(n: Notification, alert: NotificationAlert): Record<string, string> {
  return {
    alertname: n.rule,
    severity: n.severity,
    ...(n.storeId ? { store_id: n.storeId } : {}),
    ...alert.labels,
  };
}

/** Annotations in Alertmanager's conventional names; `summary_zh` keeps the Chinese text alongside. */
export function externalAnnotationsOf(n: Notification, alert: NotificationAlert): Record<string, string> {
  return {
    summary: alert.summary.en,
    summary_zh: alert.summary.zh,
    entity: `${alert.entityType}/${alert.entityId}`,
    dashboard_url: n.dashboardUrl,
  };
}
