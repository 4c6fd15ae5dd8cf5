// Migration 0026 turns the order-status and paid-order staging from one row per event or order into
// one row per statement. A store upgraded with rows still staged (a collector stopped before its
// applier caught up) must apply each of them exactly once afterwards: the rollups then equal a
// rebuild.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ORDER_STATUSES } from '../../src/domain/events.ts';
import { applyMigrations, readMigrations } from '../../src/store/migrate.ts';
import { sampleTraffic } from '../deploy/sample-traffic.ts';
import { openTestDatabase, STORE_KINDS, type TestDatabase, uniqueSchema } from '../support/test-database.ts';

const ROLLUPS = [
  'order_status_minute_rollup',
  'order_status_day_rollup',
  'order_status_day_total_rollup',
  'order_match',
  'store_mismatch_day_rollup',
];

describe.each(STORE_KINDS)('reporting staging across migration 0026 on %s', (kind) => {
  let store: TestDatabase;
  const former = uniqueSchema();
  let dir: string;

  beforeAll(async () => {
    store = await openTestDatabase(kind);
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'before-0026-'));
    for (const m of await readMigrations()) {
      if (m.version < 26) await fs.writeFile(path.join(dir, `${m.name}.sql`), m.sql);
    }
  });
  afterAll(async () => {
    await store.db.query(`DROP SCHEMA IF EXISTS ${former} CASCADE`);
    await store.dispose();
    await fs.rm(dir, { recursive: true, force: true });
  });

  const rollups = async () => {
    const result: Record<string, string[]> = {};
    for (const table of ROLLUPS) {
      const { rows } = await store.db.query(`SELECT * FROM ${former}.${table}`);
      result[table] = rows.map((r) => JSON.stringify(r)).sort();
    }
    return result;
  };

  it('applies rows staged one per event or order before the upgrade exactly once after it', async () => {
    const db = store.db;
    await applyMigrations(db, former, dir);
    const events = sampleTraffic(Date.now()).sort((a, b) =>
      `${a.source}\u0000${a.id}` < `${b.source}\u0000${b.id}` ? -1 : 1,
    );
    const reports = events.filter((e) => e.type === 'order.status').length;
    await db.query(`SELECT source, id FROM ${former}.ingest_batch($1::jsonb, $2::timestamptz, $3::text[])`, [
      JSON.stringify(events),
      new Date().toISOString(),
      [...ORDER_STATUSES],
    ]);
    const count = (table: string, column: string) =>
      db.query<{ rows: number; staged: number }>(
        `SELECT count(*)::int AS rows, sum(${column})::int AS staged FROM ${former}.${table}`,
      );
    const before = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${former}.report_staged_order_status`,
    );
    expect(before.rows).toEqual([{ n: reports }]);
    const paidBefore = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${former}.report_staged_paid_orders`,
    );
    const paid = paidBefore.rows[0]!.n;
    expect(paid).toBeGreaterThan(0);

    // 0026 and whatever came after it
    expect((await applyMigrations(db, former))[0]).toBe('0026_reporting_staged_per_statement');
    expect((await count('report_staged_order_status', 'events')).rows).toEqual([
      { rows: reports, staged: reports },
    ]);
    expect((await count('report_staged_paid_orders', 'orders')).rows).toEqual([{ rows: paid, staged: paid }]);

    await db.query(`SELECT ${former}.apply_reporting_rollups(100000)`);
    for (const table of ['report_staged_order_status', 'report_staged_paid_orders']) {
      const staged = await db.query(`SELECT 1 FROM ${former}.${table}`);
      expect(staged.rows, table).toEqual([]);
    }
    const applied = await rollups();
    expect(applied.order_status_day_rollup!.length).toBeGreaterThan(0);
    expect(applied.order_match!.length).toBeGreaterThan(0);
    await db.query(`SELECT ${former}.rebuild_reporting_rollups()`);
    expect(await rollups()).toEqual(applied);
  });
});
