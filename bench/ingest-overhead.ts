// What the reporting triggers cost the group commit, on real PostgreSQL.
//   npx tsx bench/ingest-overhead.ts [postgres-url]
// The same 60k-event stream (orders with payments and shipments over 327 stores) is written
// through the real EventWriter, in batches of 1,000, writer concurrency 2, each run in a fresh
// schema, three ways in one run (ratios in one run are what count):
//   * no reporting triggers at all (the staging triggers disabled);
//   * rollups updated inside the commit, as the former migrations 0050–0054 did (that chain, read
//     from git history, applied up to 0054 only);
//   * staging in the commit and ReportingRollups applying in the background meanwhile,
//     plus how long the background needs after the last acknowledgement to have applied everything.
import pg from 'pg';
import type { OrderEvent } from '../collector/src/domain/events.ts';
import type { Database } from '../collector/src/store/database.ts';
import { EventWriter } from '../collector/src/store/event-writer.ts';
import { applyMigrations } from '../collector/src/store/migrate.ts';
import { openDatabase } from '../collector/src/store/open-database.ts';
import { PoolDatabase } from '../collector/src/store/pool-database.ts';
import { drainReportingRollups, ReportingRollups } from '../collector/src/store/reporting-rollups.ts';
import { uniqueSchema } from '../collector/test/support/test-database.ts';
import { formerMigrationsDir } from './former-migrations.ts';

const url = process.argv[2] ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/op_sre';
const STAGING_TRIGGERS: [string, string][] = [
  ['events', 'events_stage_reporting'],
  ['payments', 'payments_stage_reporting'],
  ['orders', 'orders_stage_reporting_insert'],
  ['orders', 'orders_stage_reporting_update'],
  ['shipments', 'shipments_stage_reporting_insert'],
  ['shipments', 'shipments_stage_reporting_update'],
];

type Mode = 'none' | 'in-commit' | 'staged';

/** The former migrations before 0055: rollups maintained inside the commit. */
const inCommitMigrations = () => formerMigrationsDir((name) => name < '0055');

async function open(mode: Mode, schema: string): Promise<Database> {
  if (mode !== 'in-commit') return openDatabase({ databaseUrl: url, schema });
  const pool = new pg.Pool({ connectionString: url, max: 8, options: `-c search_path=${schema}` });
  const db = new PoolDatabase(pool, 'postgres');
  await applyMigrations(db, schema, inCommitMigrations());
  return db;
}

function stream(): OrderEvent[] {
  const events: OrderEvent[] = [];
  const start = Date.now() - 2 * 86_400_000;
  let n = 0;
  for (let i = 0; i < 10_000; i += 1) {
    const base = { source: 'pos', orderId: `o${i}`, storeId: `store-${i % 327}` };
    const t = start + i * 15_000;
    events.push({
      ...base,
      type: 'order.status',
      id: `e${n++}`,
      occurredAt: t,
      status: 'created',
      amountFen: 100,
    });
    events.push({
      ...base,
      type: 'order.status',
      id: `e${n++}`,
      occurredAt: t + 60_000,
      status: 'paid',
      amountFen: 100,
    });
    events.push({
      ...base,
      type: 'payment.notify',
      id: `e${n++}`,
      occurredAt: t + 55_000,
      provider: i % 2 ? 'wechatpay' : 'alipay',
      transactionId: `t${i}`,
      amountFen: 100,
      status: 'success',
    });
    events.push({
      ...base,
      type: 'order.status',
      id: `e${n++}`,
      occurredAt: t + 3_600_000,
      status: 'shipped',
    });
    for (const [k, state] of (['collected', 'in_transit'] as const).entries()) {
      events.push({
        ...base,
        type: 'shipment.update',
        id: `e${n++}`,
        occurredAt: t + 3_700_000 + k * 3_600_000,
        carrier: 'sf',
        trackingNo: `w${i}`,
        state,
      });
    }
  }
  // neighbouring orders land in the same batch, as live traffic does
  return events.sort((a, b) => a.occurredAt - b.occurredAt);
}

async function run(mode: Mode, events: OrderEvent[]): Promise<{ rate: number; catchUpMs?: number }> {
  const schema = uniqueSchema();
  const db = await open(mode, schema);
  try {
    if (mode === 'none') {
      for (const [table, trigger] of STAGING_TRIGGERS)
        await db.query(`ALTER TABLE ${table} DISABLE TRIGGER ${trigger}`);
    }
    const rollups = mode === 'staged' ? new ReportingRollups(db, { timeZone: 'Asia/Shanghai' }) : undefined;
    rollups?.start();
    const writer = new EventWriter(db, { maxBatchEvents: 1_000, queueLimit: 1_000_000, concurrency: 2 });
    const started = performance.now();
    const writes: Promise<unknown>[] = [];
    for (let i = 0; i < events.length; i += 1_000) writes.push(writer.write(events.slice(i, i + 1_000)));
    await Promise.all(writes);
    const acknowledged = performance.now();
    await writer.close();
    const rate = events.length / ((acknowledged - started) / 1000);
    if (!rollups) return { rate };
    await rollups.stop();
    await drainReportingRollups(db);
    const catchUpMs = performance.now() - acknowledged;
    // a figure only counts if the background really did the rollups' work
    const { rows } = await db.query<{ n: number }>(
      'SELECT coalesce(sum(orders), 0)::int AS n FROM order_status_day_total_rollup',
    );
    const expected = events.filter((e) => e.type === 'order.status').length;
    if (rows[0]?.n !== expected)
      throw new Error(`rollups hold ${rows[0]?.n} order events, expected ${expected}`);
    return { rate, catchUpMs };
  } finally {
    await db.query(`DROP SCHEMA ${schema} CASCADE`);
    await db.close();
  }
}

const events = stream();
for (const round of [1, 2]) {
  const none = await run('none', events);
  const inCommit = await run('in-commit', events);
  const staged = await run('staged', events);
  const share = (rate: number) => `${((rate / none.rate) * 100).toFixed(0)} %`;
  console.log(
    `round ${round}: ${events.length} events; no reporting triggers ${none.rate.toFixed(0)} ev/s; ` +
      `rollups in the commit (0050–0054) ${inCommit.rate.toFixed(0)} ev/s (${share(inCommit.rate)}); ` +
      `staged + background apply (0055) ${staged.rate.toFixed(0)} ev/s (${share(staged.rate)}), ` +
      `all applied ${staged.catchUpMs!.toFixed(0)} ms after the last ack`,
  );
}
