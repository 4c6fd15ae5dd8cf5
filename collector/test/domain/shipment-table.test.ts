// The engine's columnar shipment table reads back exactly the ShipmentState it was given: through
// deletes, slot reuse and growth, and for times too far apart for an Int32 offset.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SHIPMENT_STATES } from '../../src/domain/events.ts';
import { type ShipmentState, shipmentKey } from '../../src/domain/rules/shipment-state.ts';
import { ShipmentTable } from '../../src/domain/rules/shipment-table.ts';

const time = fc.integer({ min: 0, max: 2 ** 45 });
const optionalTime = fc.option(time, { nil: undefined });
const shipmentArb: fc.Arbitrary<ShipmentState> = fc
  .record({
    n: fc.integer({ min: 0, max: 30 }),
    carrier: fc.constantFrom('sf', 'zto', 'jd'),
    // Ids as any text sent to the API can be: empty, U+0000, lone surrogates, beyond the BMP.
    orderId: fc.constantFrom('O1', 'O2', '订单3', '', '\uD800', 'O\u0000😀'),
    storeId: fc.constantFrom('S1', 'S2', '门店3'),
    state: fc.constantFrom(...SHIPMENT_STATES),
    stateAt: time,
    lastUpdateAt: time,
    returnedCount: fc.oneof(fc.integer({ min: 0, max: 3 }), fc.constant(2 ** 40)),
    lastReturnedAt: optionalTime,
    lastLocation: fc.option(fc.constantFrom('广东省深圳市', 'Hangzhou'), { nil: undefined }),
    locationSince: optionalTime,
    lastLocationAt: optionalTime,
    destinationRegion: fc.option(fc.constantFrom('GD', 'XZ', '440300'), { nil: undefined }),
  })
  .map(({ n, carrier, ...rest }) => {
    const trackingNo = ['', '\uDFFF', '单号😀', 'T\u0000'][n] ?? `T${n}`;
    return { key: shipmentKey(carrier, trackingNo), carrier, trackingNo, ...rest };
  });

