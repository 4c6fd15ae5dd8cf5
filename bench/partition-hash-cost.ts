// PostgreSQL CPU per event of one group commit with the partition-hash triggers (migration 0021:
// order_partition_hash computed for every orders and shipments row ingest_batch upserts) against
// the same calls with those two triggers disabled, in one schema, interleaved rounds of sequential
// 50-event calls, read from the backend's /proc CPU time. PostgreSQL must run on this machine.
//   npx tsx bench/partition-hash-cost.ts      (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test)
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { ORDER_STATUSES, type OrderEvent } from '../collector/src/domain/events.ts';
import { eventKey } from '../collector/src/store/event-batch.ts';
import { openDatabase } from '../collector/src/store/open-database.ts';
import { processCpuMs } from './process-cpu.ts';

const url = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);
const CALLS = Number(process.env.BENCH_CALLS ?? 400);
const BATCH = 50;
const run = randomBytes(3).toString('hex');
const schema = `bench_${run}`;
const TRIGGERS = ['orders_partition_hash ON orders', 'shipments_partition_hash ON shipments'];

const store = await openDatabase({ databaseUrl: url, schema, poolSize: 1 });
await store.close();
const client = new pg.Client({ connectionString: url, options: `-c search_path=${schema}` });
await client.connect();
try {
  const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  const backendCpuMs = () => processCpuMs(rows[0]!.pid) ?? Number.NaN;
  // Without the triggers the rows come without a hash: the baseline is the group commit as it was.
  for (const table of ['orders', 'shipments']) {
    await client.query(`ALTER TABLE ${table} ALTER COLUMN partition_hash DROP NOT NULL`);
  }
  const setTriggers = async (on: boolean) => {
    for (const trigger of TRIGGERS) {
      const [name, table] = trigger.split(' ON ');
      await client.query(`ALTER TABLE ${table} ${on ? 'ENABLE' : 'DISABLE'} TRIGGER ${name}`);
    }
  };

  // Live traffic as in ingest-batch-cpu: four status events per order, 327 stores, every order new
  // in its first batch and upserted again by the next ones.
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
  const once = () =>
    client.query({
      name: 'ingest',
      text: 'SELECT source, id FROM ingest_batch($1::jsonb, $2::timestamptz, $3::text[])',
      values: [JSON.stringify(batch()), new Date().toISOString(), [...ORDER_STATUSES]],
    });

  const perEvent: Record<'with' | 'without', number[]> = { without: [], with: [] };
  for (let round = 0; round < ROUNDS; round++) {
    for (const which of ['without', 'with'] as const) {
      await setTriggers(which === 'with');
      for (let i = 0; i < 40; i++) await once();
      const before = backendCpuMs();
      for (let i = 0; i < CALLS; i++) await once();
      perEvent[which].push(((backendCpuMs() - before) * 1000) / (CALLS * BATCH));
      await client.query('SELECT apply_reporting_rollups(1000000)');
    }
  }
  await setTriggers(true);
  console.log(
    `\ningest_batch, PostgreSQL backend CPU per event (${ROUNDS} rounds × ${CALLS} calls of ${BATCH})`,
  );
  console.log(
    `| partition-hash triggers off (baseline) | ${perEvent.without.map((v) => `${v.toFixed(1)} µs`).join(' / ')} |`,
  );
  console.log(
    `| partition-hash triggers on | ${perEvent.with.map((v) => `${v.toFixed(1)} µs`).join(' / ')} |`,
  );
} finally {
  await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await client.end();
}
