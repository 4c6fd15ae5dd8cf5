// The engine's shipment state folded from carrier checkpoints by event time: the latest checkpoint
// sets the state, a late one only adds facts (returns, how long the parcel has been where it is).
import { describe, expect, it } from 'vitest';
import type { ShipmentUpdateEvent } from '../../../src/domain/events.ts';
import {
  applyShipmentEvent,
  boundShipment,
  type ShipmentState,
  shipmentKey,
} from '../../../src/domain/rules/shipment-state.ts';
import { carrierUpdate } from '../fixtures.ts';

type Extra = Parameters<typeof carrierUpdate>[4];
const update = (state: ShipmentUpdateEvent['state'], at: number, extra: Extra = {}) =>
  carrierUpdate('O1', 'SF1', state, at, extra) as ShipmentUpdateEvent;
const fold = (events: ShipmentUpdateEvent[], from?: ShipmentState) =>
  events.reduce<ShipmentState | undefined>((s, e) => applyShipmentEvent(s, e), from)!;

describe('applyShipmentEvent', () => {
  it('starts a shipment from its first checkpoint, even one dated before 1970', () => {
    expect(fold([update('collected', -5)])).toEqual({
      key: shipmentKey('sf', 'SF1'),
      orderId: 'O1',
      storeId: 'S1',
      carrier: 'sf',
      trackingNo: 'SF1',
      state: 'collected',
      stateAt: -5,
      lastUpdateAt: -5,
      returnedCount: 0,
      lastReturnedAt: undefined,
      lastLocation: undefined,
      locationSince: undefined,
      lastLocationAt: undefined,
      destinationRegion: undefined,
    });
  });

  it('takes the state of the latest checkpoint, and of the later-arriving one at the same instant', () => {
    const s = fold([update('in_transit', 20), update('collected', 10)]);
    expect(s).toMatchObject({ state: 'in_transit', stateAt: 20, lastUpdateAt: 20 });
    expect(fold([update('in_transit', 20), update('out_for_delivery', 20)])).toMatchObject({
      state: 'out_for_delivery',
      stateAt: 20,
    });
  });

  it('moves a bound waybill on with a checkpoint at its binding time, not with an older one', () => {
    const bound = boundShipment('O1', 'S1', 'sf', 'SF1', 100);
    expect(applyShipmentEvent(bound, update('collected', 100))).toMatchObject({ state: 'collected' });
    expect(applyShipmentEvent(bound, update('collected', 99))).toMatchObject({
      state: 'created',
      stateAt: 100,
      lastUpdateAt: 100,
    });
  });

  it('counts distinct returned checkpoints, a repeat of the same instant once, keeping the latest time', () => {
    const s = fold([
      update('returned', 10),
      update('returned', 10),
      update('returned', 30),
      update('returned', 20),
    ]);
    expect(s).toMatchObject({ returnedCount: 3, lastReturnedAt: 30 });
    expect(fold([update('in_transit', 10)])).toMatchObject({ returnedCount: 0, lastReturnedAt: undefined });
  });

  it('keeps since when the parcel is at its place, and learns from an older checkpoint at that place', () => {
    const here = fold([
      update('in_transit', 10, { location: 'A' }),
      update('in_transit', 20, { location: 'A' }),
    ]);
    expect(here).toMatchObject({ lastLocation: 'A', locationSince: 10, lastLocationAt: 20 });
    const moved = applyShipmentEvent(here, update('in_transit', 30, { location: 'B' }));
    expect(moved).toMatchObject({ lastLocation: 'B', locationSince: 30, lastLocationAt: 30 });
    // An older checkpoint at B: the parcel was there earlier than thought.
    expect(applyShipmentEvent(moved, update('in_transit', 25, { location: 'B' }))).toMatchObject({
      lastLocation: 'B',
      locationSince: 25,
      lastLocationAt: 30,
    });
    // An older checkpoint elsewhere changes nothing about the place.
    expect(applyShipmentEvent(moved, update('in_transit', 25, { location: 'A' }))).toMatchObject({
      lastLocation: 'B',
      locationSince: 30,
      lastLocationAt: 30,
    });
    // A checkpoint at the same instant as the last one at the place counts as current.
    expect(applyShipmentEvent(moved, update('in_transit', 30, { location: 'C' }))).toMatchObject({
      lastLocation: 'C',
      locationSince: 30,
    });
  });

  it('does not move since forward for an older checkpoint at the place that is not the earliest', () => {
    const s = fold([
      update('in_transit', 10, { location: 'A' }),
      update('in_transit', 30, { location: 'A' }),
      update('in_transit', 20, { location: 'A' }),
    ]);
    expect(s).toMatchObject({ locationSince: 10, lastLocationAt: 30 });
  });

  it('takes a destination from any checkpoint that names one, and leaves the previous state untouched', () => {
    const first = fold([update('collected', 10, { destinationRegion: '上海市' })]);
    const next = applyShipmentEvent(first, update('in_transit', 5));
    expect(next.destinationRegion).toBe('上海市');
    expect(
      applyShipmentEvent(first, update('in_transit', 5, { destinationRegion: '北京市' })).destinationRegion,
    ).toBe('北京市');
    expect(first).toMatchObject({ state: 'collected', destinationRegion: '上海市', lastUpdateAt: 10 });
  });
});
