import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/store/database.ts';
import { EventWriter } from '../../src/store/event-writer.ts';
import { applyMigrations } from '../../src/store/migrate.ts';
import { PoolDatabase } from '../../src/store/pool-database.ts';
import { drainReportingRollups } from '../../src/store/reporting-rollups.ts';
import { createTemplateLite } from '../support/pglite-template.ts';
import {
  dropSchema,
  openTestDatabase,
  STORE_KINDS,
  type TestDatabase,
  uniqueSchema,
} from '../support/test-database.ts';
import { dashboards, renderSql, selectedValues } from './grafana-files.ts';
import { repoPath } from './repo-paths.ts';
import { sampleTraffic } from './sample-traffic.ts';

// TimescaleDB cannot be installed here, so its branch of the reporting migration (continuous aggregates)
// runs against stand-ins: the branch is forced on, `timescaledb.continuous` is dropped (leaving
// ordinary materialized views WITH NO DATA), and time_bucket / add_continuous_aggregate_policy are
// SQL stubs. That proves the branch's SQL is valid and that its views have the same columns and,
// once materialised, give every dashboard query the same answers as the plain-PostgreSQL branch.
// It does not prove TimescaleDB accepts the aggregates or how real-time aggregation behaves.

const MIGRATIONS = repoPath('collector/src/store/migrations');
const REPORTING = '0007_reporting.sql';

const STUBS = `
CREATE FUNCTION time_bucket(bucket_width interval, ts timestamptz) RETURNS timestamptz
  LANGUAGE sql IMMUTABLE AS $$ SELECT date_bin(bucket_width, ts, timestamptz '2000-01-03 00:00+00') $$;
CREATE FUNCTION time_bucket(bucket_width interval, ts timestamptz, timezone text) RETURNS timestamptz
  LANGUAGE sql IMMUTABLE AS $$
    SELECT date_bin(bucket_width, ts AT TIME ZONE timezone, timestamp '2000-01-03') AT TIME ZONE timezone $$;
CREATE FUNCTION add_continuous_aggregate_policy(continuous_aggregate regclass, start_offset interval,
  end_offset interval, schedule_interval interval) RETURNS integer LANGUAGE sql AS $$ SELECT 1 $$;
`;

/** The migrations with the reporting TimescaleDB branch forced on and made runnable on plain PostgreSQL. */
function timescaleBranchMigrations(): string {
  const dir = mkdtempSync(join(tmpdir(), 'op-tsdb-migrations-'));
  for (const file of readdirSync(MIGRATIONS).filter((f) => f.endsWith('.sql'))) {
    let sql = readFileSync(join(MIGRATIONS, file), 'utf8');
    if (file === REPORTING) {
      const forced = sql.replace(
        "IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') THEN",
        'IF true THEN',
      );
      const plain = forced.replaceAll(
        'WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS',
        'AS',
      );
      // if the migration's text changes shape, fail instead of silently testing the other branch
      if (forced === sql || plain === forced)
        throw new Error(`${REPORTING} no longer has the expected TimescaleDB branch`);
      sql = plain;
    }
    writeFileSync(join(dir, file), sql);
  }
  return dir;
}

async function openTimescaleBranch(kind: string): Promise<{ db: Database; dispose: () => Promise<void> }> {
  const schema = uniqueSchema();
  if (kind === 'postgres') {
    const url = process.env.TEST_DATABASE_URL!;
    const pool = new pg.Pool({ connectionString: url, max: 2, options: `-c search_path=${schema}` });
    const db = new PoolDatabase(pool, 'postgres');
    await db.query(`CREATE SCHEMA ${schema}`);
    await db.query(STUBS);
    await applyMigrations(db, schema, timescaleBranchMigrations());
    return {
      db,
      dispose: async () => {
        await db.close();
        await dropSchema(url, schema);
      },
    };
  }
  const { createPgConfig } = await import('@electric-sql/pglite/node-postgres');
  const lite = await createTemplateLite();
  await lite.exec(`CREATE SCHEMA ${schema}; SET search_path TO ${schema}; ${STUBS}`);
  const db = new PoolDatabase(
    new pg.Pool({ ...(createPgConfig(lite) as pg.PoolConfig), max: 1 }),
    'embedded',
    () => lite.close(),
  );
  await applyMigrations(db, schema, timescaleBranchMigrations());
  return { db, dispose: () => db.close() };
}

