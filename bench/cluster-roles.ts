// Cluster mode's cost: one ingress and one processor (RabbitMQ between them) against one `all`
// collector, each on its own schema of the same PostgreSQL, driven in the same run with the same
// simulator traffic (open-loop-driver.ts) at fixed rates. An ingress acknowledges once RabbitMQ has
// confirmed the batch, `all` once PostgreSQL has committed it, so both acks mean "never lost"; the
// cluster's events are stored a little later, which is measured as the lag from the end of a window
// until every acknowledged event is in `events`. CPU per event is each process's utime + stime
// (/proc) from the start of the window until its events are stored, over the events acknowledged;
// PostgreSQL's and RabbitMQ's own CPU are not in it.
//   node --import tsx bench/cluster-roles.ts
// BENCH_CLUSTER_RATES=1000,2500,5000  BENCH_CLUSTER_SECONDS=10 (window per rate, after 3 s of warm-up)
// BENCH_AMQP_URL (amqp://guest:guest@127.0.0.1:5672)  BENCH_CLUSTER_PARTITIONS=4
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'amqplib';
import pg from 'pg';
import { partitionQueue, processorsQueue } from '../collector/src/cluster/partitions.ts';
import { type RunningCollector, spawnCollector } from '../collector/test/support/spawn-collector.ts';
import { launchFlags } from './launch-flags.ts';
import { drive, PER_REQUEST, percentile, Stream, simulatorEvents } from './open-loop-driver.ts';
import { processCpuMs } from './process-cpu.ts';
import { rssMb } from './process-rss.ts';
import { waitReady } from './wait-ready.ts';

const url = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const amqpUrl = process.env.BENCH_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const RATES = (process.env.BENCH_CLUSTER_RATES ?? '1000,2500,5000').split(',').map(Number);
const SECONDS = Number(process.env.BENCH_CLUSTER_SECONDS ?? 10);
const PARTITIONS = Number(process.env.BENCH_CLUSTER_PARTITIONS ?? 4);
const WARMUP_SECONDS = 3;
/** How long the cluster may take to store what it acknowledged before the bench gives up. */
const STORE_DEADLINE_MS = 120_000;
const run = randomBytes(3).toString('hex');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Layout = 'all' | 'ingress + processor';

interface Row {
  layout: Layout;
  rate: number;
  acked: number;
  ackedPerSecond: number;
  p50: number;
  p99: number;
  notAcked: number;
  storeLagMs: number;
  storedPerSecond: number;
  /** µs of CPU per acknowledged event, by process role. */
  cpu: Record<string, number>;
  rss: Record<string, number>;
}

async function storedEvents(client: pg.Client, schema: string): Promise<number> {
  return (await client.query(`SELECT count(*)::int AS n FROM ${schema}.events`)).rows[0].n as number;
}

