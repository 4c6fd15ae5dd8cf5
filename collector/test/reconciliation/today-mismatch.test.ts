// The per-store mismatch gauge reads the business day, as the wall's panel and reconciliation_daily
// do: a store whose newest reconciled day is yesterday has no sample, and today's rates are the view's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localDayFn } from '../../src/domain/reconciliation/local-day.ts';
import { todayMismatchByStore } from '../../src/reconciliation/today-mismatch.ts';
import { openTestDatabase, STORE_KINDS, type TestDatabase } from '../support/test-database.ts';

const TZ = 'Asia/Shanghai';
// 00:30 in Shanghai: yesterday in UTC, so a day taken in the wrong zone shows.
const NOW = Date.parse('2026-11-11T16:30:00Z');
const TODAY = localDayFn(TZ)(NOW);
const YESTERDAY = localDayFn(TZ)(NOW - 86_400_000);

describe.each(STORE_KINDS)('orderpulse_reconciliation_mismatch_ratio on the business day (%s)', (kind) => {
  let store: TestDatabase;
  beforeAll(async () => {
    store = await openTestDatabase(kind);
    const { rows } = await store.db.query<{ id: string }>(
      `INSERT INTO bill_imports (provider, file_sha256, imported_at, imported_by, rows, refunds, matched,
                                 fuzzy_matched, unmatched_payments, unmatched_orders)
       VALUES ('wechatpay', 'sha', now(), 'test', 0, 0, 0, 0, 0, 0) RETURNING id`,
    );
    const result = (day: string, storeId: string, device: string, counts: number[]) =>
      store.db.query(
        `INSERT INTO reconciliation_results (provider, day, store_id, device_id, import_id, payments, orders,
           matched, fuzzy_matched, unmatched_payments, unmatched_orders, payments_fen, unmatched_payments_fen,
           refunds, refunds_fen)
         VALUES ('wechatpay', $1::date, $2, $3, $4, $5, $6, 0, 0, $7, $8, 0, 0, 0, 0)`,
        [day, storeId, device, rows[0]!.id, ...counts],
      );
    // S1: reconciled yesterday only, badly. S2: today, two devices. S3: both days.
    await result(YESTERDAY, 'S1', 'd1', [100, 100, 30, 0]);
    await result(TODAY, 'S2', 'd1', [100, 90, 1, 0]);
    await result(TODAY, 'S2', 'd2', [100, 100, 0, 4]);
    await result(YESTERDAY, 'S3', 'd1', [50, 50, 0, 0]);
    await result(TODAY, 'S3', 'd1', [40, 40, 2, 0]);
  });
  afterAll(async () => {
    await store?.dispose();
  });

  it("gauges today's share per store, the reconciliation_daily view's, and nothing for older days", async () => {
    const gauged = await todayMismatchByStore(store.db, TZ, NOW);
    const { rows } = await store.db.query<{ store_id: string; mismatch_rate: number }>(
      `SELECT store_id, mismatch_rate FROM reconciliation_daily
       WHERE day = $1::date AND mismatch_rate IS NOT NULL ORDER BY store_id`,
      [TODAY],
    );
    const byStore = (list: { store: string; value: number }[]) =>
      Object.fromEntries(
        [...list].sort((a, b) => a.store.localeCompare(b.store)).map((s) => [s.store, s.value]),
      );
    expect(Object.keys(byStore(gauged))).toEqual(['S2', 'S3']);
    expect(byStore(gauged).S2).toBeCloseTo(4 / 190, 12);
    expect(byStore(gauged).S3).toBeCloseTo(2 / 40, 12);
    expect(byStore(gauged)).toEqual(
      Object.fromEntries(rows.map((r) => [r.store_id, Number(r.mismatch_rate)])),
    );
  });
});
