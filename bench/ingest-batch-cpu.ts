// PostgreSQL CPU per event of one group commit: the current ingest_batch against the former
// migration 0067's version of the function (read from git history) (its fold took each field with an ordered aggregate), in one schema, interleaved
// rounds of sequential 50-event calls, read from the backend's /proc CPU time (steadier than wall
// time on a shared machine). PostgreSQL must run on this machine.
//   npx tsx bench/ingest-batch-cpu.ts      (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test)
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { ORDER_STATUSES, type OrderEvent } from '../collector/src/domain/events.ts';
import { eventKey } from '../collector/src/store/event-batch.ts';
import { openDatabase } from '../collector/src/store/open-database.ts';
import { formerMigration } from './former-migrations.ts';
import { processCpuMs } from './process-cpu.ts';

const url = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);
const CALLS = Number(process.env.BENCH_CALLS ?? 400);
const BATCH = 50;
const run = randomBytes(3).toString('hex');
const schema = `bench_${run}`;

const store = await openDatabase({ databaseUrl: url, schema, poolSize: 1 });
await store.close();
const client = new pg.Client({ connectionString: url, options: `-c search_path=${schema}` });
await client.connect();
try {
  const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  const backendCpuMs = () => processCpuMs(rows[0]!.pid) ?? Number.NaN;
  const sql = formerMigration('0067_ingest_batch');
  await client.query(
    sql
      .slice(sql.indexOf('CREATE FUNCTION'))
      .replace('CREATE FUNCTION ingest_batch(', 'CREATE FUNCTION ingest_batch_0067(')
      .replaceAll('ingest_batch.received_at', 'ingest_batch_0067.received_at'),
  );

  // Live traffic as in ingest-vs-copy: four status events per order, 327 stores.
  const started = Date.now();
  let n = 0;
  const batch = () =>
    Array.from({ length: BATCH }, (): OrderEvent => {
      const k = n++;
      return {
        source: 'pos',
        id: `b${run}-${k}`,
        type: 'order.status',
        occurredAt: started + (k % 4) * 1_000,
        orderId: `o${run}-${k >> 2}`,
        storeId: `S${String(k % 327).padStart(3, '0')}`,
        status: ORDER_STATUSES[k % 4]!,
        amountFen: 1000 + (k % 5000),
      };
    }).sort((a, b) => (eventKey(a) < eventKey(b) ? -1 : 1));
  const call = (fn: string) => () =>
    client.query({
      name: fn,
      text: `SELECT source, id FROM ${fn}($1::jsonb, $2::timestamptz, $3::text[])`,
      values: [JSON.stringify(batch()), new Date().toISOString(), [...ORDER_STATUSES]],
    });

  const perEvent: Record<string, number[]> = { ingest_batch_0067: [], ingest_batch: [] };
  for (let round = 0; round < ROUNDS; round++) {
    for (const fn of Object.keys(perEvent)) {
      const once = call(fn);
      for (let i = 0; i < 40; i++) await once();
      const before = backendCpuMs();
      for (let i = 0; i < CALLS; i++) await once();
      perEvent[fn]!.push(((backendCpuMs() - before) * 1000) / (CALLS * BATCH));
      // what the calls staged is applied between rounds, not inside them
      await client.query('SELECT apply_reporting_rollups(1000000)');
    }
  }
  console.log(
    `\ningest_batch, PostgreSQL backend CPU per event (${ROUNDS} rounds × ${CALLS} calls of ${BATCH})`,
  );
  for (const [fn, values] of Object.entries(perEvent)) {
    const label = fn === 'ingest_batch' ? 'current ingest_batch' : "0067's ingest_batch (baseline)";
    console.log(`| ${label} | ${values.map((v) => `${v.toFixed(1)} µs`).join(' / ')} |`);
  }
} finally {
  await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await client.end();
}
