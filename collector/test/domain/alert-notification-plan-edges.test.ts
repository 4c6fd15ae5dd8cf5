// When a group is notified, each rule at its edge: the group wait from when the group was first
// seen, the group interval for a change, the repeat for an unchanged group, an acknowledged-only
// group that stops repeating, a held group keeping its state, escalation counted from the first
// firing and capped at maxLevel (1 by default), and the planner's next wake-up across groups.
import { describe, expect, it } from 'vitest';
import type { Alert } from '../../src/domain/alerts/alert.ts';
import { type AlertGroup, groupAlerts } from '../../src/domain/alerts/grouping.ts';
import {
  DEFAULT_NOTIFICATION_POLICY,
  type NotificationPolicy,
  type NotificationState,
  planNotifications,
} from '../../src/domain/alerts/notification-plan.ts';

const T0 = Date.parse('2026-11-11T04:00:00Z');
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

const policy: NotificationPolicy = {
  groupWaitMs: 30 * SECOND,
  groupIntervalMs: 5 * MINUTE,
  repeatIntervalMs: 4 * HOUR,
  ackTimeoutMs: 30 * MINUTE,
};

function alert(entityId: string, extra: Partial<Alert> = {}): Alert {
  return {
    id: `A-${entityId}`,
    rule: 'order_stalled',
    severity: 'warning',
    status: 'firing',
    entityType: 'order',
    entityId,
    storeId: 'S01',
    summary: { zh: '', en: '' },
    labels: {},
    startedAt: T0,
    firingAt: T0,
    updatedAt: T0,
    resolvedAt: undefined,
    acknowledgedAt: undefined,
    acknowledgedBy: undefined,
    ackNote: undefined,
    reopenCount: 0,
    ...extra,
  };
}

const acked = (entityId: string, at: number, extra: Partial<Alert> = {}) =>
  alert(entityId, { status: 'acknowledged', acknowledgedAt: at, acknowledgedBy: 'ops', ...extra });
const done = (entityId: string, at: number) => alert(entityId, { status: 'resolved', resolvedAt: at });

const groups = (alerts: Alert[], now: number, storeOpen?: (s: string) => boolean): AlertGroup[] =>
  groupAlerts(alerts, now, storeOpen === undefined ? {} : { storeOpen });

/** Plans at `now` and returns what was sent as `reason:level:firing ids/resolved ids`. */
function planner(p: NotificationPolicy | ((g: AlertGroup) => NotificationPolicy) = policy) {
  let state: NotificationState = {};
  let nextAt: number | undefined;
  return {
    at(alerts: Alert[], now: number, storeOpen?: (s: string) => boolean): string[] {
      const plan = planNotifications(groups(alerts, now, storeOpen), state, now, p);
      state = plan.state;
      nextAt = plan.nextAt;
      return plan.notifications.map(
        (n) =>
          `${n.reason}:${n.level}:${n.firing.map((a) => a.entityId).join(',')}/${n.resolved
            .map((a) => a.entityId)
            .join(',')}`,
      );
    },
    get state() {
      return state;
    },
    get nextAt() {
      return nextAt;
    },
  };
}

