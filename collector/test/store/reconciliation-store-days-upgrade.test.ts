// Migration 0028 adds the per-store-day rollup of reconciliation_results, 0029 its numbers as the
// trends read them: a store upgraded with results already there must find them summed in it, exactly
// as a recompute gives, and the trend totals read from it equal to the ones summed from the results.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeTotalsInRange } from '../../src/reconciliation/store-trend-queries.ts';
import { applyMigrations, readMigrations } from '../../src/store/migrate.ts';
import { recomputedStoreDays, storedStoreDays } from '../support/store-days-recompute.ts';
import { sortedTotals, storeTotalsFromResults } from '../support/store-trend-reference.ts';
import { openTestDatabase, STORE_KINDS, type TestDatabase, uniqueSchema } from '../support/test-database.ts';

describe.each(STORE_KINDS)('reconciliation results across migration 0028 on %s', (kind) => {
  let store: TestDatabase;
  const former = uniqueSchema();
  let dir: string;

  beforeAll(async () => {
    store = await openTestDatabase(kind);
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'before-0028-'));
    for (const m of await readMigrations()) {
      if (m.version < 28) await fs.writeFile(path.join(dir, `${m.name}.sql`), m.sql);
    }
  });
  afterAll(async () => {
    await store.db.query(`DROP SCHEMA IF EXISTS ${former} CASCADE`);
    await store.dispose();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('sums the results stored before the upgrade into the rollup', async () => {
    const db = store.db;
    await applyMigrations(db, former, dir);
    // 3 days × 5 stores × up to 3 devices × 2 providers, some devices with one provider only, a
    // device without payments, a store with a single device on one day and one without missing
    // payments on another
    await db.query(
      `WITH import AS (
         INSERT INTO ${former}.bill_imports (provider, file_sha256, imported_at, imported_by, rows, refunds,
                                             matched, fuzzy_matched, unmatched_payments, unmatched_orders)
         VALUES ('wechatpay', 'sha', now(), 'test', 0, 0, 0, 0, 0, 0) RETURNING id
       )
       INSERT INTO ${former}.reconciliation_results (provider, day, store_id, device_id, import_id, payments,
         orders, matched, fuzzy_matched, unmatched_payments, unmatched_orders, payments_fen,
         unmatched_payments_fen, refunds, refunds_fen)
       SELECT provider, DATE '2026-11-01' + d, 'S' || s, 'POS' || v, import.id,
              CASE WHEN v = 3 AND s = 2 THEN 0 ELSE 100 + 7 * d + 3 * s + v END,
              95 + d, 90, 2, CASE WHEN s = 5 AND d = 0 THEN 0 ELSE (d + s + v) % 4 END, (d * s + v) % 3, 0, 0, 0, 0
       FROM import, unnest(ARRAY['wechatpay', 'alipay']) provider, generate_series(0, 2) d,
            generate_series(1, 5) s, generate_series(1, 3) v
       WHERE NOT (provider = 'alipay' AND v = 2) AND NOT (s = 4 AND d = 1 AND v > 1)`,
    );
    expect(await applyMigrations(db, former)).toEqual(
      expect.arrayContaining(['0028_reconciliation_store_days', '0029_reconciliation_store_day_numbers']),
    );

    const backfilled = await storedStoreDays(db, former);
    expect(backfilled).toHaveLength(15);
    const summed = await recomputedStoreDays(db, former);
    expect(backfilled).toEqual(summed);
    expect(backfilled.find((r) => r.day === '2026-11-02' && r.store_id === 'S4')).toMatchObject({
      device_ids: '{POS1}',
      payments: String(2 * (100 + 7 + 12 + 1)),
    });
    // store-days with and without devices missing payments were there to backfill
    expect(backfilled.filter((r) => r.device_misses === null).length).toBeGreaterThan(0);
    expect(backfilled.filter((r) => r.device_misses !== null).length).toBeGreaterThan(0);

    const totals = await db.transaction(async (tx) => {
      await tx.query(`SET LOCAL search_path TO ${former}`);
      const read = [];
      for (const threshold of [0, 0.02]) {
        read.push([
          sortedTotals(await storeTotalsInRange(tx, '2026-11-01', '2026-11-03', threshold)),
          sortedTotals(await storeTotalsFromResults(tx, '2026-11-01', '2026-11-03', threshold)),
        ]);
      }
      return read;
    });
    for (const [fromRollup, fromResults] of totals) {
      expect(fromRollup).toHaveLength(5);
      expect(fromRollup).toEqual(fromResults);
    }
  });
});
