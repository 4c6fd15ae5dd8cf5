// Idle RSS of `orderpulse serve` as `npm start` runs it: the embedded store (PGlite) on an empty data
// dir, against the same process on PostgreSQL (DATABASE_URL, its own schema) in the same run. Each is
// read from /proc/<pid>/status once /readyz answers and VmRSS has settled, then again after a modest
// ingest through /v1/events (BENCH_IDLE_EVENTS, default 20,000) has settled.
// Node flags: each store's as `npm start` ends up with them (bench/launch-flags.ts: BENCH_NODE_FLAGS
// replaces them, BENCH_NODE_ARGS adds, e.g. `--liftoff-only`); BENCH_IDLE_STORES=embedded
// (or postgres) measures only that store.
//   node --import tsx bench/idle-rss.ts
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { spawnCollector } from '../collector/test/support/spawn-collector.ts';
import { TOKENS } from '../collector/test/support/test-app.ts';
import { launchFlags } from './launch-flags.ts';
import { rssMb } from './process-rss.ts';
import { waitReady } from './wait-ready.ts';

const url = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const EVENTS = Number(process.env.BENCH_IDLE_EVENTS ?? 20_000);
const BATCH = 500;
const STORES = (process.env.BENCH_IDLE_STORES ?? 'embedded,postgres').split(',') as (
  | 'embedded'
  | 'postgres'
)[];
const run = randomBytes(3).toString('hex');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** VmRSS once it moved less than 1 MB over 3 s (at most 60 s). */
async function settledRss(pid: number): Promise<number> {
  let last = rssMb(pid);
  for (let i = 0; i < 60; i++) {
    await sleep(3_000);
    const now = rssMb(pid);
    if (Math.abs(now - last) < 1) return now;
    last = now;
  }
  return last;
}

async function ingest(base: string): Promise<number> {
  const started = performance.now();
  const occurred = Date.now() - 60_000;
  for (let n = 0; n < EVENTS; n += BATCH) {
    const lines: string[] = [];
    for (let i = n; i < Math.min(n + BATCH, EVENTS); i++) {
      lines.push(
        JSON.stringify({
          id: `r${run}-${i}`,
          type: 'order.status',
          occurred_at: new Date(occurred + i).toISOString(),
          order_id: `o${run}-${i >> 2}`,
          store_id: `S${String((i >> 2) % 327).padStart(3, '0')}`,
          status: ['created', 'paid', 'picking', 'packed'][i % 4],
          amount_fen: 1000 + (i % 5000),
        }),
      );
    }
    const res = await fetch(`${base}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson', authorization: `Bearer ${TOKENS.ingest}` },
      body: `${lines.join('\n')}\n`,
    });
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`/v1/events answered ${res.status}`);
  }
  return EVENTS / ((performance.now() - started) / 1000);
}

interface Figures {
  store: string;
  readyMs: number;
  idle: number;
  rate: number;
  afterIngest: number;
}

async function measure(store: 'embedded' | 'postgres'): Promise<Figures> {
  const schema = `bench_idle_${run}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'op-idle-rss-'));
  const started = performance.now();
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
  try {
    await waitReady(collector.url);
    const readyMs = performance.now() - started;
    const pid = collector.child.pid!;
    const idle = await settledRss(pid);
    const rate = await ingest(collector.url);
    const afterIngest = await settledRss(pid);
    return { store, readyMs, idle, rate, afterIngest };
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
process.stdout.write(
  `idle RSS of orderpulse serve (embedded: ${launchFlags('embedded').join(' ')}; PostgreSQL: ${launchFlags('postgres').join(' ')}), empty data dir; loadavg ${load()}\n`,
);
const results: Figures[] = [];
for (const store of STORES) results.push(await measure(store));
process.stdout.write(
  `${'store'.padEnd(10)} ${'ready'.padStart(8)} ${'idle RSS'.padStart(10)} ${`after ${EVENTS} events`.padStart(20)} ${'ingest'.padStart(14)}\n`,
);
for (const r of results) {
  process.stdout.write(
    `${r.store.padEnd(10)} ${`${(r.readyMs / 1000).toFixed(1)} s`.padStart(8)} ${`${r.idle.toFixed(0)} MiB`.padStart(10)} ${`${r.afterIngest.toFixed(0)} MiB`.padStart(20)} ${`${r.rate.toFixed(0)} ev/s`.padStart(14)}\n`,
  );
}
process.stdout.write(`loadavg now ${load()}\n`);
