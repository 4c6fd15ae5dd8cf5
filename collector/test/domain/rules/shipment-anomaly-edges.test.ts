// shipment_anomaly at its edges, called directly: each reason and the time it started, which states
// count as moving or at the destination, the default region lookup's comparison of names and
// GB/T 2260 codes, and what the evaluator reports and schedules.
import { describe, expect, it } from 'vitest';
import { EngineFacts } from '../../../src/domain/rules/engine-facts.ts';
import { type NextChange, RECHECK } from '../../../src/domain/rules/evaluator.ts';
import { DEFAULT_RULE_PARAMS } from '../../../src/domain/rules/params.ts';
import {
  type RegionLookup,
  SIMPLE_REGION_LOOKUP,
  shipmentAnomalies,
  shipmentAnomalyRule,
  shipmentAnomalySummary,
  stuckAtLocationDueAt,
} from '../../../src/domain/rules/shipment-anomaly.ts';
import { DEFAULT_SHIPMENT_EVENT_PARAMS } from '../../../src/domain/rules/shipment-event.ts';
import { boundShipment, type ShipmentState } from '../../../src/domain/rules/shipment-state.ts';
import { summaryOf } from '../../../src/domain/rules/signal.ts';
import { HOUR, T0 } from '../fixtures.ts';

const params = DEFAULT_RULE_PARAMS.shipment_anomaly;

const shipment = (over: Partial<ShipmentState> = {}): ShipmentState => ({
  ...boundShipment('O1', 'S1', 'sf', 'SF1', T0),
  ...over,
});

const facts = (regions: RegionLookup = SIMPLE_REGION_LOOKUP) =>
  new EngineFacts({
    regions,
    shipmentEvent: DEFAULT_SHIPMENT_EVENT_PARAMS,
    storeOpen: () => true,
    storeOpenOnDay: () => true,
    creationRetentionMs: HOUR,
  });

const recorder = () => {
  const asked: number[] = [];
  const next: NextChange = { at: (time) => asked.push(time) };
  return { asked, next };
};

const reasons = (s: ShipmentState, now = T0) =>
  shipmentAnomalies(s, params, SIMPLE_REGION_LOOKUP, now).map((a) => `${a.reason}@${a.since - T0}`);

describe('shipmentAnomalies', () => {
  it('reports rejected, exception and stuck from the time the state was entered, and nothing else', () => {
    expect(reasons(shipment({ state: 'rejected', stateAt: T0 + 5 }))).toEqual(['rejected@5']);
    expect(reasons(shipment({ state: 'exception', stateAt: T0 + 6 }))).toEqual(['exception@6']);
    expect(reasons(shipment({ state: 'stuck', stateAt: T0 + 7 }))).toEqual(['stuck@7']);
    for (const state of [
      'created',
      'collected',
      'in_transit',
      'out_for_delivery',
      'delivered',
      'returned',
    ] as const)
      expect(reasons(shipment({ state })), state).toEqual([]);
  });

  it('counts returns from the threshold on, from the last return, except once delivered', () => {
    expect(reasons(shipment({ state: 'returned', returnedCount: 1, lastReturnedAt: T0 + 3 }))).toEqual([]);
    expect(reasons(shipment({ state: 'returned', returnedCount: 2, lastReturnedAt: T0 + 3 }))).toEqual([
      'returned_repeatedly@3',
    ]);
    expect(reasons(shipment({ state: 'delivered', returnedCount: 5, lastReturnedAt: T0 + 3 }))).toEqual([]);
    // Without a return time (a state built by hand), the reason dates from the current state.
    expect(reasons(shipment({ state: 'in_transit', stateAt: T0 + 9, returnedCount: 2 }))).toEqual([
      'returned_repeatedly@9',
    ]);
  });

  it('lists every reason that holds, in a fixed order', () => {
    expect(
      reasons(shipment({ state: 'rejected', stateAt: T0 + 8, returnedCount: 2, lastReturnedAt: T0 + 4 })),
    ).toEqual(['rejected@8', 'returned_repeatedly@4']);
  });

  it('is stuck at a location from locationSince + the limit on, only while moving', () => {
    const at = (state: ShipmentState['state']) => shipment({ state, locationSince: T0, lastLocation: 'A' });
    expect(stuckAtLocationDueAt(at('in_transit'), params)).toBe(T0 + 24 * HOUR);
    expect(reasons(at('in_transit'), T0 + 24 * HOUR - 1)).toEqual([]);
    expect(reasons(at('in_transit'), T0 + 24 * HOUR)).toEqual([`stuck_at_location@${24 * HOUR}`]);
    expect(reasons(at('collected'), T0 + 24 * HOUR)).toEqual([`stuck_at_location@${24 * HOUR}`]);
    // Out for delivery at its location: moving, and in the destination since none is known.
    expect(reasons(at('out_for_delivery'), T0 + 24 * HOUR)).toEqual([`stuck_at_location@${24 * HOUR}`]);
    for (const state of ['created', 'delivered', 'returned'] as const) {
      expect(stuckAtLocationDueAt(at(state), params), state).toBeUndefined();
      expect(reasons(at(state), T0 + 100 * HOUR), state).toEqual([]);
    }
    expect(stuckAtLocationDueAt(shipment({ state: 'in_transit' }), params)).toBeUndefined();
  });

  it('checks the location against the destination when out for delivery or delivered, not on the way', () => {
    const far = (state: ShipmentState['state'], over: Partial<ShipmentState> = {}) =>
      shipment({
        state,
        stateAt: T0 + 1,
        lastLocation: '浙江省杭州市',
        lastLocationAt: T0 + 2,
        destinationRegion: '广东省',
        ...over,
      });
    expect(reasons(far('out_for_delivery'))).toEqual(['location_mismatch@2']);
    expect(reasons(far('delivered'))).toEqual(['location_mismatch@2']);
    expect(reasons(far('in_transit'))).toEqual([]);
    expect(reasons(far('delivered', { lastLocationAt: undefined }))).toEqual(['location_mismatch@1']);
    expect(reasons(far('delivered', { destinationRegion: undefined }))).toEqual([]);
    expect(reasons(far('delivered', { destinationRegion: '' }))).toEqual([]);
    expect(reasons(far('delivered', { lastLocation: undefined }))).toEqual([]);
    expect(reasons(far('delivered', { lastLocation: '广东省深圳市' }))).toEqual([]);
    // A location the lookup does not place is no evidence either way.
    expect(reasons(far('delivered', { lastLocation: '  ' }))).toEqual([]);
  });
});

