// The fields of one alert group, each at the edge that sets it: open members oldest first (ties by
// entity id), the counts by status, the highest severity, the sample, and the groups' own order.
import { describe, expect, it } from 'vitest';
import type { Alert } from '../../src/domain/alerts/alert.ts';
import { DEFAULT_GROUP_BY, GROUP_BY_ALL, groupAlerts } from '../../src/domain/alerts/grouping.ts';
import { matchersFromObject, type Silence } from '../../src/domain/alerts/silences.ts';

const T0 = Date.parse('2026-11-11T04:00:00Z');

function alert(extra: Partial<Alert>): Alert {
  return {
    id: extra.entityId ?? 'A',
    rule: 'order_stalled',
    severity: 'warning',
    status: 'firing',
    entityType: 'order',
    entityId: 'O1',
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

describe('groupAlerts, one group', () => {
  const members = [
    alert({ entityId: 'O3', startedAt: T0 + 2000, severity: 'info' }),
    alert({ entityId: 'O2', startedAt: T0 + 1000, status: 'acknowledged', severity: 'critical' }),
    alert({ entityId: 'O1', startedAt: T0 + 1000, severity: 'warning' }),
    alert({ entityId: 'O0', startedAt: T0, status: 'resolved', severity: 'critical' }),
  ];

  it('lists the open members oldest first, a tie by entity id, and keeps the resolved apart', () => {
    const [group] = groupAlerts(members, T0 + 10_000, { sampleSize: 2 });
    expect(group!.open.map((a) => a.entityId)).toEqual(['O1', 'O2', 'O3']);
    expect(group!.resolved.map((a) => a.entityId)).toEqual(['O0']);
    expect(group!.sampleEntityIds).toEqual(['O1', 'O2']);
    expect(group).toMatchObject({
      count: 3,
      firingCount: 2,
      acknowledgedCount: 1,
      oldestStartedAt: T0 + 1000,
      oldestAgeMs: 9000,
    });
  });

  it('takes the highest severity of the open members, whatever order they come in', () => {
    expect(groupAlerts(members, T0)[0]!.severity).toBe('critical');
    expect(groupAlerts(members.toReversed(), T0)[0]!.severity).toBe('critical');
    const noCritical = members.filter((a) => a.entityId !== 'O2');
    expect(groupAlerts(noCritical, T0)[0]!.severity).toBe('warning');
    expect(groupAlerts(noCritical.toReversed(), T0)[0]!.severity).toBe('warning');
  });

  it('has no oldest time or severity when every member is resolved', () => {
    const [group] = groupAlerts([members[3]!], T0);
    expect(group).toMatchObject({
      count: 0,
      oldestStartedAt: undefined,
      oldestAgeMs: undefined,
      severity: undefined,
    });
  });
});

describe('groupAlerts, several groups', () => {
  it('orders the groups by key, and one key does not depend on the order of the group-by labels', () => {
    const alerts = [alert({ storeId: 'S02', entityId: 'O1' }), alert({ storeId: 'S01', entityId: 'O2' })];
    expect(groupAlerts(alerts, T0).map((g) => g.labels.store_id)).toEqual(['S01', 'S02']);
    const a = groupAlerts(alerts, T0, { groupBy: ['rule', 'store_id'] }).map((g) => g.key);
    const b = groupAlerts(alerts, T0, { groupBy: ['store_id', 'rule'] }).map((g) => g.key);
    expect(a).toEqual(b);
  });

  it('groups nothing together under the "..." group-by, which takes every label', () => {
    const alerts = [alert({ entityId: 'O1' }), alert({ entityId: 'O2' })];
    expect(GROUP_BY_ALL).toBe('...');
    expect(groupAlerts(alerts, T0, { groupBy: [GROUP_BY_ALL] })).toHaveLength(2);
  });
});

describe('groupAlerts, what goes in and what is held', () => {
  const silence = (store: string): Silence => ({
    id: 'X1',
    matchers: matchersFromObject({ store_id: store }),
    startsAt: T0,
    endsAt: T0 + 60_000,
    createdBy: 'ops',
    comment: '',
  });

  it('groups by rule and store by default, a missing label reading as empty', () => {
    expect(DEFAULT_GROUP_BY).toEqual(['rule', 'store_id']);
    const [group] = groupAlerts([alert({ storeId: null, entityId: 'P1' })], T0);
    expect(group!.labels).toStrictEqual({ rule: 'order_stalled', store_id: '' });
    const [byAll] = groupAlerts([alert({ labels: { status: 'paid' } })], T0, { groupBy: [GROUP_BY_ALL] });
    expect(byAll!.labels).toStrictEqual({
      status: 'paid',
      rule: 'order_stalled',
      severity: 'warning',
      entity_type: 'order',
      entity_id: 'O1',
      store_id: 'S01',
    });
  });

  it('leaves pending alerts out, and silenced open ones, but keeps a silenced resolved one', () => {
    const alerts = [
      alert({ entityId: 'O1', status: 'pending', firingAt: undefined }),
      alert({ entityId: 'O2' }),
      alert({ entityId: 'O3', status: 'resolved' }),
    ];
    const [group] = groupAlerts(alerts, T0);
    expect(group!.open.map((a) => a.entityId)).toEqual(['O2']);
    expect(groupAlerts([alerts[0]!], T0)).toEqual([]);
    const silenced = groupAlerts(alerts, T0, { silences: [silence('S01')] });
    expect(silenced.map((g) => [g.open.length, g.resolved.map((a) => a.entityId)])).toEqual([[0, ['O3']]]);
    expect(groupAlerts(alerts, T0, { silences: [silence('S02')] })[0]!.open).toHaveLength(1);
  });

  it('holds a group whose store is closed, never one without a store', () => {
    const onlyS02Open = (store: string) => store === 'S02';
    const alerts = [
      alert({ entityId: 'O1' }),
      alert({ entityId: 'O2', storeId: 'S02' }),
      alert({ entityId: 'P1', storeId: null }),
    ];
    const held = groupAlerts(alerts, T0, { storeOpen: onlyS02Open }).map((g) => [g.labels.store_id, g.held]);
    expect(held).toEqual([
      ['', false],
      ['S01', true],
      ['S02', false],
    ]);
    expect(groupAlerts(alerts, T0).every((g) => !g.held)).toBe(true);
    const byRule = groupAlerts(alerts, T0, { groupBy: ['rule'], storeOpen: () => false });
    expect(byRule.map((g) => g.held)).toEqual([false]);
  });
});

describe('groupAlerts, the groups of several rules and stores', () => {
  const alerts = [
    alert({ rule: 'payment_unapplied', storeId: 'S01', entityId: 'O1' }),
    alert({ rule: 'order_stalled', storeId: 'S02', entityId: 'O2' }),
    alert({ rule: 'payment_unapplied', storeId: 'S02', entityId: 'O3' }),
    alert({ rule: 'order_stalled', storeId: 'S01', entityId: 'O4' }),
  ];

  it('orders them by their labels taken in name order: rule first, then store', () => {
    for (const groupBy of [
      ['rule', 'store_id'],
      ['store_id', 'rule'],
    ]) {
      expect(groupAlerts(alerts, T0, { groupBy }).map((g) => [g.labels.rule, g.labels.store_id])).toEqual([
        ['order_stalled', 'S01'],
        ['order_stalled', 'S02'],
        ['payment_unapplied', 'S01'],
        ['payment_unapplied', 'S02'],
      ]);
    }
  });

  it('keys a group by its label pairs in name order', () => {
    const [first] = groupAlerts(alerts, T0, { groupBy: ['store_id', 'rule'] });
    expect(JSON.parse(first!.key)).toEqual([
      ['rule', 'order_stalled'],
      ['store_id', 'S01'],
    ]);
  });
});
