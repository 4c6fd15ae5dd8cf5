// The per-store trend totals hand days over as numbers and only the device days with missing
// payments besides each store's device lists (migration 0029): the edges of that reading must give
// the same totals as summing reconciliation_results (ranges with days without results, crossing a
// month, a year and a leap day, starting before or after all data; device lists that change from
// day to day; ids JSON must escape; missing payments that cancel out; a zero threshold), refuse a
// threshold they cannot count with, and, for what only the rollup can hold (a store-day without
// devices), give what the rollup's first reading gave, on both stores.
import { describe, expect, it } from 'vitest';
import { storeTotalsInRange } from '../../src/reconciliation/store-trend-queries.ts';
import type { Database } from '../../src/store/database.ts';
import {
  sortedTotals,
  storeTotalsAsIn0028,
  storeTotalsFromResults,
} from '../support/store-trend-reference.ts';
import { storesPerTest } from '../support/stores-per-test.ts';
import { STORE_KINDS } from '../support/test-database.ts';

interface Row {
  provider: string;
  day: string;
  storeId: string;
  deviceId: string;
  payments: number;
  unmatchedPayments: number;
}

// Days with gaps between them: month ends, a year end, a leap day.
const DAYS = [
  '2026-10-30',
  '2026-11-01',
  '2026-11-02',
  '2026-11-05',
  '2026-12-31',
  '2027-01-01',
  '2028-02-28',
  '2028-02-29',
  '2028-03-01',
];
const STORES = ['S1', 'S,2', 'S"3\\', '门店4'];
const DEVICES = ['', 'POS1', 'PO"S\\2', 'pos,3', '收银台'];

function generate(): Row[] {
  let x = 5;
  const next = (n: number) => {
    x = (Math.imul(x, 1_103_515_245) + 12_345) >>> 0;
    return (x >>> 16) % n;
  };
  const rows: Row[] = [];
  for (const day of DAYS) {
    for (const storeId of STORES) {
      // a store absent on some days, and devices that come and go (the device lists differ by day)
      if (next(5) === 0) continue;
      for (const deviceId of DEVICES) {
        for (const provider of ['wechatpay', 'alipay']) {
          if (next(3) === 0) continue;
          const payments = next(6) === 0 ? 0 : 1 + next(200);
          rows.push({
            provider,
            day,
            storeId,
            deviceId,
            payments,
            unmatchedPayments: next(3) === 0 ? next(6) : 0,
          });
        }
      }
    }
  }
  // Missing payments that cancel out over the providers of a device day (nothing constrains them to
  // be positive), and within a store-day across two devices.
  rows.push(
    {
      provider: 'wechatpay',
      day: DAYS[3]!,
      storeId: 'S9',
      deviceId: 'A',
      payments: 10,
      unmatchedPayments: 2,
    },
    { provider: 'alipay', day: DAYS[3]!, storeId: 'S9', deviceId: 'A', payments: 10, unmatchedPayments: -2 },
    {
      provider: 'wechatpay',
      day: DAYS[4]!,
      storeId: 'S9',
      deviceId: 'A',
      payments: 10,
      unmatchedPayments: 3,
    },
    {
      provider: 'wechatpay',
      day: DAYS[4]!,
      storeId: 'S9',
      deviceId: 'B',
      payments: 10,
      unmatchedPayments: -3,
    },
    // missing payments on a day without payments, and a device that never misses one
    { provider: 'alipay', day: DAYS[5]!, storeId: 'S9', deviceId: 'B', payments: 0, unmatchedPayments: 4 },
    { provider: 'alipay', day: DAYS[5]!, storeId: 'S9', deviceId: 'C', payments: 7, unmatchedPayments: 0 },
  );
  return rows;
}

async function load(db: Database, rows: readonly Row[]): Promise<void> {
  const { rows: imports } = await db.query<{ id: string }>(
    `INSERT INTO bill_imports (provider, file_sha256, imported_at, imported_by, rows, refunds, matched,
                               fuzzy_matched, unmatched_payments, unmatched_orders)
     VALUES ('wechatpay', 'sha', now(), 'test', 0, 0, 0, 0, 0, 0) RETURNING id`,
  );
  const col = <K extends keyof Row>(k: K) => rows.map((r) => r[k]);
  await db.query(
    `INSERT INTO reconciliation_results (provider, day, store_id, device_id, import_id, payments, orders,
       matched, fuzzy_matched, unmatched_payments, unmatched_orders, payments_fen, unmatched_payments_fen,
       refunds, refunds_fen)
     SELECT t.provider, t.day::date, t.store_id, t.device_id, $1, t.payments, t.payments - t.missing, 0, 0,
            t.missing, t.payments % 3, 0, 0, 0, 0
     FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::int4[], $7::int4[])
       AS t(provider, day, store_id, device_id, payments, missing)`,
    [
      imports[0]!.id,
      col('provider'),
      col('day'),
      col('storeId'),
      col('deviceId'),
      col('payments'),
      col('unmatchedPayments'),
    ],
  );
}