async function viewColumns(db: Database): Promise<Record<string, string>> {
  const { rows } = await db.query<{ table_name: string; column_name: string; data_type: string }>(
    `SELECT c.table_name, c.column_name, c.data_type
     FROM information_schema.columns c JOIN information_schema.views v USING (table_schema, table_name)
     WHERE c.table_schema = current_schema()
     ORDER BY c.table_name, c.ordinal_position`,
  );
  return Object.fromEntries(rows.map((r) => [`${r.table_name}.${r.column_name}`, r.data_type]));
}

describe.each(STORE_KINDS)('the TimescaleDB branch of the reporting views, on stand-ins (%s)', (kind) => {
  let plain: TestDatabase;
  let timescale: { db: Database; dispose: () => Promise<void> };
  const now = Date.now();
  const range = { from: new Date(now - 40 * 86_400_000), to: new Date(now + 60_000) };

  beforeAll(async () => {
    plain = await openTestDatabase(kind);
    timescale = await openTimescaleBranch(kind);
    const traffic = sampleTraffic(now);
    for (const db of [plain.db, timescale.db]) {
      const writer = new EventWriter(db, { maxBatchEvents: 500, queueLimit: 100_000 });
      await writer.write(traffic);
      await writer.close();
      await drainReportingRollups(db);
    }
    for (const view of ['order_status_minute_cagg', 'order_status_day_cagg']) {
      await timescale.db.query(`REFRESH MATERIALIZED VIEW ${view}`);
    }
  });

  afterAll(async () => {
    await timescale?.dispose();
    await plain?.dispose();
  });

  it('builds continuous aggregates instead of trigger rollups', async () => {
    const { rows } = await timescale.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_matviews WHERE schemaname = current_schema() AND matviewname LIKE '%_cagg'`,
    );
    expect(rows[0]?.n).toBe(2);
    const rollup = await timescale.db.query(`SELECT to_regclass('order_status_day_rollup') AS t`);
    expect(rollup.rows[0]).toEqual({ t: null });
  });

  it('exposes views with the same columns and types as the plain branch', async () => {
    const plainColumns = await viewColumns(plain.db);
    expect(Object.keys(plainColumns).length).toBeGreaterThan(30);
    expect(await viewColumns(timescale.db)).toEqual(plainColumns);
  });

  it('answers every dashboard query like the plain branch', async () => {
    const stores = (
      await plain.db.query<{ s: string }>('SELECT DISTINCT store_id AS s FROM orders ORDER BY 1')
    ).rows;
    let compared = 0;
    for (const variables of [
      { store: "'__all'" },
      { store: selectedValues(stores.slice(0, 2).map((r) => r.s)) },
    ]) {
      for (const { dashboard } of dashboards()) {
        for (const panel of dashboard.panels) {
          for (const target of panel.targets ?? []) {
            if (!target.rawSql) continue;
            const run = async (db: Database) =>
              (
                await db.query(
                  renderSql(target.rawSql!, range, variables, 'orderpulse').replaceAll('orderpulse.', ''),
                )
              ).rows
                .map((r) => JSON.stringify(r))
                .sort();
            // Some views measure against now() (a shipment's silence, in whole seconds), so the
            // two databases can disagree when a second ticks over between their queries. The
            // value only grows, so when two plain answers around the TimescaleDB one agree,
            // that one was taken at a moment they would have agreed with too.
            let before: string[];
            let answer: string[];
            let after: string[];
            let tries = 0;
            do {
              tries += 1;
              before = await run(plain.db);
              answer = await run(timescale.db);
              after = await run(plain.db);
            } while (JSON.stringify(before) !== JSON.stringify(after) && tries < 5);
            expect(answer, `${panel.title} ${variables.store}`).toEqual(before);
            compared += 1;
          }
        }
      }
    }
    expect(compared).toBeGreaterThan(20);
  });
});
