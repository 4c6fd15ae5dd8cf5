// Cluster takeover at scale: how long a processor takes to take on one partition of a dead one
// (AlertingService.adopt, what PartitionConsumer runs before the partition's first message), with
// BENCH_PARTITION_ORDERS open orders in that partition and BENCH_OTHER_ORDERS open orders in the
// others. The baseline, in the same run and on the same store, is the takeover as it was before the
// store kept a partition hash: every open order page read and the partition's orders kept in the
// collector (restoreShipments/restoreOrders with `keep` and no hash ranges).
//   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db> NODE_OPTIONS=--expose-gc npx tsx bench/cluster-takeover.ts
// BENCH_PARTITION_ORDERS: comma-separated sizes, measured in turn on one growing store (default
// 100000); BENCH_OTHER_ORDERS (default 300000); BENCH_PARTITIONS (default 4); BENCH_BASELINE=0
// skips the baseline (it reads the whole store). The orders are generated with ids chosen to fall in
// the partition (or out of it) and loaded with their hash, so 1M in one partition costs 1M rows,
// not BENCH_PARTITIONS × 1M. The schema it creates is dropped at the end.
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import pg from 'pg';
import { AlertingService } from '../collector/src/alerting/alerting-service.ts';
import { restoreOrders, restoreShipments } from '../collector/src/alerting/restore-engine.ts';
import { PartitionOwnership } from '../collector/src/cluster/partition-ownership.ts';
import { partitionHash, partitionHashes, partitionOfHash } from '../collector/src/cluster/partitions.ts';
import { RuleEngine } from '../collector/src/domain/rules/engine.ts';
import { DEFAULT_RULE_PARAMS } from '../collector/src/domain/rules/params.ts';
import type { Database } from '../collector/src/store/database.ts';
import { openDatabase } from '../collector/src/store/open-database.ts';

const url = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const SIZES = (process.env.BENCH_PARTITION_ORDERS ?? '100000')
  .split(',')
  .map(Number)
  .sort((a, b) => a - b);
const OTHER_ORDERS = Number(process.env.BENCH_OTHER_ORDERS ?? 300_000);
const PARTITIONS = Number(process.env.BENCH_PARTITIONS ?? 4);
const BASELINE = process.env.BENCH_BASELINE !== '0';
/** The partition taken on. */
const TAKEN = 1;
const CHUNK = 50_000;
const schema = `bench_takeover_${randomBytes(3).toString('hex')}`;
const NOW = Date.parse('2026-11-11T12:00:00Z');
const CREATED_SINCE = NOW - 10 * 60_000;

const cpuMs = (since: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
};

/** Order ids in sequence, sorted into the partition taken on and the others. */
class IdSource {
  private n = 0;
  private readonly spare = { mine: [] as number[], others: [] as number[] };

  /** `count` ids (as their sequence numbers) in the partition taken on, or out of it. */
  take(count: number, mine: boolean): number[] {
    const out: number[] = [];
    const pool = mine ? this.spare.mine : this.spare.others;
    while (out.length < count && pool.length > 0) out.push(pool.pop()!);
    while (out.length < count) {
      const n = this.n++;
      const inPartition = partitionOfHash(partitionHash(orderId(n)), PARTITIONS) === TAKEN;
      if (inPartition === mine) out.push(n);
      else (inPartition ? this.spare.mine : this.spare.others).push(n);
    }
    return out;
  }
}

const orderId = (n: number) => `o${String(n).padStart(9, '0')}`;

/**
 * The open orders of restore-recovery.ts (327 stores, created / paid / picking / packed), inserted
 * with their hash: the user triggers (the hash trigger, the reporting staging) are off meanwhile.
 */
async function load(db: Database, numbers: readonly number[]): Promise<void> {
  const now = new Date(NOW).toISOString();
  for (let i = 0; i < numbers.length; i += CHUNK) {
    const chunk = numbers.slice(i, i + CHUNK);
    await db.query(
      `INSERT INTO orders (order_id, store_id, status, status_at, status_rank, amount_fen, region, channel,
                           created_at, paid_at, first_seen_at, last_event_at, updated_at, partition_hash)
       SELECT x.id, 'S' || lpad((x.n % 327)::text, 3, '0'),
              s.status, s.at, s.rank, 1000 + x.n % 50000, 'R' || (x.n % 31), 'miniapp',
              s.at - interval '1 minute', CASE WHEN s.rank >= 1 THEN s.at END, s.at - interval '1 minute', s.at,
              $1::timestamptz, x.hash
       FROM unnest($2::int8[], $3::text[], $4::int8[]) AS x(n, id, hash),
       LATERAL (SELECT CASE WHEN x.n % 10 < 4 THEN 'created' WHEN x.n % 10 < 7 THEN 'paid'
                            WHEN x.n % 10 < 9 THEN 'picking' ELSE 'packed' END AS status,
                       CASE WHEN x.n % 10 < 4 THEN 0 WHEN x.n % 10 < 7 THEN 1 WHEN x.n % 10 < 9 THEN 2 ELSE 3 END::int2 AS rank,
                       $1::timestamptz - (x.n % 60) * interval '1 second' AS at) s`,
      [now, chunk, chunk.map(orderId), chunk.map((n) => partitionHash(orderId(n)))],
    );
  }
}

