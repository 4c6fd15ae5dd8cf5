// How checkpoints from repeated, out-of-order carrier feeds fold into one tracking, and how an
// unbound carrier update takes its order from the binding.
import { describe, expect, it } from 'vitest';
import type { ShipmentUpdateEvent } from '../../../src/domain/events.ts';
import { returnStarts } from '../../../src/domain/shipments/anomalies.ts';
import { bindCarrierUpdate, type CarrierUpdate } from '../../../src/domain/shipments/carrier-update.ts';
import {
  applyShipmentEvents,
  checkpointOf,
  compareCheckpoints,
  currentState,
  emptyTracking,
  endTracking,
  latestCheckpoint,
  mergeCheckpoints,
  progressCheckpoints,
  type ShipmentCheckpoint,
} from '../../../src/domain/shipments/tracking.ts';

const T0 = Date.parse('2026-06-01T08:00:00+08:00');
const MIN = 60_000;

function update(id: string, minutes: number, more: Partial<ShipmentUpdateEvent> = {}): ShipmentUpdateEvent {
  return {
    type: 'shipment.update',
    id,
    source: 'kuaidi100',
    occurredAt: T0 + minutes * MIN,
    orderId: 'O1',
    storeId: 'S1',
    carrier: 'sf',
    trackingNo: 'SF1',
    state: 'in_transit',
    ...more,
  };
}

describe('checkpointOf', () => {
  it('copies location, provider code and text only when the event has them', () => {
    expect(checkpointOf(update('a', 0))).toStrictEqual({ id: 'a', occurredAt: T0, state: 'in_transit' });
    expect(
      checkpointOf(update('b', 1, { location: '杭州市', providerCode: '0', providerText: '【杭州市】在途' })),
    ).toStrictEqual({
      id: 'b',
      occurredAt: T0 + MIN,
      state: 'in_transit',
      location: '杭州市',
      providerCode: '0',
      providerText: '【杭州市】在途',
    });
  });
});

describe('compareCheckpoints', () => {
  const at = (id: string, state: ShipmentCheckpoint['state'], minutes = 0): ShipmentCheckpoint => ({
    id,
    occurredAt: T0 + minutes * MIN,
    state,
  });

  it('orders by time, then by state rank, then by id', () => {
    expect(compareCheckpoints(at('z', 'delivered', 0), at('a', 'collected', 1))).toBeLessThan(0);
    expect(compareCheckpoints(at('a', 'delivered'), at('z', 'out_for_delivery'))).toBeGreaterThan(0);
    expect(compareCheckpoints(at('a', 'in_transit'), at('b', 'in_transit'))).toBeLessThan(0);
    expect(compareCheckpoints(at('b', 'in_transit'), at('a', 'in_transit'))).toBeGreaterThan(0);
    expect(compareCheckpoints(at('a', 'in_transit'), at('a', 'in_transit'))).toBe(0);
  });

  it('gives the same tracking whichever order same-minute checkpoints arrive in', () => {
    const a = at('a', 'in_transit');
    const b = at('b', 'in_transit');
    const ab = mergeCheckpoints(emptyTracking('sf', 'SF1'), [a, b]).tracking.checkpoints.map((c) => c.id);
    const ba = mergeCheckpoints(emptyTracking('sf', 'SF1'), [b, a]).tracking.checkpoints.map((c) => c.id);
    expect(ab).toEqual(['a', 'b']);
    expect(ba).toEqual(['a', 'b']);
  });
});

describe('mergeCheckpoints', () => {
  it('adds a checkpoint repeated within one batch once', () => {
    const c = checkpointOf(update('a', 0));
    const { tracking, added } = mergeCheckpoints(emptyTracking('sf', 'SF1'), [c, { ...c }]);
    expect(added.map((x) => x.id)).toEqual(['a']);
    expect(tracking.checkpoints.map((x) => x.id)).toEqual(['a']);
  });

  it('returns the added ones in tracking order and the same tracking when nothing is new', () => {
    const first = mergeCheckpoints(emptyTracking('sf', 'SF1'), [checkpointOf(update('b', 5))]).tracking;
    const { tracking, added } = mergeCheckpoints(first, [
      checkpointOf(update('c', 9)),
      checkpointOf(update('b', 5)),
      checkpointOf(update('a', 1)),
    ]);
    expect(added.map((x) => x.id)).toEqual(['a', 'c']);
    expect(tracking.checkpoints.map((x) => x.id)).toEqual(['a', 'b', 'c']);
    expect(mergeCheckpoints(tracking, [checkpointOf(update('a', 1))]).tracking).toBe(tracking);
  });
});

