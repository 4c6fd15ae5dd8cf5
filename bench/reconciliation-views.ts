// The Grafana views of the bill reconciliation over a year of a 327-store chain: the ops wall's
// "today" panel (reconciliation_daily_total for one day) and a store's 30-day share
// (reconciliation_daily), read through the views as they are (the per-store-day rollup, a day's
// filter reaching it: migration 0033) against the same queries over the views as migration 0012
// defined them (every result summed, then filtered), on the same rows, alternated call by call after
// checking both give the same answer.
//   npx tsx bench/reconciliation-views.ts   (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test;
//                                             BENCH_DAYS, default 365; BENCH_REPS, default 100)
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { isDeepStrictEqual } from 'node:util';
import { openDatabase } from '../collector/src/store/open-database.ts';
import { FIRST_DAILY, FIRST_TOTAL } from '../collector/test/support/reconciliation-views-0012.ts';
import { dropSchema } from '../collector/test/support/test-database.ts';
import { GENERATE_RESULTS } from './reconciliation-results-data.ts';

const url = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const DAYS = Number(process.env.BENCH_DAYS ?? 365);
const REPS = Number(process.env.BENCH_REPS ?? 100);
const STORES = 327;
const FIRST_DAY = '2025-12-01';
const schema = `bench_views_${randomBytes(3).toString('hex')}`;
const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

const db = await openDatabase({ databaseUrl: url, schema, poolSize: 1 });
try {
  let started = performance.now();
  const rows = await db.transaction(async (tx) => {
    await tx.query('SELECT setseed(0.33)');
    return (await tx.query(GENERATE_RESULTS, [FIRST_DAY, DAYS, STORES])).rowCount;
  });
  // the pool: a few items waiting per day, more on the last days (not yet worked through)
  await db.query(
    `INSERT INTO reconciliation_pending (item_key, kind, provider, day, store_id, device_id, reason, import_id,
       created_at, status)
     SELECT 'k' || d || '-' || i, 'unmatched_payment', 'wechatpay', $1::date + d,
            'S' || lpad((1 + (d * 37 + i * 11) % $3)::text, 3, '0'), 'POS1', 'no order',
            (SELECT min(id) FROM bill_imports), now(),
            CASE WHEN d < $2 - 7 AND i > 2 THEN 'resolved' ELSE 'open' END
     FROM generate_series(0, $2 - 1) d, generate_series(1, 20) i`,
    [FIRST_DAY, DAYS, STORES],
  );
  await db.query('ANALYZE');
  console.log(
    `${rows} reconciliation results (${DAYS} days × ${STORES} stores × 3 tills × 2 providers) in ${((performance.now() - started) / 1000).toFixed(1)} s; load ${load()}`,
  );
  const { rows: last } = await db.query<{ day: string }>(
    `SELECT to_char(max(day), 'YYYY-MM-DD') AS day FROM reconciliation_results`,
  );
  const today = last[0]!.day;
  const cases = [
    {
      name: "wall: today's share and pool, all stores (reconciliation_daily_total, one day)",
      now: `SELECT max(mismatch_rate) AS rate, coalesce(max(pending), 0) AS pending FROM reconciliation_daily_total WHERE day = $1`,
      first: `SELECT max(mismatch_rate) AS rate, coalesce(max(pending), 0) AS pending FROM (${FIRST_TOTAL}) t WHERE day = $1`,
      params: [today],
    },
    {
      name: 'one store, 30 days (reconciliation_daily)',
      now: `SELECT day, mismatch_rate, pending FROM reconciliation_daily WHERE store_id = 'S007' AND day > $1::date - 30 ORDER BY day`,
      first: `SELECT day, mismatch_rate, pending FROM (${FIRST_DAILY}) d WHERE store_id = 'S007' AND day > $1::date - 30 ORDER BY day`,
      params: [today],
    },
    {
      name: 'every store, 30 days (reconciliation_daily)',
      now: `SELECT day, store_id, mismatch_rate, pending FROM reconciliation_daily WHERE day > $1::date - 30 ORDER BY day, store_id`,
      first: `SELECT day, store_id, mismatch_rate, pending FROM (${FIRST_DAILY}) d WHERE day > $1::date - 30 ORDER BY day, store_id`,
      params: [today],
    },
  ];
  const pct = (xs: number[], p: number) =>
    xs.sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;
  console.log(`| query | rows | views now p50 / p99 | views as in 0012 p50 / p99 | load |`);
  console.log('|---|---|---|---|---|');
  for (const c of cases) {
    const a = await db.query(c.now, c.params);
    const b = await db.query(c.first, c.params);
    if (!isDeepStrictEqual(a.rows, b.rows)) throw new Error(`${c.name}: the two definitions disagree`);
    const times = { now: [] as number[], first: [] as number[] };
    for (let r = 0; r < REPS; r++) {
      for (const side of r % 2 ? (['first', 'now'] as const) : (['now', 'first'] as const)) {
        started = performance.now();
        await db.query(c[side], c.params);
        times[side].push(performance.now() - started);
      }
    }
    const f = (xs: number[]) => `${pct(xs, 0.5).toFixed(2)} / ${pct(xs, 0.99).toFixed(2)} ms`;
    console.log(`| ${c.name} | ${a.rows.length} | ${f(times.now)} | ${f(times.first)} | ${load()} |`);
  }
} finally {
  await db.close();
  await dropSchema(url, schema);
}