describe('the first notification of a group', () => {
  it('waits groupWait from when the group was first seen, not from the alert’s start', () => {
    const plan = planner();
    const seen = T0 + HOUR;
    expect(plan.at([alert('O1')], seen)).toEqual([]);
    const [key] = Object.keys(plan.state);
    expect(plan.state).toStrictEqual({
      [key!]: { firstSeenAt: seen, lastNotifiedAt: undefined, notifiedIds: [], level: 0 },
    });
    expect(plan.nextAt).toBe(seen + 30 * SECOND);
    expect(plan.at([alert('O1')], seen + 30 * SECOND - 1)).toEqual([]);
    expect(plan.state[key!]!.firstSeenAt).toBe(seen);
    expect(plan.at([alert('O1'), alert('O2')], seen + 30 * SECOND)).toEqual(['initial:0:O1,O2/']);
    expect(plan.state).toStrictEqual({
      [key!]: {
        firstSeenAt: seen,
        lastNotifiedAt: seen + 30 * SECOND,
        notifiedIds: ['A-O1', 'A-O2'],
        level: 0,
      },
    });
    expect(plan.nextAt).toBe(seen + 30 * SECOND + 4 * HOUR);
  });

  it('uses Alertmanager’s timings by default: 30 s wait, 5 min interval, 4 h repeat', () => {
    expect(DEFAULT_NOTIFICATION_POLICY).toEqual({
      groupWaitMs: 30 * SECOND,
      groupIntervalMs: 5 * MINUTE,
      repeatIntervalMs: 4 * HOUR,
      ackTimeoutMs: 4 * HOUR,
    });
    const plan = planner(DEFAULT_NOTIFICATION_POLICY);
    plan.at([alert('O1')], T0);
    expect(plan.nextAt).toBe(T0 + 30 * SECOND);
    expect(plan.at([alert('O1')], T0 + 30 * SECOND)).toEqual(['initial:0:O1/']);
    expect(plan.nextAt).toBe(T0 + 30 * SECOND + 4 * HOUR);
  });

  it('keeps no state, and plans nothing, for a group with nothing needing attention', () => {
    const plan = planner();
    expect(plan.at([acked('O1', T0), done('O2', T0)], T0)).toEqual([]);
    expect(plan.state).toStrictEqual({});
  });

  it('takes each group’s own policy when given a function', () => {
    const plan = planner((g) => (g.labels.store_id === 'S02' ? { ...policy, groupWaitMs: 0 } : policy));
    const alerts = [alert('O1'), alert('O2', { storeId: 'S02' })];
    expect(plan.at(alerts, T0)).toEqual(['initial:0:O2/']);
    expect(plan.nextAt).toBe(T0 + 30 * SECOND);
    expect(plan.at(alerts, T0 + 30 * SECOND)).toEqual(['initial:0:O1/']);
  });
});