describe('applyShipmentEvents: destination region', () => {
  const empty = emptyTracking('sf', 'SF1');

  it('keeps the region of the later event when an older one arrives afterwards', () => {
    const newer = applyShipmentEvents(empty, [update('n', 10, { destinationRegion: '北京市' })]).tracking;
    const after = applyShipmentEvents(newer, [update('o', 5, { destinationRegion: '上海市' })]).tracking;
    expect(after.destinationRegion).toBe('北京市');
    expect(after.destinationSetAt).toBe(T0 + 10 * MIN);
  });

  it('takes the region of a later event, and of one at the same instant', () => {
    const older = applyShipmentEvents(empty, [update('o', 5, { destinationRegion: '上海市' })]).tracking;
    const later = applyShipmentEvents(older, [update('n', 10, { destinationRegion: '北京市' })]).tracking;
    expect([later.destinationRegion, later.destinationSetAt]).toEqual(['北京市', T0 + 10 * MIN]);
    const same = applyShipmentEvents(older, [update('s', 5, { destinationRegion: '广州市' })]).tracking;
    expect(same.destinationRegion).toBe('广州市');
  });

  it('leaves the region alone for events without one, in the same batch or later', () => {
    const t = applyShipmentEvents(empty, [
      update('a', 1, { destinationRegion: '北京市' }),
      update('b', 20),
    ]).tracking;
    expect([t.destinationRegion, t.destinationSetAt]).toEqual(['北京市', T0 + MIN]);
  });
});

describe('progress and the current state', () => {
  it('uses every checkpoint when none shows progress yet', () => {
    const t = mergeCheckpoints(emptyTracking('sf', 'SF1'), [
      { id: 'a', occurredAt: T0, state: 'created' },
      { id: 'b', occurredAt: T0 + MIN, state: 'created' },
    ]).tracking;
    expect(progressCheckpoints(t).map((c) => c.id)).toEqual(['a', 'b']);
    expect(latestCheckpoint(t)?.id).toBe('b');
    expect(currentState(t)).toBe('created');
  });

  it('drops a late binding once the carrier reported progress', () => {
    const t = mergeCheckpoints(emptyTracking('sf', 'SF1'), [
      { id: 'a', occurredAt: T0, state: 'collected' },
      { id: 'b', occurredAt: T0 + MIN, state: 'created' },
    ]).tracking;
    expect(progressCheckpoints(t).map((c) => c.id)).toEqual(['a']);
    expect(latestCheckpoint(t)?.id).toBe('a');
  });

  it('counts a return only when entering returned from another state', () => {
    const t = mergeCheckpoints(emptyTracking('sf', 'SF1'), [
      { id: 'a', occurredAt: T0, state: 'returned' },
      { id: 'b', occurredAt: T0 + MIN, state: 'returned' },
      { id: 'c', occurredAt: T0 + 2 * MIN, state: 'in_transit' },
      { id: 'd', occurredAt: T0 + 3 * MIN, state: 'returned' },
    ]).tracking;
    expect(returnStarts(t)).toEqual([T0, T0 + 3 * MIN]);
  });

  it('ends tracking once', () => {
    const t = emptyTracking('sf', 'SF1');
    const ended = endTracking(t);
    expect(ended.ended).toBe(true);
    expect(t.ended).toBe(false);
    expect(endTracking(ended)).toBe(ended);
  });
});

describe('bindCarrierUpdate', () => {
  const { orderId: _o, storeId: _s, ...carrierOnly } = update('a', 0);
  const carrier: CarrierUpdate = carrierOnly;

  it('takes order, store and destination from the binding', () => {
    const bound = bindCarrierUpdate(carrier, { orderId: 'O9', storeId: 'S9', destinationRegion: '北京市' });
    expect(bound).toStrictEqual({ ...carrier, orderId: 'O9', storeId: 'S9', destinationRegion: '北京市' });
  });

  it("keeps the update's own destination, and adds none when neither has one", () => {
    const own = bindCarrierUpdate(
      { ...carrier, destinationRegion: '上海市' },
      { orderId: 'O9', storeId: 'S9', destinationRegion: '北京市' },
    );
    expect(own.destinationRegion).toBe('上海市');
    expect(bindCarrierUpdate(carrier, { orderId: 'O9', storeId: 'S9' })).toStrictEqual({
      ...carrier,
      orderId: 'O9',
      storeId: 'S9',
    });
  });
});
