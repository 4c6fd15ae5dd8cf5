// The engine's columnar order and shipment tables at their edges: a capacity of 0 or 1, the write
// that fills the last slot before growing, slots freed and reused, values sitting exactly on the
// Int32 sentinels, and keys that are not a shipment's.
import { describe, expect, it } from 'vitest';
import { ORDER_STATUSES } from '../../../src/domain/events.ts';
import type { OrderState } from '../../../src/domain/order-lifecycle.ts';
import { OVERFLOW, UNDEFINED } from '../../../src/domain/rules/int32-columns.ts';
import { OrderTable } from '../../../src/domain/rules/order-table.ts';
import { type ShipmentState, shipmentKey } from '../../../src/domain/rules/shipment-state.ts';
import { ShipmentTable } from '../../../src/domain/rules/shipment-table.ts';

const AT = Date.UTC(2026, 10, 11);

const order = (orderId: string, extra: Partial<OrderState> = {}): OrderState => ({
  orderId,
  storeId: 'S1',
  status: 'paid',
  statusAt: AT - 1,
  createdAt: AT - 2,
  paidAt: AT - 1,
  paymentAt: undefined,
  amountFen: 100,
  amountAt: AT - 2,
  region: 'GD',
  regionAt: AT - 2,
  channel: 'pos',
  channelAt: AT - 2,
  updatedAt: AT,
  ...extra,
});

const shipment = (
  carrier: string,
  trackingNo: string,
  extra: Partial<ShipmentState> = {},
): ShipmentState => ({
  key: shipmentKey(carrier, trackingNo),
  orderId: 'O1',
  storeId: 'S1',
  carrier,
  trackingNo,
  state: 'in_transit',
  stateAt: AT - 1,
  lastUpdateAt: AT,
  returnedCount: 0,
  lastReturnedAt: undefined,
  lastLocation: '广东省深圳市',
  locationSince: AT - 10,
  lastLocationAt: AT,
  destinationRegion: 'GD',
  ...extra,
});

describe('OrderTable edges', () => {
  it('works from a capacity of 0 and grows past it, keeping every row', () => {
    for (const capacity of [0, 1]) {
      const table = new OrderTable(capacity);
      const orders = Array.from({ length: 40 }, (_, i) =>
        order(`O${i}`, { amountFen: i, updatedAt: AT + i }),
      );
      for (const [i, o] of orders.entries()) expect(table.set(o)).toBe(i);
      expect(table.size).toBe(40);
      for (const o of orders) expect(table.get(o.orderId)).toEqual(o);
    }
  });

  it('keeps the row written into the last slot before the table grows (16 rows at least)', () => {
    const table = new OrderTable(16);
    for (let i = 0; i < 16; i++) table.set(order(`O${i}`, { amountFen: i + 1 }));
    expect(table.get('O15')).toEqual(order('O15', { amountFen: 16 }));
    table.set(order('O16', { amountFen: 17 }));
    expect(table.get('O16')).toEqual(order('O16', { amountFen: 17 }));
    expect(table.get('O0')).toEqual(order('O0', { amountFen: 1 }));
  });

  it('reuses a freed slot for the next new order, under its own id', () => {
    const table = new OrderTable();
    table.set(order('O1'));
    const freed = table.set(order('O2'));
    table.set(order('O3'));
    expect(table.delete('O2')).toBe(freed);
    expect(table.delete('O2')).toBeUndefined();
    expect(table.has('O2')).toBe(false);
    expect(table.slot('O2')).toBeUndefined();
    expect(table.set(order('O4', { storeId: 'S2' }))).toBe(freed);
    expect(table.slot('O4')).toBe(freed);
    expect(table.at(freed)).toEqual(order('O4', { storeId: 'S2' }));
    expect([...table.entries()].map(([slot, o]) => [slot, o.orderId]).sort()).toEqual([
      [0, 'O1'],
      [1, 'O4'],
      [2, 'O3'],
    ]);
  });

  it('reads back an order without status or optional values, and every status', () => {
    const table = new OrderTable();
    const bare = order('O1', {
      status: undefined,
      statusAt: undefined,
      createdAt: undefined,
      paidAt: undefined,
      amountFen: undefined,
      amountAt: undefined,
      region: undefined,
      regionAt: undefined,
      channel: undefined,
      channelAt: undefined,
    });
    table.set(bare);
    expect(table.get('O1')).toEqual(bare);
    for (const status of ORDER_STATUSES) {
      table.set(order('O2', { status }));
      expect(table.get('O2')?.status).toBe(status);
    }
  });

  it('keeps amounts on and around the sentinels, negative ones and -0 exactly', () => {
    const table = new OrderTable();
    const amounts = [OVERFLOW, UNDEFINED, OVERFLOW + 1, -5, -0, 0, 2 ** 31 - 1, 2 ** 31, 0.5];
    for (const [i, amountFen] of amounts.entries()) table.set(order(`O${i}`, { amountFen }));
    for (const [i, amountFen] of amounts.entries())
      expect(Object.is(table.get(`O${i}`)?.amountFen, amountFen)).toBe(true);
    // In the columns: OVERFLOW + 1, -5, 0 and 2^31 - 1.
    expect(table.overflowCount).toBe(5);
  });

  it('keeps negative times (before 1970) in the columns, and -0 near a base of 0 exactly', () => {
    const table = new OrderTable();
    const early = order('O1', {
      updatedAt: 10,
      statusAt: -5,
      createdAt: 0,
      paidAt: -0,
      amountAt: 1e-20,
      regionAt: 9,
      channelAt: 11,
    });
    table.set(early);
    const back = table.get('O1')!;
    expect(back).toEqual(early);
    expect(Object.is(back.paidAt, -0)).toBe(true);
    expect(back.amountAt).toBe(1e-20);
    expect(table.overflowCount).toBe(2);
  });

  it('freeing a slot leaves the side values of the next slot', () => {
    const table = new OrderTable();
    table.set(order('O1', { statusAt: 0.5, amountFen: 2 ** 40 }));
    table.set(order('O2', { statusAt: 0.25, channelAt: 0.75 }));
    table.delete('O1');
    expect(table.overflowCount).toBe(2);
    expect(table.get('O2')).toEqual(order('O2', { statusAt: 0.25, channelAt: 0.75 }));
  });
});

