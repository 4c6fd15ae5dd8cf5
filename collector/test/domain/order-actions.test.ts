// The decisions behind a custom rule's actions, pure: which tags a signal puts on its order, and
// when an acknowledgement is the approval a rule asked for.
import { describe, expect, it } from 'vitest';
import type { Alert } from '../../src/domain/alerts/alert.ts';
import { approvalByAck, approvalOf } from '../../src/domain/alerts/approval.ts';
import { acknowledge } from '../../src/domain/alerts/lifecycle.ts';
import { orderTagging } from '../../src/domain/rules/order-tagging.ts';
import type { Signal } from '../../src/domain/rules/signal.ts';

const signal = (extra: Partial<Signal> = {}): Signal => ({
  rule: 'remote_high_value',
  entityType: 'order',
  entityId: 'O-1',
  storeId: 'S1',
  condition: 'firing',
  severity: 'warning',
  at: 1_000,
  summary: { zh: '偏远地区高额订单', en: 'High-value order to a remote region' },
  labels: { route: 'supervisor', tags: 'priority,large,priority' },
  ...extra,
});

const alert = (extra: Partial<Alert> = {}): Alert => ({
  id: 'A1',
  rule: 'remote_high_value',
  severity: 'warning',
  status: 'firing',
  entityType: 'order',
  entityId: 'O-1',
  storeId: 'S1',
  summary: { zh: 'x', en: 'x' },
  labels: { requires_approval: 'true' },
  startedAt: 1_000,
  firingAt: 1_000,
  updatedAt: 1_000,
  resolvedAt: undefined,
  acknowledgedAt: undefined,
  acknowledgedBy: undefined,
  ackNote: undefined,
  reopenCount: 0,
  ...extra,
});

describe('order tagging', () => {
  it('puts the rule’s tags on the order when its condition starts to hold, once each', () => {
    expect(orderTagging(signal())).toEqual({
      orderId: 'O-1',
      tags: ['priority', 'large'],
      rule: 'remote_high_value',
    });
  });

  it('tags nothing when the condition clears, for other entities, or without tags', () => {
    expect(orderTagging(signal({ condition: 'resolved' }))).toBeUndefined();
    expect(orderTagging(signal({ entityType: 'shipment' }))).toBeUndefined();
    expect(orderTagging(signal({ labels: { route: 'supervisor' } }))).toBeUndefined();
    expect(orderTagging(signal({ labels: { tags: '' } }))).toBeUndefined();
  });
});

describe('approval', () => {
  it('awaits until acknowledged, then names the approver; lapses if it resolves unapproved', () => {
    expect(approvalOf(alert())).toEqual({ state: 'awaiting' });
    expect(
      approvalOf(alert({ acknowledgedBy: 'wang', acknowledgedAt: 5_000, status: 'acknowledged' })),
    ).toEqual({
      state: 'approved',
      by: 'wang',
      at: 5_000,
    });
    expect(approvalOf(alert({ status: 'resolved', resolvedAt: 9_000 }))).toEqual({ state: 'lapsed' });
    expect(approvalOf(alert({ labels: {} }))).toBeUndefined();
  });

  it('takes the first acknowledgement as the approval and keeps its approver on later ones', () => {
    const before = alert();
    const first = acknowledge(before, 'wang', 'ok', 5_000);
    if (!first.ok) throw new Error('not acknowledged');
    const approved = approvalByAck(before, first.alert);
    expect(approved.approval).toBe(true);
    expect(approved.alert.acknowledgedBy).toBe('wang');

    const second = acknowledge(approved.alert, 'li', 'still ok', 6_000);
    if (!second.ok) throw new Error('not acknowledged');
    const again = approvalByAck(approved.alert, second.alert);
    expect(again.approval).toBe(false);
    expect(again.alert).toMatchObject({ acknowledgedBy: 'wang', acknowledgedAt: 5_000, ackNote: 'still ok' });
  });

  it('is no approval for a rule that needs none', () => {
    const before = alert({ labels: {} });
    const acked = acknowledge(before, 'wang', undefined, 5_000);
    if (!acked.ok) throw new Error('not acknowledged');
    expect(approvalByAck(before, acked.alert)).toEqual({ approval: false, alert: acked.alert });
  });
});
