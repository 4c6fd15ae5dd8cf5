// Measures every dashboard SQL query over 30 days × 327 stores of rollup data on real PostgreSQL.
//   npx tsx collector/test/deploy/measure/dashboard-queries.ts [postgres://postgres@127.0.0.1:5432/op_sre]
// Rollups are filled directly (as if 30 days of traffic had been ingested), plus 300k open
// waybills; each query runs with its dashboard's default time range, 30 times after a warm-up.
import { openDatabase } from '../../../src/store/open-database.ts';
import { uniqueSchema } from '../../support/test-database.ts';
import { dashboards, renderSql, selectedValues, type Target } from '../grafana-files.ts';

const url = process.argv[2] ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/op_sre';
const schema = uniqueSchema();
const db = await openDatabase({ databaseUrl: url, schema });
const STORES = 327;
const DAYS = 30;

try {
  const fill = performance.now();
  await db.query(`SET search_path TO ${schema}`);
  const statuses = `ARRAY['created','paid','picking','packed','shipped','delivered','cancelled','refunded','closed']`;
  await db.query(`INSERT INTO order_status_day_rollup
    SELECT d::date, d::timestamp AT TIME ZONE 'Asia/Shanghai', 'store-' || s, st, 50 + (s % 40), 100000
    FROM generate_series(current_date - ${DAYS}, current_date, interval '1 day') d,
         generate_series(1, ${STORES}) s, unnest(${statuses}) st`);
  await db.query(`INSERT INTO order_status_day_total_rollup
    SELECT day, day_start, status, sum(orders), sum(amount_fen) FROM order_status_day_rollup GROUP BY 1, 2, 3`);
  await db.query(`INSERT INTO order_status_minute_rollup
    SELECT m, st, 40, 80000
    FROM generate_series(date_trunc('minute', now()) - interval '${DAYS} days', now(), interval '1 minute') m,
         unnest(${statuses}) st`);
  for (const table of ['callback_minute_rollup', 'callback_hour_rollup']) {
    const step = table.startsWith('callback_minute') ? 'minute' : 'hour';
    await db.query(`INSERT INTO ${table}
      SELECT t, p, 'success', 30, 300000
      FROM generate_series(date_trunc('${step}', now()) - interval '${DAYS} days', now(), interval '1 ${step}') t,
           unnest(ARRAY['wechatpay','alipay','other']) p`);
  }
  await db.query(`INSERT INTO store_mismatch_day_rollup
    SELECT d::date, d::timestamp AT TIME ZONE 'Asia/Shanghai', 'store-' || s, 2000, 1990, s % 7, s % 5
    FROM generate_series(current_date - ${DAYS}, current_date, interval '1 day') d, generate_series(1, ${STORES}) s`);
  await db.query(`INSERT INTO shipments (carrier, tracking_no, order_id, store_id, state, last_update_at)
    SELECT (ARRAY['sf','zto','yto','sto','yunda','ems','jd','best','deppon','jt'])[1 + i % 10], 'w' || i, 'o' || i,
           'store-' || (i % ${STORES}), 'in_transit', now() - (i % 200) * interval '1 hour'
    FROM generate_series(1, 300000) i`);
  await db.query('ANALYZE');
  console.log(`filled in ${((performance.now() - fill) / 1000).toFixed(1)} s`);

  const ranges: Record<string, number> = { 'now-1h': 1, 'now-24h': 24, 'now-7d': 168, 'now-30d': 720 };
  const stores = Array.from({ length: STORES }, (_, i) => `store-${i + 1}`);
  const all: number[] = [];
  for (const [mode, store] of [
    ['all', "'__all'"],
    ['10 stores', selectedValues(stores.slice(0, 10))],
  ] as const) {
    for (const { file, dashboard } of dashboards()) {
      if (mode !== 'all' && !dashboard.templating?.list.length) continue;
      const hours = ranges[(dashboard as unknown as { time: { from: string } }).time.from] ?? 24;
      const range = { from: new Date(Date.now() - hours * 3_600_000), to: new Date() };
      for (const panel of dashboard.panels) {
        for (const target of (panel.targets ?? []) as Target[]) {
          if (!target.rawSql) continue;
          const sql = renderSql(target.rawSql, range, { store }, schema);
          await db.query(sql);
          const times: number[] = [];
          let rows = 0;
          for (let i = 0; i < 30; i += 1) {
            const t = performance.now();
            rows = (await db.query(sql)).rows.length;
            times.push(performance.now() - t);
          }
          times.sort((a, b) => a - b);
          all.push(...times);
          const p = (q: number) =>
            times[Math.min(times.length - 1, Math.floor(q * times.length))]!.toFixed(1);
          console.log(
            `${mode.padEnd(9)} ${file.padEnd(26)} ${panel.title.padEnd(44)} rows ${String(rows).padStart(5)}  p50 ${p(0.5)} ms  p95 ${p(0.95)} ms`,
          );
        }
      }
    }
  }
  all.sort((a, b) => a - b);
  console.log(
    `all panels: p95 ${all[Math.floor(0.95 * all.length)]!.toFixed(1)} ms, max ${all.at(-1)!.toFixed(1)} ms`,
  );
} finally {
  await db.query(`DROP SCHEMA ${schema} CASCADE`);
  await db.close();
}
