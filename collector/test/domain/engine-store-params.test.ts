// Store-limited promotions: the engine runs one parameter set per store named by a running
// promotion, so a promotion for some stores changes thresholds there and nowhere else.
import { describe, expect, it } from 'vitest';
import { alwaysOpenCalendar, type Calendar, paramsAt } from '../../src/domain/alerts/calendar.ts';
import { RuleEngine } from '../../src/domain/rules/engine.ts';
import { DEFAULT_RULE_PARAMS } from '../../src/domain/rules/params.ts';
import type { Signal } from '../../src/domain/rules/signal.ts';
import { carrierUpdate, HOUR, MINUTE, orderStatus, T0 } from './fixtures.ts';

const brief = (signals: Signal[]) =>
  signals.map((s) => `${s.condition} ${s.rule} ${s.entityId} @${(s.at - T0) / MINUTE}m`);

// A promotion for S2 only: paid orders may wait 10 min there, shipments 1 h of silence.
const calendar: Calendar = {
  ...alwaysOpenCalendar(),
  promotions: [
    {
      name: 's2-sale',
      fromMs: T0 - HOUR,
      toMs: T0 + 5 * HOUR,
      stores: ['S2'],
      overrides: { order_stalled: { limitsMs: { paid: 10 * MINUTE } }, tracking_silent: { limitMs: HOUR } },
    },
  ],
};
const byStore = new Map([['S2', paramsAt(DEFAULT_RULE_PARAMS, calendar, T0, 'S2')]]);

describe('per-store parameters (store-limited promotions)', () => {
  it('a store in the promotion gets its limit; other stores keep the chain-wide one', () => {
    const engine = new RuleEngine(DEFAULT_RULE_PARAMS);
    engine.setParams(paramsAt(DEFAULT_RULE_PARAMS, calendar, T0), T0, byStore);
    engine.ingest(orderStatus('A1', 'paid', T0, { storeId: 'S1' }), T0);
    engine.ingest(orderStatus('B1', 'paid', T0, { storeId: 'S2' }), T0);
    expect(brief(engine.tick(T0 + 2 * MINUTE))).toEqual(['firing order_stalled A1 @2m']);
    expect(engine.tick(T0 + 10 * MINUTE - 1)).toEqual([]);
    expect(brief(engine.tick(T0 + 10 * MINUTE))).toEqual(['firing order_stalled B1 @10m']);
  });

  it('applies to shipments by their store too', () => {
    const engine = new RuleEngine(DEFAULT_RULE_PARAMS);
    engine.setParams(DEFAULT_RULE_PARAMS, T0, byStore);
    engine.ingest(carrierUpdate('A1', 'T-A', 'in_transit', T0, { storeId: 'S1' }), T0);
    engine.ingest(carrierUpdate('B1', 'T-B', 'in_transit', T0, { storeId: 'S2' }), T0);
    const fired = brief(engine.tick(T0 + HOUR));
    expect(fired).toEqual([`firing tracking_silent sf\u001fT-B @60m`]);
    expect(brief(engine.tick(T0 + 48 * HOUR))).toEqual([`firing tracking_silent sf\u001fT-A @2880m`]);
  });

  it('when the store promotion ends, waiting orders of that store are judged by the normal limit at once', () => {
    const engine = new RuleEngine(DEFAULT_RULE_PARAMS);
    engine.setParams(DEFAULT_RULE_PARAMS, T0, byStore);
    engine.ingest(orderStatus('B1', 'paid', T0, { storeId: 'S2' }), T0);
    expect(engine.tick(T0 + 5 * MINUTE)).toEqual([]);
    expect(brief(engine.setParams(DEFAULT_RULE_PARAMS, T0 + 5 * MINUTE))).toEqual([
      'firing order_stalled B1 @2m',
    ]);
  });
});