describe('SIMPLE_REGION_LOOKUP', () => {
  const { regionOf, regionContains } = SIMPLE_REGION_LOOKUP;

  it('places a location as its trimmed text, and a blank one nowhere', () => {
    expect(regionOf(' 广东省深圳市 ')).toBe('广东省深圳市');
    expect(regionOf('   ')).toBeUndefined();
    expect(regionOf('')).toBeUndefined();
  });

  it('contains by substring in either direction, after trimming', () => {
    expect(regionContains('广东省', '广东省深圳市南山区')).toBe(true);
    expect(regionContains('广东省深圳市南山区', '广东省')).toBe(true);
    expect(regionContains(' 广东省 ', '广东省深圳市')).toBe(true);
    expect(regionContains('广东省', '浙江省杭州市')).toBe(false);
  });

  it('never contains or is contained by an empty region', () => {
    expect(regionContains('', '广东省')).toBe(false);
    expect(regionContains('广东省', '')).toBe(false);
    expect(regionContains('  ', '广东省')).toBe(false);
    expect(regionContains('000000', '440305')).toBe(false);
  });

  it('compares six-digit GB/T 2260 codes without their trailing zero pairs', () => {
    expect(regionContains('440000', '440305')).toBe(true);
    expect(regionContains('440300', '440305')).toBe(true);
    expect(regionContains('440300', '440400')).toBe(false);
    expect(regionContains('441000', '440305')).toBe(false);
    expect(regionContains(' 440000 ', '440305')).toBe(true);
    // Only the zeros at the end go: 500101 (Wanzhou, Chongqing) does not lie in 510000 (Sichuan).
    expect(regionContains('510000', '500101')).toBe(false);
  });

  it('compares other digit strings as written', () => {
    // Five and seven digits are no GB/T codes: their zeros are kept.
    expect(regionContains('44000', '4401')).toBe(false);
    expect(regionContains('4400000', '44012')).toBe(false);
    expect(regionContains('1440000', '1440305')).toBe(false);
    expect(regionContains('44000100', '4400019')).toBe(false);
    expect(regionContains('a440000', 'a440305')).toBe(false);
  });
});

describe('shipmentAnomalySummary', () => {
  it('names each reason, with the return count and the stuck limit where they matter', () => {
    const s = shipment({ returnedCount: 3 });
    const summary = shipmentAnomalySummary(
      s,
      [
        { reason: 'rejected', since: T0 },
        { reason: 'returned_repeatedly', since: T0 },
        { reason: 'stuck_at_location', since: T0 },
        { reason: 'location_mismatch', since: T0 },
      ],
      params,
    );
    expect(summary.message).toEqual({
      key: 'summary.shipment_anomaly',
      params: {
        carrier: 'sf',
        trackingNo: 'SF1',
        orderId: 'O1',
        reasons: [
          { key: 'anomaly.rejected' },
          { key: 'anomaly.returned_repeatedly', params: { count: 3 } },
          { key: 'anomaly.stuck_at_location', params: { stuckMs: 24 * HOUR } },
          { key: 'anomaly.location_mismatch' },
        ],
      },
    });
  });
});

