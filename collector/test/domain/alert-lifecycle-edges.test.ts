// The alert lifecycle at its boundaries: the last millisecond of the cool-down, `for` of zero and
// its exact end, the operator refusals, what counts as a change, and recovery clearing the ack.
import { describe, expect, it } from 'vitest';
import type { Alert } from '../../src/domain/alerts/alert.ts';
import {
  acknowledge,
  applySignal,
  pendingFiresAt,
  promotePending,
  resolveByOperator,
} from '../../src/domain/alerts/lifecycle.ts';
import type { Signal } from '../../src/domain/rules/signal.ts';

const firing = (at: number, over: Partial<Signal> = {}): Signal => ({
  rule: 'order_stalled',
  entityType: 'order',
  entityId: 'O1',
  storeId: 'S1',
  condition: 'firing',
  severity: 'warning',
  at,
  summary: { zh: '卡单', en: 'stalled' },
  labels: { status: 'paid' },
  ...over,
});
const resolved = (at: number): Signal => ({ ...firing(at), condition: 'resolved' });
const timing = (forMs = 0, coolDownMs = 1000) => ({ forMs, coolDownMs });
let ids = 0;
const newId = () => `A${++ids}`;

const open = (at: number, forMs = 0, now = at): Alert =>
  applySignal(undefined, firing(at), timing(forMs), now, newId).alert!;

describe('opening and the cool-down', () => {
  it('fires at once with `for` 0, and is pending until `for` has passed since the start', () => {
    expect(open(100)).toMatchObject({ status: 'firing', firingAt: 100, startedAt: 100, reopenCount: 0 });
    expect(open(100, 50, 149)).toMatchObject({ status: 'pending', firingAt: undefined });
    expect(open(100, 50, 150)).toMatchObject({ status: 'firing', firingAt: 150 });
  });

  it('re-opens the same alert until the last millisecond of the cool-down, then opens a new one', () => {
    const alert = open(100);
    const done = applySignal(alert, resolved(200), timing(), 200, newId).alert!;
    expect(done).toMatchObject({ status: 'resolved', resolvedAt: 200 });
    const again = applySignal(done, firing(1199), timing(), 1300, newId);
    expect(again.kind).toBe('reopen');
    expect(again.alert).toMatchObject({
      id: alert.id,
      status: 'firing',
      firingAt: 1300,
      resolvedAt: undefined,
      reopenCount: 1,
      startedAt: 100,
    });
    const fresh = applySignal(done, firing(1200), timing(), 1300, newId);
    expect(fresh.kind).toBe('open');
    expect(fresh.alert!.id).not.toBe(alert.id);
  });

  it('does not re-open an alert that never fired (a discarded pending one)', () => {
    const pending = open(100, 500, 100);
    const discarded = applySignal(pending, resolved(200), timing(500), 200, newId);
    expect(discarded.kind).toBe('discard');
    expect(applySignal(discarded.alert, firing(300), timing(500), 300, newId).kind).toBe('open');
  });
});

describe('an open alert', () => {
  it('changes for a new severity, either summary text or different labels, and not for the same ones', () => {
    const alert = open(100);
    const same = applySignal(alert, firing(100, { labels: { status: 'paid' } }), timing(), 150, newId);
    expect(same).toEqual({ kind: 'none', alert });
    const changes: Partial<Signal>[] = [
      { severity: 'critical' as const },
      { summary: { zh: '变了', en: 'stalled' } },
      { summary: { zh: '卡单', en: 'changed' } },
      { labels: { status: 'picking' } },
      { labels: { status: 'paid', more: 'x' } },
      { labels: {} },
    ];
    const two = applySignal(
      undefined,
      firing(100, { labels: { status: 'paid', region: 'x' } }),
      timing(),
      100,
      newId,
    ).alert!;
    const oneDiffers = applySignal(
      two,
      firing(100, { labels: { status: 'paid', region: 'y' } }),
      timing(),
      150,
      newId,
    );
    expect(oneDiffers.kind).toBe('update');
    for (const change of changes) {
      const next = applySignal(alert, firing(100, change), timing(), 150, newId);
      expect(next.kind, JSON.stringify(change)).toBe('update');
      expect(next.alert).toMatchObject({ ...change, updatedAt: 150, status: 'firing' });
    }
  });

  it('moves its start back for a late event showing it began earlier, never forward', () => {
    const alert = open(100);
    expect(applySignal(alert, firing(90), timing(), 150, newId).alert).toMatchObject({ startedAt: 90 });
    expect(applySignal(alert, firing(120), timing(), 150, newId)).toEqual({ kind: 'none', alert });
  });

  it('fires a pending alert on a signal at exactly `for` after its start', () => {
    const pending = open(100, 50, 100);
    expect(applySignal(pending, firing(100), timing(50), 149, newId).kind).toBe('none');
    expect(applySignal(pending, firing(100), timing(50), 150, newId)).toMatchObject({
      kind: 'fire',
      alert: { status: 'firing', firingAt: 150 },
    });
    expect(promotePending(pending, timing(50), 149).kind).toBe('none');
    expect(promotePending(pending, timing(50), 150).alert).toMatchObject({ status: 'firing', firingAt: 150 });
    expect(pendingFiresAt(pending, timing(50))).toBe(150);
    expect(pendingFiresAt(open(100), timing(50))).toBeUndefined();
    expect(promotePending(open(100), timing(50), 500).kind).toBe('none');
  });

  it('resolves no earlier than it started, and a resolved one stays as it is', () => {
    const alert = open(100);
    const done = applySignal(alert, resolved(50), timing(), 300, newId);
    expect(done).toMatchObject({ kind: 'resolve', alert: { resolvedAt: 100, updatedAt: 300 } });
    expect(applySignal(done.alert, resolved(400), timing(), 400, newId)).toEqual({
      kind: 'none',
      alert: done.alert,
    });
    expect(applySignal(undefined, resolved(400), timing(), 400, newId)).toEqual({
      kind: 'none',
      alert: undefined,
    });
  });
});

