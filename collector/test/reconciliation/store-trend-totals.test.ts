// GET /v1/reconciliation/stores sums device days per store in SQL: the trends must be the domain
// model's over every device day in the range, whatever the threshold, minimum days and the stores a
// caller sees, on both stores.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type DailyDeviceCounts,
  storeTrends,
  trendsOfTotals,
} from '../../src/domain/reconciliation/store-trends.ts';
import { storeTotalsInRange } from '../../src/reconciliation/store-trend-queries.ts';
import { sortedTotals, storeTotalsFromResults } from '../support/store-trend-reference.ts';
import { openTestDatabase, STORE_KINDS, type TestDatabase } from '../support/test-database.ts';

interface ResultRow {
  provider: string;
  day: string;
  storeId: string;
  deviceId: string;
  payments: number;
  orders: number;
  unmatchedPayments: number;
  unmatchedOrders: number;
}

const DAYS = ['2026-11-01', '2026-11-02', '2026-11-03', '2026-11-04', '2026-11-05'];

/** A deterministic spread of device days, plus the edges: no payments, a rate exactly at 5 %. */
function generate(): ResultRow[] {
  const rows: ResultRow[] = [];
  let x = 11;
  const next = (n: number) => {
    x = (Math.imul(x, 1_103_515_245) + 12_345) >>> 0;
    return (x >>> 16) % n;
  };
  for (const day of DAYS) {
    for (const storeId of ['S1', 'S2', 'S3', 'S4']) {
      for (const deviceId of ['POS-1', 'POS-2', 'POS-3']) {
        for (const provider of ['wechatpay', 'alipay']) {
          if (next(4) === 0) continue;
          const payments = next(5) === 0 ? 0 : 1 + next(300);
          const unmatchedPayments = next(3) === 0 ? 0 : next(12);
          rows.push({
            provider,
            day,
            storeId,
            deviceId,
            payments,
            orders: Math.max(0, payments - unmatchedPayments + next(3)),
            unmatchedPayments,
            unmatchedOrders: next(4),
          });
        }
      }
    }
  }
  // Exactly the 5 % threshold (not above it), and missing payments on a day without payments.
  rows.push({
    provider: 'wechatpay',
    day: DAYS[0]!,
    storeId: 'S5',
    deviceId: 'POS-9',
    payments: 100,
    orders: 95,
    unmatchedPayments: 5,
    unmatchedOrders: 0,
  });
  rows.push({
    provider: 'wechatpay',
    day: DAYS[1]!,
    storeId: 'S5',
    deviceId: 'POS-9',
    payments: 0,
    orders: 2,
    unmatchedPayments: 3,
    unmatchedOrders: 2,
  });
  // Outside the range asked for below.
  rows.push({
    provider: 'alipay',
    day: '2026-10-31',
    storeId: 'S1',
    deviceId: 'POS-1',
    payments: 10,
    orders: 0,
    unmatchedPayments: 10,
    unmatchedOrders: 0,
  });
  return rows;
}

/** Device days summed over providers, as the per-device reading gives them. */
function deviceDays(rows: readonly ResultRow[], from: string, to: string): DailyDeviceCounts[] {
  const sums = new Map<string, DailyDeviceCounts>();
  for (const r of rows) {
    if (r.day < from || r.day > to) continue;
    const key = `${r.day}|${r.storeId}|${r.deviceId}`;
    const s = sums.get(key) ?? {
      day: r.day,
      storeId: r.storeId,
      deviceId: r.deviceId,
      payments: 0,
      orders: 0,
      unmatchedPayments: 0,
      unmatchedOrders: 0,
    };
    s.payments += r.payments;
    s.orders += r.orders;
    s.unmatchedPayments += r.unmatchedPayments;
    s.unmatchedOrders += r.unmatchedOrders;
    sums.set(key, s);
  }
  return [...sums.values()];
}