describe('after the first notification', () => {
  const sent = T0 + 30 * SECOND;
  const notified = () => {
    const plan = planner();
    plan.at([alert('O1')], T0);
    expect(plan.at([alert('O1')], sent)).toEqual(['initial:0:O1/']);
    return plan;
  };

  it('notifies a new alert groupInterval after the previous notification', () => {
    const plan = notified();
    const both = [alert('O1'), alert('O2')];
    expect(plan.at(both, sent + MINUTE)).toEqual([]);
    expect(plan.nextAt).toBe(sent + 5 * MINUTE);
    expect(plan.at(both, sent + 5 * MINUTE - 1)).toEqual([]);
    expect(plan.at(both, sent + 5 * MINUTE)).toEqual(['changed:0:O1,O2/']);
    expect(plan.nextAt).toBe(sent + 5 * MINUTE + 4 * HOUR);
  });

  it('repeats an unchanged group every repeatInterval, and nothing before', () => {
    const plan = notified();
    expect(plan.at([alert('O1')], sent + 4 * HOUR - 1)).toEqual([]);
    expect(plan.nextAt).toBe(sent + 4 * HOUR);
    expect(plan.at([alert('O1')], sent + 4 * HOUR)).toEqual(['repeat:0:O1/']);
    expect(plan.state[Object.keys(plan.state)[0]!]!.lastNotifiedAt).toBe(sent + 4 * HOUR);
  });

  it('reports a notified alert resolved once, with the others still firing as a change', () => {
    const plan = planner();
    plan.at([alert('O1'), alert('O2')], T0);
    plan.at([alert('O1'), alert('O2')], sent);
    const later = sent + 5 * MINUTE;
    expect(plan.at([alert('O1'), done('O2', later)], later)).toEqual(['changed:0:O1/O2']);
    expect(plan.at([alert('O1'), done('O2', later)], later + 5 * MINUTE)).toEqual([]);
  });

  it('reports the last alert resolved as "resolved", then forgets the group', () => {
    const plan = notified();
    expect(plan.at([done('O1', sent + MINUTE)], sent + MINUTE)).toEqual([]);
    expect(plan.nextAt).toBe(sent + 5 * MINUTE);
    expect(plan.at([done('O1', sent + MINUTE)], sent + 5 * MINUTE)).toEqual(['resolved:0:/O1']);
    expect(plan.state).toStrictEqual({});
    expect(plan.nextAt).toBeUndefined();
  });

  it('does not report an alert resolved that no notification reported firing', () => {
    const plan = notified();
    expect(plan.at([alert('O1'), done('O9', sent)], sent + 5 * MINUTE)).toEqual([]);
    expect(plan.nextAt).toBe(sent + 4 * HOUR);
  });

  it('stops repeating a group whose alerts are all acknowledged, and wakes when the acknowledgement expires', () => {
    const plan = notified();
    const ackAt = sent + MINUTE;
    expect(plan.at([acked('O1', ackAt)], ackAt)).toEqual([]);
    const key = Object.keys(plan.state)[0]!;
    // Forgotten, so that when the acknowledgement expires the alert counts as new again.
    expect(plan.state[key]!.notifiedIds).toEqual([]);
    expect(plan.nextAt).toBe(ackAt + 30 * MINUTE);
    const late = sent + 4 * HOUR;
    expect(plan.at([acked('O1', late - MINUTE)], late)).toEqual([]);
    expect(plan.nextAt).toBe(late - MINUTE + 30 * MINUTE);
  });

  it('notifies an expired acknowledgement as "ack_timeout" next to a firing alert already reported', () => {
    const plan = planner();
    plan.at([alert('O1'), alert('O2')], T0);
    plan.at([alert('O1'), alert('O2')], sent);
    const ackAt = sent + MINUTE;
    plan.at([alert('O1'), acked('O2', ackAt)], ackAt);
    expect(plan.at([alert('O1'), acked('O2', ackAt)], ackAt + 30 * MINUTE)).toEqual(['ack_timeout:0:O1,O2/']);
  });

  it('after reporting the last firing alert resolved, wakes for the acknowledged one, not to repeat', () => {
    const plan = planner({ ...policy, ackTimeoutMs: 8 * HOUR });
    plan.at([alert('O1'), alert('O2')], T0);
    plan.at([alert('O1'), alert('O2')], sent);
    const at = sent + 5 * MINUTE;
    expect(plan.at([done('O1', at), acked('O2', at)], at)).toEqual(['resolved:0:/O1']);
    expect(plan.nextAt).toBe(at + 8 * HOUR);
  });

  it('keeps a held group’s state as it was and sends nothing while its store is closed', () => {
    const plan = notified();
    const before = plan.state;
    const closed = () => false;
    expect(plan.at([alert('O1'), alert('O2')], sent + 4 * HOUR, closed)).toEqual([]);
    expect(plan.state).toStrictEqual(before);
    expect(plan.nextAt).toBeUndefined();
    expect(plan.at([alert('O1'), alert('O2')], sent + 4 * HOUR + MINUTE)).toEqual(['changed:0:O1,O2/']);
  });

  it('keeps no state for a held group seen for the first time', () => {
    const plan = planner();
    expect(plan.at([alert('O1')], T0, () => false)).toEqual([]);
    expect(plan.state).toStrictEqual({});
  });
});

