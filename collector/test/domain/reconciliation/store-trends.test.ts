// Missing-order trends: the rate per store and day, which days count against a store or a till, and
// the order the operations team reads them in.
import { describe, expect, it } from 'vitest';
import {
  type DailyDeviceCounts,
  deviceTotalsOfMisses,
  storeTotals,
  storeTrends,
} from '../../../src/domain/reconciliation/store-trends.ts';

const row = (
  day: string,
  storeId: string,
  deviceId: string,
  payments: number,
  unmatchedPayments: number,
  orders = payments - unmatchedPayments,
  unmatchedOrders = 0,
): DailyDeviceCounts => ({ day, storeId, deviceId, payments, orders, unmatchedPayments, unmatchedOrders });

describe('storeTrends', () => {
  it('adds the tills of a store per day and gives the missing rate', () => {
    const { stores, chain } = storeTrends(
      [
        row('2024-06-02', 'S1', 'POS-1', 100, 2, 99, 1),
        row('2024-06-02', 'S1', 'POS-2', 300, 6, 294, 3),
        row('2024-06-01', 'S1', 'POS-1', 50, 0),
      ],
      { threshold: 0.01, minDays: 2 },
    );
    expect(stores).toHaveLength(1);
    expect(stores[0]?.days).toEqual([
      { day: '2024-06-01', payments: 50, orders: 50, missing: 0, unmatchedOrders: 0, rate: 0 },
      { day: '2024-06-02', payments: 400, orders: 393, missing: 8, unmatchedOrders: 4, rate: 0.02 },
    ]);
    expect(chain).toEqual([
      { day: '2024-06-01', rate: 0 },
      { day: '2024-06-02', rate: 0.02 },
    ]);
  });

  it('a day with no payments has rate 0, not NaN', () => {
    const { stores, chain } = storeTrends([row('2024-06-01', 'S1', 'POS-1', 0, 0, 3, 3)], {
      threshold: 0,
      minDays: 1,
    });
    expect(stores[0]?.days[0]?.rate).toBe(0);
    expect(stores[0]?.daysFlagged).toBe(0);
    expect(stores[0]?.devices[0]?.daysFlagged).toBe(0);
    expect(chain).toEqual([{ day: '2024-06-01', rate: 0 }]);
  });

  it('a day counts only above the threshold, and a store is flagged from minDays such days', () => {
    const opts = { threshold: 0.05, minDays: 2 };
    // 5/100 is the threshold itself: not above it.
    const atThreshold = storeTrends([row('d1', 'S', 'a', 100, 5), row('d2', 'S', 'a', 100, 5)], opts)
      .stores[0];
    expect(atThreshold).toMatchObject({ daysFlagged: 0, flagged: false });
    expect(atThreshold?.devices).toEqual([{ deviceId: 'a', missing: 10, daysFlagged: 0, flagged: false }]);
    const oneDay = storeTrends([row('d1', 'S', 'a', 100, 6), row('d2', 'S', 'a', 100, 5)], opts).stores[0];
    expect(oneDay).toMatchObject({ daysFlagged: 1, flagged: false });
    expect(oneDay?.devices).toEqual([{ deviceId: 'a', missing: 11, daysFlagged: 1, flagged: false }]);
    const twoDays = storeTrends([row('d1', 'S', 'a', 100, 6), row('d2', 'S', 'a', 100, 6)], opts).stores[0];
    expect(twoDays).toMatchObject({ daysFlagged: 2, flagged: true });
    expect(twoDays?.devices).toEqual([{ deviceId: 'a', missing: 12, daysFlagged: 2, flagged: true }]);
  });

  it('a till is judged on its own rate, not its store’s', () => {
    // Store S: 3 missing of 200 on each day (1.5 %); till "bad" alone: 3 of 10 (30 %).
    const { stores } = storeTrends(
      [
        row('d1', 'S', 'good', 190, 0),
        row('d1', 'S', 'bad', 10, 3),
        row('d2', 'S', 'good', 190, 0),
        row('d2', 'S', 'bad', 10, 3),
      ],
      { threshold: 0.1, minDays: 2 },
    );
    expect(stores[0]).toMatchObject({ daysFlagged: 0, flagged: false });
    expect(stores[0]?.devices).toEqual([
      { deviceId: 'bad', missing: 6, daysFlagged: 2, flagged: true },
      { deviceId: 'good', missing: 0, daysFlagged: 0, flagged: false },
    ]);
  });

  it('lists tills by most missing, then by id', () => {
    const { stores } = storeTrends(
      [
        row('d1', 'S', 'c', 10, 1),
        row('d1', 'S', 'b', 10, 4),
        row('d1', 'S', 'a', 10, 1),
        row('d2', 'S', 'a', 10, 0),
      ],
      { threshold: 0.5, minDays: 1 },
    );
    expect(stores[0]?.devices.map((d) => [d.deviceId, d.missing])).toEqual([
      ['b', 4],
      ['a', 1],
      ['c', 1],
    ]);
  });

  it('lists flagged stores first, then by days flagged, then by id', () => {
    const opts = { threshold: 0.1, minDays: 2 };
    const { stores } = storeTrends(
      [
        row('d1', 'Z-once', 'p', 10, 5),
        row('d1', 'B-twice', 'p', 10, 5),
        row('d2', 'B-twice', 'p', 10, 5),
        row('d1', 'C-clean', 'p', 10, 0),
        row('d1', 'A-clean', 'p', 10, 0),
        row('d1', 'Y-thrice', 'p', 10, 5),
        row('d2', 'Y-thrice', 'p', 10, 5),
        row('d3', 'Y-thrice', 'p', 10, 5),
      ],
      opts,
    );
    expect(stores.map((s) => [s.storeId, s.daysFlagged, s.flagged])).toEqual([
      ['Y-thrice', 3, true],
      ['B-twice', 2, true],
      ['Z-once', 1, false],
      ['A-clean', 0, false],
      ['C-clean', 0, false],
    ]);
  });

  it('the chain rate is over every store’s payments of the day', () => {
    const { chain } = storeTrends(
      [row('d2', 'S1', 'a', 30, 3), row('d2', 'S2', 'b', 70, 1), row('d1', 'S2', 'b', 10, 5)],
      { threshold: 0.01, minDays: 2 },
    );
    expect(chain).toEqual([
      { day: 'd1', rate: 0.5 },
      { day: 'd2', rate: 0.04 },
    ]);
  });

  it('sorts whatever order the rows come in', () => {
    const opts = { threshold: 0.1, minDays: 2 };
    const rows = [
      row('d1', 'A', 'p1', 10, 0),
      row('d2', 'A', 'p2', 10, 0),
      row('d1', 'B', 'p1', 10, 0),
      row('d3', 'A', 'p1', 10, 0),
    ];
    for (const input of [rows, [...rows].reverse()]) {
      const { stores, chain } = storeTrends(input, opts);
      expect(stores.map((s) => s.storeId)).toEqual(['A', 'B']);
      expect(stores[0]?.days.map((d) => d.day)).toEqual(['d1', 'd2', 'd3']);
      expect(stores[0]?.devices.map((d) => d.deviceId)).toEqual(['p1', 'p2']);
      expect(chain.map((c) => c.day)).toEqual(['d1', 'd2', 'd3']);
    }
  });

  it('no rows, no trends', () => {
    expect(storeTrends([], { threshold: 0.01, minDays: 2 })).toEqual({ stores: [], chain: [] });
  });
});

