import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OrderEvent } from '../../src/domain/events.ts';
import type { Database } from '../../src/store/database.ts';
import { EventWriter } from '../../src/store/event-writer.ts';
import { openDatabase } from '../../src/store/open-database.ts';
import {
  applyReportingRollups,
  drainReportingRollups,
  ReportingRollups,
} from '../../src/store/reporting-rollups.ts';
import { interceptQueries } from '../support/intercept-queries.ts';
import { templateDataDir } from '../support/pglite-template.ts';
import {
  dropSchema,
  openTestDatabase,
  STORE_KINDS,
  type StoreKind,
  uniqueSchema,
} from '../support/test-database.ts';
import { sampleTraffic } from './sample-traffic.ts';

// Group commits only stage reporting rows; apply_reporting_rollups (run by
// ReportingRollups in the background) moves them into the rollups. The commit must not touch a
// rollup, staged rows must survive a restart, and applying them must give what a rebuild gives.

const ROLLUP_TABLES = [
  'order_status_minute_rollup',
  'order_status_day_rollup',
  'order_status_day_total_rollup',
  'callback_minute_rollup',
  'callback_hour_rollup',
  'order_match',
  'store_mismatch_day_rollup',
  'open_shipment_rollup',
];
const STAGING_TABLES = [
  'report_staged_order_status',
  'report_staged_payments',
  'report_staged_paid_orders',
  'report_staged_shipment_changes',
];

async function snapshot(db: Database): Promise<Record<string, string[]>> {
  const result: Record<string, string[]> = {};
  for (const table of ROLLUP_TABLES) {
    const { rows } = await db.query(`SELECT * FROM ${table}`);
    result[table] = rows.map((r) => JSON.stringify(r)).sort();
  }
  return result;
}

/** Rows staged per statement hold this many events or orders each. */
const STAGED_PER_ROW: Record<string, string> = {
  report_staged_order_status: 'events',
  report_staged_paid_orders: 'orders',
};

/** What each staging table holds: rows, or for those staged per statement, their events or orders. */
async function stagedRows(db: Database): Promise<Record<string, number>> {
  const result: Record<string, number> = {};
  for (const table of STAGING_TABLES) {
    const count = STAGED_PER_ROW[table] ? `coalesce(sum(${STAGED_PER_ROW[table]}), 0)` : 'count(*)';
    const { rows } = await db.query<{ n: number }>(`SELECT ${count}::int AS n FROM ${table}`);
    result[table] = rows[0]!.n;
  }
  return result;
}

/** The same traffic as new orders, payments and waybills (ids are what deduplication looks at). */
function relabelled(prefix: string, events: OrderEvent[]): OrderEvent[] {
  return events.map((e) => ({
    ...e,
    id: `${prefix}${e.id}`,
    orderId: `${prefix}${e.orderId}`,
    ...(e.type === 'payment.notify' && { transactionId: `${prefix}${e.transactionId}` }),
    ...(e.type === 'shipment.update' && { trackingNo: `${prefix}${e.trackingNo}` }),
  })) as OrderEvent[];
}

async function write(db: Database, events: OrderEvent[]): Promise<void> {
  const writer = new EventWriter(db, { maxBatchEvents: 200, queueLimit: 100_000, concurrency: 2 });
  await writer.write(events);
  await writer.close();
}

