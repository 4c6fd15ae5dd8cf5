// When each alert group is notified, with Alertmanager's timing: a new group waits `groupWait`
// (so the burst that created it arrives in one message), a changed group (new alerts, or alerts
// resolved since they were notified) waits `groupInterval` after its previous notification, and an
// unchanged group still firing repeats every `repeatInterval`. On top: an acknowledged alert
// counts as firing again once `ackTimeout` has passed, and a group with an alert nobody
// acknowledged for `escalateAfter` is notified at the next route level. Pure: the caller keeps the
// returned state and sends what is planned.
import type { Alert } from './alert.ts';
import type { AlertGroup } from './grouping.ts';

export interface NotificationPolicy {
  groupWaitMs: number;
  groupIntervalMs: number;
  repeatIntervalMs: number;
  /** An acknowledged alert still open after this long is notified again. */
  ackTimeoutMs: number;
  /** Not acknowledged within this: notify the next level (undefined: never escalate). */
  escalateAfterMs?: number;
  /** Highest escalation level; level 0 is the route's own receiver. Default 1. */
  maxLevel?: number;
}

export const DEFAULT_NOTIFICATION_POLICY: NotificationPolicy = {
  groupWaitMs: 30_000,
  groupIntervalMs: 5 * 60_000,
  repeatIntervalMs: 4 * 3_600_000,
  ackTimeoutMs: 4 * 3_600_000,
};

export interface GroupNotificationState {
  firstSeenAt: number;
  lastNotifiedAt: number | undefined;
  /** Alerts the last notification reported as needing attention. */
  notifiedIds: readonly string[];
  /** Highest escalation level notified so far. */
  level: number;
}

export type NotificationState = Readonly<Record<string, GroupNotificationState>>;

export type NotificationReason = 'initial' | 'changed' | 'resolved' | 'repeat' | 'ack_timeout' | 'escalation';

export interface PlannedNotification {
  groupKey: string;
  group: AlertGroup;
  reason: NotificationReason;
  /** Route level to notify: 0 the route's receiver, 1 its escalation receiver, … */
  level: number;
  /** Alerts needing attention: firing, or acknowledged longer ago than ackTimeout. */
  firing: Alert[];
  /** Alerts resolved since a notification reported them firing. */
  resolved: Alert[];
}

export interface NotificationPlan {
  notifications: PlannedNotification[];
  state: NotificationState;
  /** The earliest time planning again could send something (undefined: only a new alert could). */
  nextAt: number | undefined;
}

export function planNotifications(
  groups: readonly AlertGroup[],
  state: NotificationState,
  now: number,
  policy: NotificationPolicy | ((group: AlertGroup) => NotificationPolicy) = DEFAULT_NOTIFICATION_POLICY,
): NotificationPlan {
  const notifications: PlannedNotification[] = [];
  const nextState: Record<string, GroupNotificationState> = {};
  let nextAt = Number.POSITIVE_INFINITY;
  const later = (t: number) => {
    if (t > now && t < nextAt) nextAt = t;
  };

  for (const group of groups) {
    const p = typeof policy === 'function' ? policy(group) : policy;
    const previous = state[group.key];
    if (group.held) {
      if (previous !== undefined) nextState[group.key] = previous;
      continue;
    }
    const ackExpired = (a: Alert) =>
      a.status === 'acknowledged' && (a.acknowledgedAt ?? now) + p.ackTimeoutMs <= now;
    const attention = group.open.filter((a) => a.status === 'firing' || ackExpired(a));
    if (previous === undefined && attention.length === 0) continue;
    const s: GroupNotificationState = previous ?? {
      firstSeenAt: now,
      lastNotifiedAt: undefined,
      notifiedIds: [],
      level: 0,
    };
    const notified = new Set(s.notifiedIds);
    const added = attention.filter((a) => !notified.has(a.id));
    const resolved = group.resolved.filter((a) => notified.has(a.id));

    let due: number;
    if (s.lastNotifiedAt === undefined) due = s.firstSeenAt + p.groupWaitMs;
    else if (added.length > 0 || resolved.length > 0) due = s.lastNotifiedAt + p.groupIntervalMs;
    else if (attention.length > 0) due = s.lastNotifiedAt + p.repeatIntervalMs;
    else due = Number.POSITIVE_INFINITY;

    const unacked = group.open.filter((a) => a.status === 'firing');
    const maxLevel = p.maxLevel ?? 1;
    let level = s.level;
    let nextEscalationAt = Number.POSITIVE_INFINITY;
    if (p.escalateAfterMs !== undefined && unacked.length > 0) {
      const since = Math.min(...unacked.map((a) => a.firingAt ?? a.startedAt));
      level = Math.max(s.level, Math.min(maxLevel, Math.floor((now - since) / p.escalateAfterMs)));
      if (level < maxLevel) nextEscalationAt = since + (level + 1) * p.escalateAfterMs;
    }
    const escalate = level > s.level && s.lastNotifiedAt !== undefined;

    if (now >= due || escalate) {
      notifications.push({
        groupKey: group.key,
        group,
        reason: reasonFor(s, added, resolved, attention, escalate),
        level,
        firing: attention,
        resolved,
      });
      if (group.open.length > 0) {
        nextState[group.key] = { ...s, lastNotifiedAt: now, notifiedIds: attention.map((a) => a.id), level };
        if (attention.length > 0) later(now + p.repeatIntervalMs);
      }
    } else {
      // Forget alerts acknowledged since: when their acknowledgement expires they count as new again.
      const stillNotified = new Set([...attention, ...resolved].map((a) => a.id));
      nextState[group.key] = { ...s, notifiedIds: s.notifiedIds.filter((id) => stillNotified.has(id)) };
      later(due);
    }
    later(nextEscalationAt);
    for (const a of group.open) {
      if (a.status === 'acknowledged' && !ackExpired(a)) later((a.acknowledgedAt ?? now) + p.ackTimeoutMs);
    }
  }
  return {
    notifications,
    state: nextState,
    nextAt: nextAt === Number.POSITIVE_INFINITY ? undefined : nextAt,
  };
}

function reasonFor(
  s: GroupNotificationState,
  added: readonly Alert[],
  resolved: readonly Alert[],
  attention: readonly Alert[],
  escalate: boolean,
): NotificationReason {
  if (escalate) return 'escalation';
  if (s.lastNotifiedAt === undefined) return 'initial';
  if (added.some((a) => a.status === 'acknowledged')) return 'ack_timeout';
  if (added.length > 0) return 'changed';
  if (resolved.length > 0) return attention.length > 0 ? 'changed' : 'resolved';
  return 'repeat';
}
