// Turns a planned group notification (domain/alerts/notification-plan.ts) into the `Notification` the
// channels send. Pure: the caller gives the time, the receiver chosen by routing/escalation, and the
// public base URL of the dashboard.
import type { Alert } from '../domain/alerts/alert.ts';
import type { PlannedNotification } from '../domain/alerts/notification-plan.ts';
import { alertLabels } from '../domain/alerts/silences.ts';
import type { Severity } from '../domain/rules/params.ts';
import { formatMessage } from '../messages/format-message.ts';
import { localeOf, ruleName } from './message-text.ts';
import {
  commonLabelsOf,
  type Notification,
  type NotificationAlert,
  type OutageRecoveryFigures,
} from './notification.ts';

export interface NotificationContext {
  receiver: string;
  /** e.g. `https://orderpulse.example.com`; links go to its phone-sized page of the group's oldest alert. */
  dashboardBaseUrl: string;
  now: number;
  /** Alerts carried individually (webhook, Alertmanager); `count` still tells the full size. Default 20. */
  maxAlerts?: number;
  /** The route's repeat interval (RouteMatch.repeatIntervalMs), passed on for Alertmanager. */
  repeatIntervalMs?: number;
  /** What queries recovered from the resolved alerts' callback outages; carried only by a resolve. */
  recovery?: readonly OutageRecoveryFigures[];
}

const SEVERITY_RANK: Record<Severity, number> = { critical: 3, warning: 2, info: 1 };

function toNotificationAlert(alert: Alert, status: 'firing' | 'resolved'): NotificationAlert {
  return {
    id: alert.id,
    status,
    entityType: alert.entityType,
    entityId: alert.entityId,
    labels: alertLabels(alert),
    summary: { zh: alert.summary.zh, en: alert.summary.en },
    startsAt: new Date(alert.startedAt).toISOString(),
    ...(status === 'resolved' && alert.resolvedAt !== undefined
      ? { endsAt: new Date(alert.resolvedAt).toISOString() }
      : {}),
  };
}

function groupSummary(shown: readonly Alert[], rule: string, firing: boolean): { zh: string; en: string } {
  const [first] = shown;
  if (shown.length === 1 && first) return { zh: first.summary.zh, en: first.summary.en };
  const text = (lang: 'zh' | 'en') =>
    formatMessage(localeOf(lang), firing ? 'notify.groupFiring' : 'notify.groupResolved', {
      n: shown.length,
      ruleName: ruleName(rule, lang),
      example: first?.summary[lang] ?? '',
    });
  return { zh: text('zh'), en: text('en') };
}

export function dashboardUrlFor(base: string, labels: Readonly<Record<string, string>>): string {
  const query = new URLSearchParams();
  if (labels.rule) query.set('rule', labels.rule);
  if (labels.store_id) query.set('store_id', labels.store_id);
  const suffix = query.size > 0 ? `?${query}` : '';
  return `${base.replace(/\/+$/, '')}/#/alerts${suffix}`;
}

/** The dashboard's phone-sized page of one alert: its context, acknowledge and silence. */
export function alertPageUrlFor(base: string, alertId: string): string {
  return `${base.replace(/\/+$/, '')}/#/on-call/${encodeURIComponent(alertId)}`;
}

/**
 * Alertmanager semantics: the notification is `firing` while any alert of the group needs attention,
 * and `resolved` only when all it reports have resolved.
 */
export function notificationFromPlan(planned: PlannedNotification, ctx: NotificationContext): Notification {
  const firing = planned.firing.length > 0;
  const shown = firing ? planned.firing : planned.resolved;
  const all = [...planned.firing, ...planned.resolved];
  const items = [
    ...planned.firing.map((a) => toNotificationAlert(a, 'firing')),
    ...planned.resolved.map((a) => toNotificationAlert(a, 'resolved')),
  ].slice(0, ctx.maxAlerts ?? 20);
  const common = commonLabelsOf(all.map((a) => ({ labels: alertLabels(a) })));
  const rule = planned.group.labels.rule || common.rule || shown[0]?.rule || 'unknown';
  let severity: Severity = 'info';
  for (const a of shown) if (SEVERITY_RANK[a.severity] > SEVERITY_RANK[severity]) severity = a.severity;
  const storeId = planned.group.labels.store_id || common.store_id || undefined;
  const starts = shown.map((a) => a.startedAt).filter((t) => Number.isFinite(t));
  const oldestStart = starts.length > 0 ? Math.min(...starts) : ctx.now;
  // The message's "since" is the oldest alert's start, so its link opens that alert.
  const oldest = shown.reduce<Alert | undefined>(
    (found, a) => (found === undefined || a.startedAt < found.startedAt ? a : found),
    undefined,
  );
  const ends = planned.resolved.map((a) => a.resolvedAt).filter((t): t is number => t !== undefined);
  return {
    groupKey: planned.groupKey,
    receiver: ctx.receiver,
    status: firing ? 'firing' : 'resolved',
    rule,
    severity,
    ...(storeId ? { storeId } : {}),
    groupLabels: { ...planned.group.labels },
    commonLabels: common,
    summary: groupSummary(shown, rule, firing),
    count: shown.length,
    oldestAgeMs: Math.max(0, ctx.now - oldestStart),
    sampleEntityIds: shown.slice(0, 5).map((a) => a.entityId),
    startsAt: new Date(oldestStart).toISOString(),
    ...(!firing && ends.length > 0 ? { endsAt: new Date(Math.max(...ends)).toISOString() } : {}),
    dashboardUrl: oldest
      ? alertPageUrlFor(ctx.dashboardBaseUrl, oldest.id)
      : dashboardUrlFor(ctx.dashboardBaseUrl, { rule, ...(storeId ? { store_id: storeId } : {}) }),
    alerts: items,
    ...(ctx.repeatIntervalMs !== undefined ? { repeatIntervalMs: ctx.repeatIntervalMs } : {}),
    ...(!firing && ctx.recovery && ctx.recovery.length > 0 ? { recovery: [...ctx.recovery] } : {}),
  };
}
