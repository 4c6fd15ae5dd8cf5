// reconciliation_store_days (migration 0028) is kept by triggers on reconciliation_results: after any
// writer's statements (inserts, a bill re-import's delete and insert, upserts, updates that move a row,
// deletes, a truncate, a load with user triggers off) it must hold exactly what summing
// reconciliation_results gives, and the per-store trend totals read from it must equal the ones
// summed from reconciliation_results, on both stores.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replaceResults } from '../../src/reconciliation/bill-import-queries.ts';
import { storeTotalsInRange } from '../../src/reconciliation/store-trend-queries.ts';
import type { Database } from '../../src/store/database.ts';
import { recomputedStoreDays, storedStoreDays } from '../support/store-days-recompute.ts';
import { sortedTotals, storeTotalsFromResults } from '../support/store-trend-reference.ts';
import { storesPerTest } from '../support/stores-per-test.ts';
import { openTestDatabase, STORE_KINDS, type TestDatabase } from '../support/test-database.ts';

interface Row {
  provider: 'wechatpay' | 'alipay';
  day: string;
  storeId: string;
  deviceId: string;
  payments: number;
  orders: number;
  unmatchedPayments: number;
  unmatchedOrders: number;
}

const DAYS = ['2026-11-01', '2026-11-02', '2026-11-03', '2026-11-04'];
const STORES = ['S01', 'S02', 'S03', 'S04', 'S05', 'S06'];
const DEVICES = ['', 'POS1', 'POS2', 'pos3'];
const PROVIDERS = ['wechatpay', 'alipay'] as const;

function random(seed: number) {
  let x = seed;
  return (n: number) => {
    x = (Math.imul(x, 1_103_515_245) + 12_345) >>> 0;
    return (x >>> 16) % n;
  };
}