async function measure(layout: Layout, lines: string[]): Promise<Row[]> {
  const schema = `bench_cluster_${layout === 'all' ? 'all' : 'split'}_${run}`;
  const prefix = `opbench_${run}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'op-cluster-roles-'));
  const base = {
    DATABASE_URL: url,
    ORDERPULSE_DB_SCHEMA: schema,
    ORDERPULSE_DATA_DIR: dataDir,
    LOG_LEVEL: 'error',
  };
  const cluster = {
    ORDERPULSE_AMQP_URL: amqpUrl,
    ORDERPULSE_AMQP_PREFIX: prefix,
    ORDERPULSE_PARTITIONS: String(PARTITIONS),
  };
  const flags = { nodeFlags: launchFlags('postgres') };
  const roles = new Map<string, RunningCollector>();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const rows: Row[] = [];
  try {
    if (layout === 'all') roles.set('all', await spawnCollector(base, flags));
    else {
      roles.set(
        'processor',
        await spawnCollector({ ...base, ...cluster, ORDERPULSE_ROLE: 'processor' }, flags),
      );
      roles.set('ingress', await spawnCollector({ ...base, ...cluster, ORDERPULSE_ROLE: 'ingress' }, flags));
    }
    for (const collector of roles.values()) await waitReady(collector.url);
    const entrance = (roles.get('all') ?? roles.get('ingress'))!.url;
    const stream = new Stream(lines);
    let acknowledged = 0;
    for (const rate of RATES) {
      const warm = await drive(entrance, stream, rate, WARMUP_SECONDS);
      acknowledged += warm.accepted;
      const cpuBefore = new Map(
        [...roles].map(([role, c]) => [role, processCpuMs(c.child.pid!) ?? Number.NaN]),
      );
      const started = performance.now();
      const phase = await drive(entrance, stream, rate, SECONDS);
      acknowledged += phase.accepted;
      const windowEnd = started + phase.seconds * 1000;
      const deadline = performance.now() + STORE_DEADLINE_MS;
      while ((await storedEvents(client, schema)) < acknowledged) {
        if (performance.now() > deadline)
          throw new Error(`${layout}: acknowledged events not stored in time`);
        await sleep(50);
      }
      const stored = performance.now();
      const cpu: Record<string, number> = {};
      const rss: Record<string, number> = {};
      for (const [role, c] of roles) {
        const ms = (processCpuMs(c.child.pid!) ?? Number.NaN) - cpuBefore.get(role)!;
        cpu[role] = (ms * 1000) / phase.accepted;
        rss[role] = rssMb(c.child.pid!);
      }
      rows.push({
        layout,
        rate,
        acked: phase.accepted,
        ackedPerSecond: phase.accepted / phase.seconds,
        p50: percentile(phase.latencies, 50),
        p99: percentile(phase.latencies, 99),
        notAcked: phase.failed + phase.unanswered,
        storeLagMs: Math.max(0, stored - windowEnd),
        storedPerSecond: phase.accepted / ((stored - started) / 1000),
        cpu,
        rss,
      });
    }
    return rows;
  } finally {
    for (const collector of roles.values()) collector.child.kill('SIGTERM');
    await Promise.all([...roles.values()].map((c) => c.exited));
    rmSync(dataDir, { recursive: true, force: true });
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
    if (layout !== 'all') {
      const broker = await connect(amqpUrl);
      const channel = await broker.createChannel();
      for (let p = 0; p < PARTITIONS; p++) await channel.deleteQueue(partitionQueue(prefix, p));
      await channel.deleteQueue(processorsQueue(prefix));
      await broker.close();
    }
  }
}

const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
// Enough traffic for every window and warm-up at the default rates: 3 hours ran out at 5,000 events/s.
const lines = simulatorEvents(6);
process.stdout.write(
  `cluster roles against one process (${launchFlags('postgres').join(' ')}), ${PARTITIONS} partitions: ${lines.length} simulator events, ${PER_REQUEST} per request, open loop, ${SECONDS} s per rate after ${WARMUP_SECONDS} s warm-up; loadavg ${load()}\n`,
);
const rows: Row[] = [];
for (const layout of ['all', 'ingress + processor'] as const) rows.push(...(await measure(layout, lines)));
const cols = [
  'layout',
  'offered',
  'acked ev/s',
  'ack p50',
  'ack p99',
  'stored lag',
  'stored ev/s',
  'CPU µs/event',
  'RSS',
];
const widths = [20, 8, 10, 9, 9, 10, 11, 34, 28];
const line = (cells: string[]) =>
  `${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' ')}\n`;
const byRole = (values: Record<string, number>, unit: string) =>
  Object.entries(values)
    .map(([role, v]) => `${role} ${v.toFixed(0)}${unit}`)
    .join(', ');
process.stdout.write(line(cols));
for (const r of rows) {
  process.stdout.write(
    line([
      r.layout,
      `${r.rate}/s`,
      r.ackedPerSecond.toFixed(0),
      `${r.p50.toFixed(0)} ms`,
      `${r.p99.toFixed(0)} ms`,
      `${r.storeLagMs.toFixed(0)} ms`,
      r.storedPerSecond.toFixed(0),
      byRole(r.cpu, ''),
      byRole(r.rss, ' MiB'),
    ]),
  );
  if (r.notAcked > 0) process.stdout.write(`  ${r.notAcked} requests not acknowledged\n`);
}
process.stdout.write(`loadavg now ${load()}\n`);
