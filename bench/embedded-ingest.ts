// Sustained ingest into `orderpulse serve` on the embedded store (PGlite, empty data dir), against the
// same process on PostgreSQL (DATABASE_URL, its own schema) in the same run. The collector runs in its
// own process as `npm start` runs it; this process is the load generator (open-loop-driver.ts).
// Per rate: events/s acknowledged (202 = committed, or a duplicate of a committed one), ack latency
// from each request's scheduled send time, the collector's CPU
// (utime + stime from /proc/<pid>/stat) as % of a core and µs per event, and its RSS.
//   node --import tsx bench/embedded-ingest.ts
// BENCH_EMBEDDED_RATES=500,1000,2000  BENCH_EMBEDDED_SECONDS=20 (measured window per rate, after 3 s
// of warm-up at that rate)  BENCH_EMBEDDED_STORES=embedded,postgres; node flags: each store's as
// `npm start` ends up with them (bench/launch-flags.ts: BENCH_NODE_FLAGS replaces, BENCH_NODE_ARGS adds).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { spawnCollector } from '../collector/test/support/spawn-collector.ts';
import { launchFlags } from './launch-flags.ts';
import { drive, PER_REQUEST, type Phase, percentile, Stream, simulatorEvents } from './open-loop-driver.ts';
import { processCpuMs } from './process-cpu.ts';
import { rssMb } from './process-rss.ts';
import { waitReady } from './wait-ready.ts';

const url = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const RATES = (process.env.BENCH_EMBEDDED_RATES ?? '500,1000,2000').split(',').map(Number);
const SECONDS = Number(process.env.BENCH_EMBEDDED_SECONDS ?? 20);
const WARMUP_SECONDS = 3;
const STORES = (process.env.BENCH_EMBEDDED_STORES ?? 'embedded,postgres').split(',') as (
  | 'embedded'
  | 'postgres'
)[];
const run = randomBytes(3).toString('hex');

interface Row {
  store: string;
  rate: number;
  phase: Phase;
  cpuShare: number;
  rss: number;
}

async function measure(store: 'embedded' | 'postgres', lines: string[]): Promise<Row[]> {
  const schema = `bench_embedded_ingest_${run}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'op-embedded-ingest-'));
  const collector = await spawnCollector(
    {
      ...(store === 'embedded'
        ? { DATABASE_URL: '', ORDERPULSE_DATA_DIR: dataDir }
        : { DATABASE_URL: url, ORDERPULSE_DATA_DIR: dataDir }),
      ORDERPULSE_DB_SCHEMA: schema,
      LOG_LEVEL: 'error',
    },
    { nodeFlags: launchFlags(store) },
  );
  const rows: Row[] = [];
  try {
    await waitReady(collector.url);
    const pid = collector.child.pid!;
    const stream = new Stream(lines);
    for (const rate of RATES) {
      await drive(collector.url, stream, rate, WARMUP_SECONDS);
      const cpuBefore = processCpuMs(pid) ?? Number.NaN;
      const phase = await drive(collector.url, stream, rate, SECONDS);
      const cpuSeconds = ((processCpuMs(pid) ?? Number.NaN) - cpuBefore) / 1000;
      rows.push({ store, rate, phase, cpuShare: cpuSeconds / phase.seconds, rss: rssMb(pid) });
    }
    return rows;
  } finally {
    collector.child.kill('SIGTERM');
    await collector.exited;
    rmSync(dataDir, { recursive: true, force: true });
    if (store === 'postgres') {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
    }
  }
}

const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
const lines = simulatorEvents();
process.stdout.write(
  `sustained ingest into orderpulse serve (embedded: ${launchFlags('embedded').join(' ')}; PostgreSQL: ${launchFlags('postgres').join(' ')}): ${lines.length} simulator events, ${PER_REQUEST} per request, open loop, ${SECONDS} s per rate after ${WARMUP_SECONDS} s warm-up; loadavg ${load()}\n`,
);
const rows: Row[] = [];
for (const store of STORES) rows.push(...(await measure(store, lines)));
const cols = ['store', 'offered', 'acked ev/s', 'ack p50', 'ack p99', 'CPU', 'µs/event', 'RSS', 'not acked'];
const widths = [10, 9, 11, 9, 9, 7, 9, 8, 10];
const line = (cells: string[]) =>
  `${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' ')}\n`;
process.stdout.write(line(cols));
for (const r of rows) {
  const perSecond = (r.phase.accepted + r.phase.duplicates) / r.phase.seconds;
  process.stdout.write(
    line([
      r.store,
      `${r.rate}/s`,
      perSecond.toFixed(0),
      `${percentile(r.phase.latencies, 50).toFixed(0)} ms`,
      `${percentile(r.phase.latencies, 99).toFixed(0)} ms`,
      `${(r.cpuShare * 100).toFixed(0)} %`,
      ((r.cpuShare * 1e6) / perSecond).toFixed(0),
      `${r.rss.toFixed(0)} MiB`,
      `${r.phase.failed + r.phase.unanswered} req`,
    ]),
  );
}
process.stdout.write(`loadavg now ${load()}\n`);
