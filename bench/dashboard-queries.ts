// Dashboard and Grafana queries over a chain's history on real PostgreSQL: p50/p99 per query, next
// to the same question answered by scanning the raw tables in the same run.
//   npx tsx bench/dashboard-queries.ts [postgres://postgres@127.0.0.1:5432/postgres] [--days 30]
//     [--stores 327] [--orders 400] [--reps 20] [--raw-reps 5] [--raw-budget 20] [--slow-ms 500]
//     [--rollups rebuild|staged] [--keep]
// Creates a fresh database on that server (dropped at the end unless --keep), runs the product's
// migrations, generates the history server-side (bench/dashboard-data.ts: staging triggers and
// apply_reporting_rollups produce the rollups), then times every query of bench/dashboard-query-set.ts.
// A product query whose p99 exceeds --slow-ms gets its EXPLAIN ANALYZE printed.
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import pg from 'pg';
import type { Queryable } from '../collector/src/store/database.ts';
import { openDatabase } from '../collector/src/store/open-database.ts';
import { generateChainHistory } from './dashboard-data.ts';
import { type DashboardQuery, dashboardQueries } from './dashboard-query-set.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    days: { type: 'string', default: '30' },
    stores: { type: 'string', default: '327' },
    orders: { type: 'string', default: '400' },
    reps: { type: 'string', default: '20' },
    'raw-reps': { type: 'string', default: '5' },
    'raw-budget': { type: 'string', default: '20' },
    'slow-ms': { type: 'string', default: '500' },
    seed: { type: 'string', default: '1' },
    rollups: { type: 'string', default: 'rebuild' },
    keep: { type: 'boolean', default: false },
  },
});
const serverUrl =
  positionals[0] ?? process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const DAYS = Number(values.days);
const STORES = Number(values.stores);
const REPS = Number(values.reps);
const RAW_REPS = Number(values['raw-reps']);
const RAW_BUDGET_MS = Number(values['raw-budget']) * 1000;
const SLOW_MS = Number(values['slow-ms']);
const TIME_ZONE = 'Asia/Shanghai';
const SCHEMA = 'orderpulse';

const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
const seconds = (since: number) => ((performance.now() - since) / 1000).toFixed(1);
const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;

interface Timing {
  p50: number;
  p99: number;
  runs: number;
  rows: number;
}

/** One warm-up run, then `reps` timed runs (or fewer once `budgetMs` is spent; at least one). */
async function time(
  run: () => Promise<number>,
  reps: number,
  budgetMs = Number.POSITIVE_INFINITY,
  warmUp = true,
): Promise<Timing> {
  let rows = warmUp ? await run() : 0;
  const times: number[] = [];
  const started = performance.now();
  while (times.length < reps && (times.length === 0 || performance.now() - started < budgetMs)) {
    const t = performance.now();
    rows = await run();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 0.5), p99: percentile(times, 0.99), runs: times.length, rows };
}

const database = `op_dashbench_${randomBytes(3).toString('hex')}`;
const admin = new pg.Client({ connectionString: serverUrl });
await admin.connect();
await admin.query(`CREATE DATABASE ${database}`);
const dbUrl = new URL(serverUrl);
dbUrl.pathname = `/${database}`;