describe('ShipmentTable edges', () => {
  it('works from a capacity of 0 and grows past it, keeping every row', () => {
    for (const capacity of [0, 1]) {
      const table = new ShipmentTable(capacity);
      const shipments = Array.from({ length: 40 }, (_, i) =>
        shipment(i % 2 === 0 ? 'sf' : 'zto', `T${i}`, { returnedCount: i, lastUpdateAt: AT + i }),
      );
      for (const [i, s] of shipments.entries()) expect(table.set(s)).toBe(i);
      expect(table.size).toBe(40);
      for (const s of shipments) expect(table.get(s.carrier, s.trackingNo)).toEqual(s);
    }
  });

  it('keeps the row written into the last slot before the table grows (16 rows at least)', () => {
    const table = new ShipmentTable(16);
    for (let i = 0; i < 16; i++) table.set(shipment('sf', `T${i}`, { returnedCount: i }));
    expect(table.get('sf', 'T15')).toEqual(shipment('sf', 'T15', { returnedCount: 15 }));
    table.set(shipment('sf', 'T16'));
    expect(table.get('sf', 'T16')).toEqual(shipment('sf', 'T16'));
  });

  it('reuses a freed slot under the new waybill, order and location', () => {
    const table = new ShipmentTable();
    table.set(shipment('sf', 'T1'));
    const freed = table.set(shipment('sf', 'T2', { orderId: 'O2', lastLocation: 'Hangzhou' }));
    expect(table.delete('sf', 'T2')).toBe(freed);
    expect(table.delete('sf', 'T2')).toBeUndefined();
    expect(table.size).toBe(1);
    const next = shipment('zto', 'T3', {
      orderId: 'O3',
      lastLocation: undefined,
      destinationRegion: undefined,
    });
    expect(table.set(next)).toBe(freed);
    expect(table.at(freed)).toEqual(next);
    expect(table.get('sf', 'T2')).toBeUndefined();
    expect(table.get('zto', 'T3')).toEqual(next);
    expect(table.size).toBe(2);
  });

  it('tells carriers apart for the same waybill number', () => {
    const table = new ShipmentTable();
    const sf = table.set(shipment('sf', 'T1', { orderId: 'O1' }));
    const zto = table.set(shipment('zto', 'T1', { orderId: 'O2' }));
    expect(sf).not.toBe(zto);
    expect(table.get('zto', 'T1')?.orderId).toBe('O2');
    expect(table.slot('jd', 'T1')).toBeUndefined();
    expect(table.has('jd', 'T1')).toBe(false);
    table.delete('sf', 'T1');
    expect(table.get('zto', 'T1')?.orderId).toBe('O2');
  });

  it('finds a shipment by its key, and nothing by a text that is not one', () => {
    const table = new ShipmentTable();
    const slot = table.set(shipment('ab', 'abc'));
    const empty = table.set(shipment('', 'X1'));
    expect(table.slotOfKey(shipmentKey('ab', 'abc'))).toBe(slot);
    // An empty carrier name still makes a key: the separator comes first.
    expect(table.slotOfKey(shipmentKey('', 'X1'))).toBe(empty);
    expect(table.slotOfKey('abc')).toBeUndefined();
    expect(table.slotOfKey('ab')).toBeUndefined();
    expect(table.slotOfKey(shipmentKey('ab', 'ab'))).toBeUndefined();
  });

  it('keeps any returned count exactly: 0 and small counts in the column, others beside it', () => {
    const table = new ShipmentTable();
    const counts = [0, 1, 2 ** 31 - 1, -1, OVERFLOW, UNDEFINED, 2 ** 40, 0.5];
    for (const [i, returnedCount] of counts.entries()) table.set(shipment('sf', `T${i}`, { returnedCount }));
    for (const [i, returnedCount] of counts.entries())
      expect(Object.is(table.get('sf', `T${i}`)?.returnedCount, returnedCount)).toBe(true);
    expect(table.overflowCount).toBe(5);
    table.set(shipment('sf', 'T6', { returnedCount: 3 }));
    expect(table.overflowCount).toBe(4);
    expect(table.get('sf', 'T6')?.returnedCount).toBe(3);
  });

  it('freeing a slot leaves the side values of the next slot', () => {
    const table = new ShipmentTable();
    table.set(shipment('sf', 'T1', { stateAt: 0.5, returnedCount: 2 ** 40 }));
    table.set(shipment('sf', 'T2', { stateAt: 0.25, locationSince: 0.75 }));
    table.delete('sf', 'T1');
    expect(table.overflowCount).toBe(2);
    expect(table.get('sf', 'T2')).toEqual(shipment('sf', 'T2', { stateAt: 0.25, locationSince: 0.75 }));
  });
});
