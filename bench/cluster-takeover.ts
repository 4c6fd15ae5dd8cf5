// Cluster takeover at scale: how long a processor takes to take on one partition of a dead one
// (AlertingService.adopt, what PartitionConsumer runs before the partition's first message), with
// BENCH_ORDERS open orders in the store split over BENCH_PARTITIONS partitions. The baseline, in the
// same run, is one collector restoring every open order at start (restoreEngine): a takeover should
// cost a partition's share of that, not the whole of it.
//   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db> NODE_OPTIONS=--expose-gc npx tsx bench/cluster-takeover.ts
// BENCH_ORDERS (default 400,000), BENCH_PARTITIONS (default 4). The schema it creates is dropped at the end.
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import pg from 'pg';
import { AlertingService } from '../collector/src/alerting/alerting-service.ts';
import { restoreEngine } from '../collector/src/alerting/restore-engine.ts';
import { PartitionOwnership } from '../collector/src/cluster/partition-ownership.ts';
import { RuleEngine } from '../collector/src/domain/rules/engine.ts';
import { DEFAULT_RULE_PARAMS } from '../collector/src/domain/rules/params.ts';
import { openDatabase } from '../collector/src/store/open-database.ts';

const url = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const ORDERS = Number(process.env.BENCH_ORDERS ?? 400_000);
const PARTITIONS = Number(process.env.BENCH_PARTITIONS ?? 4);
const schema = `bench_takeover_${randomBytes(3).toString('hex')}`;
const NOW = Date.parse('2026-11-11T12:00:00Z');

const cpuMs = (since: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
};

async function main(): Promise<void> {
  const db = await openDatabase({ databaseUrl: url, schema, poolSize: 2 });
  try {
    const now = new Date(NOW).toISOString();
    let started = performance.now();
    // The open orders of restore-recovery.ts: 327 stores, created / paid / picking / packed.
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
                       $1::timestamptz - (n % 60) * interval '1 second' AS at) s`,
      [now, ORDERS],
    );
    await db.query('ANALYZE orders');
    const loadSeconds = (performance.now() - started) / 1000;

    // Baseline: one collector restoring everything.
    let cpu = process.cpuUsage();
    started = performance.now();
    const whole = await restoreEngine(db, new RuleEngine(DEFAULT_RULE_PARAMS), [], {
      now: NOW,
      createdSince: NOW - 10 * 60_000,
    });
    const wholeMs = performance.now() - started;
    const wholeCpu = cpuMs(cpu);

    // A processor that owns nothing yet takes on partition 1, as after its owner died.
    const ownership = new PartitionOwnership(PARTITIONS);
    const service = new AlertingService({
      db,
      rulesDir: new URL('../alert-rules', import.meta.url).pathname,
      now: () => NOW,
      tickMs: 0,
      watchRules: false,
      scope: ownership,
    });
    await service.start();
    const takeovers: { ms: number; cpu: number; orders: number }[] = [];
    for (const partition of [1, 2]) {
      ownership.add(partition);
      cpu = process.cpuUsage();
      started = performance.now();
      const figures = await service.adopt(PartitionOwnership.only(partition, PARTITIONS));
      takeovers.push({ ms: performance.now() - started, cpu: cpuMs(cpu), orders: figures.orders });
    }
    await service.stop();

    const load = os.loadavg().map((l) => l.toFixed(1));
    const rows = [
      ['open orders in the store', `${ORDERS.toLocaleString('en')} over ${PARTITIONS} partitions`],
      ['bulk load with generate_series', `${loadSeconds.toFixed(1)} s`],
      [
        'baseline: one collector restores all',
        `${(wholeMs / 1000).toFixed(2)} s, ${whole.orders.toLocaleString('en')} orders, collector CPU ${(wholeCpu / 1000).toFixed(2)} s`,
      ],
      ...takeovers.map((t, i) => [
        `takeover of partition ${i + 1}`,
        `${(t.ms / 1000).toFixed(2)} s for ${t.orders.toLocaleString('en')} orders (${Math.round(t.orders / (t.ms / 1000)).toLocaleString('en')} orders/s), collector CPU ${(t.cpu / 1000).toFixed(2)} s`,
      ]),
      ['load average at the end', load.join(' ')],
    ];
    const width = Math.max(...rows.map((r) => r[0]!.length));
    process.stdout.write(`\nCluster takeover (${url.replace(/\/\/[^@]*@/, '//')})\n`);
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
