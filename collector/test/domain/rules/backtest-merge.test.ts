// Backtest.merge: replays of disjoint sets of orders, merged, give what one replay of all their
// events gives (but the peak, which is the sum of the parts' peaks), every count summed over the
// parts, the samples in the order the caller gives, cut at the sample limit.
import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../../src/domain/events.ts';
import { Backtest, type BacktestOptions, type SampleKey } from '../../../src/domain/rules/backtest.ts';
import type { CustomRule, CustomRuleContext } from '../../../src/domain/rules/custom-rule.ts';
import { MINUTE, orderStatus, payment, T0 } from '../fixtures.ts';

const options = (extra: Partial<BacktestOptions> = {}): BacktestOptions => ({
  from: T0,
  sampleLimit: 100,
  topStores: 20,
  retainFinishedMs: 10 * MINUTE,
  ...extra,
});

const rule = (name: string, matches: (ctx: CustomRuleContext) => boolean): CustomRule => ({
  name,
  severity: 'info',
  matches,
});

const RULES = [
  rule('created', (ctx) => ctx.order?.status === 'created'),
  rule('paid', (ctx) => ctx.order?.paymentAt !== undefined),
  rule('s2_throws', (ctx) => {
    if (ctx.event.storeId === 'S2') throw new Error('no');
    return false;
  }),
];

// Every event at its own time, so time alone orders the samples of one replay. Part A holds O1..O3,
// part B O4..O6; both have orders of S1 and S2 (a store summed over the parts), O1 and O4 finish
// early and are forgotten, and O9 (in A) comes before `from`.
const EVENTS: StoredEvent[] = [
  orderStatus('O9', 'created', T0 - MINUTE, { storeId: 'S2' }),
  orderStatus('O1', 'created', T0, { storeId: 'S1' }),
  orderStatus('O4', 'created', T0 + 1, { storeId: 'S2' }),
  payment('O1', T0 + 2, { storeId: 'S1' }),
  orderStatus('O1', 'cancelled', T0 + 3, { storeId: 'S1' }),
  orderStatus('O4', 'cancelled', T0 + 4, { storeId: 'S2' }),
  orderStatus('O2', 'created', T0 + 20 * MINUTE, { storeId: 'S2' }),
  orderStatus('O5', 'created', T0 + 20 * MINUTE + 1, { storeId: 'S1' }),
  orderStatus('O6', 'created', T0 + 20 * MINUTE + 2, { storeId: 'S3' }),
  payment('O5', T0 + 20 * MINUTE + 3, { storeId: 'S1' }),
  orderStatus('O3', 'created', T0 + 20 * MINUTE + 4, { storeId: 'S1' }),
  payment('O2', T0 + 20 * MINUTE + 5, { storeId: 'S2' }),
];
const IN_A = new Set(['O1', 'O2', 'O3', 'O9']);

function replay(events: StoredEvent[], extra: Partial<BacktestOptions> = {}): Backtest {
  const backtest = new Backtest(RULES, options(extra));
  for (const e of events) backtest.apply(e);
  return backtest;
}

/** The parts' samples numbered one part after the other, put in the order of one replay. */
function oneReplayOrder(parts: Backtest[]): number[] {
  const keys: SampleKey[] = parts.flatMap((part) => [...part.sampleOrder()]);
  return keys.map((_, i) => i).sort((i, j) => keys[i]!.at - keys[j]!.at || keys[i]!.rule - keys[j]!.rule);
}

