// PostgreSQL CPU per event of one group commit, three ways in one schema, interleaved rounds of
// sequential 50-event calls, read from the backend's /proc CPU time: each order's partition hash
// passed by the collector (migration 0030, what ingestBatch does); computed by the trigger for every
// orders and shipments row the call upserts (0021's way: no hashes passed); and no hash at all, the
// triggers disabled (the group commit before 0021). Also the collector's own time to compute the
// hashes it passes. PostgreSQL must run on this machine.
//   npx tsx bench/partition-hash-cost.ts      (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test)
import { ORDER_STATUSES, type OrderEvent } from '../collector/src/domain/events.ts';
import { partitionHashesOf } from '../collector/src/store/event-batch.ts';
import { byKey, openGroupCommitSchema, setTriggers, statusEvent } from './group-commit-schema.ts';

const url = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);
const CALLS = Number(process.env.BENCH_CALLS ?? 400);
const BATCH = 50;
const TRIGGERS = ['orders_partition_hash ON orders', 'shipments_partition_hash ON shipments'];

const { client, schema, run, backendCpuMs, close } = await openGroupCommitSchema(url);
try {
  // Without the triggers the rows come without a hash: the baseline is the group commit as it was.
  for (const table of ['orders', 'shipments']) {
    await client.query(`ALTER TABLE ${table} ALTER COLUMN partition_hash DROP NOT NULL`);
  }
  // Live traffic as in ingest-batch-cpu: four status events per order, 327 stores, every order new
  // in its first batch and upserted again by the next ones.
  const started = Date.now();
  let n = 0;
  const batch = () => byKey(Array.from({ length: BATCH }, () => statusEvent(run, n++, started)));
  type Way = 'collector' | 'trigger' | 'none';
  let hashingMs = 0;
  let hashedEvents = 0;
  const hashesOf = (events: OrderEvent[]) => {
    const started = performance.now();
    const json = partitionHashesOf(events);
    hashingMs += performance.now() - started;
    hashedEvents += events.length;
    return json;
  };
  const once = (way: Way) => {
    const events = batch();
    return client.query({
      name: 'ingest',
      text: 'SELECT source, id FROM ingest_batch($1::jsonb, $2::timestamptz, $3::text[], $4::jsonb)',
      values: [
        JSON.stringify(events),
        new Date().toISOString(),
        [...ORDER_STATUSES],
        way === 'collector' ? hashesOf(events) : '{}',
      ],
    });
  };

  const WAYS: Way[] = ['collector', 'trigger', 'none'];
  const perEvent: Record<Way, number[]> = { collector: [], trigger: [], none: [] };
  for (let round = 0; round < ROUNDS; round++) {
    // The tables grow through the run and each call costs a little more: the order of the three
    // ways turns with the round, so none is always measured on the largest tables.
    for (const way of WAYS.map((_, i) => WAYS[(i + round) % WAYS.length]!)) {
      await setTriggers(client, TRIGGERS, way !== 'none');
      for (let i = 0; i < 40; i++) await once(way);
      const before = backendCpuMs();
      for (let i = 0; i < CALLS; i++) await once(way);
      perEvent[way].push(((backendCpuMs() - before) * 1000) / (CALLS * BATCH));
      await client.query('SELECT apply_reporting_rollups(1000000)');
    }
  }
  await setTriggers(client, TRIGGERS, true);
  // What the trigger's way spends in the hash itself, timed by PostgreSQL per function call
  // (track_functions; its own overhead is why this pass is apart from the CPU rounds above).
  await client.query(`SET track_functions = 'pl'`);
  const functionMs = async () => {
    await client.query('SELECT pg_stat_force_next_flush()');
    const { rows } = await client.query<{ ms: number; calls: string }>(
      `SELECT coalesce(sum(total_time), 0)::float8 AS ms, coalesce(sum(calls), 0)::text AS calls
         FROM pg_stat_user_functions WHERE schemaname = $1 AND funcname = 'set_partition_hash'`,
      [schema],
    );
    return { ms: rows[0]!.ms, calls: Number(rows[0]!.calls) };
  };
  const fnBefore = await functionMs();
  for (let i = 0; i < CALLS; i++) await once('trigger');
  const fnAfter = await functionMs();
  await client.query('RESET track_functions');
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const row = (what: string, xs: number[]) =>
    console.log(
      `| ${what} | ${xs.map((v) => `${v.toFixed(1)} µs`).join(' / ')} | mean ${mean(xs).toFixed(1)} µs |`,
    );
  console.log(
    `\ningest_batch, PostgreSQL backend CPU per event (${ROUNDS} rounds × ${CALLS} calls of ${BATCH}, interleaved)`,
  );
  row('hashes passed by the collector (0030)', perEvent.collector);
  row('hashes computed by the trigger per row (0021)', perEvent.trigger);
  row('no hash, triggers off (before 0021; baseline)', perEvent.none);
  console.log(
    `| time in the trigger's hash (0021's way), PostgreSQL's own timing | ${(((fnAfter.ms - fnBefore.ms) * 1000) / (CALLS * BATCH)).toFixed(2)} µs per event (${(((fnAfter.ms - fnBefore.ms) * 1000) / Math.max(1, fnAfter.calls - fnBefore.calls)).toFixed(2)} µs a row, ${((fnAfter.calls - fnBefore.calls) / (CALLS * BATCH)).toFixed(2)} rows an event) | |`,
  );
  console.log(
    `| the collector computing the hashes it passes | ${((hashingMs * 1000) / hashedEvents).toFixed(2)} µs per event | |`,
  );
} finally {
  await close();
}
