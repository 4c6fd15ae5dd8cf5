// Migration 0026 turns the order-status staging from one row per event into one row per statement.
// A store upgraded with status reports still staged (a collector stopped before its applier caught
// up) must apply each of them exactly once afterwards: the rollups then equal a rebuild.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ORDER_STATUSES } from '../../src/domain/events.ts';
import { applyMigrations, readMigrations } from '../../src/store/migrate.ts';
import { sampleTraffic } from '../deploy/sample-traffic.ts';
import { openTestDatabase, STORE_KINDS, type TestDatabase, uniqueSchema } from '../support/test-database.ts';

const ROLLUPS = ['order_status_minute_rollup', 'order_status_day_rollup', 'order_status_day_total_rollup'];

describe.each(STORE_KINDS)('order-status staging across migration 0026 on %s', (kind) => {
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

  it('applies rows staged one per event before the upgrade exactly once after it', async () => {
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
    const before = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${former}.report_staged_order_status`,
    );
    expect(before.rows).toEqual([{ n: reports }]);

    expect(await applyMigrations(db, former)).toEqual(['0026_order_status_staged_per_statement']);
    const after = await db.query<{ rows: number; events: number }>(
      `SELECT count(*)::int AS rows, sum(events)::int AS events FROM ${former}.report_staged_order_status`,
    );
    expect(after.rows).toEqual([{ rows: reports, events: reports }]);

    await db.query(`SELECT ${former}.apply_reporting_rollups(100000)`);
    const staged = await db.query(`SELECT 1 FROM ${former}.report_staged_order_status`);
    expect(staged.rows).toEqual([]);
    const applied = await rollups();
    expect(applied.order_status_day_rollup!.length).toBeGreaterThan(0);
    await db.query(`SELECT ${former}.rebuild_reporting_rollups()`);
    expect(await rollups()).toEqual(applied);
  });
});