describe('ShipmentTable', () => {
  it('reads back exactly what was written, through deletes, slot reuse and growth', () => {
    const op = fc.oneof(
      { weight: 4, arbitrary: shipmentArb.map((shipment) => ({ set: shipment })) },
      { weight: 1, arbitrary: shipmentArb.map((shipment) => ({ delete: shipment })) },
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 120 }), (ops) => {
        const table = new ShipmentTable(1);
        const model = new Map<string, ShipmentState>();
        for (const o of ops) {
          if ('set' in o) {
            const slot = table.set(o.set);
            model.set(o.set.key, o.set);
            expect(table.at(slot)).toEqual(o.set);
          } else {
            const { carrier, trackingNo, key } = o.delete;
            expect(table.delete(carrier, trackingNo) !== undefined).toBe(model.delete(key));
          }
        }
        expect(table.size).toBe(model.size);
        for (const shipment of model.values()) {
          expect(table.has(shipment.carrier, shipment.trackingNo)).toBe(true);
          expect(table.get(shipment.carrier, shipment.trackingNo)).toEqual(shipment);
        }
        expect(new Map([...table.values()].map((s) => [s.key, s]))).toEqual(model);
        for (const [slot, shipment] of table.entries()) {
          expect(table.slot(shipment.carrier, shipment.trackingNo)).toBe(slot);
          expect(table.slotOfKey(shipment.key)).toBe(slot);
        }
      }),
    );
  });

  it('keeps near times in the columns and far ones in the side Map, dropped with the shipment', () => {
    const table = new ShipmentTable();
    const at = Date.UTC(2026, 10, 11);
    const near: ShipmentState = {
      key: shipmentKey('sf', 'SF1'),
      orderId: 'O1',
      storeId: 'S1',
      carrier: 'sf',
      trackingNo: 'SF1',
      state: 'in_transit',
      stateAt: at - 1,
      lastUpdateAt: at,
      returnedCount: 0,
      lastReturnedAt: undefined,
      lastLocation: '广东省深圳市',
      locationSince: at - 3_600_000,
      lastLocationAt: at,
      destinationRegion: 'GD',
    };
    table.set(near);
    expect(table.overflowCount).toBe(0);
    expect(table.get('sf', 'SF1')).toEqual(near);
    expect(table.has('zto', 'SF1')).toBe(false);
    expect(table.slotOfKey('no separator')).toBeUndefined();
    const far = { ...near, key: shipmentKey('sf', 'SF2'), trackingNo: 'SF2', stateAt: at - 40 * 86_400_000 };
    table.set(far);
    expect(table.overflowCount).toBe(1);
    expect(table.get('sf', 'SF2')).toEqual(far);
    table.delete('sf', 'SF2');
    expect(table.overflowCount).toBe(0);
    expect(table.get('sf', 'SF2')).toBeUndefined();
    expect(table.size).toBe(1);
  });

  it('rebinds a waybill number to another order, and reclaims the bytes of deleted ids', () => {
    const table = new ShipmentTable(16);
    const at = Date.UTC(2026, 10, 11);
    const shipment = (i: number, orderId: string): ShipmentState => ({
      key: shipmentKey(i % 2 ? 'sf' : 'zto', `W${i}`),
      orderId,
      storeId: 'S1',
      carrier: i % 2 ? 'sf' : 'zto',
      trackingNo: `W${i}`,
      state: 'in_transit',
      stateAt: at,
      lastUpdateAt: at,
      returnedCount: 0,
      lastReturnedAt: undefined,
      lastLocation: undefined,
      locationSince: undefined,
      lastLocationAt: undefined,
      destinationRegion: undefined,
    });
    const longId = (i: number) => `order-${i}-${'x'.repeat(200)}`;
    for (let i = 0; i < 2000; i++) table.set(shipment(i, longId(i)));
    const slot = table.slot('sf', 'W1')!;
    expect(table.set(shipment(1, 'O-new'))).toBe(slot);
    expect(table.get('sf', 'W1')?.orderId).toBe('O-new');
    expect(table.get('zto', 'W1')).toBeUndefined();
    const grown = table.idBytes;
    expect(grown).toBeGreaterThan(2000 * 200);
    for (let i = 10; i < 2000; i++) expect(table.delete(i % 2 ? 'sf' : 'zto', `W${i}`)).toBeDefined();
    // The released ids outweighed the live ones many times: compacted into one 64 KiB chunk.
    expect(grown).toBeGreaterThanOrEqual(7 * 65_536);
    expect(table.idBytes).toBe(65_536);
    expect(table.size).toBe(10);
    for (let i = 0; i < 10; i++)
      expect(table.get(i % 2 ? 'sf' : 'zto', `W${i}`)).toEqual(shipment(i, i === 1 ? 'O-new' : longId(i)));
    // Slots freed by the deletes are reused before the table grows.
    expect(table.set(shipment(5000, 'O5000'))).toBeLessThan(2000);
  });

  it('writes no new id record for an update under the same order, and releases the old one on a rebind', () => {
    const table = new ShipmentTable(64);
    const at = Date.UTC(2026, 10, 11);
    const shipment = (i: number, orderId: string, state: ShipmentState['state']): ShipmentState => ({
      key: shipmentKey('sf', `W${i}`),
      orderId,
      storeId: 'S1',
      carrier: 'sf',
      trackingNo: `W${i}`,
      state,
      stateAt: at,
      lastUpdateAt: at,
      returnedCount: 0,
      lastReturnedAt: undefined,
      lastLocation: undefined,
      locationSince: undefined,
      lastLocationAt: undefined,
      destinationRegion: undefined,
    });
    const id = (i: number, round: number) => `${round}-${i}-${'o'.repeat(1000)}`;
    for (let i = 0; i < 40; i++) table.set(shipment(i, id(i, 0), 'collected'));
    expect(table.idBytes).toBe(65_536);
    // 40 KB of ids: rewriting them on every update would start a second chunk.
    for (let i = 0; i < 40; i++) {
      table.set(shipment(i, id(i, 0), 'in_transit'));
      expect(table.idBytes).toBe(65_536);
    }
    // Rebinding each waybill to a new order five times: the old ids are released and reclaimed.
    for (let round = 1; round <= 5; round++)
      for (let i = 0; i < 40; i++) table.set(shipment(i, id(i, round), 'in_transit'));
    expect(table.idBytes).toBeLessThanOrEqual(3 * 65_536);
    for (let i = 0; i < 40; i++) expect(table.get('sf', `W${i}`)?.orderId).toBe(id(i, 5));
  });

  it('lists a table filled to its capacity, and tells carriers apart for one waybill number', () => {
    const table = new ShipmentTable(16);
    const shipment = (carrier: string, trackingNo: string): ShipmentState => ({
      key: shipmentKey(carrier, trackingNo),
      orderId: 'O1',
      storeId: 'S1',
      carrier,
      trackingNo,
      state: 'collected',
      stateAt: 1_000,
      lastUpdateAt: 1_000,
      returnedCount: 0,
      lastReturnedAt: undefined,
      lastLocation: undefined,
      locationSince: undefined,
      lastLocationAt: undefined,
      destinationRegion: undefined,
    });
    for (let i = 0; i < 16; i++) table.set(shipment('sf', `T${i}`));
    expect([...table.values()].map((s) => s.trackingNo)).toEqual(
      Array.from({ length: 16 }, (_, i) => `T${i}`),
    );
    // Many numbers under one carrier, each looked up under another: the index's probing meets
    // entries of the same bytes under the other carrier, which must not match.
    const other = new ShipmentTable();
    other.set(shipment('zto', 'Z'));
    for (let i = 0; i < 20_000; i++) other.set(shipment('sf', `N${i}`));
    let found = 0;
    for (let i = 0; i < 20_000; i++) if (other.has('zto', `N${i}`)) found++;
    expect(found).toBe(0);
    other.delete('sf', 'N0');
    expect([...other.values()].length).toBe(20_000);
  });

  it('gives a new shipment the next slot never used, after a freed one is taken again', () => {
    const table = new ShipmentTable(16);
    const shipment = (trackingNo: string): ShipmentState => ({
      key: shipmentKey('sf', trackingNo),
      orderId: `O-${trackingNo}`,
      storeId: 'S1',
      carrier: 'sf',
      trackingNo,
      state: 'collected',
      stateAt: 1_000,
      lastUpdateAt: 1_000,
      returnedCount: 0,
      lastReturnedAt: undefined,
      lastLocation: undefined,
      locationSince: undefined,
      lastLocationAt: undefined,
      destinationRegion: undefined,
    });
    expect(['A', 'B'].map((no) => table.set(shipment(no)))).toEqual([0, 1]);
    expect(table.delete('sf', 'A')).toBe(0);
    expect(table.set(shipment('C'))).toBe(0);
    expect(table.set(shipment('D'))).toBe(2);
    expect([...table.entries()].map(([slot, s]) => [slot, s.trackingNo])).toEqual([
      [0, 'C'],
      [1, 'B'],
      [2, 'D'],
    ]);
  });
});
