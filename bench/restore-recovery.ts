// Restart recovery at scale: 1,000,000 open orders (plus payments and shipments) in real PostgreSQL,
// then the time to rebuild the rule engine from the store tables, the heap it takes, and the first
// tick that fires the deadlines that passed "during the downtime".
//   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db> NODE_OPTIONS=--expose-gc npx tsx bench/restore-recovery.ts
// BENCH_ORDERS (default 1,000,000). The schema it creates is dropped at the end.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { AlertingService } from '../collector/src/alerting/alerting-service.ts';
import { restoreEngine } from '../collector/src/alerting/restore-engine.ts';
import { RuleEngine } from '../collector/src/domain/rules/engine.ts';
import { DEFAULT_RULE_PARAMS } from '../collector/src/domain/rules/params.ts';
import { openDatabase } from '../collector/src/store/open-database.ts';

const url = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const ORDERS = Number(process.env.BENCH_ORDERS ?? 1_000_000);
const SHIPMENTS = Math.floor(ORDERS / 10);
const PAYMENTS = Math.floor(ORDERS / 100);
const schema = `bench_restore_${randomBytes(3).toString('hex')}`;
const NOW = Date.parse('2026-11-11T12:00:00Z');

const gc = (globalThis as { gc?: () => void }).gc;
// The engine's columns are typed arrays, whose backing stores are outside the JS heap
// (memoryUsage().arrayBuffers): both count.
const heapMb = () => {
  gc?.();
  gc?.();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return (heapUsed + arrayBuffers) / 1024 / 1024;
};

async function main(): Promise<void> {
  const db = await openDatabase({ databaseUrl: url, schema, poolSize: 2 });
  try {
    const now = new Date(NOW).toISOString();
    let started = performance.now();
    // Open orders across 327 stores: 40 % created, 30 % paid, 20 % picking, 10 % packed, each in its
    // status for up to 60 s (not yet due), except every 100th, which is 1 h past its deadline.
    await db.query(
      `INSERT INTO orders (order_id, store_id, status, status_at, status_rank, amount_fen, region, channel,
                           created_at, paid_at, first_seen_at, last_event_at, updated_at)
       SELECT 'o' || lpad(n::text, 8, '0'),
              'S' || lpad((n % 327)::text, 3, '0'),
              s.status, s.at, s.rank, 1000 + n % 50000, 'R' || (n % 31), 'miniapp',
              s.at - interval '1 minute', CASE WHEN s.rank >= 1 THEN s.at END, s.at - interval '1 minute', s.at, $1::timestamptz
       FROM generate_series(1, $2::int) AS n,
       LATERAL (SELECT CASE WHEN n % 10 < 4 THEN 'created' WHEN n % 10 < 7 THEN 'paid'
                            WHEN n % 10 < 9 THEN 'picking' ELSE 'packed' END AS status,
                       CASE WHEN n % 10 < 4 THEN 0 WHEN n % 10 < 7 THEN 1 WHEN n % 10 < 9 THEN 2 ELSE 3 END::int2 AS rank,
                       $1::timestamptz - CASE WHEN n % 100 = 55 THEN interval '13 hours'
                                              ELSE (n % 60) * interval '1 second' END AS at) s`,
      [now, ORDERS],
    );
    // Successful payments for some `created` orders (payment_unapplied candidates).
    await db.query(
      `INSERT INTO payments (provider, transaction_id, status, order_id, store_id, amount_fen, occurred_at, source, event_id)
       SELECT 'wechatpay', 't' || n, 'success', 'o' || lpad((n * 10)::text, 8, '0'), 'S' || lpad((n * 10 % 327)::text, 3, '0'),
              1000, $1::timestamptz - interval '30 seconds', 'bench', 'e' || n
       FROM generate_series(1, $2::int) AS n`,
      [now, PAYMENTS],
    );
    await db.query(
      `INSERT INTO shipments (carrier, tracking_no, order_id, store_id, state, last_update_at, location, destination_region)
       SELECT 'sf', 'SF' || n, 'o' || lpad(n::text, 8, '0'), 'S' || lpad((n % 327)::text, 3, '0'), 'in_transit',
              $1::timestamptz - (n % 3600) * interval '1 second', '广东省深圳市', '广东省'
       FROM generate_series(1, $2::int) AS n`,
      [now, SHIPMENTS],
    );
    await db.query('ANALYZE orders');
    await db.query('ANALYZE payments');
    await db.query('ANALYZE shipments');
    const loadSeconds = (performance.now() - started) / 1000;

    const heapBefore = heapMb();
    const engine = new RuleEngine(DEFAULT_RULE_PARAMS);
    started = performance.now();
    const figures = await restoreEngine(db, engine, [], { now: NOW, createdSince: NOW - 10 * 60_000 });
    const restoreSeconds = (performance.now() - started) / 1000;
    const heapAfter = heapMb();
    started = performance.now();
    const signals = engine.tick(NOW);
    const tickMs = performance.now() - started;
    const tracked = engine.trackedCount();

    // How soon `orderpulse serve` can listen: the alerting service's start with the open orders
    // restored in the background (what serve does) against the same store; the baseline is when
    // that restore ends, which is when serve used to start listening.
    const service = new AlertingService({
      db,
      rulesDir: new URL('../alert-rules', import.meta.url).pathname,
      now: () => NOW,
      tickMs: 0,
      watchRules: false,
      restoreOrdersInBackground: true,
    });
    started = performance.now();
    await service.start();
    const listenSeconds = (performance.now() - started) / 1000;
    await service.restored();
    const readySeconds = (performance.now() - started) / 1000;
    await service.stop();

    const rows = [
      ['orders in the store (open)', ORDERS.toLocaleString('en')],
      ['shipments / payments', `${SHIPMENTS.toLocaleString('en')} / ${PAYMENTS.toLocaleString('en')}`],
      ['bulk load with generate_series', `${loadSeconds.toFixed(1)} s`],
      ['restore (read + rebuild engine)', `${restoreSeconds.toFixed(2)} s`],
      ['restore rate', `${Math.round(figures.orders / restoreSeconds).toLocaleString('en')} orders/s`],
      [
        '  of which inside the engine',
        `${(figures.engineMs / 1000).toFixed(2)} s (the rest: reading the store)`,
      ],
      [
        'tracked after restore',
        `${tracked.orders} orders, ${tracked.shipments} shipments, ${tracked.deadlines} deadlines`,
      ],
      [
        'engine heap + typed arrays',
        `${(heapAfter - heapBefore).toFixed(0)} MB (${(((heapAfter - heapBefore) * 1024 * 1024) / (tracked.orders + tracked.shipments)).toFixed(0)} B per tracked entity)${gc ? '' : ' (run with --expose-gc for a clean figure)'}`,
      ],
      [
        'serve can listen after (background restore)',
        `${listenSeconds.toFixed(2)} s; ready (open orders in) after ${readySeconds.toFixed(2)} s — the wait before listening until now`,
      ],
      [
        'first tick after start',
        `${tickMs.toFixed(0)} ms, ${signals.length.toLocaleString('en')} signals (deadlines passed while down)`,
      ],
    ];
    const width = Math.max(...rows.map((r) => r[0]!.length));
    process.stdout.write(`\nRestart recovery (${db.mode}, ${url.replace(/\/\/[^@]*@/, '//')})\n`);
    for (const [label, value] of rows) process.stdout.write(`  ${label!.padEnd(width)}  ${value}\n`);
  } finally {
    await db.close();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
  }
}

await main();
