// The backtest's edges, with rules given as plain functions: the rule limit, the first event of the
// window, carrier updates (with and without a known order), a condition holding over several events,
// forgetting a finished order exactly a retention after its last event and never an unfinished one,
// the store list's order (ties by store id over many stores), the memory figures, and more orders
// than the first "holds" array has room for (what held before it grew is kept).
import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../../src/domain/events.ts';
import { Backtest, type BacktestOptions, MAX_BACKTEST_RULES } from '../../../src/domain/rules/backtest.ts';
import type { CustomRule, CustomRuleContext } from '../../../src/domain/rules/custom-rule.ts';
import { carrierUpdate, MINUTE, orderStatus, payment, T0 } from '../fixtures.ts';

const RETAIN = 10 * MINUTE;

const options = (extra: Partial<BacktestOptions> = {}): BacktestOptions => ({
  from: T0,
  sampleLimit: 100,
  topStores: 20,
  retainFinishedMs: RETAIN,
  ...extra,
});

const rule = (name: string, matches: (ctx: CustomRuleContext) => boolean): CustomRule => ({
  name,
  severity: 'info',
  matches,
});

function run(rules: CustomRule[], events: StoredEvent[], extra: Partial<BacktestOptions> = {}) {
  const backtest = new Backtest(rules, options(extra));
  for (const e of events) backtest.apply(e);
  return backtest.result();
}

