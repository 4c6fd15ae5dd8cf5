import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Alert, isOpen } from '../../src/domain/alerts/alert.ts';
import {
  acknowledge,
  applySignal,
  promotePending,
  resolveByOperator,
} from '../../src/domain/alerts/lifecycle.ts';
import type { Signal } from '../../src/domain/rules/signal.ts';
import { MINUTE, SECOND, T0 } from './fixtures.ts';

const timing = { forMs: 0, coolDownMs: 5 * MINUTE };

function signal(condition: 'firing' | 'resolved', at: number, extra: Partial<Signal> = {}): Signal {
  return {
    rule: 'order_stalled',
    entityType: 'order',
    entityId: 'O1',
    storeId: 'S1',
    condition,
    severity: 'warning',
    at,
    summary: { zh: '订单 O1 停滞', en: 'Order O1 stalled' },
    labels: { status: 'paid' },
    ...extra,
  };
}

function ids() {
  let n = 0;
  return () => `A${++n}`;
}

describe('alert lifecycle', () => {
  it('opens, ignores an identical repeat, updates on a changed summary, resolves', () => {
    const newId = ids();
    const opened = applySignal(undefined, signal('firing', T0), timing, T0 + 10, newId);
    expect(opened.kind).toBe('open');
    expect(opened.alert).toMatchObject({ id: 'A1', status: 'firing', startedAt: T0, firingAt: T0 + 10 });
    const repeat = applySignal(opened.alert, signal('firing', T0), timing, T0 + 20, newId);
    expect(repeat).toEqual({ kind: 'none', alert: opened.alert });
    const changed = applySignal(
      opened.alert,
      signal('firing', T0, { summary: { zh: 'x', en: 'y' }, severity: 'critical' }),
      timing,
      T0 + 30,
      newId,
    );
    expect(changed.kind).toBe('update');
    expect(changed.alert).toMatchObject({ id: 'A1', severity: 'critical', updatedAt: T0 + 30 });
    const resolved = applySignal(changed.alert, signal('resolved', T0 + MINUTE), timing, T0 + MINUTE, newId);
    expect(resolved.kind).toBe('resolve');
    expect(resolved.alert).toMatchObject({ id: 'A1', status: 'resolved', resolvedAt: T0 + MINUTE });
    expect(applySignal(resolved.alert, signal('resolved', T0 + 2 * MINUTE), timing, T0, newId).kind).toBe(
      'none',
    );
  });

  it('flapping: re-firing within the cool-down re-opens the same alert; after it, a new alert', () => {
    const newId = ids();
    let alert = applySignal(undefined, signal('firing', T0), timing, T0, newId).alert!;
    alert = applySignal(alert, signal('resolved', T0 + MINUTE), timing, T0 + MINUTE, newId).alert!;
    const again = applySignal(alert, signal('firing', T0 + 3 * MINUTE), timing, T0 + 3 * MINUTE, newId);
    expect(again.kind).toBe('reopen');
    expect(again.alert).toMatchObject({ id: 'A1', status: 'firing', reopenCount: 1, startedAt: T0 });
    expect(again.alert!.resolvedAt).toBeUndefined();
    alert = applySignal(again.alert, signal('resolved', T0 + 4 * MINUTE), timing, T0 + 4 * MINUTE, newId)
      .alert!;
    const fresh = applySignal(
      alert,
      signal('firing', T0 + 9 * MINUTE + 1),
      timing,
      T0 + 9 * MINUTE + 1,
      newId,
    );
    expect(fresh.kind).toBe('open');
    expect(fresh.alert!.id).toBe('A2');
  });

  it('for: pending until the condition held forMs (by event time), then firing; cleared earlier it never fires', () => {
    const slow = { forMs: 2 * MINUTE, coolDownMs: 5 * MINUTE };
    const newId = ids();
    const pending = applySignal(undefined, signal('firing', T0), slow, T0 + SECOND, newId).alert!;
    expect(pending.status).toBe('pending');
    expect(promotePending(pending, slow, T0 + 2 * MINUTE - 1).kind).toBe('none');
    const fired = promotePending(pending, slow, T0 + 2 * MINUTE);
    expect(fired.kind).toBe('fire');
    expect(fired.alert).toMatchObject({ status: 'firing', firingAt: T0 + 2 * MINUTE });

    const other = applySignal(undefined, signal('firing', T0), slow, T0, newId).alert!;
    const discarded = applySignal(other, signal('resolved', T0 + MINUTE), slow, T0 + MINUTE, newId);
    expect(discarded.kind).toBe('discard');
    // A discarded pending alert never fired: the next firing is a fresh pending alert, not a re-open.
    const next = applySignal(
      discarded.alert,
      signal('firing', T0 + 2 * MINUTE),
      slow,
      T0 + 2 * MINUTE,
      newId,
    );
    expect(next.kind).toBe('open');
    expect(next.alert!.status).toBe('pending');

    // An event arriving late whose condition started long ago fires at once.
    const late = applySignal(undefined, signal('firing', T0), slow, T0 + 10 * MINUTE, newId);
    expect(late.alert!.status).toBe('firing');
  });

  it('acknowledgement: only a firing alert; it clears itself when the entity recovers', () => {
    const newId = ids();
    const alert = applySignal(undefined, signal('firing', T0), timing, T0, newId).alert!;
    const acked = acknowledge(alert, 'ops-li', 'calling the store', T0 + MINUTE);
    expect(acked.ok && acked.alert).toMatchObject({
      status: 'acknowledged',
      acknowledgedBy: 'ops-li',
      ackNote: 'calling the store',
      acknowledgedAt: T0 + MINUTE,
    });
    if (!acked.ok) throw new Error('ack refused');
    // Still failing: a repeat keeps it acknowledged.
    expect(applySignal(acked.alert, signal('firing', T0), timing, T0 + 2 * MINUTE, newId).kind).toBe('none');
    const recovered = applySignal(
      acked.alert,
      signal('resolved', T0 + 3 * MINUTE),
      timing,
      T0 + 3 * MINUTE,
      newId,
    );
    expect(recovered.alert).toMatchObject({
      status: 'resolved',
      acknowledgedAt: undefined,
      acknowledgedBy: undefined,
    });
    const refired = applySignal(
      recovered.alert,
      signal('firing', T0 + 4 * MINUTE),
      timing,
      T0 + 4 * MINUTE,
      newId,
    );
    expect(refired.alert).toMatchObject({ status: 'firing', acknowledgedAt: undefined });
    expect(acknowledge(recovered.alert!, 'ops-li', undefined, T0)).toEqual({
      ok: false,
      reason: 'already_resolved',
    });
    const manual = resolveByOperator(refired.alert!, T0 + 5 * MINUTE);
    expect(manual.ok && manual.alert.status).toBe('resolved');
  });

  it('never more than one open alert per (rule, entity), whatever the sequence of signals', () => {
    const step = fc.record({
      firing: fc.boolean(),
      at: fc.integer({ min: 0, max: 30 }),
      summary: fc.constantFrom('a', 'b'),
      forMs: fc.constantFrom(0, 2),
    });
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
        const newId = ids();
        const store = new Map<string, Alert>();
        let latest: Alert | undefined;
        let now = T0;
        for (const s of steps) {
          now += MINUTE;
          const sig = signal(s.firing ? 'firing' : 'resolved', T0 + s.at * MINUTE, {
            summary: { zh: s.summary, en: s.summary },
          });
          const t = applySignal(latest, sig, { forMs: s.forMs * MINUTE, coolDownMs: 5 * MINUTE }, now, newId);
          if (t.alert !== undefined) {
            store.set(t.alert.id, t.alert);
            latest = t.alert;
          }
          const open = [...store.values()].filter((a) => isOpen(a) || a.status === 'pending');
          expect(open.length).toBeLessThanOrEqual(1);
          if (s.firing) expect(latest?.status).not.toBe('resolved');
          else expect(latest === undefined || latest.status === 'resolved').toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });
});