describe('shipmentAnomalyRule', () => {
  it('holds from the earliest reason, with every reason in its label', () => {
    const s = shipment({ state: 'rejected', stateAt: T0 + 8, returnedCount: 2, lastReturnedAt: T0 + 4 });
    const r = recorder();
    expect(shipmentAnomalyRule.holding(s, DEFAULT_RULE_PARAMS, facts(), T0 + 10, r.next)).toEqual({
      at: T0 + 4,
      summary: summaryOf({
        key: 'summary.shipment_anomaly',
        params: {
          carrier: 'sf',
          trackingNo: 'SF1',
          orderId: 'O1',
          reasons: [
            { key: 'anomaly.rejected' },
            { key: 'anomaly.returned_repeatedly', params: { count: 2 } },
          ],
        },
      }),
      labels: { carrier: 'sf', order_id: 'O1', reasons: 'rejected,returned_repeatedly' },
      severity: 'warning',
    });
    expect(r.asked).toEqual([]);
  });

  it('asks to be woken when a moving parcel will have stayed too long, and not once it has', () => {
    const s = shipment({ state: 'in_transit', locationSince: T0, lastLocation: 'A' });
    const before = recorder();
    expect(
      shipmentAnomalyRule.holding(s, DEFAULT_RULE_PARAMS, facts(), T0 + 24 * HOUR - 1, before.next),
    ).toBe(undefined);
    expect(before.asked).toEqual([T0 + 24 * HOUR]);
    const at = recorder();
    expect(shipmentAnomalyRule.holding(s, DEFAULT_RULE_PARAMS, facts(), T0 + 24 * HOUR, at.next)?.at).toBe(
      T0 + 24 * HOUR,
    );
    expect(at.asked).toEqual([]);
  });

  it('uses the region lookup the engine was given', () => {
    const everywhere: RegionLookup = { regionOf: () => 'X', regionContains: () => true };
    const s = shipment({ state: 'delivered', lastLocation: '浙江省', destinationRegion: '广东省' });
    expect(shipmentAnomalyRule.holding(s, DEFAULT_RULE_PARAMS, facts(everywhere), T0, recorder().next)).toBe(
      undefined,
    );
    expect(shipmentAnomalyRule.firstCheckAt(s, DEFAULT_RULE_PARAMS, facts(everywhere), T0)).toBeUndefined();
    expect(shipmentAnomalyRule.firstCheckAt(s, DEFAULT_RULE_PARAMS, facts(), T0)).toBe(RECHECK);
  });

  it('after a restart, checks at once what holds already, else waits for the stuck deadline', () => {
    const all = DEFAULT_RULE_PARAMS;
    expect(shipmentAnomalyRule.firstCheckAt(shipment({ state: 'exception' }), all, facts(), T0)).toBe(
      RECHECK,
    );
    const moving = shipment({ state: 'in_transit', locationSince: T0, lastLocation: 'A' });
    expect(shipmentAnomalyRule.firstCheckAt(moving, all, facts(), T0)).toBe(T0 + 24 * HOUR);
    expect(shipmentAnomalyRule.firstCheckAt(moving, all, facts(), T0 + 24 * HOUR)).toBe(RECHECK);
    expect(shipmentAnomalyRule.firstCheckAt(shipment({ state: 'in_transit' }), all, facts(), T0)).toBe(
      undefined,
    );
  });

  it('leaves alone a store out of scope, and everything when disabled', () => {
    const exception = shipment({ state: 'exception' });
    for (const shipment_anomaly of [
      { ...params, enabled: false },
      { ...params, scope: { stores: [], excludeStores: ['S1'] } },
    ]) {
      const all = { ...DEFAULT_RULE_PARAMS, shipment_anomaly };
      const moving = shipment({ state: 'in_transit', locationSince: T0, lastLocation: 'A' });
      const r = recorder();
      expect(shipmentAnomalyRule.holding(exception, all, facts(), T0, r.next)).toBeUndefined();
      expect(shipmentAnomalyRule.holding(moving, all, facts(), T0, r.next)).toBeUndefined();
      expect(r.asked).toEqual([]);
      expect(shipmentAnomalyRule.firstCheckAt(exception, all, facts(), T0)).toBeUndefined();
      expect(shipmentAnomalyRule.firstCheckAt(moving, all, facts(), T0)).toBeUndefined();
    }
  });
});
