// What each part of one group commit costs PostgreSQL: ingest_batch as shipped, 0030's version (the
// stored events gathered by jsonb_agg), the same with the partition hashes left to 0021's trigger, with the reporting rollups' staging triggers (on events and
// orders) disabled, and only its first statement
// (the event log: events and their keys, as BENCH_ACK_PATH=log-only in ingest-vs-copy.ts). Two kinds
// of traffic: an order's four statuses in one commit (the ingest benches' traffic), and spread over
// four commits, as live traffic comes (created, then paid minutes later...), where every event after
// the first updates its order's row. Sequential 50-event calls on one connection, the ways interleaved
// and their order turning each round, the backend's CPU read from /proc.
// BENCH_INDEX_COSTS=1: instead, on the spread traffic, the group commit as shipped against the same with
// each secondary index of orders dropped in turn (recreated after its block): what each index costs.
//   npx tsx bench/ingest-batch-parts.ts    (BENCH_DATABASE_URL, BENCH_ROUNDS, BENCH_CALLS, BENCH_INDEX_COSTS)
import { ORDER_STATUSES, type OrderEvent } from '../collector/src/domain/events.ts';
import { partitionHashesOf } from '../collector/src/store/event-batch.ts';
import { createEventLogOnly } from './event-log-only.ts';
import { createFunctionFromMigration } from './function-from-migration.ts';
import { byKey, openGroupCommitSchema, setTriggers, statusEvent } from './group-commit-schema.ts';

const url = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);
// whole groups of 16 calls (800 events), so that a spread block covers whole groups of orders
const CALLS = Math.ceil(Number(process.env.BENCH_CALLS ?? 192) / 16) * 16;
const BATCH = 50;
const REPORTING_TRIGGERS = [
  'events_stage_reporting ON events',
  'orders_stage_reporting_insert ON orders',
  'orders_stage_reporting_update ON orders',
];
type Way = string;
type Traffic = 'together' | 'spread';
const INDEX_COSTS = process.env.BENCH_INDEX_COSTS === '1';

const { client, schema, run, backendCpuMs, close } = await openGroupCommitSchema(url);
try {
  await createEventLogOnly(client, schema, 'ingest_batch_log');
  await createFunctionFromMigration(
    client,
    '0030_partition_hash_from_collector.sql',
    'ingest_batch',
    'batch jsonb, received_at timestamptz, statuses text[], order_hashes jsonb',
    'ingest_batch_0030',
  );
  const { rows: indexes } = await client.query<{ name: string; definition: string }>(
    `SELECT indexname AS name, indexdef AS definition FROM pg_indexes
      WHERE schemaname = $1 AND tablename = 'orders' AND indexname <> 'orders_pkey' ORDER BY 1`,
    [schema],
  );
  const WAYS: Way[] = INDEX_COSTS
    ? ['shipped', ...indexes.map((i) => `without ${i.name}`)]
    : [
        'shipped',
        "0030's (jsonb_agg)",
        'hashes by the trigger (0021)',
        'no reporting triggers',
        'event log only',
      ];
  const dropped = (way: Way) => indexes.find((i) => way === `without ${i.name}`);
  const started = Date.now();
  let n = 0;
  /** Event k of a traffic: `together` puts an order's four statuses in consecutive events (one call),
   * `spread` gives each call one status of 50 orders, the next status four calls later. */
  const event = (traffic: Traffic, k: number): OrderEvent =>
    traffic === 'together'
      ? statusEvent(run, k, started, { prefix: 't' })
      : statusEvent(run, k, started, {
          order: (k % 200) + 200 * Math.floor(k / 800),
          status: Math.floor(k / 200) % 4,
          prefix: 's',
        });
  const once = (way: Way, traffic: Traffic) => {
    const events = byKey(Array.from({ length: BATCH }, () => event(traffic, n++)));
    const received = new Date().toISOString();
    return way === 'event log only'
      ? client.query({
          name: 'log',
          text: 'SELECT source, id FROM ingest_batch_log($1::jsonb, $2::timestamptz, $3::text[], $4::jsonb)',
          values: [JSON.stringify(events), received, [...ORDER_STATUSES], '{}'],
        })
      : client.query({
          name: way === "0030's (jsonb_agg)" ? 'ingest_0030' : 'ingest',
          text: `SELECT source, id FROM ${way === "0030's (jsonb_agg)" ? 'ingest_batch_0030' : 'ingest_batch'}($1::jsonb, $2::timestamptz, $3::text[], $4::jsonb)`,
          values: [
            JSON.stringify(events),
            received,
            [...ORDER_STATUSES],
            way === 'hashes by the trigger (0021)' ? '{}' : partitionHashesOf(events),
          ],
        });
  };

  const perEvent = new Map<string, number[]>();
  for (const traffic of INDEX_COSTS ? (['spread'] as const) : (['together', 'spread'] as const)) {
    for (let round = 0; round < ROUNDS; round++) {
      for (const way of WAYS.map((_, i) => WAYS[(i + round) % WAYS.length]!)) {
        await setTriggers(
          client,
          REPORTING_TRIGGERS,
          way !== 'no reporting triggers' && way !== 'event log only',
        );
        const index = dropped(way);
        if (index) await client.query(`DROP INDEX ${index.name}`);
        for (let i = 0; i < 16; i++) await once(way, traffic);
        const before = backendCpuMs();
        for (let i = 0; i < CALLS; i++) await once(way, traffic);
        const key = `${traffic}: ${way}`;
        perEvent.set(key, [
          ...(perEvent.get(key) ?? []),
          ((backendCpuMs() - before) * 1000) / (CALLS * BATCH),
        ]);
        if (index) await client.query(index.definition);
        await client.query('SELECT apply_reporting_rollups(1000000)');
      }
    }
  }
  await setTriggers(client, REPORTING_TRIGGERS, true);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  console.log(
    `\nPostgreSQL backend CPU per event of one group commit, by part (${ROUNDS} rounds × ${CALLS} calls of ${BATCH}, interleaved)`,
  );
  console.log('| traffic: way | rounds | mean |\n|---|---|---|');
  for (const [key, xs] of perEvent)
    console.log(`| ${key} | ${xs.map((v) => v.toFixed(1)).join(' / ')} µs | ${mean(xs).toFixed(1)} µs |`);
} finally {
  await close();
}
