// What the group-commit benches share: a schema of their own with the collector's migrations, one
// connection whose backend's CPU is read from /proc, the ingest benches' traffic, and switching
// triggers off and on between ways of calling.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { ORDER_STATUSES, type OrderEvent } from '../collector/src/domain/events.ts';
import { eventKey } from '../collector/src/store/event-batch.ts';
import { openDatabase } from '../collector/src/store/open-database.ts';
import { processCpuMs } from './process-cpu.ts';

export interface GroupCommitSchema {
  client: pg.Client;
  schema: string;
  /** Tells this run's ids from an earlier run's. */
  run: string;
  /** CPU (user + system) of the connection's backend so far, in ms. */
  backendCpuMs(): number;
  /** Drops the schema and closes the connection. */
  close(): Promise<void>;
}

export async function openGroupCommitSchema(url: string): Promise<GroupCommitSchema> {
  const run = randomBytes(3).toString('hex');
  const schema = `bench_${run}`;
  const store = await openDatabase({ databaseUrl: url, schema, poolSize: 1 });
  await store.close();
  const client = new pg.Client({ connectionString: url, options: `-c search_path=${schema}` });
  await client.connect();
  const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  return {
    client,
    schema,
    run,
    backendCpuMs: () => processCpuMs(rows[0]!.pid) ?? Number.NaN,
    close: async () => {
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
    },
  };
}

/** Triggers given as "name ON table", disabled or enabled. */
export async function setTriggers(
  client: pg.Client,
  triggers: readonly string[],
  on: boolean,
): Promise<void> {
  for (const trigger of triggers) {
    const [name, table] = trigger.split(' ON ');
    await client.query(`ALTER TABLE ${table} ${on ? 'ENABLE' : 'DISABLE'} TRIGGER ${name}`);
  }
}

/**
 * Event k of the ingest benches' traffic: an order's four statuses in consecutive events, 327 stores.
 * `order` places the event's order elsewhere (ingest-batch-parts spreads an order's statuses).
 */
export function statusEvent(
  run: string,
  k: number,
  started: number,
  { order = k >> 2, status = k % 4, prefix = '' } = {},
): OrderEvent {
  return {
    source: 'pos',
    id: `b${run}-${k}`,
    type: 'order.status',
    occurredAt: started + status * 1_000,
    orderId: `o${run}-${prefix}${order}`,
    storeId: `S${String(order % 327).padStart(3, '0')}`,
    status: ORDER_STATUSES[status]!,
    amountFen: 1000 + (order % 5000),
  };
}

/** A batch in ingest_batch's lock order (by key). */
export const byKey = (events: OrderEvent[]) => events.sort((a, b) => (eventKey(a) < eventKey(b) ? -1 : 1));