let db: Awaited<ReturnType<typeof openDatabase>> | undefined;
// Two loaders (the machine has two cores): each inserts half of the stores' rows.
const loaders = [0, 1].map(
  () => new pg.Client({ connectionString: dbUrl.toString(), options: `-c search_path=${SCHEMA}` }),
);
const gen = loaders[0]!;
try {
  process.stdout.write(
    `dashboard queries: ${DAYS} days × ${STORES} stores × ~${values.orders} orders/store/day; ` +
      `database ${database}; ${new Date().toISOString()}; loadavg ${load()}\n`,
  );
  let started = performance.now();
  db = await openDatabase({ databaseUrl: dbUrl.toString(), schema: SCHEMA, poolSize: 2 });
  process.stdout.write(`migrations applied in ${seconds(started)} s\n`);

  for (const c of loaders) await c.connect();
  const now = new Date();
  started = performance.now();
  const counts = await generateChainHistory(
    loaders,
    {
      days: DAYS,
      stores: STORES,
      ordersPerStoreDay: Number(values.orders),
      timeZone: TIME_ZONE,
      now,
      seed: Number(values.seed),
      rollups: values.rollups === 'staged' ? 'staged' : 'rebuild',
    },
    (p) =>
      process.stdout.write(
        `  ${p.day}: ${p.seconds.toFixed(1)} s (${Object.entries(p.steps)
          .map(([k, v]) => `${k} ${v.toFixed(1)}`)
          .join(', ')}), ${(p.events / 1e6).toFixed(2)}M events so far\n`,
      ),
  );
  const generateSeconds = seconds(started);
  started = performance.now();
  // A production database has had autovacuum and autoanalyze pass over it; so does this one.
  await gen.query('VACUUM ANALYZE');
  process.stdout.write(
    `generated ${counts.orders.toLocaleString('en')} orders, ${counts.events.toLocaleString('en')} events, ` +
      `${counts.payments.toLocaleString('en')} payments, ${counts.shipments.toLocaleString('en')} shipments, ` +
      `${counts.reconciliationRows.toLocaleString('en')} reconciliation rows in ${generateSeconds} s ` +
      `(${Object.entries(counts.seconds)
        .map(([k, v]) => `${k} ${v.toFixed(1)} s`)
        .join(', ')}; rollups: ${values.rollups}); VACUUM ANALYZE ${seconds(started)} s\n`,
  );
  const { rows: sizes } = await gen.query<{ name: string; size: string }>(
    `SELECT c.relname AS name, pg_size_pretty(pg_total_relation_size(c.oid)) AS size
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = $1 AND c.relkind = 'r' AND pg_total_relation_size(c.oid) > 1024 * 1024
     ORDER BY pg_total_relation_size(c.oid) DESC`,
    [SCHEMA],
  );
  const { rows: dbSize } = await gen.query<{ size: string }>(
    'SELECT pg_size_pretty(pg_database_size(current_database())) AS size',
  );
  process.stdout.write(
    `database ${dbSize[0]!.size}: ${sizes.map((s) => `${s.name} ${s.size}`).join(', ')}\n`,
  );

  // The rollups must account for every raw row they summarise, or the comparison below is moot.
  const { rows: check } = await gen.query<{ what: string; raw: number; rollup: number }>(
    `SELECT 'order.status events' AS what, (SELECT count(*) FROM events WHERE type = 'order.status') AS raw,
            (SELECT coalesce(sum(orders), 0) FROM order_status_day_rollup) AS rollup
     UNION ALL
     SELECT 'payments', (SELECT count(*) FROM payments), (SELECT coalesce(sum(callbacks), 0) FROM callback_hour_rollup)
     UNION ALL
     SELECT 'open shipments', (SELECT count(*) FROM shipments WHERE shipment_is_open(state)),
            (SELECT coalesce(sum(shipments), 0) FROM open_shipment_rollup)`,
  );
  for (const c of check) {
    if (Number(c.raw) !== Number(c.rollup)) {
      throw new Error(`rollups disagree with the raw tables: ${c.what} ${c.raw} raw, ${c.rollup} in rollups`);
    }
  }
  process.stdout.write(
    `rollups agree with the raw tables (${check.map((c) => `${c.what} ${c.raw}`).join(', ')})\n`,
  );

  const { rows: storeRows } = await gen.query<{ store_id: string }>(
    'SELECT DISTINCT store_id FROM store_daily_mismatch ORDER BY 1',
  );
  const { rows: sample } = await gen.query<{ order_id: string }>(
    'SELECT order_id FROM orders ORDER BY order_id LIMIT 1 OFFSET (SELECT count(*) / 2 FROM orders)',
  );
  const queries = dashboardQueries({
    now,
    timeZone: TIME_ZONE,
    stores: storeRows.map((r) => r.store_id),
    sampleOrderId: sample[0]?.order_id ?? 'none',
  });

  process.stdout.write(
    `\n${queries.length} queries; product: 1 warm-up + ${REPS} runs each; raw baseline: up to ${RAW_REPS} runs ` +
      `(fewer once ${RAW_BUDGET_MS / 1000} s are spent), no warm-up. loadavg ${load()}\n\n`,
  );
  const header = [
    'dashboard / endpoint'.padEnd(30),
    'query'.padEnd(52),
    'range'.padStart(5),
    'p50 ms'.padStart(9),
    'p99 ms'.padStart(9),
    'rows'.padStart(7),
    'raw p50'.padStart(10),
    'raw p99'.padStart(10),
    'n'.padStart(3),
    'raw rows'.padStart(9),
    'speed-up'.padStart(9),
  ].join(' ');
  process.stdout.write(`${header}\n${'-'.repeat(header.length)}\n`);
  const slow: DashboardQuery[] = [];
  const ms = (v: number) => (v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : v.toFixed(0));
  const pool: Queryable = db;
  for (const q of queries) {
    const product = await time(() => q.run(pool), REPS);
    if (product.p99 > SLOW_MS) slow.push(q);
    const cells = [
      q.where.slice(0, 30).padEnd(30),
      q.name.slice(0, 52).padEnd(52),
      q.range.padStart(5),
      ms(product.p50).padStart(9),
      ms(product.p99).padStart(9),
      String(product.rows).padStart(7),
    ];
    if (q.baseline) {
      const { run } = q.baseline;
      const raw = await time(() => run(pool), RAW_REPS, RAW_BUDGET_MS, false);
      cells.push(
        ms(raw.p50).padStart(10),
        ms(raw.p99).padStart(10),
        String(raw.runs).padStart(3),
        `${raw.rows === product.rows ? '' : '≠'}${raw.rows}`.padStart(9),
        `${(raw.p50 / product.p50).toFixed(0)}×`.padStart(9),
      );
    } else {
      cells.push(`— ${q.noBaseline}`);
    }
    process.stdout.write(`${cells.join(' ')}\n`);
  }
  process.stdout.write(
    `\n${new Date().toISOString()}: done. rows: the product query's; raw rows marked ≠ differ from it (the raw side's margins or ` +
      `an order paid outside the range). speed-up: raw p50 / product p50. loadavg ${load()}\n`,
  );
  for (const q of slow) {
    if (!q.sql) {
      process.stdout.write(
        `\nslow (p99 > ${SLOW_MS} ms): ${q.where} ${q.name} ${q.range}: several statements\n`,
      );
      continue;
    }
    const { rows } = await gen.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${q.sql}`);
    process.stdout.write(
      `\nslow (p99 > ${SLOW_MS} ms): ${q.where} ${q.name} ${q.range}\n${rows.map((r) => r['QUERY PLAN']).join('\n')}\n`,
    );
  }
} finally {
  await db?.close();
  for (const c of loaders) await c.end().catch(() => {});
  if (values.keep) {
    process.stdout.write(`kept database ${database} (drop it with: dropdb -h … ${database})\n`);
  } else {
    await admin.query(`DROP DATABASE ${database} WITH (FORCE)`);
  }
  await admin.end();
}
