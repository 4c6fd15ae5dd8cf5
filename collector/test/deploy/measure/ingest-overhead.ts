// What the reporting triggers (migrations 0050–0053) cost the group commit, on real PostgreSQL.
//   npx tsx collector/test/deploy/measure/ingest-overhead.ts [postgres-url]
// The same 60k-event stream (orders with payments and shipments over 327 stores) is written
// twice through the real EventWriter, in batches of 1,000, once with the reporting triggers
// disabled and once enabled, each in a fresh schema; the ratio is what counts.
import type { OrderEvent } from '../../../src/domain/events.ts';
import type { Database } from '../../../src/store/database.ts';
import { EventWriter } from '../../../src/store/event-writer.ts';
import { openDatabase } from '../../../src/store/open-database.ts';
import { uniqueSchema } from '../../support/test-database.ts';

const url = process.argv[2] ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/op_sre';
const REPORTING_TRIGGERS: [string, string][] = [
  ['events', 'events_order_status_rollup'],
  ['payments', 'payments_callback_rollup'],
  ['payments', 'payments_order_match'],
  ['orders', 'orders_match_insert'],
  ['orders', 'orders_match_update'],
  ['shipments', 'shipments_open_rollup_insert'],
  ['shipments', 'shipments_open_rollup_update'],
];

function stream(): OrderEvent[] {
  const events: OrderEvent[] = [];
  const start = Date.now() - 2 * 86_400_000;
  let n = 0;
  for (let i = 0; i < 10_000; i += 1) {
    const base = { source: 'pos', orderId: `o${i}`, storeId: `store-${i % 327}` };
    const t = start + i * 15_000;
    events.push({
      ...base,
      type: 'order.status',
      id: `e${n++}`,
      occurredAt: t,
      status: 'created',
      amountFen: 100,
    });
    events.push({
      ...base,
      type: 'order.status',
      id: `e${n++}`,
      occurredAt: t + 60_000,
      status: 'paid',
      amountFen: 100,
    });
    events.push({
      ...base,
      type: 'payment.notify',
      id: `e${n++}`,
      occurredAt: t + 55_000,
      provider: i % 2 ? 'wechatpay' : 'alipay',
      transactionId: `t${i}`,
      amountFen: 100,
      status: 'success',
    });
    events.push({
      ...base,
      type: 'order.status',
      id: `e${n++}`,
      occurredAt: t + 3_600_000,
      status: 'shipped',
    });
    for (const [k, state] of (['collected', 'in_transit'] as const).entries()) {
      events.push({
        ...base,
        type: 'shipment.update',
        id: `e${n++}`,
        occurredAt: t + 3_700_000 + k * 3_600_000,
        carrier: 'sf',
        trackingNo: `w${i}`,
        state,
      });
    }
  }
  // neighbouring orders land in the same batch, as live traffic does
  return events.sort((a, b) => a.occurredAt - b.occurredAt);
}

async function run(withTriggers: boolean, events: OrderEvent[]): Promise<number> {
  const schema = uniqueSchema();
  const db: Database = await openDatabase({ databaseUrl: url, schema });
  try {
    if (!withTriggers) {
      for (const [table, trigger] of REPORTING_TRIGGERS)
        await db.query(`ALTER TABLE ${table} DISABLE TRIGGER ${trigger}`);
    }
    const writer = new EventWriter(db, { maxBatchEvents: 1_000, queueLimit: 1_000_000, concurrency: 2 });
    const started = performance.now();
    const writes: Promise<unknown>[] = [];
    for (let i = 0; i < events.length; i += 1_000) writes.push(writer.write(events.slice(i, i + 1_000)));
    await Promise.all(writes);
    await writer.close();
    return events.length / ((performance.now() - started) / 1000);
  } finally {
    await db.query(`DROP SCHEMA ${schema} CASCADE`);
    await db.close();
  }
}

const events = stream();
for (const round of [1, 2]) {
  const without = await run(false, events);
  const withTriggers = await run(true, events);
  console.log(
    `round ${round}: ${events.length} events, without reporting triggers ${without.toFixed(0)} ev/s, with ${withTriggers.toFixed(0)} ev/s (${((withTriggers / without) * 100).toFixed(0)} %)`,
  );
}