/** Some provider-device days of the grid, with days without payments and rates either side of 1 %. */
function generate(next: (n: number) => number): Row[] {
  const rows: Row[] = [];
  for (const d of DAYS) {
    for (const storeId of STORES) {
      for (const deviceId of DEVICES) {
        for (const provider of PROVIDERS) {
          if (next(3) === 0) continue;
          const payments = next(6) === 0 ? 0 : 1 + next(400);
          const unmatchedPayments = next(3) === 0 ? 0 : next(8);
          rows.push({
            provider,
            day: d,
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
  return rows;
}

async function importId(db: Database): Promise<number> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO bill_imports (provider, file_sha256, imported_at, imported_by, rows, refunds, matched,
                               fuzzy_matched, unmatched_payments, unmatched_orders)
     VALUES ('wechatpay', 'sha', now(), 'test', 0, 0, 0, 0, 0, 0) RETURNING id`,
  );
  return Number(rows[0]!.id);
}

/** A store, a transaction of one, or a connection of its own. */
interface Runs {
  query(text: string, values: unknown[]): Promise<unknown>;
}

/** One INSERT statement for all the rows (a statement-level trigger sees them together). */
async function insert(db: Runs, id: number, rows: readonly Row[]): Promise<void> {
  const col = <K extends keyof Row>(k: K) => rows.map((r) => r[k]);
  await db.query(
    `INSERT INTO reconciliation_results (provider, day, store_id, device_id, import_id, payments, orders,
       matched, fuzzy_matched, unmatched_payments, unmatched_orders, payments_fen, unmatched_payments_fen,
       refunds, refunds_fen)
     SELECT t.provider, t.day::date, t.store_id, t.device_id, $1, t.payments, t.orders, 0, 0,
            t.unmatched_payments, t.unmatched_orders, 0, 0, 0, 0
     FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::int4[], $7::int4[], $8::int4[], $9::int4[])
       AS t(provider, day, store_id, device_id, payments, orders, unmatched_payments, unmatched_orders)`,
    [
      id,
      col('provider'),
      col('day'),
      col('storeId'),
      col('deviceId'),
      col('payments'),
      col('orders'),
      col('unmatchedPayments'),
      col('unmatchedOrders'),
    ],
  );
}

async function expectExact(db: Database): Promise<void> {
  expect(await storedStoreDays(db)).toEqual(await recomputedStoreDays(db));
  for (const threshold of [0, 0.01, 0.05]) {
    for (const [from, to] of [
      [DAYS[0]!, DAYS[3]!],
      [DAYS[1]!, DAYS[2]!],
    ] as const) {
      expect(sortedTotals(await storeTotalsInRange(db, from, to, threshold))).toEqual(
        sortedTotals(await storeTotalsFromResults(db, from, to, threshold)),
      );
    }
  }
}

const storeDay = (db: Database, day: string, storeId: string) =>
  storedStoreDays(db, undefined, 'WHERE day = $1::date AND store_id = $2', [day, storeId]);

describe.each(STORE_KINDS)('reconciliation_store_days on %s', (kind) => {
  const open = storesPerTest(kind);

  it('follows inserts, statement by statement, and gives the trend totals summed from the results', async () => {
    const db = await open();
    const id = await importId(db);
    const rows = generate(random(7));
    // per provider, as the bill import writes them, then a late device added to a day already there
    for (const provider of PROVIDERS)
      await insert(
        db,
        id,
        rows.filter((r) => r.provider === provider),
      );
    await insert(db, id, [
      {
        provider: 'alipay',
        day: DAYS[0]!,
        storeId: 'S01',
        deviceId: 'POS9',
        payments: 3,
        orders: 1,
        unmatchedPayments: 2,
        unmatchedOrders: 0,
      },
    ]);
    expect((await storedStoreDays(db)).length).toBe(DAYS.length * STORES.length);
    await expectExact(db);
    expect((await storeDay(db, DAYS[0]!, 'S01'))[0]?.device_ids).toContain('POS9');
  });

  it("follows a bill re-import's delete and insert of a provider's days, dropping a store-day left without results", async () => {
    const db = await open();
    const id = await importId(db);
    const rows = generate(random(11)).filter(
      (r) => r.storeId !== 'S06' || (r.provider === 'wechatpay' && r.day === DAYS[0]),
    );
    await insert(db, id, rows);
    await insert(db, id, [
      {
        provider: 'wechatpay',
        day: DAYS[1]!,
        storeId: 'S06',
        deviceId: 'POS1',
        payments: 9,
        orders: 9,
        unmatchedPayments: 0,
        unmatchedOrders: 0,
      },
    ]);
    expect(await storeDay(db, DAYS[1]!, 'S06')).toHaveLength(1);
    // WeChat Pay's days 1 and 2 again, with other counts and without store S06 (only WeChat Pay had it)
    const again = generate(random(99))
      .filter(
        (r) => r.provider === 'wechatpay' && (r.day === DAYS[1] || r.day === DAYS[2]) && r.storeId !== 'S06',
      )
      .map((r) => ({
        day: r.day,
        storeId: r.storeId,
        deviceId: r.deviceId,
        payments: r.payments,
        orders: r.orders,
        matched: r.orders,
        fuzzyMatched: 0,
        unmatchedPayments: r.unmatchedPayments,
        unmatchedOrders: r.unmatchedOrders,
        paymentsFen: 0,
        unmatchedPaymentsFen: 0,
        refunds: 0,
        refundsFen: 0,
      }));
    await db.transaction((tx) => replaceResults(tx, 'wechatpay', id, [DAYS[1]!, DAYS[2]!], again));
    expect(await storeDay(db, DAYS[1]!, 'S06')).toEqual([]);
    expect(await storeDay(db, DAYS[0]!, 'S06')).toHaveLength(1);
    await expectExact(db);
    // a re-import that finds nothing for a day removes the day
    await db.transaction((tx) => replaceResults(tx, 'wechatpay', id, [DAYS[3]!], []));
    await db.transaction((tx) => replaceResults(tx, 'alipay', id, [DAYS[3]!], []));
    expect((await storedStoreDays(db)).filter((r) => r.day === DAYS[3])).toEqual([]);
    await expectExact(db);
  });

  it('follows upserts, updates that move rows to another day or store, and deletes of a store-day’s last row', async () => {
    const db = await open();
    const id = await importId(db);
    await insert(db, id, generate(random(23)));
    await db.query(
      `INSERT INTO reconciliation_results (provider, day, store_id, device_id, import_id, payments, orders,
         matched, fuzzy_matched, unmatched_payments, unmatched_orders, payments_fen, unmatched_payments_fen,
         refunds, refunds_fen)
       SELECT provider, day, store_id, device_id, import_id, payments + 5, orders, matched, fuzzy_matched,
              unmatched_payments + 1, unmatched_orders, 0, 0, 0, 0
       FROM reconciliation_results WHERE store_id IN ('S01', 'S02')
       UNION ALL
       SELECT 'alipay', DATE '2026-11-02', 'S07', 'POS1', $1, 50, 48, 48, 0, 2, 0, 0, 0, 0, 0
       ON CONFLICT (provider, day, store_id, device_id) DO UPDATE SET
         payments = excluded.payments, unmatched_payments = excluded.unmatched_payments`,
      [id],
    );
    await expectExact(db);
    await db.query(
      `UPDATE reconciliation_results SET payments = 0 WHERE store_id = 'S03' AND device_id = 'POS1'`,
    );
    await db.query(
      `UPDATE reconciliation_results SET day = DATE '2026-11-04' + 1, store_id = 'S08'
       WHERE store_id = 'S04' AND day = DATE '2026-11-03'`,
    );
    expect(await storeDay(db, DAYS[2]!, 'S04')).toEqual([]);
    expect(await storeDay(db, '2026-11-05', 'S08')).toHaveLength(1);
    await expectExact(db);
    await db.query(`DELETE FROM reconciliation_results WHERE store_id = 'S07'`);
    expect(await storeDay(db, DAYS[1]!, 'S07')).toEqual([]);
    await db.query(`DELETE FROM reconciliation_results WHERE device_id = 'POS2' OR store_id = 'S05'`);
    await expectExact(db);
    await db.query(`DELETE FROM reconciliation_results WHERE day = DATE '2026-11-02'`);
    expect((await storedStoreDays(db)).filter((r) => r.day === DAYS[1])).toEqual([]);
    await expectExact(db);
    await db.query(`DELETE FROM reconciliation_results WHERE provider = 'nobody'`);
    await expectExact(db);
    await db.query('TRUNCATE reconciliation_results');
    expect(await storedStoreDays(db)).toEqual([]);
  });

  it('stays exact through random writes, and with user triggers switched off for a load', async () => {
    const db = await open();
    const id = await importId(db);
    const next = random(2026);
    await db.transaction(async (tx) => {
      // a bulk load as the dashboard benches make it: user triggers off
      await tx.query('SET LOCAL session_replication_role = replica');
      await insert(tx, id, generate(next));
    });
    await expectExact(db);
    for (let round = 0; round < 12; round++) {
      const store = STORES[next(STORES.length)]!;
      const day = DAYS[next(DAYS.length)]!;
      switch (next(4)) {
        case 0:
          await db.query('DELETE FROM reconciliation_results WHERE store_id = $1 AND day >= $2::date', [
            store,
            day,
          ]);
          break;
        case 1:
          await db.query(
            `UPDATE reconciliation_results SET unmatched_payments = unmatched_payments + $3, payments = payments * $4
             WHERE store_id = $1 OR day = $2::date`,
            [store, day, next(5), next(2)],
          );
          break;
        case 2:
          await db.query(
            `INSERT INTO reconciliation_results (provider, day, store_id, device_id, import_id, payments, orders,
               matched, fuzzy_matched, unmatched_payments, unmatched_orders, payments_fen, unmatched_payments_fen,
               refunds, refunds_fen)
             VALUES ('alipay', $1::date, $2, 'POS7', $3, $4, 1, 1, 0, $5, 0, 0, 0, 0, 0)
             ON CONFLICT (provider, day, store_id, device_id) DO UPDATE SET payments = excluded.payments`,
            [day, store, id, next(3), next(3)],
          );
          break;
        default: {
          // a provider's day imported again
          const provider = PROVIDERS[next(2)]!;
          await db.query('DELETE FROM reconciliation_results WHERE provider = $1 AND day = $2::date', [
            provider,
            day,
          ]);
          await insert(
            db,
            id,
            generate(next).filter((r) => r.provider === provider && r.day === day),
          );
        }
      }
      await expectExact(db);
    }
    expect((await storedStoreDays(db)).length).toBeGreaterThan(0);
  });
});

// Two bill imports of the same day by different providers, in transactions open at the same time on
// two connections: the one that writes second waits for the first to commit before it recomputes,
// so it sums the first one's rows too (else the last to commit would leave its own view of the day).
describe.each(STORE_KINDS.filter((k) => k === 'postgres'))(
  'reconciliation_store_days under concurrent imports (%s)',
  (kind) => {
    let store: TestDatabase;
    beforeAll(async () => {
      store = await openTestDatabase(kind);
    });
    afterAll(async () => {
      await store?.dispose();
    });

    it("sums both imports' rows whichever commits last", async () => {
      const db = store.db;
      const id = await importId(db);
      const rows = generate(random(5)).filter((r) => r.day === DAYS[0]);
      const connect = async () => {
        const client = new pg.Client({
          connectionString: store.url,
          options: `-c search_path=${store.schema}`,
        });
        await client.connect();
        await client.query('BEGIN');
        return client;
      };
      const first = await connect();
      const second = await connect();
      try {
        await insert(
          first,
          id,
          rows.filter((r) => r.provider === 'wechatpay'),
        );
        const { rows: pid } = await second.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
        const secondWrite = insert(
          second,
          id,
          rows.filter((r) => r.provider === 'alipay'),
        );
        await expect
          .poll(async () => {
            const { rows: waiting } = await db.query<{ n: number }>(
              'SELECT count(*)::int AS n FROM pg_locks WHERE pid = $1 AND NOT granted',
              [pid[0]!.pid],
            );
            return waiting[0]!.n;
          })
          .toBe(1);
        await first.query('COMMIT');
        await secondWrite;
        await second.query('COMMIT');
      } finally {
        await first.end();
        await second.end();
      }
      expect((await storedStoreDays(db)).length).toBe(STORES.length);
      await expectExact(db);
    });
  },
);