describe.each(STORE_KINDS)('store trend totals on %s', (kind) => {
  let store: TestDatabase;
  const rows = generate();

  beforeAll(async () => {
    store = await openTestDatabase(kind);
    const { rows: imports } = await store.db.query<{ id: string }>(
      `INSERT INTO bill_imports (provider, file_sha256, imported_at, imported_by, rows, refunds, matched,
                                 fuzzy_matched, unmatched_payments, unmatched_orders)
       VALUES ('wechatpay', 'sha', now(), 'test', 0, 0, 0, 0, 0, 0) RETURNING id`,
    );
    for (const r of rows) {
      await store.db.query(
        `INSERT INTO reconciliation_results (provider, day, store_id, device_id, import_id, payments, orders,
           matched, fuzzy_matched, unmatched_payments, unmatched_orders, payments_fen, unmatched_payments_fen,
           refunds, refunds_fen)
         VALUES ($1, $2::date, $3, $4, $5, $6, $7, 0, 0, $8, $9, 0, 0, 0, 0)`,
        [
          r.provider,
          r.day,
          r.storeId,
          r.deviceId,
          imports[0]!.id,
          r.payments,
          r.orders,
          r.unmatchedPayments,
          r.unmatchedOrders,
        ],
      );
    }
  }, 60_000);
  afterAll(async () => {
    await store?.dispose();
  });

  it.each([
    [0, 1],
    [0.01, 2],
    [0.05, 2],
    [0.05, 1],
    [0.2, 3],
  ])('gives the domain model trends with threshold %s and %s days', async (threshold, minDays) => {
    const options = { threshold, minDays };
    const totals = await storeTotalsInRange(store.db, DAYS[0]!, DAYS[4]!, threshold);
    const expected = storeTrends(deviceDays(rows, DAYS[0]!, DAYS[4]!), options);
    expect(trendsOfTotals(totals, options)).toEqual(expected);
  });

  it('the generated set has flagged and quiet stores and devices, and the edges it is meant to have', () => {
    const { stores } = storeTrends(deviceDays(rows, DAYS[0]!, DAYS[4]!), { threshold: 0.02, minDays: 3 });
    expect(stores.some((s) => s.flagged)).toBe(true);
    expect(stores.some((s) => !s.flagged)).toBe(true);
    expect(stores.flatMap((s) => s.devices).some((d) => d.flagged)).toBe(true);
    expect(stores.flatMap((s) => s.devices).some((d) => !d.flagged && d.daysFlagged > 0)).toBe(true);
    // S5: 5 % exactly is not above the threshold, and missing payments without payments rate 0.
    const s5 = storeTrends(deviceDays(rows, DAYS[0]!, DAYS[4]!), { threshold: 0.05, minDays: 1 }).stores.find(
      (s) => s.storeId === 'S5',
    );
    expect(s5?.days.map((d) => d.rate)).toEqual([0.05, 0]);
    expect(s5?.daysFlagged).toBe(0);
  });

  it('keeps to the range, and a caller seeing some stores gets their chain only', async () => {
    const options = { threshold: 0.01, minDays: 2 };
    const visible = new Set(['S2', 'S5']);
    const totals = await storeTotalsInRange(store.db, DAYS[1]!, DAYS[3]!, options.threshold);
    expect(
      trendsOfTotals(
        totals.filter((s) => visible.has(s.storeId)),
        options,
      ),
    ).toEqual(
      storeTrends(
        deviceDays(rows, DAYS[1]!, DAYS[3]!).filter((d) => visible.has(d.storeId)),
        options,
      ),
    );
  });

  it('gives the totals summed from reconciliation_results, as they were read before the per-store-day rollup', async () => {
    for (const threshold of [0, 0.01, 0.05, 0.2]) {
      for (const [from, to] of [
        [DAYS[0]!, DAYS[4]!],
        ['2026-10-31', DAYS[2]!],
        [DAYS[3]!, DAYS[3]!],
      ] as const) {
        const totals = sortedTotals(await storeTotalsInRange(store.db, from, to, threshold));
        expect(totals.length).toBeGreaterThan(3);
        expect(totals).toEqual(sortedTotals(await storeTotalsFromResults(store.db, from, to, threshold)));
      }
    }
  });

  it('gives nothing for a range without results', async () => {
    expect(await storeTotalsInRange(store.db, '2025-01-01', '2025-01-31', 0.01)).toEqual([]);
  });
});
