import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SHIPMENT_STATES, type ShipmentUpdateEvent } from '../../src/domain/events.ts';
import { bindCarrierUpdate } from '../../src/domain/shipments/carrier-update.ts';
import {
  applyShipmentEvents,
  currentState,
  emptyTracking,
  endTracking,
  isFinal,
  lastUpdateAt,
  mergeCheckpoints,
  type ShipmentCheckpoint,
} from '../../src/domain/shipments/tracking.ts';

const MIN = 60_000;

describe('mergeCheckpoints', () => {
  const a: ShipmentCheckpoint = { id: 'a', occurredAt: 1 * MIN, state: 'collected' };
  const b: ShipmentCheckpoint = { id: 'b', occurredAt: 5 * MIN, state: 'in_transit' };
  const c: ShipmentCheckpoint = { id: 'c', occurredAt: 9 * MIN, state: 'delivered' };

  it('orders by carrier time, whatever the arrival order', () => {
    const late = mergeCheckpoints(emptyTracking('zto', 'Z1'), [c]).tracking;
    const { tracking, added } = mergeCheckpoints(late, [b, a]);
    expect(tracking.checkpoints.map((x) => x.id)).toEqual(['a', 'b', 'c']);
    expect(added.map((x) => x.id)).toEqual(['a', 'b']);
    expect(currentState(tracking)).toBe('delivered');
    expect(lastUpdateAt(tracking)).toBe(9 * MIN);
    expect(isFinal(tracking)).toBe(true);
  });

  it('adds nothing for checkpoints already known', () => {
    const once = mergeCheckpoints(emptyTracking('zto', 'Z1'), [a, b]).tracking;
    const again = mergeCheckpoints(once, [b, a, a]);
    expect(again.added).toEqual([]);
    expect(again.tracking).toBe(once);
  });

  it('breaks equal times by state progression', () => {
    const out: ShipmentCheckpoint = { id: 'z', occurredAt: MIN, state: 'out_for_delivery' };
    const done: ShipmentCheckpoint = { id: 'a', occurredAt: MIN, state: 'delivered' };
    expect(currentState(mergeCheckpoints(emptyTracking('x', '1'), [done, out]).tracking)).toBe('delivered');
  });

  it('does not let a late binding (created) move the state back', () => {
    const collected: ShipmentCheckpoint = { id: 'k', occurredAt: MIN, state: 'collected' };
    const bound: ShipmentCheckpoint = { id: 'b', occurredAt: 2 * MIN, state: 'created' };
    const t = mergeCheckpoints(emptyTracking('x', '1'), [collected, bound]).tracking;
    expect(currentState(t)).toBe('collected');
    expect(lastUpdateAt(t)).toBe(2 * MIN);
    expect(currentState(mergeCheckpoints(emptyTracking('x', '1'), [bound]).tracking)).toBe('created');
  });

  it('gives the same tracking for any order and any repetition (property)', () => {
    const checkpoint = fc.record({
      id: fc.string({ minLength: 1, maxLength: 4 }),
      occurredAt: fc.integer({ min: 0, max: 1000 }),
      state: fc.constantFrom(...SHIPMENT_STATES),
    });
    fc.assert(
      fc.property(
        fc.uniqueArray(checkpoint, { selector: (x) => x.id, maxLength: 20 }),
        fc.nat(),
        (list, seed) => {
          const shuffled = [...list, ...list.slice(0, seed % (list.length + 1))].sort(
            (x, y) => ((x.occurredAt * 31 + seed) % 7) - ((y.occurredAt * 31 + seed) % 7),
          );
          const one = mergeCheckpoints(emptyTracking('x', '1'), list).tracking;
          let stepwise = emptyTracking('x', '1');
          for (const item of shuffled) stepwise = mergeCheckpoints(stepwise, [item]).tracking;
          expect(stepwise.checkpoints).toEqual(one.checkpoints);
        },
      ),
    );
  });
});

describe('applyShipmentEvents', () => {
  const base: ShipmentUpdateEvent = {
    type: 'shipment.update',
    id: 'e1',
    source: 'kuaidi100',
    occurredAt: 10 * MIN,
    orderId: 'o1',
    storeId: 's1',
    carrier: 'yuantong',
    trackingNo: 'YT1',
    state: 'created',
    destinationRegion: '330100',
  };

  it('keeps the destination of the newest event that carries one', () => {
    const older = { ...base, id: 'e0', occurredAt: 1 * MIN, destinationRegion: '110000' };
    const t = applyShipmentEvents(emptyTracking('yuantong', 'YT1'), [base, older]).tracking;
    expect(t.destinationRegion).toBe('330100');
    const t2 = applyShipmentEvents(t, [{ ...older, id: 'e2' }]).tracking;
    expect(t2.destinationRegion).toBe('330100');
  });

  it('marks tracking ended', () => {
    const t = endTracking(emptyTracking('yuantong', 'YT1'));
    expect(t.ended).toBe(true);
    expect(isFinal(t)).toBe(true);
  });
});

describe('bindCarrierUpdate', () => {
  it('adds the order, store and destination from the binding', () => {
    const event = bindCarrierUpdate(
      {
        type: 'shipment.update',
        id: 'x',
        source: 'kuaidi100',
        occurredAt: 1,
        carrier: 'c',
        trackingNo: 't',
        state: 'in_transit',
      },
      { orderId: 'o1', storeId: 's1', destinationRegion: '330000' },
    );
    expect(event).toMatchObject({ orderId: 'o1', storeId: 's1', destinationRegion: '330000' });
  });
});
