// GET /v1/reconciliation/stores' own work (the per-store trend totals read, then trendsOfTotals) over
// 7 and 30 days of a 327-store chain, reading the per-store-day rollup with its numbers made at write
// time (migrations 0028, 0029) against the rollup's first reading in a schema migrated to 0028 only
// (one JSON document, dates as strings, every device day unnested) and against the former query that
// summed reconciliation_results on each call; alternated call by call in this process, after checking
// all three give the same answer. Then the write side: what the rollup's triggers add to a provider's
// day of bill results imported again (the bill import's delete and insert, 981 rows) and to a new day
// of both providers (1,962 rows), in the schema at 0029 and in the one at 0028, against the same
// writes in a schema whose triggers are disabled, alternated. Between the two, the rollup's reads
// alone, as the endpoint now runs them.
// reconciliation_results are made in SQL at the scale: 30 days × 327 stores × 3 tills (POS1..3)
// × 2 providers (58,860 rows), ~400 payments per store and day, a few without an order.
//   npx tsx bench/store-trends.ts      (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test;
//                                       BENCH_REPS reads per case, default 200; BENCH_WRITES, default 30)
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import pg from 'pg';
import type { ReconciliationTally } from '../collector/src/domain/reconciliation/match-bill.ts';
import { trendsOfTotals } from '../collector/src/domain/reconciliation/store-trends.ts';
import { DEFAULT_RULE_PARAMS } from '../collector/src/domain/rules/params.ts';
import { replaceResults } from '../collector/src/reconciliation/bill-import-queries.ts';
import { storeTotalsInRange } from '../collector/src/reconciliation/store-trend-queries.ts';
import type { Database } from '../collector/src/store/database.ts';
import { applyMigrations, readMigrations } from '../collector/src/store/migrate.ts';
import { openDatabase } from '../collector/src/store/open-database.ts';
import { PoolDatabase } from '../collector/src/store/pool-database.ts';
import {
  sortedTotals,
  storeTotalsAsIn0028,
  storeTotalsFromResults,
} from '../collector/test/support/store-trend-reference.ts';
import { GENERATE_RESULTS } from './reconciliation-results-data.ts';

const url = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REPS = Number(process.env.BENCH_REPS ?? 200);
const WRITES = Number(process.env.BENCH_WRITES ?? 30);
const STORES = 327;
const DAYS = 30;
const FIRST_DAY = '2026-11-01';
const LAST_DAY = '2026-11-30';
const run = randomBytes(3).toString('hex');
const schema = `bench_trends_${run}`;
const plain = `bench_trends_${run}_plain`;
const at0028 = `bench_trends_${run}_0028`;
const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

const TRIGGERS = ['insert', 'update', 'delete', 'truncate'].map(
  (e) => `reconciliation_results_store_days_${e}`,
);