describe('escalation', () => {
  const escalating = { ...policy, escalateAfterMs: 15 * MINUTE };

  it('goes to level 1 by default and no further', () => {
    const plan = planner(escalating);
    plan.at([alert('O1')], T0);
    expect(plan.at([alert('O1')], T0 + 30 * SECOND)).toEqual(['initial:0:O1/']);
    expect(plan.nextAt).toBe(T0 + 15 * MINUTE);
    expect(plan.at([alert('O1')], T0 + 15 * MINUTE)).toEqual(['escalation:1:O1/']);
    expect(plan.nextAt).toBe(T0 + 15 * MINUTE + 4 * HOUR);
    expect(plan.at([alert('O1')], T0 + 45 * MINUTE)).toEqual([]);
    expect(plan.at([alert('O1')], T0 + 15 * MINUTE + 4 * HOUR)).toEqual(['repeat:1:O1/']);
  });

  it('counts from the earliest firing of an unacknowledged alert, not from when the condition started', () => {
    const plan = planner(escalating);
    const firedAt = T0 + 10 * MINUTE;
    const alerts = [
      alert('O1', { startedAt: T0 - HOUR, firingAt: firedAt + MINUTE }),
      alert('O2', { startedAt: T0 - HOUR, firingAt: firedAt }),
      acked('O3', firedAt, { firingAt: T0 - HOUR }),
    ];
    plan.at(alerts, firedAt);
    expect(plan.at(alerts, firedAt + 30 * SECOND)).toEqual(['initial:0:O1,O2/']);
    expect(plan.nextAt).toBe(firedAt + 15 * MINUTE);
    expect(plan.at(alerts, firedAt + 15 * MINUTE - 1)).toEqual([]);
    expect(plan.at(alerts, firedAt + 15 * MINUTE)).toEqual(['escalation:1:O1,O2/']);
  });

  it('steps one level per escalateAfter up to maxLevel, waking at each step', () => {
    const plan = planner({ ...escalating, maxLevel: 3 });
    plan.at([alert('O1')], T0);
    plan.at([alert('O1')], T0 + 30 * SECOND);
    expect(plan.at([alert('O1')], T0 + 16 * MINUTE)).toEqual(['escalation:1:O1/']);
    expect(plan.nextAt).toBe(T0 + 30 * MINUTE);
    expect(plan.at([alert('O1')], T0 + 46 * MINUTE)).toEqual(['escalation:3:O1/']);
    expect(plan.nextAt).toBe(T0 + 46 * MINUTE + 4 * HOUR);
  });

  it('sends the first notification at the level already reached, as "initial"', () => {
    const plan = planner(escalating);
    const seen = T0 + 20 * MINUTE;
    expect(plan.at([alert('O1')], seen)).toEqual([]);
    expect(plan.at([alert('O1')], seen + 30 * SECOND)).toEqual(['initial:1:O1/']);
    expect(plan.state[Object.keys(plan.state)[0]!]!.level).toBe(1);
  });

  it('never escalates without escalateAfter, nor a group whose alerts are all acknowledged', () => {
    const plan = planner();
    plan.at([alert('O1')], T0);
    plan.at([alert('O1')], T0 + 30 * SECOND);
    expect(plan.at([alert('O1')], T0 + 3 * HOUR)).toEqual([]);
    expect(plan.nextAt).toBe(T0 + 30 * SECOND + 4 * HOUR);

    const quiet = planner(escalating);
    quiet.at([alert('O1')], T0);
    quiet.at([alert('O1')], T0 + 30 * SECOND);
    expect(quiet.at([acked('O1', T0 + MINUTE)], T0 + 20 * MINUTE)).toEqual([]);
    expect(quiet.nextAt).toBe(T0 + 31 * MINUTE);
  });
});

describe('the next wake-up over several groups', () => {
  it('is the earliest of the groups’ times, whatever their order', () => {
    const plan = planner();
    const s1 = [alert('O1')];
    plan.at(s1, T0);
    plan.at(s1, T0 + 30 * SECOND);
    const both = [alert('O1'), alert('O2', { storeId: 'S02' })];
    expect(plan.at(both, T0 + HOUR)).toEqual([]);
    expect(plan.nextAt).toBe(T0 + HOUR + 30 * SECOND);
    const reversed = [alert('O2', { storeId: 'S00' }), alert('O1')];
    const other = planner();
    other.at([alert('O1')], T0);
    other.at([alert('O1')], T0 + 30 * SECOND);
    expect(other.at(reversed, T0 + HOUR)).toEqual([]);
    expect(other.nextAt).toBe(T0 + HOUR + 30 * SECOND);
  });
});
