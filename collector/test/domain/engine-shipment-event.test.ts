// shipment_event: carrier key events as self-resolving alerts (domain/rules/shipment-event.ts).
import { describe, expect, it } from 'vitest';
import { RuleEngine } from '../../src/domain/rules/engine.ts';
import { DEFAULT_RULE_PARAMS } from '../../src/domain/rules/params.ts';
import { DEFAULT_SHIPMENT_EVENT_PARAMS, SHIPMENT_EVENT_RULE } from '../../src/domain/rules/shipment-event.ts';
import { shipmentKey } from '../../src/domain/rules/shipment-state.ts';
import type { Signal } from '../../src/domain/rules/signal.ts';
import { carrierUpdate, HOUR, MINUTE, T0 } from './fixtures.ts';

const HOLD = DEFAULT_SHIPMENT_EVENT_PARAMS.holdMs;
const SF1 = shipmentKey('sf', 'SF1');
const keyEvents = (signals: Signal[]) =>
  signals
    .filter((s) => s.rule === SHIPMENT_EVENT_RULE)
    .map((s) => `${s.condition} ${s.severity} ${s.labels.state} @${s.at - T0}`);
const engineWithEvents = () =>
  new RuleEngine(DEFAULT_RULE_PARAMS, [], { shipmentEvent: DEFAULT_SHIPMENT_EVENT_PARAMS });

describe('shipment_event', () => {
  it('is off unless the engine is given its parameters', () => {
    const engine = new RuleEngine(DEFAULT_RULE_PARAMS);
    expect(keyEvents(engine.ingest(carrierUpdate('O1', 'SF1', 'rejected', T0), T0))).toEqual([]);
  });

  it('delivered is an info alert that resolves by itself when its hold ends', () => {
    const engine = engineWithEvents();
    engine.ingest(carrierUpdate('O1', 'SF1', 'in_transit', T0 - HOUR), T0 - HOUR);
    const fired = engine.ingest(carrierUpdate('O1', 'SF1', 'delivered', T0), T0 + MINUTE);
    expect(keyEvents(fired)).toEqual(['firing info delivered @0']);
    expect(fired.find((s) => s.rule === SHIPMENT_EVENT_RULE)).toMatchObject({
      entityType: 'shipment',
      entityId: SF1,
      storeId: 'S1',
      labels: { carrier: 'sf', order_id: 'O1', state: 'delivered' },
      summary: { zh: expect.stringContaining('已签收') },
    });
    expect(keyEvents(engine.tick(T0 + HOLD - 1))).toEqual([]);
    expect(keyEvents(engine.tick(T0 + HOLD))).toEqual([`resolved info delivered @${HOLD}`]);
    expect(engine.firingSignals().filter((s) => s.rule === SHIPMENT_EVENT_RULE)).toEqual([]);
  });

  it('rejected, stuck and exception are warnings; a later key event updates, a plain one resolves', () => {
    const engine = engineWithEvents();
    expect(keyEvents(engine.ingest(carrierUpdate('O1', 'SF1', 'stuck', T0), T0))).toEqual([
      'firing warning stuck @0',
    ]);
    expect(keyEvents(engine.ingest(carrierUpdate('O1', 'SF1', 'exception', T0 + HOUR), T0 + HOUR))).toEqual([
      `firing warning exception @${HOUR}`,
    ]);
    const moving = engine.ingest(carrierUpdate('O1', 'SF1', 'in_transit', T0 + 2 * HOUR), T0 + 2 * HOUR);
    expect(keyEvents(moving)).toEqual([`resolved warning exception @${2 * HOUR}`]);
    expect(
      keyEvents(engine.ingest(carrierUpdate('O1', 'SF1', 'rejected', T0 + 3 * HOUR), T0 + 3 * HOUR)),
    ).toEqual([`firing warning rejected @${3 * HOUR}`]);
  });

  it('a key checkpoint learned after its hold notifies nothing; an older one does not replace the state', () => {
    const engine = engineWithEvents();
    expect(keyEvents(engine.ingest(carrierUpdate('O1', 'SF1', 'delivered', T0), T0 + HOLD))).toEqual([]);
    engine.ingest(carrierUpdate('O2', 'SF2', 'in_transit', T0 + HOUR), T0 + HOUR);
    expect(keyEvents(engine.ingest(carrierUpdate('O2', 'SF2', 'stuck', T0), T0 + HOUR))).toEqual([]);
  });

  it('a store outside shipment_anomaly scope gets no key events', () => {
    const params = {
      ...DEFAULT_RULE_PARAMS,
      shipment_anomaly: {
        ...DEFAULT_RULE_PARAMS.shipment_anomaly,
        scope: { stores: [], excludeStores: ['S1'] },
      },
    };
    const engine = new RuleEngine(params, [], { shipmentEvent: DEFAULT_SHIPMENT_EVENT_PARAMS });
    expect(keyEvents(engine.ingest(carrierUpdate('O1', 'SF1', 'rejected', T0), T0))).toEqual([]);
  });

  it('after a restart an open key-event alert is kept while its hold lasts, then resolves', () => {
    const first = engineWithEvents();
    const fired = first.ingest(carrierUpdate('O1', 'SF1', 'rejected', T0), T0);
    const open = fired.filter((s) => s.rule === SHIPMENT_EVENT_RULE);
    const second = engineWithEvents();
    second.restore([], [first.shipment('sf', 'SF1')!], T0 + HOUR, { openAlerts: open });
    expect(keyEvents(second.tick(T0 + HOUR))).toEqual([]);
    expect(keyEvents(second.tick(T0 + HOLD))).toEqual([`resolved warning rejected @${HOLD}`]);
  });
});
