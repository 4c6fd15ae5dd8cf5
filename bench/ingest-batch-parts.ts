// What each part of one group commit costs PostgreSQL: ingest_batch as shipped, the same with the
// reporting rollups' staging triggers (on events and orders) disabled, and only its first statement
// (the event log: events and their keys, as BENCH_ACK_PATH=log-only in ingest-vs-copy.ts). Two kinds
// of traffic: an order's four statuses in one commit (the ingest benches' traffic), and spread over
// four commits, as live traffic comes (created, then paid minutes later...), where every event after
// the first updates its order's row. Sequential 50-event calls on one connection, the ways interleaved
// and their order turning each round, the backend's CPU read from /proc.
//   npx tsx bench/ingest-batch-parts.ts    (BENCH_DATABASE_URL, BENCH_ROUNDS, BENCH_CALLS)
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { ORDER_STATUSES, type OrderEvent } from '../collector/src/domain/events.ts';
import { eventKey } from '../collector/src/store/event-batch.ts';
import { openDatabase } from '../collector/src/store/open-database.ts';
import { createEventLogOnly } from './event-log-only.ts';
import { processCpuMs } from './process-cpu.ts';

const url = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);
// whole groups of 16 calls (800 events), so that a spread block covers whole groups of orders
const CALLS = Math.ceil(Number(process.env.BENCH_CALLS ?? 192) / 16) * 16;
const BATCH = 50;
const run = randomBytes(3).toString('hex');
const schema = `bench_${run}`;
const REPORTING_TRIGGERS = [
  'events_stage_reporting ON events',
  'orders_stage_reporting_insert ON orders',
  'orders_stage_reporting_update ON orders',
];
type Way = 'shipped' | 'no reporting triggers' | 'event log only';
type Traffic = 'together' | 'spread';
const WAYS: Way[] = ['shipped', 'no reporting triggers', 'event log only'];

const store = await openDatabase({ databaseUrl: url, schema, poolSize: 1 });
await store.close();
const client = new pg.Client({ connectionString: url, options: `-c search_path=${schema}` });
await client.connect();
try {
  const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  const backendCpuMs = () => processCpuMs(rows[0]!.pid) ?? Number.NaN;
  await createEventLogOnly(client, schema, 'ingest_batch_log');
  const setReportingTriggers = async (on: boolean) => {
    for (const trigger of REPORTING_TRIGGERS) {
      const [name, table] = trigger.split(' ON ');
      await client.query(`ALTER TABLE ${table} ${on ? 'ENABLE' : 'DISABLE'} TRIGGER ${name}`);
    }
  };

  const started = Date.now();
  let n = 0;
  /** Event k of a traffic: `together` puts an order's four statuses in consecutive events (one call),
   * `spread` gives each call one status of 50 orders, the next status four calls later. */
  const event = (traffic: Traffic, k: number): OrderEvent => {
    const order = traffic === 'together' ? k >> 2 : (k % 200) + 200 * Math.floor(k / 800);
    const status = traffic === 'together' ? k % 4 : Math.floor(k / 200) % 4;
    return {
      source: 'pos',
      id: `b${run}-${k}`,
      type: 'order.status',
      occurredAt: started + status * 1_000,
      orderId: `o${run}-${traffic[0]}${order}`,
      storeId: `S${String(order % 327).padStart(3, '0')}`,
      status: ORDER_STATUSES[status]!,
      amountFen: 1000 + (order % 5000),
    };
  };
  const once = (way: Way, traffic: Traffic) => {
    const events = Array.from({ length: BATCH }, () => event(traffic, n++)).sort((a, b) =>
      eventKey(a) < eventKey(b) ? -1 : 1,
    );
    const received = new Date().toISOString();
    return way === 'event log only'
      ? client.query({
          name: 'log',
          text: 'SELECT source, id FROM ingest_batch_log($1::jsonb, $2::timestamptz, $3::text[], $4::jsonb)',
          values: [JSON.stringify(events), received, [...ORDER_STATUSES], '{}'],
        })
      : client.query({
          name: 'ingest',
          text: 'SELECT source, id FROM ingest_batch($1::jsonb, $2::timestamptz, $3::text[], $4::jsonb)',
          values: [JSON.stringify(events), received, [...ORDER_STATUSES], '{}'],
        });
  };

  const perEvent = new Map<string, number[]>();
  for (const traffic of ['together', 'spread'] as const) {
    for (let round = 0; round < ROUNDS; round++) {
      for (const way of WAYS.map((_, i) => WAYS[(i + round) % WAYS.length]!)) {
        await setReportingTriggers(way === 'shipped');
        for (let i = 0; i < 16; i++) await once(way, traffic);
        const before = backendCpuMs();
        for (let i = 0; i < CALLS; i++) await once(way, traffic);
        const key = `${traffic}: ${way}`;
        perEvent.set(key, [
          ...(perEvent.get(key) ?? []),
          ((backendCpuMs() - before) * 1000) / (CALLS * BATCH),
        ]);
        await client.query('SELECT apply_reporting_rollups(1000000)');
      }
    }
  }
  await setReportingTriggers(true);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  console.log(
    `\nPostgreSQL backend CPU per event of one group commit, by part (${ROUNDS} rounds × ${CALLS} calls of ${BATCH}, interleaved)`,
  );
  console.log('| traffic: way | rounds | mean |\n|---|---|---|');
  for (const [key, xs] of perEvent)
    console.log(`| ${key} | ${xs.map((v) => v.toFixed(1)).join(' / ')} µs | ${mean(xs).toFixed(1)} µs |`);
} finally {
  await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await client.end();
}
