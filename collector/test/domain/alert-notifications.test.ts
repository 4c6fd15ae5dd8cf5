import { describe, expect, it } from 'vitest';
import type { Alert } from '../../src/domain/alerts/alert.ts';
import { groupAlerts } from '../../src/domain/alerts/grouping.ts';
import { acknowledge, applySignal } from '../../src/domain/alerts/lifecycle.ts';
import {
  type NotificationPolicy,
  type NotificationState,
  planNotifications,
} from '../../src/domain/alerts/notification-plan.ts';
import { RuleEngine } from '../../src/domain/rules/engine.ts';
import { DEFAULT_RULE_PARAMS } from '../../src/domain/rules/params.ts';
import type { Signal } from '../../src/domain/rules/signal.ts';
import { HOUR, MINUTE, orderStatus, SECOND, T0 } from './fixtures.ts';

const policy: NotificationPolicy = {
  groupWaitMs: 30 * SECOND,
  groupIntervalMs: 5 * MINUTE,
  repeatIntervalMs: 4 * HOUR,
  ackTimeoutMs: 30 * MINUTE,
  escalateAfterMs: 15 * MINUTE,
  maxLevel: 2,
};

/** The integration layer in miniature: signals → alerts keyed by (rule, entity). */
class AlertBook {
  readonly byEntity = new Map<string, Alert>();
  private n = 0;
  constructor(private readonly engine: RuleEngine) {}
  apply(signals: Signal[], now: number) {
    for (const s of signals) {
      const key = `${s.rule}|${s.entityId}`;
      const t = applySignal(
        this.byEntity.get(key),
        s,
        this.engine.ruleTiming(s.rule),
        now,
        () => `A${++this.n}`,
      );
      if (t.alert) this.byEntity.set(key, t.alert);
    }
  }
  get alerts() {
    return [...this.byEntity.values()];
  }
  replace(alert: Alert) {
    this.byEntity.set(`${alert.rule}|${alert.entityId}`, alert);
  }
}

function stalledOrders(stores: number, perStore: number) {
  const engine = new RuleEngine(DEFAULT_RULE_PARAMS);
  const book = new AlertBook(engine);
  for (let s = 0; s < stores; s++) {
    for (let i = 0; i < perStore; i++) {
      const at = T0 + (s * perStore + i) * 10; // all paid within a few seconds
      book.apply(engine.ingest(orderStatus(`S${s}-O${i}`, 'paid', at, { storeId: `S${s}` }), at), at);
    }
  }
  return { engine, book };
}