const THRESHOLDS = [0, 0.01, 0.05, 0.5, 1];

describe.each(STORE_KINDS)('store trend totals at the edges on %s', (kind) => {
  const open = storesPerTest(kind);

  it('give the totals summed from reconciliation_results over ranges with gaps, across months, years and a leap day', async () => {
    const db = await open();
    await load(db, generate());
    const ranges = [
      [DAYS[0]!, DAYS[8]!],
      ['2026-10-01', '2026-11-03'],
      ['2026-11-03', '2026-11-05'],
      ['2026-12-30', '2027-01-02'],
      ['2028-02-29', '2028-03-31'],
      [DAYS[1]!, DAYS[1]!],
    ] as const;
    for (const threshold of THRESHOLDS) {
      for (const [from, to] of ranges) {
        const totals = sortedTotals(await storeTotalsInRange(db, from, to, threshold));
        expect(totals.length).toBeGreaterThan(1);
        expect(totals).toEqual(sortedTotals(await storeTotalsFromResults(db, from, to, threshold)));
      }
    }
  });

  it('name the days with results, whatever the range starts on, and list every device of a store', async () => {
    const db = await open();
    const rows = generate();
    await load(db, rows);
    const totals = await storeTotalsInRange(db, '2026-12-01', '2028-02-29', 0.01);
    const s9 = totals.find((s) => s.storeId === 'S9');
    expect(s9?.days.map((d) => d.day).sort()).toEqual(['2026-12-31', '2027-01-01']);
    expect(s9?.devices.map((d) => d.deviceId).sort()).toEqual(['A', 'B', 'C']);
    expect(s9?.devices.find((d) => d.deviceId === 'C')).toEqual({
      deviceId: 'C',
      missing: 0,
      daysOverThreshold: 0,
    });
    const days = new Set(totals.flatMap((s) => s.days.map((d) => d.day)));
    expect([...days].sort()).toEqual(['2026-12-31', '2027-01-01', '2028-02-28', '2028-02-29']);
    const ids = new Set(totals.flatMap((s) => s.devices.map((d) => d.deviceId)));
    for (const id of DEVICES) expect(ids).toContain(id);
    expect(totals.map((s) => s.storeId)).toContain('S"3\\');
  });

  it('give nothing for a range after, before or between all results', async () => {
    const db = await open();
    await load(db, generate());
    for (const [from, to] of [
      ['2028-03-02', '2028-12-31'],
      ['2020-01-01', '2026-10-29'],
      ['2026-11-06', '2026-12-30'],
      ['2026-11-02', '2026-11-01'],
    ] as const) {
      expect(await storeTotalsInRange(db, from, to, 0.01)).toEqual([]);
      expect(await storeTotalsFromResults(db, from, to, 0.01)).toEqual([]);
    }
  });

  it('refuse a negative threshold (device days without missing payments would count)', async () => {
    const db = await open();
    await load(db, generate());
    await expect(storeTotalsInRange(db, DAYS[0]!, DAYS[8]!, -0.5)).rejects.toThrow(RangeError);
    await expect(storeTotalsInRange(db, DAYS[0]!, DAYS[8]!, Number.NaN)).rejects.toThrow(RangeError);
  });

  it('give what the rollup’s first reading gave for store days without devices', async () => {
    const db = await open();
    await load(db, generate());
    // Not made by the triggers (a store-day comes from its devices' results), but a row the table allows.
    await db.query(
      `INSERT INTO reconciliation_store_days (day, store_id, payments, orders, missing, unmatched_orders,
                                             device_ids, device_payments, device_missing)
       VALUES ('2026-11-03', 'S1', 5, 4, 1, 0, '{}', '{}', '{}'),
              ('2026-11-03', 'S-none', 5, 4, 1, 0, '{}', '{}', '{}')`,
    );
    for (const threshold of THRESHOLDS) {
      for (const [from, to] of [
        ['2026-11-01', '2026-11-05'],
        ['2026-11-03', '2026-11-03'],
      ] as const) {
        expect(sortedTotals(await storeTotalsInRange(db, from, to, threshold))).toEqual(
          sortedTotals(await storeTotalsAsIn0028(db, from, to, threshold)),
        );
      }
    }
    const s1 = (await storeTotalsInRange(db, '2026-11-01', '2026-11-05', 0.01)).find(
      (s) => s.storeId === 'S1',
    );
    expect(s1?.days.map((d) => d.day)).toContain('2026-11-03');
  });
});