describe('operators', () => {
  it('acknowledge only a firing alert, keeping the first time and the last note', () => {
    expect(acknowledge(open(100, 50, 100), 'li', 'x', 200)).toEqual({ ok: false, reason: 'not_firing' });
    const first = acknowledge(open(100), 'li', 'looking', 200);
    expect(first).toMatchObject({
      ok: true,
      alert: { status: 'acknowledged', acknowledgedAt: 200, acknowledgedBy: 'li', ackNote: 'looking' },
    });
    if (!first.ok) throw new Error('acknowledged');
    const second = acknowledge(first.alert, 'wang', undefined, 300);
    expect(second).toMatchObject({
      ok: true,
      alert: { acknowledgedAt: 200, acknowledgedBy: 'wang', ackNote: 'looking', updatedAt: 300 },
    });
  });

  it('resolve by hand once, clearing the acknowledgement; a resolved alert refuses both', () => {
    const acked = acknowledge(open(100), 'li', 'n', 200);
    if (!acked.ok) throw new Error('acknowledged');
    const closed = resolveByOperator(acked.alert, 300);
    expect(closed).toMatchObject({
      ok: true,
      alert: {
        status: 'resolved',
        resolvedAt: 300,
        acknowledgedAt: undefined,
        acknowledgedBy: undefined,
        ackNote: undefined,
      },
    });
    if (!closed.ok) throw new Error('resolved');
    expect(resolveByOperator(closed.alert, 400)).toEqual({ ok: false, reason: 'already_resolved' });
    expect(acknowledge(closed.alert, 'li', undefined, 400)).toEqual({
      ok: false,
      reason: 'already_resolved',
    });
  });
});

describe('the fields a transition writes', () => {
  it('opens with every field from the signal and nothing acknowledged', () => {
    const signal = firing(100, { entityType: 'order', entityId: 'O7', storeId: 'S9', rule: 'order_stalled' });
    expect(applySignal(undefined, signal, timing(), 120, () => 'NEW').alert).toStrictEqual({
      id: 'NEW',
      rule: 'order_stalled',
      severity: 'warning',
      status: 'firing',
      entityType: 'order',
      entityId: 'O7',
      storeId: 'S9',
      summary: { zh: '卡单', en: 'stalled' },
      labels: { status: 'paid' },
      startedAt: 100,
      firingAt: 120,
      updatedAt: 120,
      resolvedAt: undefined,
      acknowledgedAt: undefined,
      acknowledgedBy: undefined,
      ackNote: undefined,
      reopenCount: 0,
    });
  });

  it('fires at once with `for` 0 even for a signal stamped after the processing time', () => {
    const early = applySignal(undefined, firing(500), timing(0), 400, newId);
    expect(early.alert).toMatchObject({ status: 'firing', firingAt: 400, startedAt: 500 });
  });

  it('re-opens with the new signal’s severity, summary and labels, counting each re-open', () => {
    const done = applySignal(open(100), resolved(200), timing(), 200, newId).alert!;
    const change = {
      severity: 'critical' as const,
      summary: { zh: '又卡', en: 'again' },
      labels: { status: 'picking' },
    };
    const again = applySignal(done, firing(300, change), timing(), 350, newId);
    expect(again.alert).toMatchObject({ ...change, updatedAt: 350, firingAt: 350, reopenCount: 1 });
    const done2 = applySignal(again.alert, resolved(400), timing(), 400, newId).alert!;
    expect(applySignal(done2, firing(500), timing(), 500, newId).alert).toMatchObject({ reopenCount: 2 });
  });

  it('fires a pending alert when a late event moves its start back past `for`', () => {
    const pending = open(100, 50, 120);
    expect(pending.status).toBe('pending');
    const late = applySignal(pending, firing(60), timing(50), 120, newId);
    expect(late).toMatchObject({ kind: 'fire', alert: { status: 'firing', startedAt: 60, firingAt: 120 } });
    expect(promotePending(pending, timing(50), 150).alert).toMatchObject({ updatedAt: 150 });
  });

  it('keeps an acknowledged alert acknowledged, with its first time, through an update', () => {
    const acked = acknowledge(open(100), 'li', 'n', 200);
    if (!acked.ok) throw new Error('acknowledged');
    const updated = applySignal(acked.alert, firing(100, { severity: 'critical' }), timing(), 300, newId);
    expect(updated).toMatchObject({
      kind: 'update',
      alert: { status: 'acknowledged', acknowledgedAt: 200, firingAt: 100, severity: 'critical' },
    });
  });

  it('lets an operator close a pending alert, no earlier than its start', () => {
    const pending = open(100, 500, 100);
    expect(resolveByOperator(pending, 50)).toMatchObject({
      ok: true,
      alert: { status: 'resolved', resolvedAt: 100, updatedAt: 50 },
    });
  });
});
