// shipment_event called directly: the alert of a carrier key event holds from its checkpoint until
// `holdMs` after it (not at that instant), for the key states only, in shipment_anomaly's scope.
import { describe, expect, it } from 'vitest';
import { EngineFacts } from '../../../src/domain/rules/engine-facts.ts';
import { type NextChange, RECHECK } from '../../../src/domain/rules/evaluator.ts';
import { DEFAULT_RULE_PARAMS } from '../../../src/domain/rules/params.ts';
import { SIMPLE_REGION_LOOKUP } from '../../../src/domain/rules/shipment-anomaly.ts';
import {
  DEFAULT_SHIPMENT_EVENT_PARAMS,
  SHIPMENT_EVENT_RULE,
  type ShipmentEventParams,
  shipmentEventRule,
} from '../../../src/domain/rules/shipment-event.ts';
import { boundShipment, type ShipmentState } from '../../../src/domain/rules/shipment-state.ts';
import { summaryOf } from '../../../src/domain/rules/signal.ts';
import { HOUR, T0 } from '../fixtures.ts';

const facts = (shipmentEvent: ShipmentEventParams = DEFAULT_SHIPMENT_EVENT_PARAMS) =>
  new EngineFacts({
    regions: SIMPLE_REGION_LOOKUP,
    shipmentEvent,
    storeOpen: () => true,
    storeOpenOnDay: () => true,
    creationRetentionMs: HOUR,
  });

const recorder = () => {
  const asked: number[] = [];
  const next: NextChange = { at: (time) => asked.push(time) };
  return { asked, next };
};

const shipment = (over: Partial<ShipmentState> = {}): ShipmentState => ({
  ...boundShipment('O1', 'S1', 'sf', 'SF1', T0),
  ...over,
});

describe('shipment_event', () => {
  it('is named shipment_event, and by default holds key events six hours with their severities', () => {
    expect(SHIPMENT_EVENT_RULE).toBe('shipment_event');
    expect(shipmentEventRule.name).toBe('shipment_event');
    expect(DEFAULT_SHIPMENT_EVENT_PARAMS).toEqual({
      enabled: true,
      severities: { delivered: 'info', rejected: 'warning', stuck: 'warning', exception: 'warning' },
      holdMs: 6 * HOUR,
    });
  });

  it('holds from the checkpoint until just before the hold ends, asking to be woken at its end', () => {
    const s = shipment({ state: 'delivered', stateAt: T0 + 5 });
    const during = recorder();
    expect(
      shipmentEventRule.holding(s, DEFAULT_RULE_PARAMS, facts(), T0 + 5 + 6 * HOUR - 1, during.next),
    ).toEqual({
      at: T0 + 5,
      severity: 'info',
      summary: summaryOf({
        key: 'summary.shipment_event',
        params: { carrier: 'sf', trackingNo: 'SF1', orderId: 'O1', state: 'delivered' },
      }),
      labels: { carrier: 'sf', order_id: 'O1', state: 'delivered' },
    });
    expect(during.asked).toEqual([T0 + 5 + 6 * HOUR]);
    expect(shipmentEventRule.firstCheckAt(s, DEFAULT_RULE_PARAMS, facts(), T0 + 5 + 6 * HOUR - 1)).toBe(
      RECHECK,
    );

    const ended = recorder();
    expect(shipmentEventRule.holding(s, DEFAULT_RULE_PARAMS, facts(), T0 + 5 + 6 * HOUR, ended.next)).toBe(
      undefined,
    );
    expect(ended.asked).toEqual([]);
    expect(
      shipmentEventRule.firstCheckAt(s, DEFAULT_RULE_PARAMS, facts(), T0 + 5 + 6 * HOUR),
    ).toBeUndefined();
  });

  it('takes each key state’s own severity, and ignores the other states', () => {
    const severity = (state: ShipmentState['state']) =>
      shipmentEventRule.holding(shipment({ state }), DEFAULT_RULE_PARAMS, facts(), T0, recorder().next)
        ?.severity;
    expect(severity('rejected')).toBe('warning');
    expect(severity('stuck')).toBe('warning');
    expect(severity('exception')).toBe('warning');
    for (const state of ['created', 'collected', 'in_transit', 'out_for_delivery', 'returned'] as const) {
      expect(severity(state), state).toBeUndefined();
      expect(
        shipmentEventRule.firstCheckAt(shipment({ state }), DEFAULT_RULE_PARAMS, facts(), T0),
      ).toBeUndefined();
    }
  });

  it('reads its parameters from the engine’s facts: disabled, or another hold and severities', () => {
    const s = shipment({ state: 'stuck' });
    const off = facts({ ...DEFAULT_SHIPMENT_EVENT_PARAMS, enabled: false });
    const r = recorder();
    expect(shipmentEventRule.holding(s, DEFAULT_RULE_PARAMS, off, T0, r.next)).toBeUndefined();
    expect(r.asked).toEqual([]);
    expect(shipmentEventRule.firstCheckAt(s, DEFAULT_RULE_PARAMS, off, T0)).toBeUndefined();

    const own = facts({ enabled: true, severities: { stuck: 'critical' }, holdMs: HOUR });
    const r2 = recorder();
    expect(shipmentEventRule.holding(s, DEFAULT_RULE_PARAMS, own, T0, r2.next)?.severity).toBe('critical');
    expect(r2.asked).toEqual([T0 + HOUR]);
    expect(
      shipmentEventRule.holding(shipment({ state: 'delivered' }), DEFAULT_RULE_PARAMS, own, T0, r2.next),
    ).toBe(undefined);
  });

  it('follows shipment_anomaly’s store scope, and not its enabled flag', () => {
    const s = shipment({ state: 'rejected' });
    const out = {
      ...DEFAULT_RULE_PARAMS,
      shipment_anomaly: {
        ...DEFAULT_RULE_PARAMS.shipment_anomaly,
        scope: { stores: ['S2'], excludeStores: [] },
      },
    };
    expect(shipmentEventRule.holding(s, out, facts(), T0, recorder().next)).toBeUndefined();
    expect(shipmentEventRule.firstCheckAt(s, out, facts(), T0)).toBeUndefined();
    const anomalyOff = {
      ...DEFAULT_RULE_PARAMS,
      shipment_anomaly: { ...DEFAULT_RULE_PARAMS.shipment_anomaly, enabled: false },
    };
    expect(shipmentEventRule.holding(s, anomalyOff, facts(), T0, recorder().next)?.at).toBe(T0);
    expect(shipmentEventRule.firstCheckAt(s, anomalyOff, facts(), T0)).toBe(RECHECK);
  });

  it('holds nothing for a shipment known before any checkpoint, even if its state were a key one', () => {
    const early = boundShipment('O1', 'S1', 'sf', 'SF1', Number.NEGATIVE_INFINITY);
    const createdIsKey = facts({ enabled: true, severities: { created: 'info' }, holdMs: HOUR });
    const r = recorder();
    expect(shipmentEventRule.holding(early, DEFAULT_RULE_PARAMS, createdIsKey, T0, r.next)).toBeUndefined();
    expect(r.asked).toEqual([]);
  });
});
