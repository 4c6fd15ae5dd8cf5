// PostgreSQL CPU per event of one group commit: the current ingest_batch against the former
// migration 0067's version of the function (read from git history) (its fold took each field with an ordered aggregate), in one schema, interleaved
// rounds of sequential 50-event calls, read from the backend's /proc CPU time (steadier than wall
// time on a shared machine). PostgreSQL must run on this machine.
//   npx tsx bench/ingest-batch-cpu.ts      (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test)
import { ORDER_STATUSES } from '../collector/src/domain/events.ts';
import { partitionHashesOf } from '../collector/src/store/event-batch.ts';
import { formerMigration } from './former-migrations.ts';
import { byKey, openGroupCommitSchema, statusEvent } from './group-commit-schema.ts';

const url = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);
const CALLS = Number(process.env.BENCH_CALLS ?? 400);
const BATCH = 50;

const { client, run, backendCpuMs, close } = await openGroupCommitSchema(url);
try {
  const sql = formerMigration('0067_ingest_batch');
  await client.query(
    sql
      .slice(sql.indexOf('CREATE FUNCTION'))
      .replace('CREATE FUNCTION ingest_batch(', 'CREATE FUNCTION ingest_batch_0067(')
      .replaceAll('ingest_batch.received_at', 'ingest_batch_0067.received_at'),
  );

  // Live traffic as in ingest-vs-copy: four status events per order, 327 stores. The current function
  // is called as the collector calls it (with the orders' partition hashes); 0067's took three arguments.
  const started = Date.now();
  let n = 0;
  const batch = () => byKey(Array.from({ length: BATCH }, () => statusEvent(run, n++, started)));
  const call = (fn: string) => () => {
    const events = batch();
    const values: unknown[] = [JSON.stringify(events), new Date().toISOString(), [...ORDER_STATUSES]];
    if (fn === 'ingest_batch') values.push(partitionHashesOf(events));
    const args = values
      .map((_, i) => `$${i + 1}::${['jsonb', 'timestamptz', 'text[]', 'jsonb'][i]}`)
      .join(', ');
    return client.query({ name: fn, text: `SELECT source, id FROM ${fn}(${args})`, values });
  };

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
  await close();
}
