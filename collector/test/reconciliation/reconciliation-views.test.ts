// The Grafana views of the bill reconciliation (reconciliation_daily, reconciliation_daily_total) read
// the per-store-day rollup and let a day's filter reach it: they give, for every day and store and
// for one day alone, what their first definition gave from the per-device results and the pool.
import { describe, expect, it } from 'vitest';
import type { Database } from '../../src/store/database.ts';
import { FIRST_DAILY, FIRST_TOTAL } from '../support/reconciliation-views-0012.ts';
import { storesPerTest } from '../support/stores-per-test.ts';
import { STORE_KINDS } from '../support/test-database.ts';

const DAYS = ['2024-06-01', '2024-06-02', '2024-06-03'];
const STORES = ['S1', 'S2', 'S3', 'S4'];

/** Results per provider and device, with gaps and zeros, and pool items, some for days without results. */
async function seed(db: Database): Promise<void> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO bill_imports (provider, file_sha256, file_name, imported_at, imported_by, rows, refunds, matched,
       fuzzy_matched, unmatched_payments, unmatched_orders)
     VALUES ('wechatpay', 'f', NULL, now(), 'test', 0, 0, 0, 0, 0, 0) RETURNING id`,
  );
  const importId = rows[0]?.id;
  let n = 0;
  for (const day of DAYS)
    for (const store of STORES) {
      n++;
      if (n % 5 === 0) continue; // a store-day with no results
      for (const provider of ['wechatpay', 'alipay'])
        for (const device of ['', `${store}-POS1`]) {
          const payments = (n * 7 + device.length) % 13;
          await db.query(
            `INSERT INTO reconciliation_results (provider, day, store_id, device_id, import_id, payments, orders,
               matched, fuzzy_matched, unmatched_payments, unmatched_orders, payments_fen, unmatched_payments_fen,
               refunds, refunds_fen)
             VALUES ($1, $2, $3, $4, $5, $6, $7, 0, 0, $8, $9, 0, 0, 0, 0)`,
            [provider, day, store, device, importId, payments, (n * 3) % 11, payments % 3, n % 2],
          );
        }
    }
  const items: [string, string, string][] = [
    ['2024-06-01', 'S1', 'open'],
    ['2024-06-01', 'S1', 'escalated'],
    ['2024-06-01', 'S2', 'resolved'],
    ['2024-06-02', 'S1', 'open'], // S1 has no results on 06-02
    ['2024-06-04', 'S9', 'open'], // a day and store with no results at all
  ];
  for (const [i, [day, store, status]] of items.entries())
    await db.query(
      `INSERT INTO reconciliation_pending (item_key, kind, provider, day, store_id, device_id, reason, import_id,
         created_at, status)
       VALUES ($1, 'unmatched_payment', 'wechatpay', $2, $3, '', 'no order', $4, now(), $5)`,
      [`k${i}`, day, store, importId, status],
    );
}

const rowsOf = async (db: Database, sql: string, params: unknown[] = []) =>
  (await db.query(`SELECT * FROM (${sql}) v ${params.length ? 'WHERE day = $1' : ''} ORDER BY 1, 2`, params))
    .rows;

describe.each(STORE_KINDS)('the reconciliation views (%s)', (kind) => {
  const open = storesPerTest(kind);

  it('give what their first definition gave, over every day and for one day', async () => {
    const db = await open();
    await seed(db);
    const daily = await rowsOf(db, 'SELECT * FROM reconciliation_daily');
    expect(daily).toEqual(await rowsOf(db, FIRST_DAILY));
    // store-days with results, without, and with only pool items are all there
    expect(daily.length).toBeGreaterThan(10);
    expect(daily).toContainEqual(expect.objectContaining({ store_id: 'S9', pending: 1, payments: 0 }));
    expect(await rowsOf(db, 'SELECT * FROM reconciliation_daily_total')).toEqual(
      await rowsOf(db, FIRST_TOTAL),
    );
    for (const day of [...DAYS, '2024-06-04']) {
      expect(await rowsOf(db, 'SELECT * FROM reconciliation_daily', [day])).toEqual(
        await rowsOf(db, FIRST_DAILY, [day]),
      );
      expect(await rowsOf(db, 'SELECT * FROM reconciliation_daily_total', [day])).toEqual(
        await rowsOf(db, FIRST_TOTAL, [day]),
      );
    }
  });
});