const product = await openDatabase({ databaseUrl: url, schema, poolSize: 2 });
const baselineDb = await openDatabase({ databaseUrl: url, schema: plain, poolSize: 2 });
// A schema as migration 0028 left it: its migrations applied from a copy without the later ones.
const before = await fs.mkdtemp(path.join(os.tmpdir(), 'bench-0028-'));
for (const m of await readMigrations()) {
  if (m.version <= 28) await fs.writeFile(path.join(before, `${m.name}.sql`), m.sql);
}
await applyMigrations(product, at0028, before);
const firstDb = new PoolDatabase(
  new pg.Pool({ connectionString: url, max: 2, options: `-c search_path=${at0028}` }),
  'postgres',
);
try {
  for (const trigger of TRIGGERS) {
    await baselineDb.query(`ALTER TABLE reconciliation_results DISABLE TRIGGER ${trigger}`);
  }
  for (const [name, db] of [
    ['rollup kept by triggers', product],
    ['rollup as at 0028', firstDb],
    ['triggers disabled', baselineDb],
  ] as const) {
    const started = performance.now();
    const rowCount = await db.transaction(async (tx) => {
      await tx.query('SELECT setseed(0.28)');
      return (await tx.query(GENERATE_RESULTS, [FIRST_DAY, DAYS, STORES])).rowCount;
    });
    await db.query('ANALYZE reconciliation_results');
    await db.query('ANALYZE reconciliation_store_days');
    console.log(`load (${name}): ${rowCount} rows in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
  const { rows: size } = await product.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM reconciliation_store_days',
  );
  console.log(`rollup: ${size[0]!.n} store days`);

  const options = { threshold: DEFAULT_RULE_PARAMS.reconciliation_mismatch.threshold, minDays: 2 };
  const addDays = (day: string, n: number) =>
    new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
  const cases = [7, 30].map((days) => {
    const from = addDays(LAST_DAY, -(days - 1));
    return {
      name: `store trends ${days}d`,
      from,
      product: async () =>
        trendsOfTotals(await storeTotalsInRange(product, from, LAST_DAY, options.threshold), options),
      first: async () =>
        trendsOfTotals(await storeTotalsAsIn0028(firstDb, from, LAST_DAY, options.threshold), options),
      baseline: async () =>
        trendsOfTotals(await storeTotalsFromResults(product, from, LAST_DAY, options.threshold), options),
    };
  });

  // Same answer first: the totals, and the trends built from them.
  for (const c of cases) {
    const totals = sortedTotals(await storeTotalsInRange(product, c.from, LAST_DAY, options.threshold));
    const former = sortedTotals(await storeTotalsFromResults(product, c.from, LAST_DAY, options.threshold));
    const first = sortedTotals(await storeTotalsAsIn0028(firstDb, c.from, LAST_DAY, options.threshold));
    if (totals.length !== STORES || !isDeepStrictEqual(totals, former)) {
      throw new Error(
        `${c.name}: the rollup's totals differ from the ones summed from reconciliation_results`,
      );
    }
    if (!isDeepStrictEqual(totals, first)) throw new Error(`${c.name}: the 0028 reading differs`);
    const trends = await c.product();
    if (!isDeepStrictEqual(trends, await c.baseline())) throw new Error(`${c.name}: the trends differ`);
    if (!isDeepStrictEqual(trends, await c.first())) throw new Error(`${c.name}: the trends differ`);
    const flagged = trends.stores.filter((s) => s.flagged).length;
    console.log(`${c.name}: same answer (${trends.stores.length} stores, ${flagged} flagged)`);
  }

  const pct = (xs: number[], p: number) => {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
  };
  const ms = (x: number) => `${x.toFixed(1)} ms`;
  const timed = async (fn: () => Promise<unknown>, into: number[]) => {
    const t = performance.now();
    await fn();
    into.push(performance.now() - t);
  };

  console.log(`\nreads: ${REPS} calls each, alternated; load before ${load()}`);
  console.log('| case | rollup p50 / p99 | 0028 reading p50 / p99 | former query p50 / p99 |');
  console.log('|---|---|---|---|');
  for (const c of cases) {
    const runs = [
      { fn: c.product, times: [] as number[] },
      { fn: c.first, times: [] as number[] },
      { fn: c.baseline, times: [] as number[] },
    ];
    for (let i = 0; i < 5; i++) for (const r of runs) await r.fn();
    for (let i = 0; i < REPS; i++) {
      // which one goes first rotates too
      for (let k = 0; k < runs.length; k++) {
        const r = runs[(i + k) % runs.length]!;
        await timed(r.fn, r.times);
      }
    }
    const cell = (xs: number[]) => `${ms(pct(xs, 50))} / ${ms(pct(xs, 99))}`;
    console.log(`| ${c.name} | ${runs.map((r) => cell(r.times)).join(' | ')} |`);
  }
  console.log(`load after reads ${load()}`);

  // The alternation above leaves each call the garbage and cache misses of the former query's run
  // before it; the endpoint does not run that query any more, so its own latency is read alone.
  console.log(`\nthe rollup's reads alone: ${REPS} calls each, read and trends timed apart`);
  console.log('| case | read p50 / p99 | trends p50 / p99 | both p50 / p99 |');
  console.log('|---|---|---|---|');
  for (const c of cases) {
    const read: number[] = [];
    const trends: number[] = [];
    const both: number[] = [];
    for (let i = 0; i < REPS; i++) {
      const t0 = performance.now();
      const totals = await storeTotalsInRange(product, c.from, LAST_DAY, options.threshold);
      const t1 = performance.now();
      trendsOfTotals(totals, options);
      const t2 = performance.now();
      read.push(t1 - t0);
      trends.push(t2 - t1);
      both.push(t2 - t0);
    }
    const cell = (xs: number[]) => `${ms(pct(xs, 50))} / ${ms(pct(xs, 99))}`;
    console.log(`| ${c.name} | ${cell(read)} | ${cell(trends)} | ${cell(both)} |`);
  }
  console.log(`load after ${load()}`);

  // Writes: one provider's day imported again as the bill import writes it (delete, then insert, in
  // one transaction), and a day not there yet, both providers in one statement each.
  let seed = 1;
  const tallies = (day: string): ReconciliationTally[] => {
    const out: ReconciliationTally[] = [];
    for (let s = 1; s <= STORES; s++) {
      for (let v = 1; v <= 3; v++) {
        seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
        const payments = 55 + ((seed >>> 16) % 25);
        const missing = (seed >>> 8) % 4 === 0 ? 1 : 0;
        out.push({
          day,
          storeId: `S${String(s).padStart(3, '0')}`,
          deviceId: `POS${v}`,
          payments,
          orders: payments - missing,
          matched: payments - missing,
          fuzzyMatched: 0,
          unmatchedPayments: missing,
          unmatchedOrders: 0,
          paymentsFen: payments * 3500,
          unmatchedPaymentsFen: missing * 3500,
          refunds: 0,
          refundsFen: 0,
        });
      }
    }
    return out;
  };
  const importId = async (db: Database) =>
    Number((await db.query<{ id: string }>('SELECT min(id) AS id FROM bill_imports')).rows[0]!.id);
  const ids = new Map([
    [product, await importId(product)],
    [firstDb, await importId(firstDb)],
    [baselineDb, await importId(baselineDb)],
  ]);
  const reimport = (db: Database, day: string, rows: ReconciliationTally[]) =>
    db.transaction((tx) => replaceResults(tx, 'wechatpay', ids.get(db)!, [day], rows));
  const newDay = (db: Database, day: string, rows: ReconciliationTally[]) =>
    db.transaction(async (tx) => {
      await replaceResults(tx, 'wechatpay', ids.get(db)!, [day], rows);
      await replaceResults(tx, 'alipay', ids.get(db)!, [day], rows);
    });
  const writeCases = [
    {
      name: "a provider's day imported again (327 stores)",
      write: reimport,
      day: (i: number) => addDays(FIRST_DAY, i % DAYS),
    },
    {
      name: 'a new day, both providers (327 stores)',
      write: newDay,
      day: (i: number) => addDays(LAST_DAY, 1 + i),
    },
  ];
  console.log(`\nwrites: ${WRITES} transactions each, alternated; load before ${load()}`);
  console.log(
    '| write | rollup (0029) p50 / p99 | rollup as at 0028 p50 / p99 | triggers disabled p50 / p99 |',
  );
  console.log('|---|---|---|---|');
  for (const w of writeCases) {
    const runs = [product, firstDb, baselineDb].map((db) => ({ db, times: [] as number[] }));
    for (let i = 0; i < WRITES + 3; i++) {
      const rows = tallies(w.day(i));
      for (let k = 0; k < runs.length; k++) {
        const r = runs[(i + k) % runs.length]!;
        // the first rounds warm up
        await timed(() => w.write(r.db, w.day(i), rows), i < 3 ? [] : r.times);
      }
    }
    const cell = (xs: number[]) => `${ms(pct(xs, 50))} / ${ms(pct(xs, 99))}`;
    console.log(`| ${w.name} | ${runs.map((r) => cell(r.times)).join(' | ')} |`);
  }
  console.log(`load after writes ${load()}`);

  // The writes kept the rollup exact.
  const days = sortedTotals(await storeTotalsInRange(product, FIRST_DAY, '2027-12-31', options.threshold));
  const summed = sortedTotals(
    await storeTotalsFromResults(product, FIRST_DAY, '2027-12-31', options.threshold),
  );
  if (!isDeepStrictEqual(days, summed))
    throw new Error('after the writes the rollup differs from the results');
  console.log('after the writes: rollup still equal to the results summed');
} finally {
  await product.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await product.query(`DROP SCHEMA IF EXISTS ${at0028} CASCADE`);
  await baselineDb.query(`DROP SCHEMA IF EXISTS ${plain} CASCADE`);
  await product.close();
  await firstDb.close();
  await baselineDb.close();
  await fs.rm(before, { recursive: true, force: true });
}