describe('deviceTotalsOfMisses', () => {
  it('lists every device of the days in first-listed order and counts only days above the threshold', () => {
    const totals = deviceTotalsOfMisses(
      [['POS1', 'POS2'], ['POS2', 'POS3'], []],
      [
        { deviceId: 'POS2', missing: 1, payments: 100 }, // 1 %: not above 1 %
        { deviceId: 'POS2', missing: 3, payments: 100 },
        { deviceId: 'POS3', missing: 2, payments: 0 }, // no payments: a rate of 0
      ],
      0.01,
    );
    expect(totals).toEqual([
      { deviceId: 'POS1', missing: 0, daysOverThreshold: 0 },
      { deviceId: 'POS2', missing: 4, daysOverThreshold: 1 },
      { deviceId: 'POS3', missing: 2, daysOverThreshold: 0 },
    ]);
  });

  it('adds a device met only in the misses', () => {
    expect(deviceTotalsOfMisses([], [{ deviceId: 'POS9', missing: 2, payments: 10 }], 0)).toEqual([
      { deviceId: 'POS9', missing: 2, daysOverThreshold: 1 },
    ]);
  });

  it('gives the devices storeTotals sums from every device day, for any threshold of 0 or more', () => {
    const rows: DailyDeviceCounts[] = [];
    let seed = 7;
    const next = (n: number) => {
      seed = (seed * 48271) % 2147483647;
      return seed % n;
    };
    for (let d = 1; d <= 20; d++) {
      for (const deviceId of ['A', 'B', 'C']) {
        if (next(4) === 0) continue;
        const payments = next(6);
        rows.push({
          day: `2026-11-${String(d).padStart(2, '0')}`,
          storeId: 'S1',
          deviceId,
          payments,
          orders: payments,
          unmatchedPayments: next(3) === 0 ? next(3) : 0,
          unmatchedOrders: 0,
        });
      }
    }
    expect(rows.filter((r) => r.unmatchedPayments !== 0).length).toBeGreaterThan(5);
    const days = [...new Set(rows.map((r) => r.day))];
    const lists = days.map((day) => rows.filter((r) => r.day === day).map((r) => r.deviceId));
    const misses = rows
      .filter((r) => r.unmatchedPayments !== 0)
      .map((r) => ({ deviceId: r.deviceId, missing: r.unmatchedPayments, payments: r.payments }));
    const byId = <T extends { deviceId: string }>(list: T[]) =>
      [...list].sort((a, b) => a.deviceId.localeCompare(b.deviceId));
    for (const threshold of [0, 0.1, 0.5, 1]) {
      expect(byId(deviceTotalsOfMisses(lists, misses, threshold))).toEqual(
        byId(storeTotals(rows, threshold)[0]!.devices),
      );
    }
  });
});