/** A store that can be closed and opened again on the same data: a PGlite data dir, or a PostgreSQL schema. */
async function reopenableStore(kind: StoreKind) {
  if (kind === 'pglite') {
    const dir = await templateDataDir('op-staging-');
    return {
      open: () => openDatabase({ databaseUrl: undefined, schema: 'orderpulse', dataDir: dir }),
      cleanup: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const url = process.env.TEST_DATABASE_URL!;
  const schema = uniqueSchema();
  return {
    open: () => openDatabase({ databaseUrl: url, schema }),
    cleanup: () => dropSchema(url, schema),
  };
}

describe.each(STORE_KINDS)('staged reporting rollups on %s', (kind) => {
  let store: Awaited<ReturnType<typeof openTestDatabase>>;

  beforeAll(async () => {
    store = await openTestDatabase(kind);
  });

  afterAll(async () => {
    await store?.dispose();
  });

  it('commits events without changing any rollup, and applying the staged rows equals a rebuild', async () => {
    const db = store.db;
    const now = Date.now();
    await write(db, sampleTraffic(now - 3 * 86_400_000));
    await drainReportingRollups(db);
    const before = await snapshot(db);
    expect(before.order_status_day_rollup!.length).toBeGreaterThan(0);

    const more = relabelled('more-', sampleTraffic(now));
    await write(db, more);
    // the commits left the rollups exactly as they were: all their reporting work is staged
    expect(await snapshot(db)).toEqual(before);
    const staged = await stagedRows(db);
    for (const table of STAGING_TABLES) expect(staged[table], table).toBeGreaterThan(0);

    await drainReportingRollups(db);
    expect(Object.values(await stagedRows(db))).toEqual([0, 0, 0, 0]);
    const applied = await snapshot(db);
    expect(applied).not.toEqual(before);
    await db.query('SELECT rebuild_reporting_rollups()');
    expect(await snapshot(db)).toEqual(applied);
  });

  it('stages one row per commit for its status reports and paid orders, and a commit without any stages none', async () => {
    const db = store.db;
    const rowsOf = async () =>
      (
        await db.query<{ events: number; occurred_at: unknown[]; status: string[] }>(
          'SELECT events, occurred_at, status FROM report_staged_order_status',
        )
      ).rows;
    expect(await rowsOf()).toEqual([]);
    const traffic = relabelled('per-statement-', sampleTraffic(Date.now()));
    const reports = traffic.filter((e) => e.type === 'order.status');
    // One group commit (maxBatchEvents above the traffic), so one statement inserts them all.
    const writer = new EventWriter(db, { maxBatchEvents: 10_000, queueLimit: 100_000 });
    await writer.write(traffic);
    await writer.close();
    const staged = await rowsOf();
    expect(staged).toHaveLength(1);
    expect(staged[0]!.events).toBe(reports.length);
    expect(staged[0]!.occurred_at).toHaveLength(reports.length);
    expect([...staged[0]!.status].sort()).toEqual(reports.map((e) => e.status).sort());
    // The orders that came to count as paid, one row for the statement that upserted them.
    const paidLike = new Set(['paid', 'picking', 'packed', 'shipped', 'delivered', 'refunded']);
    const paid = new Set(reports.filter((e) => paidLike.has(e.status)).map((e) => e.orderId));
    const paidRows = await db.query<{ orders: number; order_id: string[] }>(
      'SELECT orders, order_id FROM report_staged_paid_orders',
    );
    expect(paidRows.rows).toHaveLength(1);
    expect(paidRows.rows[0]!.orders).toBe(paid.size);
    expect([...paidRows.rows[0]!.order_id].sort()).toEqual([...paid].sort());

    // Payments and waybills only: no order-status row at all.
    await write(
      db,
      relabelled(
        'no-status-',
        sampleTraffic(Date.now()).filter((e) => e.type !== 'order.status'),
      ),
    );
    expect(await rowsOf()).toHaveLength(1);
    await drainReportingRollups(db);
    expect(await rowsOf()).toEqual([]);
    const applied = await snapshot(db);
    await db.query('SELECT rebuild_reporting_rollups()');
    expect(await snapshot(db)).toEqual(applied);
  });

  it('clears staged rows in a rebuild, so they are counted once', async () => {
    const db = store.db;
    await write(db, relabelled('rb-', sampleTraffic(Date.now())));
    expect((await stagedRows(db)).report_staged_order_status).toBeGreaterThan(0);
    await db.query('SELECT rebuild_reporting_rollups()');
    expect(Object.values(await stagedRows(db))).toEqual([0, 0, 0, 0]);
    const rebuilt = await snapshot(db);
    await drainReportingRollups(db);
    expect(await snapshot(db)).toEqual(rebuilt);
  });

  /** The restart test's store once closed: what the failed-run test needs, without opening another. */
  let closedStore: Database | undefined;

  it('keeps staged rows across a restart and applies them from the background loop afterwards', async () => {
    const reopenable = await reopenableStore(kind);
    try {
      let db = await reopenable.open();
      await write(db, sampleTraffic(Date.now()));
      const staged = await stagedRows(db);
      expect(staged.report_staged_order_status).toBeGreaterThan(0);
      // the collector stops before it applied anything
      await db.close();

      db = await reopenable.open();
      try {
        expect(await stagedRows(db)).toEqual(staged);
        const empty = (
          await db.query<{ n: number }>('SELECT count(*)::int AS n FROM order_status_day_rollup')
        ).rows[0];
        expect(empty).toEqual({ n: 0 });

        const errors: unknown[] = [];
        const rollups = new ReportingRollups(db, {
          timeZone: 'Asia/Shanghai',
          maxRows: 50,
          log: { error: (obj) => errors.push(obj) },
        });
        // a second run while one is in progress joins it
        const first = rollups.runOnce();
        expect(rollups.runOnce()).toBe(first);
        await first;
        // several bounded calls per run; keep running until everything staged is applied
        while (Object.values(await stagedRows(db)).some((n) => n > 0)) await rollups.runOnce();
        await rollups.stop();
        expect(errors).toEqual([]);

        const applied = await snapshot(db);
        expect(applied.order_status_day_rollup!.length).toBeGreaterThan(0);
        await db.query('SELECT rebuild_reporting_rollups()');
        expect(await snapshot(db)).toEqual(applied);

        // another ORDERPULSE_TZ at the next start: the first run sets it, which moves the daily rollups
        const utc = new ReportingRollups(db, { timeZone: 'UTC', log: { error: (obj) => errors.push(obj) } });
        await utc.runOnce();
        await utc.stop();
        expect(errors).toEqual([]);
        expect((await db.query('SELECT time_zone FROM report_settings')).rows).toEqual([
          { time_zone: 'UTC' },
        ]);
        const days = await db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM order_status_day_rollup WHERE day_start <> day::timestamp AT TIME ZONE 'UTC'`,
        );
        expect(days.rows).toEqual([{ n: 0 }]);
      } finally {
        await db.close();
        closedStore = db;
      }
    } finally {
      await reopenable.cleanup();
    }
  });

  // The tests above leave nothing staged (each drains or rebuilds), so the next two share their store.
  it('calls again within a run only while a call finds a full chunk', async () => {
    const db = store.db;
    let calls = 0;
    const counted = interceptQueries(db, (sql) => {
      if (sql.includes('apply_reporting_rollups')) calls += 1;
    });
    await write(db, relabelled('chunked', sampleTraffic(Date.now())));
    const staged = await stagedRows(db);
    expect(staged.report_staged_order_status).toBeGreaterThan(100);
    // A backlog: chunks of 50 rows, so one run makes several calls.
    const small = new ReportingRollups(counted, { timeZone: 'Asia/Shanghai', maxRows: 50 });
    await small.runOnce();
    expect(calls).toBeGreaterThan(1);
    while (Object.values(await stagedRows(db)).some((n) => n > 0)) await small.runOnce();

    // Caught up: one call applies everything staged, and the run stops there instead of
    // calling again to find nothing.
    await write(db, relabelled('caught-up', sampleTraffic(Date.now())));
    calls = 0;
    const large = new ReportingRollups(counted, { timeZone: 'Asia/Shanghai' });
    await large.runOnce();
    expect(calls).toBe(1);
    expect(Object.values(await stagedRows(db)).every((n) => n === 0)).toBe(true);
  });

  it('reads each staged row a bounded number of times, however many chunks a backlog takes', async () => {
    const db = store.db;
    expect(Object.values(await stagedRows(db)).every((n) => n === 0)).toBe(true);
    const paidOrders = async () =>
      (
        await db.query<{ n: number | null }>(
          `SELECT sum(orders)::int AS n FROM order_status_day_total_rollup WHERE status = 'paid'`,
        )
      ).rows[0]!.n ?? 0;
    const paidBefore = await paidOrders();
    const rollups = new ReportingRollups(db, { timeZone: 'Asia/Shanghai', maxRows: 100 });
    // As in a running collector: the applier's statements are planned, and plpgsql keeps their
    // plans, while nothing is staged yet.
    for (let i = 0; i < 10; i++) await rollups.runOnce();
    // 3,000 events staged as 300 statements of ten.
    const backlog = 3_000;
    const rowsStaged = backlog / 10;
    await db.query(
      `INSERT INTO report_staged_order_status (events, occurred_at, store_id, status, amount_fen)
       SELECT 10, array_fill(now(), ARRAY[10]), array_fill('S' || (g % 40), ARRAY[10]),
              array_fill('paid'::text, ARRAY[10]), array_fill(100::bigint, ARRAY[10])
       FROM generate_series(1, $1::int) AS g`,
      [rowsStaged],
    );
    const rowsRead = async () => {
      await db.query('SELECT pg_stat_force_next_flush()');
      const { rows } = await db.query<{ n: number }>(
        `SELECT seq_tup_read::int AS n FROM pg_stat_user_tables
         WHERE relid = 'report_staged_order_status'::regclass`,
      );
      return rows[0]!.n;
    };
    const readBefore = await rowsRead();
    let calls = 0;
    while ((await applyReportingRollups(db, 100)) > 0) calls += 1;
    expect(calls).toBe(backlog / 100);
    const read = (await rowsRead()) - readBefore;
    // Thirty chunks of 100 events (ten rows): each takes its rows by a TID range (0068), so a row
    // is read about twice, by the loop that finds the chunk's end and by its DELETE (that loop
    // fetches ten rows at a time, so up to ten more). Testing every row against the chunk's TID
    // array, as the form before 0068 could, read the remaining backlog on every call: about
    // sixteen times the backlog here.
    expect(read).toBeGreaterThanOrEqual(rowsStaged);
    expect(read).toBeLessThan(4 * rowsStaged);
    expect((await paidOrders()) - paidBefore).toBe(backlog);
  });

  it('logs a failed run instead of throwing', async () => {
    const reopenable = await reopenableStore(kind);
    try {
      const db = closedStore ?? (await reopenable.open());
      await db.close().catch(() => {});
      const errors: unknown[] = [];
      const rollups = new ReportingRollups(db, {
        timeZone: 'UTC',
        log: { error: (obj) => errors.push(obj) },
      });
      await expect(rollups.runOnce()).resolves.toBeUndefined();
      await rollups.stop();
      expect(errors).toHaveLength(1);
    } finally {
      await reopenable.cleanup();
    }
  });
});