describe('Backtest.merge', () => {
  it('gives the result of one replay of all the events, with the peaks of the parts summed', () => {
    const a = replay(EVENTS.filter((e) => IN_A.has(e.orderId)));
    const b = replay(EVENTS.filter((e) => !IN_A.has(e.orderId)));
    const whole = replay(EVENTS).result();
    const merged = Backtest.merge([a, b], oneReplayOrder([a, b]));
    expect(merged).toEqual({
      ...whole,
      peakOrdersHeld: a.result().peakOrdersHeld + b.result().peakOrdersHeld,
    });
    // The same written out, so that a fault shared with the single replay shows too.
    expect(merged).toEqual({
      eventsScanned: 11,
      fired: 9,
      byRule: [
        { rule: 'created', count: 6 },
        { rule: 'paid', count: 3 },
        { rule: 's2_throws', count: 0 },
      ],
      byStore: [
        { storeId: 'S1', count: 5 },
        { storeId: 'S2', count: 3 },
        { storeId: 'S3', count: 1 },
      ],
      storesFired: 3,
      sample: [
        { orderId: 'O1', storeId: 'S1', at: T0, rule: 'created' },
        { orderId: 'O4', storeId: 'S2', at: T0 + 1, rule: 'created' },
        { orderId: 'O1', storeId: 'S1', at: T0 + 2, rule: 'paid' },
        { orderId: 'O2', storeId: 'S2', at: T0 + 20 * MINUTE, rule: 'created' },
        { orderId: 'O5', storeId: 'S1', at: T0 + 20 * MINUTE + 1, rule: 'created' },
        { orderId: 'O6', storeId: 'S3', at: T0 + 20 * MINUTE + 2, rule: 'created' },
        { orderId: 'O5', storeId: 'S1', at: T0 + 20 * MINUTE + 3, rule: 'paid' },
        { orderId: 'O3', storeId: 'S1', at: T0 + 20 * MINUTE + 4, rule: 'created' },
        { orderId: 'O2', storeId: 'S2', at: T0 + 20 * MINUTE + 5, rule: 'paid' },
      ],
      // O4's two events and O2's two in the window, O9's before it uncounted.
      errors: { s2_throws: 4 },
      // O9, O2, O3 in A; O5, O6 in B (O1 and O4 forgotten).
      ordersHeld: 5,
      // A held O9, O1 and then O9, O2, O3; B held O4 and then O5, O6.
      peakOrdersHeld: 5,
    });
  });

  it('keeps the first `sampleLimit` samples in the order given', () => {
    const a = replay(
      EVENTS.filter((e) => IN_A.has(e.orderId)),
      { sampleLimit: 3 },
    );
    const b = replay(
      EVENTS.filter((e) => !IN_A.has(e.orderId)),
      { sampleLimit: 3 },
    );
    // Each part keeps three: A O1 created, O1 paid, O2 created; B O4 created, O5 created, O6 created.
    const order = oneReplayOrder([a, b]);
    expect(order).toEqual([0, 3, 1, 2, 4, 5]);
    const merged = Backtest.merge([a, b], order);
    expect(merged.sample).toEqual(replay(EVENTS, { sampleLimit: 3 }).result().sample);
    expect(merged.sample.map((s) => `${s.orderId} ${s.rule}`)).toEqual([
      'O1 created',
      'O4 created',
      'O1 paid',
    ]);
    // Any order the caller gives is followed.
    expect(Backtest.merge([a, b], [5, 2, 0, 1]).sample.map((s) => `${s.orderId} ${s.rule}`)).toEqual([
      'O6 created',
      'O2 created',
      'O1 created',
    ]);
  });

  it('lists the merged stores by their summed firings, cut at `topStores`', () => {
    const a = replay([orderStatus('O1', 'created', T0, { storeId: 'S2' })], { topStores: 1 });
    const b = replay(
      [
        orderStatus('O2', 'created', T0 + 1, { storeId: 'S1' }),
        orderStatus('O3', 'created', T0 + 2, { storeId: 'S2' }),
      ],
      { topStores: 1 },
    );
    const merged = Backtest.merge([a, b], [0, 1, 2]);
    expect(merged.byStore).toEqual([{ storeId: 'S2', count: 2 }]);
    expect(merged.storesFired).toBe(2);
  });

  it('merges one part into its own result', () => {
    const a = replay(EVENTS);
    expect(
      Backtest.merge(
        [a],
        a.sampleOrder().map((_, i) => i),
      ),
    ).toEqual(a.result());
  });

  it('refuses to merge nothing', () => {
    expect(() => Backtest.merge([], [])).toThrow(new RangeError('nothing to merge'));
  });
});