describe('backtest edges', () => {
  it('takes at most 32 rules', () => {
    expect(MAX_BACKTEST_RULES).toBe(32);
    const rules = Array.from({ length: 33 }, (_, i) => rule(`r${i}`, () => true));
    expect(() => new Backtest(rules.slice(0, 32), options())).not.toThrow();
    expect(() => new Backtest(rules, options())).toThrow(
      new RangeError('at most 32 rules can be backtested at once'),
    );
    // All 32 bits of an order's word are usable: the 32nd rule fires once per order like the first.
    const result = run(rules.slice(0, 32), [
      orderStatus('O1', 'created', T0),
      orderStatus('O1', 'paid', T0 + 1),
    ]);
    expect(result.byRule.map((r) => r.count)).toEqual(rules.slice(0, 32).map(() => 1));
  });

  it('counts and fires from the first event at exactly `from`, not one before', () => {
    const every = rule('every', () => true);
    const result = run([every], [orderStatus('O1', 'created', T0 - 1), orderStatus('O2', 'created', T0)]);
    expect(result.eventsScanned).toBe(1);
    expect(result.sample).toEqual([{ orderId: 'O2', storeId: 'S1', at: T0, rule: 'every' }]);
  });

  it('fires once while a condition keeps holding, again after it stopped', () => {
    const paidOrLater = rule(
      'paid',
      (ctx) => ctx.order?.paidAt !== undefined && ctx.event.type === 'order.status',
    );
    const result = run(
      [paidOrLater],
      [
        orderStatus('O1', 'created', T0),
        orderStatus('O1', 'paid', T0 + 1),
        orderStatus('O1', 'picking', T0 + 2),
        payment('O1', T0 + 3),
        orderStatus('O1', 'shipped', T0 + 4),
      ],
    );
    expect(result.sample.map((s) => s.at)).toEqual([T0 + 1, T0 + 4]);
  });

  it('evaluates a carrier update with its order, as the order is, without changing it', () => {
    const seen: CustomRuleContext[] = [];
    const carrier = rule('carrier', (ctx) => {
      seen.push(ctx);
      return ctx.event.type === 'shipment.update';
    });
    const backtest = new Backtest([carrier], options());
    backtest.apply(orderStatus('O1', 'created', T0, { storeId: 'S1' }));
    backtest.apply(carrierUpdate('O1', 'T1', 'in_transit', T0 + 1, { storeId: 'S9' }));
    backtest.apply(carrierUpdate('O1', 'T1', 'delivered', T0 + 2, { storeId: 'S9' }));
    const result = backtest.result();
    expect(seen[1]?.order).toEqual(seen[0]?.order);
    expect(seen[1]?.shipment).toBeUndefined();
    // Held like any condition, under the order's store.
    expect(result.fired).toBe(1);
    expect(result.byStore).toEqual([{ storeId: 'S1', count: 1 }]);
    expect(result.ordersHeld).toBe(1);
    expect(result.eventsScanned).toBe(3);
  });

  it('counts every matching update of an order never seen, under the event store, and keeps no order', () => {
    const carrier = rule('carrier', (ctx) => ctx.order === undefined);
    const result = run(
      [carrier],
      [
        carrierUpdate('O1', 'T1', 'in_transit', T0 - 1, { storeId: 'S9' }),
        carrierUpdate('O1', 'T1', 'in_transit', T0 + 1, { storeId: 'S9' }),
        carrierUpdate('O1', 'T1', 'delivered', T0 + 2, { storeId: 'S9' }),
      ],
    );
    expect(result.fired).toBe(2);
    expect(result.eventsScanned).toBe(2);
    expect(result.byStore).toEqual([{ storeId: 'S9', count: 2 }]);
    expect(result.ordersHeld).toBe(0);
    expect(result.peakOrdersHeld).toBe(0);
  });

  it('forgets a finished order once an event comes more than the retention after its last one', () => {
    const backtest = new Backtest([], options());
    backtest.apply(orderStatus('O1', 'created', T0));
    backtest.apply(orderStatus('O1', 'delivered', T0 + MINUTE));
    backtest.apply(orderStatus('O2', 'created', T0 + MINUTE + RETAIN));
    expect(backtest.result().ordersHeld).toBe(2);
    backtest.apply(orderStatus('O3', 'created', T0 + MINUTE + RETAIN + 1));
    // O1 is forgotten before O3 comes in.
    expect(backtest.result()).toMatchObject({ ordersHeld: 2, peakOrdersHeld: 2 });
  });

  it('keeps a finished order that a later event touched until a retention after that event', () => {
    const backtest = new Backtest([], options());
    backtest.apply(orderStatus('O1', 'created', T0));
    backtest.apply(orderStatus('O1', 'delivered', T0 + MINUTE));
    backtest.apply(payment('O1', T0 + 5 * MINUTE, { status: 'refund' }));
    backtest.apply(orderStatus('O2', 'created', T0 + 5 * MINUTE + RETAIN));
    expect(backtest.result().ordersHeld).toBe(2);
    backtest.apply(orderStatus('O3', 'created', T0 + 5 * MINUTE + RETAIN + 1));
    expect(backtest.result().ordersHeld).toBe(2);
  });

  it('never forgets an order that has not finished, however long it stays quiet', () => {
    const every = rule('every', () => true);
    const backtest = new Backtest([every], options());
    backtest.apply(orderStatus('O1', 'created', T0));
    backtest.apply(payment('O2', T0 + 1));
    backtest.apply(orderStatus('O3', 'created', T0 + 10 * RETAIN));
    backtest.apply(orderStatus('O1', 'paid', T0 + 10 * RETAIN + 1));
    backtest.apply(payment('O2', T0 + 10 * RETAIN + 2));
    // O1 and O2 still hold "every" from their first events: only the three first events fired.
    expect(backtest.result()).toMatchObject({ ordersHeld: 3, peakOrdersHeld: 3, fired: 3 });
  });

  it('starts a forgotten order over: a condition it held fires again', () => {
    const every = rule('every', () => true);
    const result = run(
      [every],
      [
        orderStatus('O1', 'created', T0),
        orderStatus('O1', 'delivered', T0 + 1),
        orderStatus('O2', 'created', T0 + RETAIN + 2),
        orderStatus('O1', 'delivered', T0 + RETAIN + 3),
      ],
    );
    expect(result.sample.map((s) => `${s.orderId}@${s.at - T0}`)).toEqual(['O1@0', 'O2@600002', 'O1@600003']);
  });

  it('reports the most orders held at once, and the orders held at the end', () => {
    const events = [0, 1, 2].flatMap((i) => [
      orderStatus(`O${i}`, 'created', T0 + i),
      orderStatus(`O${i}`, 'cancelled', T0 + 10 + i),
    ]);
    events.sort((a, b) => a.occurredAt - b.occurredAt);
    const result = run([], [...events, orderStatus('O9', 'created', T0 + 2 * RETAIN)]);
    expect(result.peakOrdersHeld).toBe(3);
    expect(result.ordersHeld).toBe(1);
  });

  it('lists stores by firings, then by name', () => {
    const every = rule('every', () => true);
    const stores = ['S3', 'S1', 'S4', 'S2', 'S4'];
    const result = run(
      [every],
      stores.map((storeId, i) => orderStatus(`O${i}`, 'created', T0 + i, { storeId })),
      { topStores: 3 },
    );
    expect(result.byStore).toEqual([
      { storeId: 'S4', count: 2 },
      { storeId: 'S1', count: 1 },
      { storeId: 'S2', count: 1 },
    ]);
    expect(result.storesFired).toBe(4);
  });

  it('keeps the queue of finished orders right past its compaction', () => {
    // 5,000 orders each finished a minute apart: thousands are forgotten (and the queue compacted)
    // while the last ten minutes' stay.
    const events: StoredEvent[] = [];
    for (let i = 0; i < 5_000; i++) {
      events.push(orderStatus(`O${i}`, 'created', T0 + i * MINUTE));
      events.push(orderStatus(`O${i}`, 'delivered', T0 + i * MINUTE + 1));
    }
    const result = run([], events);
    // The last event is at 4,999 min + 1 ms: finished orders whose last event is at or after 4,989
    // min + 1 ms are kept, 4,989..4,999.
    expect(result.ordersHeld).toBe(11);
    expect(result.peakOrdersHeld).toBe(11);
  });

  it('remembers what holds for more orders than its first array has room for', () => {
    const last = `O${1 << 16}`;
    const onLast = rule('last', (ctx) => ctx.event.orderId === last);
    const backtest = new Backtest([onLast], options());
    for (let i = 0; i <= 1 << 16; i++) backtest.apply(orderStatus(`O${i}`, 'created', T0));
    backtest.apply(orderStatus(last, 'paid', T0 + 1));
    backtest.apply(orderStatus(last, 'picking', T0 + 2));
    expect(backtest.result().fired).toBe(1);
    expect(backtest.result().ordersHeld).toBe((1 << 16) + 1);
  });

  it('still knows what held for the first orders once the holds array has grown', () => {
    // O0's condition holds from its first event; 65,536 more orders make the array grow; O0's next
    // event must find it still holding, not fire again.
    const every = rule('every', () => true);
    const backtest = new Backtest([every], options());
    for (let i = 0; i <= 1 << 16; i++) backtest.apply(orderStatus(`O${i}`, 'created', T0));
    backtest.apply(orderStatus('O0', 'paid', T0 + 1));
    expect(backtest.result().fired).toBe((1 << 16) + 1);
    expect(backtest.result().sample.filter((s) => s.orderId === 'O0')).toHaveLength(1);
  });

  it('lists many stores with equal firings by store id, whatever order they fired in', () => {
    const every = rule('every', () => true);
    // 100 stores fired once each, in a scrambled order (37 and 100 are coprime), and two fired twice.
    const ids = Array.from({ length: 100 }, (_, i) => `S${String((i * 37) % 100).padStart(3, '0')}`);
    const events = [...ids, 'S050', 'S007'].map((storeId, i) =>
      orderStatus(`O${i}`, 'created', T0 + i, { storeId }),
    );
    const result = run([every], events, { topStores: 200 });
    const expected = [...ids].sort().filter((id) => id !== 'S007' && id !== 'S050');
    expect(result.byStore.map((s) => `${s.storeId}:${s.count}`)).toEqual([
      'S007:2',
      'S050:2',
      ...expected.map((id) => `${id}:1`),
    ]);
  });
});