describe('grouping and notification timing', () => {
  it('800 simultaneous stalls in 40 stores are 40 groups and 40 notifications, not 800', () => {
    const { engine, book } = stalledOrders(40, 20);
    const now = T0 + 2 * MINUTE + 10 * SECOND;
    book.apply(engine.tick(now), now);
    expect(book.alerts.filter((a) => a.status === 'firing')).toHaveLength(800);

    const groups = groupAlerts(book.alerts, now);
    expect(groups).toHaveLength(40);
    const s7 = groups.find((g) => g.labels.store_id === 'S7')!;
    expect(s7).toMatchObject({
      count: 20,
      firingCount: 20,
      labels: { rule: 'order_stalled', store_id: 'S7' },
    });
    expect(s7.sampleEntityIds).toEqual(['S7-O0', 'S7-O1', 'S7-O2', 'S7-O3', 'S7-O4']);
    expect(s7.oldestAgeMs).toBe(now - (T0 + 140 * 10 + 2 * MINUTE));

    const first = planNotifications(groups, {}, now, policy);
    expect(first.notifications).toEqual([]);
    expect(first.nextAt).toBe(now + 30 * SECOND);
    const sent = planNotifications(groups, first.state, now + 30 * SECOND, policy);
    expect(sent.notifications).toHaveLength(40);
    expect(new Set(sent.notifications.map((n) => n.reason))).toEqual(new Set(['initial']));
    expect(sent.notifications.reduce((sum, n) => sum + n.firing.length, 0)).toBe(800);
    // Nothing new: quiet until the repeat interval (or escalation).
    const quiet = planNotifications(groups, sent.state, now + 10 * MINUTE, policy);
    expect(quiet.notifications).toEqual([]);
  });

  it('repeated events and ticks keep exactly one alert per (rule, entity)', () => {
    const engine = new RuleEngine(DEFAULT_RULE_PARAMS);
    const book = new AlertBook(engine);
    for (let i = 0; i < 5; i++) {
      const now = T0 + 3 * MINUTE + i * SECOND;
      book.apply(engine.ingest(orderStatus('O1', 'paid', T0), now), now);
      book.apply(engine.ingest(orderStatus('O1', 'paid', T0 + i), now), now);
      book.apply(engine.tick(now), now);
    }
    expect(book.alerts.map((a) => [a.id, a.rule, a.entityId, a.status])).toEqual([
      ['A1', 'order_stalled', 'O1', 'firing'],
    ]);
  });

  it('grouping is configurable: by rule only, all 800 stalls are one group', () => {
    const { engine, book } = stalledOrders(40, 20);
    book.apply(engine.tick(T0 + 3 * MINUTE), T0 + 3 * MINUTE);
    const groups = groupAlerts(book.alerts, T0 + 3 * MINUTE, { groupBy: ['rule'] });
    expect(groups.map((g) => [g.labels, g.count])).toEqual([[{ rule: 'order_stalled' }, 800]]);
  });

  it('a changed group waits group_interval, an unchanged one repeat_interval; resolution is notified once', () => {
    const { engine, book } = stalledOrders(1, 2);
    let now = T0 + 2 * MINUTE + SECOND;
    book.apply(engine.tick(now), now);
    let state: NotificationState = {};
    const plan = (at: number) => {
      const p = planNotifications(groupAlerts(book.alerts, at), state, at, {
        ...policy,
        escalateAfterMs: undefined,
      });
      state = p.state;
      return p.notifications.map((n) => `${n.reason}:${n.firing.length}/${n.resolved.length}`);
    };
    expect(plan(now)).toEqual([]);
    expect(plan(now + 30 * SECOND)).toEqual(['initial:2/0']);
    now += MINUTE;
    book.apply(engine.ingest(orderStatus('S0-O9', 'paid', now - 3 * MINUTE, { storeId: 'S0' }), now), now);
    expect(plan(now)).toEqual([]);
    expect(plan(T0 + 2 * MINUTE + SECOND + 30 * SECOND + 5 * MINUTE)).toEqual(['changed:3/0']);
    now = T0 + 20 * MINUTE;
    book.apply(engine.ingest(orderStatus('S0-O0', 'picking', now), now), now);
    expect(plan(now)).toEqual(['changed:2/1']);
    expect(plan(now + HOUR)).toEqual([]);
    expect(plan(now + 4 * HOUR)).toEqual(['repeat:2/0']);
  });

  it('acknowledged alerts stop repeating, re-notify after ackTimeout if still open, and the ack clears on recovery', () => {
    const { engine, book } = stalledOrders(1, 1);
    const fireAt = T0 + 2 * MINUTE;
    book.apply(engine.tick(fireAt), fireAt);
    const noEscalation = { ...policy, escalateAfterMs: undefined };
    let p = planNotifications(groupAlerts(book.alerts, fireAt), {}, fireAt, noEscalation);
    p = planNotifications(groupAlerts(book.alerts, fireAt), p.state, fireAt + 30 * SECOND, noEscalation);
    expect(p.notifications.map((n) => n.reason)).toEqual(['initial']);

    const ackAt = fireAt + MINUTE;
    const acked = acknowledge(book.alerts[0]!, 'ops-wang', 'on it', ackAt);
    if (!acked.ok) throw new Error('ack refused');
    book.replace(acked.alert);
    p = planNotifications(groupAlerts(book.alerts, ackAt), p.state, ackAt, noEscalation);
    expect(p.notifications).toEqual([]);
    expect(p.nextAt).toBe(ackAt + 30 * MINUTE);
    p = planNotifications(
      groupAlerts(book.alerts, ackAt + 30 * MINUTE - 1),
      p.state,
      ackAt + 30 * MINUTE - 1,
      noEscalation,
    );
    expect(p.notifications).toEqual([]);
    p = planNotifications(
      groupAlerts(book.alerts, ackAt + 30 * MINUTE),
      p.state,
      ackAt + 30 * MINUTE,
      noEscalation,
    );
    expect(p.notifications.map((n) => [n.reason, n.firing[0]!.status])).toEqual([
      ['ack_timeout', 'acknowledged'],
    ]);

    const recoverAt = ackAt + 40 * MINUTE;
    book.apply(
      engine.ingest(orderStatus('S0-O0', 'picking', recoverAt, { storeId: 'S0' }), recoverAt),
      recoverAt,
    );
    expect(book.alerts[0]).toMatchObject({ status: 'resolved', acknowledgedAt: undefined });
    p = planNotifications(groupAlerts(book.alerts, recoverAt), p.state, recoverAt + 5 * MINUTE, noEscalation);
    expect(p.notifications.map((n) => n.reason)).toEqual(['resolved']);
    expect(p.state).toEqual({});
  });

  it('escalates to the next route level when nobody acknowledges within escalateAfter, up to maxLevel', () => {
    const { engine, book } = stalledOrders(1, 1);
    const fireAt = T0 + 2 * MINUTE;
    book.apply(engine.tick(fireAt), fireAt);
    const at = (t: number, state: NotificationState) =>
      planNotifications(groupAlerts(book.alerts, t), state, t, policy);
    let p = at(fireAt + 30 * SECOND, at(fireAt, {}).state);
    expect(p.notifications.map((n) => [n.reason, n.level])).toEqual([['initial', 0]]);
    expect(p.nextAt).toBe(fireAt + 15 * MINUTE);
    p = at(fireAt + 15 * MINUTE - 1, p.state);
    expect(p.notifications).toEqual([]);
    p = at(fireAt + 15 * MINUTE, p.state);
    expect(p.notifications.map((n) => [n.reason, n.level])).toEqual([['escalation', 1]]);
    p = at(fireAt + 30 * MINUTE, p.state);
    expect(p.notifications.map((n) => [n.reason, n.level])).toEqual([['escalation', 2]]);
    p = at(fireAt + 60 * MINUTE, p.state);
    expect(p.notifications).toEqual([]);
  });

  it('an acknowledged group does not escalate', () => {
    const { engine, book } = stalledOrders(1, 1);
    const fireAt = T0 + 2 * MINUTE;
    book.apply(engine.tick(fireAt), fireAt);
    let p = planNotifications(groupAlerts(book.alerts, fireAt), {}, fireAt, policy);
    p = planNotifications(groupAlerts(book.alerts, fireAt), p.state, fireAt + 30 * SECOND, policy);
    expect(p.notifications).toHaveLength(1);
    const acked = acknowledge(book.alerts[0]!, 'ops', undefined, fireAt + 5 * MINUTE);
    if (!acked.ok) throw new Error('ack refused');
    book.replace(acked.alert);
    p = planNotifications(
      groupAlerts(book.alerts, fireAt + 16 * MINUTE),
      p.state,
      fireAt + 16 * MINUTE,
      policy,
    );
    expect(p.notifications).toEqual([]);
  });
});
