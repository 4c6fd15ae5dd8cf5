import { describe, expect, it } from 'vitest';
import type { Alert } from '../../src/domain/alerts/alert.ts';
import type { PlannedNotification } from '../../src/domain/alerts/notification-plan.ts';
import { notificationFromPlan } from '../../src/notify/notification-from-plan.ts';

const NOW = Date.parse('2026-11-11T10:00:00Z');
const alert = (startedAt: number): Alert =>
  ({
    id: 'a1',
    rule: 'order_stalled',
    severity: 'warning',
    status: 'firing',
    entityType: 'order',
    entityId: 'O-1',
    storeId: 'S1',
    summary: { zh: '订单停滞', en: 'order stalled' },
    labels: {},
    startedAt,
    firingAt: startedAt,
    updatedAt: startedAt,
    resolvedAt: undefined,
    acknowledgedAt: undefined,
    acknowledgedBy: undefined,
    ackNote: undefined,
    reopenCount: 0,
  }) as Alert;

const planned = (firing: Alert[]): PlannedNotification =>
  ({
    groupKey: 'g',
    group: { labels: { rule: 'order_stalled', store_id: 'S1' } },
    reason: 'new',
    level: 0,
    firing,
    resolved: [],
  }) as never;

describe('notificationFromPlan', () => {
  it('dates the group by its oldest alert', () => {
    const n = notificationFromPlan(planned([alert(NOW - 60_000), alert(NOW - 120_000)]), {
      receiver: 'ops',
      dashboardBaseUrl: 'http://x',
      now: NOW,
    });
    expect(n.startsAt).toBe(new Date(NOW - 120_000).toISOString());
    expect(n.oldestAgeMs).toBe(120_000);
  });

  it('does not throw for a group left with no alerts (it used to: "Invalid time value")', () => {
    const n = notificationFromPlan(planned([]), { receiver: 'ops', dashboardBaseUrl: 'http://x', now: NOW });
    expect(n.startsAt).toBe(new Date(NOW).toISOString());
    expect(n.count).toBe(0);
  });
});
