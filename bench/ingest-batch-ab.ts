// The group commit's SQL against a variant of it, with the least noise this machine allows: two
// schemas built by the collector's migrations, B then changed (an earlier migration's ingest_batch,
// or any SQL), and the same fresh batches handed to each in turn inside one DO block on one
// backend, A and B alternating and swapping places every round. Wall time inside the backend (no
// client round trips) and WAL per event, per way.
//   npx tsx bench/ingest-batch-ab.ts
// BENCH_B_FUNCTION=<migration file>: B's ingest_batch as that migration defined it.
// BENCH_B_SQL=<statements>: run in B's schema (e.g. a table setting to weigh).
// Neither: A against an identical B, which shows the noise and the bias of the set-up.
// BENCH_TRAFFIC=together|spread (an order's four statuses in one call, or one status of BENCH_BATCH
// orders per call, the next status in the way's next call), BENCH_BATCH (500), BENCH_ROUNDS (40),
// BENCH_DATABASE_URL.
import { ORDER_STATUSES } from '../collector/src/domain/events.ts';
import { createFunctionFromMigration } from './function-from-migration.ts';
import { openGroupCommitSchema } from './group-commit-schema.ts';

const url = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const spread = process.env.BENCH_TRAFFIC === 'spread';
const size = Number(process.env.BENCH_BATCH ?? 500);
const rounds = Number(process.env.BENCH_ROUNDS ?? 40);
const bFunction = process.env.BENCH_B_FUNCTION;
const bSql = process.env.BENCH_B_SQL;

const A = await openGroupCommitSchema(url);
const B = await openGroupCommitSchema(url);
try {
  if (bFunction)
    await createFunctionFromMigration(
      B.client,
      bFunction,
      'ingest_batch',
      'batch jsonb, received_at timestamptz, statuses text[], order_hashes jsonb',
      'ingest_batch',
    );
  if (bSql) await B.client.query(bSql);
  const statuses = `ARRAY[${ORDER_STATUSES.map((s) => `'${s}'`).join(',')}]`;
  // k counts calls per way: together, call k holds orders k*size/4 … of four statuses each; spread,
  // it holds the (k mod 4)th status of `size` orders that change every four calls.
  const order = spread ? `'o'||((k/4)*${size}+g)` : `'o'||((k*${size}+g)/4)`;
  const status = spread
    ? `(ARRAY['created','paid','picking','packed'])[k%4+1]`
    : `(ARRAY['created','paid','picking','packed'])[g%4+1]`;
  let report = '';
  A.client.on('notice', (n) => {
    report = n.message ?? '';
  });
  const started = Date.now();
  await A.client.query(`
    DO $$
    DECLARE t0 timestamptz; l0 pg_lsn; batch jsonb; secs float8[] := '{0,0}'; wal numeric[] := '{0,0}';
    BEGIN
      FOR k IN 0..${rounds - 1} LOOP
        SELECT jsonb_agg(jsonb_build_object('source', 'pos', 'id', 'e'||(k*${size}+g), 'type', 'order.status',
                 'occurredAt', ${started}::float8 + k*1000 + g, 'orderId', ${order},
                 'storeId', 'S'||(g%327), 'status', ${status}, 'amountFen', 1000 + g)
                 ORDER BY 'e'||(k*${size}+g))
          INTO batch FROM generate_series(1, ${size}) g;
        FOR turn IN 0..1 LOOP
          t0 := clock_timestamp();
          l0 := pg_current_wal_insert_lsn();
          IF (turn + k) % 2 = 0 THEN
            PERFORM count(*) FROM ${A.schema}.ingest_batch(batch, now(), ${statuses}, '{}');
          ELSE
            PERFORM count(*) FROM ${B.schema}.ingest_batch(batch, now(), ${statuses}, '{}');
          END IF;
          secs[(turn + k) % 2 + 1] := secs[(turn + k) % 2 + 1] + extract(epoch FROM clock_timestamp() - t0);
          wal[(turn + k) % 2 + 1] := wal[(turn + k) % 2 + 1] + (pg_current_wal_insert_lsn() - l0);
        END LOOP;
      END LOOP;
      RAISE NOTICE '%', round((secs[1] * 1e6 / ${rounds * size})::numeric, 2) || ' ' || round(wal[1] / ${rounds * size})
        || ' ' || round((secs[2] * 1e6 / ${rounds * size})::numeric, 2) || ' ' || round(wal[2] / ${rounds * size});
    END $$`);
  const [aUs, aWal, bUs, bWal] = report.split(' ');
  console.log(
    `ingest_batch, ${spread ? 'spread' : 'together'} traffic, ${rounds} × ${size} events per way; B: ${bFunction ?? bSql ?? 'identical (A/A)'}`,
  );
  console.log('| way | µs an event (inside the backend) | WAL an event |\n|---|---|---|');
  console.log(`| A (as migrated) | ${aUs} | ${aWal} B |`);
  console.log(`| B | ${bUs} | ${bWal} B |`);
} finally {
  await A.close();
  await B.close();
}