/**
 * The plan of the paged read's first order page (where the store has no COPY, restore-engine.ts
 * reads a partition as two halves at once, each first cut into 64 windows; on PostgreSQL each half
 * is one COPY): which index it reads, how many rows and buffers.
 */
async function planOfFirstPage(db: Database): Promise<string> {
  const partition = partitionHashes(TAKEN, PARTITIONS);
  const range = {
    from: partition.from,
    to: partition.from + Math.ceil((partition.to - partition.from) / 128),
  };
  const { rows } = await db.query<{ 'QUERY PLAN': unknown }>(
    `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON)
     SELECT o.order_id FROM orders o
     WHERE (o.status IS NULL OR o.status IN ('created', 'paid', 'picking', 'packed', 'shipped'))
       AND o.partition_hash >= $1 AND o.partition_hash < $2 AND (o.partition_hash, o.order_id) > ($1, '')
     ORDER BY o.partition_hash, o.order_id LIMIT 20000`,
    [range.from, range.to],
  );
  const plan = (rows[0]!['QUERY PLAN'] as { Plan: PlanNode }[])[0]!.Plan;
  const nodes: string[] = [];
  const walk = (node: PlanNode) => {
    nodes.push(
      `${node['Node Type']}${node['Index Name'] ? ` on ${node['Index Name']}` : ''} (${node['Actual Rows']} rows, ${(node['Shared Hit Blocks'] ?? 0) + (node['Shared Read Blocks'] ?? 0)} buffers)`,
    );
    for (const child of node.Plans ?? []) walk(child);
  };
  walk(plan);
  return nodes.join(' → ');
}

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Actual Rows': number;
  'Shared Hit Blocks'?: number;
  'Shared Read Blocks'?: number;
  Plans?: PlanNode[];
}

interface Figures {
  ms: number;
  cpu: number;
  orders: number;
}

/** The takeover before: every open order page read, the partition's kept in the collector. */
async function baseline(db: Database): Promise<Figures> {
  const keep = PartitionOwnership.only(TAKEN, PARTITIONS).ownsOrder;
  const engine = new RuleEngine(DEFAULT_RULE_PARAMS);
  const cpu = process.cpuUsage();
  const started = performance.now();
  const shipments = await restoreShipments(db, engine, [], { now: NOW, keep });
  const orders = await restoreOrders(db, engine, [], {
    now: NOW,
    createdSince: CREATED_SINCE,
    shipments,
    keep,
  });
  return { ms: performance.now() - started, cpu: cpuMs(cpu), orders };
}

/** A processor that owns nothing yet takes on the partition, as after its owner died. */
async function takeover(db: Database): Promise<Figures> {
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
  try {
    ownership.add(TAKEN);
    const cpu = process.cpuUsage();
    const started = performance.now();
    const figures = await service.adopt(PartitionOwnership.only(TAKEN, PARTITIONS));
    return { ms: performance.now() - started, cpu: cpuMs(cpu), orders: figures.orders };
  } finally {
    await service.stop();
  }
}

const describe = (f: Figures) =>
  `${(f.ms / 1000).toFixed(2)} s for ${f.orders.toLocaleString('en')} orders (${Math.round(f.orders / (f.ms / 1000)).toLocaleString('en')} orders/s), collector CPU ${(f.cpu / 1000).toFixed(2)} s`;

async function main(): Promise<void> {
  const db = await openDatabase({ databaseUrl: url, schema, poolSize: 2 });
  const rows: string[][] = [];
  try {
    const ids = new IdSource();
    await db.query('ALTER TABLE orders DISABLE TRIGGER USER');
    let started = performance.now();
    await load(db, ids.take(OTHER_ORDERS, false));
    let loaded = 0;
    rows.push([
      'open orders in other partitions',
      `${OTHER_ORDERS.toLocaleString('en')} (${PARTITIONS} partitions), loaded in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    ]);
    for (const size of SIZES) {
      started = performance.now();
      await db.query('ALTER TABLE orders DISABLE TRIGGER USER');
      await load(db, ids.take(size - loaded, true));
      await db.query('ALTER TABLE orders ENABLE TRIGGER USER');
      await db.query('ANALYZE orders');
      loaded = size;
      const label = `${size.toLocaleString('en')} in partition ${TAKEN}`;
      rows.push([
        `${label}: load`,
        `${(size + OTHER_ORDERS).toLocaleString('en')} open orders in the store, ${((performance.now() - started) / 1000).toFixed(1)} s`,
      ]);
      rows.push([`${label}: first page plan`, await planOfFirstPage(db)]);
      if (BASELINE) {
        rows.push([`${label}: baseline, every page read`, describe(await baseline(db))]);
        globalThis.gc?.();
      }
      rows.push([`${label}: takeover (adopt)`, describe(await takeover(db))]);
      globalThis.gc?.();
      for (const [name, value] of rows.slice(-4)) process.stderr.write(`${name}: ${value}\n`);
    }
    rows.push([
      'load average at the end',
      os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(' '),
    ]);
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
