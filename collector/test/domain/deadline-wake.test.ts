// When the alerting clock wakes: at the engine's earliest deadline (orders and shipments alike), or
// one period after the last tick, whichever is first; never for a deadline the running tick pops.
import { describe, expect, it } from 'vitest';
import { nextWakeAt } from '../../src/domain/deadline-wake.ts';
import { RuleEngine } from '../../src/domain/rules/engine.ts';
import { DEFAULT_RULE_PARAMS } from '../../src/domain/rules/params.ts';
import { carrierUpdate, HOUR, MINUTE, orderStatus, T0 } from './fixtures.ts';

describe('nextWakeAt', () => {
  const at = { now: 1_000, lastTickAt: 990, periodMs: 50, minGapMs: 5, tickRunning: false };

  it('wakes at a deadline due before the period ends', () => {
    expect(nextWakeAt({ ...at, earliestDueAt: 1_007 })).toBe(1_007);
  });

  it('takes deadlines that pass close together a few at a time: not sooner than the gap', () => {
    expect(nextWakeAt({ ...at, lastTickAt: 998, earliestDueAt: 1_001 })).toBe(1_003);
    expect(nextWakeAt({ ...at, lastTickAt: 998, minGapMs: 0, earliestDueAt: 1_001 })).toBe(1_001);
  });

  it('wakes one period after the last tick when no deadline comes sooner', () => {
    expect(nextWakeAt({ ...at, earliestDueAt: undefined })).toBe(1_040);
    expect(nextWakeAt({ ...at, earliestDueAt: 5_000 })).toBe(1_040);
  });

  it('never wakes in the past: an overdue deadline or period wakes now', () => {
    expect(nextWakeAt({ ...at, earliestDueAt: 400 })).toBe(1_000);
    expect(nextWakeAt({ ...at, lastTickAt: 100, earliestDueAt: undefined })).toBe(1_000);
  });

  it('leaves a deadline due by the running tick start to that tick, but wakes for a later one', () => {
    expect(nextWakeAt({ ...at, tickRunning: true, earliestDueAt: 990 })).toBe(1_040);
    expect(nextWakeAt({ ...at, tickRunning: true, earliestDueAt: 985 })).toBe(1_040);
    expect(nextWakeAt({ ...at, tickRunning: true, earliestDueAt: 1_003 })).toBe(1_003);
  });
});

describe('RuleEngine.nextDueAt', () => {
  it('is undefined with nothing tracked', () => {
    expect(new RuleEngine(DEFAULT_RULE_PARAMS).nextDueAt()).toBeUndefined();
  });

  it('is the order deadline at which a tick fires the alert, and nothing fires before it', () => {
    const engine = new RuleEngine(DEFAULT_RULE_PARAMS);
    engine.ingest(orderStatus('O1', 'paid', T0), T0);
    const due = engine.nextDueAt()!;
    expect(due).toBe(T0 + DEFAULT_RULE_PARAMS.order_stalled.limitsMs.paid!);
    expect(engine.tick(due - 1)).toEqual([]);
    expect(engine.tick(due)).toMatchObject([{ rule: 'order_stalled', entityId: 'O1', condition: 'firing' }]);
    expect(engine.nextDueAt()).not.toBe(due);
  });

  it('takes the earlier of the order and the shipment deadlines', () => {
    const engine = new RuleEngine(DEFAULT_RULE_PARAMS);
    engine.ingest(orderStatus('O1', 'packed', T0), T0);
    expect(engine.nextDueAt()).toBe(T0 + 12 * HOUR);
    // tracking_silent: 48 h after the last carrier update, 8 h from now.
    engine.ingest(carrierUpdate('O1', 'SF1', 'in_transit', T0 - 40 * HOUR), T0);
    expect(engine.nextDueAt()).toBe(T0 + 8 * HOUR);
    engine.ingest(orderStatus('O2', 'paid', T0 + MINUTE), T0 + MINUTE);
    expect(engine.nextDueAt()).toBe(T0 + 3 * MINUTE);
  });
});
