// The facts kept per waybill for its risk (shipmentRiskFacts): exactly the fields a tracking has, none
// set to undefined, since the store writes each field to its own column and the listing reads them back.
import { describe, expect, it } from 'vitest';
import {
  anomaliesOfFacts,
  detectAnomalies,
  shipmentRiskFacts,
} from '../../../src/domain/shipments/anomalies.ts';
import { emptyTracking, mergeCheckpoints } from '../../../src/domain/shipments/tracking.ts';

const HOUR = 3_600_000;
const NOW = Date.parse('2026-06-10T08:00:00+08:00');

describe('shipmentRiskFacts', () => {
  it('has only the returns of a tracking with no checkpoint, no binding and no destination', () => {
    expect(shipmentRiskFacts(emptyTracking('sf', 'SF1'))).toStrictEqual({ returnStarts: [] });
  });

  it('keeps the destination, the newest update and the state of a moving parcel', () => {
    const moving = mergeCheckpoints({ ...emptyTracking('sf', 'SF2'), destinationRegion: '广东省' }, [
      { id: 'a', occurredAt: NOW - 5 * HOUR, state: 'in_transit', location: '杭州市' },
      { id: 'b', occurredAt: NOW - 2 * HOUR, state: 'in_transit', location: '杭州市' },
    ]).tracking;
    const facts = shipmentRiskFacts(moving);
    expect(facts).toStrictEqual({
      silenceFrom: NOW - 2 * HOUR,
      location: { key: '杭州市', since: NOW - 5 * HOUR },
      returnStarts: [],
      state: 'in_transit',
      destinationRegion: '广东省',
      lastUpdateAt: NOW - 2 * HOUR,
    });
    expect(anomaliesOfFacts(facts, NOW)).toEqual(detectAnomalies(moving, NOW));
  });

  it('keeps what the deciding checkpoint says, and a last leg outside the destination', () => {
    const astray = mergeCheckpoints({ ...emptyTracking('sf', 'SF3'), destinationRegion: '广东省' }, [
      { id: 'a', occurredAt: NOW - 30 * HOUR, state: 'in_transit', location: '杭州市' },
      { id: 'b', occurredAt: NOW - 3 * HOUR, state: 'out_for_delivery', location: '杭州市' },
    ]).tracking;
    const facts = shipmentRiskFacts(astray);
    expect(facts.outsideDestination?.reason).toBe('outside_destination');
    expect(facts).not.toHaveProperty('stateReason');
    const rejected = mergeCheckpoints(emptyTracking('sf', 'SF4'), [
      { id: 'a', occurredAt: NOW - 3 * HOUR, state: 'rejected', location: '深圳市' },
    ]).tracking;
    const rejectedFacts = shipmentRiskFacts(rejected);
    expect(rejectedFacts.stateReason?.reason).toBe('rejected');
    expect(rejectedFacts).not.toHaveProperty('outsideDestination');
    expect(rejectedFacts).not.toHaveProperty('destinationRegion');
    for (const tracking of [astray, rejected]) {
      expect(anomaliesOfFacts(shipmentRiskFacts(tracking), NOW)).toEqual(detectAnomalies(tracking, NOW));
    }
  });
});
