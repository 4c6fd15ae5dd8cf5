// Ingest throughput through the real HTTP path versus raw COPY of the same rows into a table of the
// same shape, in one run on the same PostgreSQL; then ack latency at a fixed offered rate, next to
// the latency of plain INSERTs of the same batches at the same rate (what PostgreSQL and the disk
// alone take).
//   npm run bench:ingest            (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test)
import { randomBytes } from 'node:crypto';
import { appendFile, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { spawnCollector } from '../collector/test/support/spawn-collector.ts';
import { TOKENS } from '../collector/test/support/test-app.ts';
import { observeCollector } from './collector-observer.ts';
import { createEventLogOnly } from './event-log-only.ts';
import { cpuSnapshot, cpuUsed } from './process-cpu.ts';

const url = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const TOTAL = Number(process.env.BENCH_EVENTS ?? 300_000);
const BATCH = Number(process.env.BENCH_BATCH ?? 500);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const LATENCY_SECONDS = Number(process.env.BENCH_LATENCY_SECONDS ?? 30);
// A file for each latency-phase request's send time and latency (see latencyAtRate).
const TRACE = process.env.BENCH_LATENCY_TRACE;
// Offered rates of the latency phase, each followed by its floor: a sweep shows where the p99 turns
// up on this machine (e.g. BENCH_LATENCY_RATES=2500,5000,7500,10000).
const LATENCY_RATES = (process.env.BENCH_LATENCY_RATES ?? '10000').split(',').map(Number);
// The reference machine the goals were set on COPYs these rows at ~170k rows/s; its bar is set at 10k events/s.
const REFERENCE_COPY_RATE = 170_000;
const run = randomBytes(3).toString('hex');
/**
 * Event n of the bench's traffic, occurring at `at` (epoch ms). Live traffic: each order is created,
 * paid, picked and packed within seconds, and events carry the time they are sent, so ingest is
 * measured rather than alerting. Event times must follow the clock: an order split across two
 * requests sits at `paid` between them, and once its `paid` time is more than 2 minutes old that
 * arrives past its order_stalled deadline, firing an alert that the next request resolves. With
 * every event dated at the bench's start, each phase that began 2 minutes in did this ~100 times a
 * second (2,921 alerts in one 30 s phase), doubling the collector's CPU.
 */
function makeEvent(n: number, at: number) {
  return {
    id: `b${run}-${n}`,
    type: 'order.status',
    occurred_at: new Date(at + (n % 4) * 1_000).toISOString(),
    order_id: `o${run}-${n >> 2}`,
    store_id: `S${String(n % 327).padStart(3, '0')}`,
    status: ['created', 'paid', 'picking', 'packed'][n % 4]!,
    amount_fen: 1000 + (n % 5000),
  };
}

/**
 * WAL written by the whole cluster so far, its flushed position and checkpoints begun. On a shared
 * server other work writes too: the byte count then overstates a run's WAL, and the breakdown
 * below (which keeps only this run's schema) is the figure to read.
 */
async function walSnapshot(): Promise<{ bytes: number; checkpoints: number; lsn: string }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const { rows } = await client.query<{ bytes: string; checkpoints: string; lsn: string }>(
    `SELECT (SELECT wal_bytes FROM pg_stat_wal)::text AS bytes,
            (SELECT checkpoints_timed + checkpoints_req FROM pg_stat_bgwriter)::text AS checkpoints,
            pg_current_wal_flush_lsn()::text AS lsn`,
  );
  await client.end();
  return { bytes: Number(rows[0]!.bytes), checkpoints: Number(rows[0]!.checkpoints), lsn: rows[0]!.lsn };
}

/**
 * Keeps the server's WAL from now on until the returned client ends (a temporary physical
 * replication slot), so that checkpoints in between do not recycle what walBreakdown reads.
 */
async function holdWal(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(`SELECT pg_create_physical_replication_slot('bench_wal_${run}', true, true)`);
  return client;
}

/**
 * BENCH_WAL_BREAKDOWN=1: where a phase's WAL went, per relation of this run's schema and record
 * type, read back with pg_walinspect (PostgreSQL 15+, created in the bench database if missing).
 * Records are charged to the first block they touch (a TOAST table's to the table it belongs to);
 * records that touch no block (commits, running-xacts) and other databases' and schemas' records
 * are shown apart, unattributed.
 */
async function walBreakdown(
  phase: string,
  schema: string,
  from: string,
  to: string,
  events: number,
): Promise<string[][]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('CREATE EXTENSION IF NOT EXISTS pg_walinspect');
    const { rows } = await client.query<{
      relation: string;
      kind: string;
      records: number;
      bytes: string;
      fpi: string;
    }>(
      `WITH r AS (
         SELECT resource_manager || ' ' || split_part(record_type, ' ', 1) AS kind, record_length, fpi_length,
                regexp_match(block_ref, 'rel ([0-9]+)/([0-9]+)/([0-9]+)') AS m
         FROM pg_get_wal_records_info($1::pg_lsn, $2::pg_lsn)
       ), named AS (
         -- a TOAST table or its index is charged to the table it belongs to, as "<table> TOAST"
         SELECT r.*, coalesce(owner.relname || ' TOAST', c.relname) AS relname,
                coalesce(owner.relnamespace, c.relnamespace) = $3::regnamespace AS ours,
                m[2]::oid = (SELECT oid FROM pg_database WHERE datname = current_database()) AS this_db
         FROM r LEFT JOIN pg_class c
           ON m IS NOT NULL AND c.oid = pg_filenode_relation(CASE WHEN m[1] = '1663' THEN 0 ELSE m[1]::oid END, m[3]::oid)
         LEFT JOIN pg_index toast_index ON toast_index.indexrelid = c.oid AND c.relnamespace = 'pg_toast'::regnamespace
         LEFT JOIN pg_class owner ON c.relnamespace = 'pg_toast'::regnamespace
           AND owner.reltoastrelid = coalesce(toast_index.indrelid, c.oid)
       )
       SELECT CASE WHEN m IS NULL THEN '(no block: commits etc., every database)'
                   WHEN NOT this_db OR NOT coalesce(ours, false) THEN '(other databases and schemas)'
                   ELSE relname END AS relation,
              kind, count(*)::int AS records, sum(record_length)::text AS bytes, sum(fpi_length)::text AS fpi
       FROM named GROUP BY 1, 2 ORDER BY sum(record_length) DESC`,
      [from, to, schema],
    );
    const perRelation = new Map<string, { bytes: number; fpi: number; kinds: string[] }>();
    for (const row of rows) {
      const entry = perRelation.get(row.relation) ?? { bytes: 0, fpi: 0, kinds: [] };
      entry.bytes += Number(row.bytes);
      entry.fpi += Number(row.fpi);
      if (entry.kinds.length < 3)
        entry.kinds.push(
          `${row.kind} ${(Number(row.bytes) / events).toFixed(0)} B (${row.records.toLocaleString('en')})`,
        );
      perRelation.set(row.relation, entry);
    }
    const ours = [...perRelation].filter(([relation]) => !relation.startsWith('('));
    const total = ours.reduce((sum, [, e]) => sum + e.bytes, 0);
    const totalFpi = ours.reduce((sum, [, e]) => sum + e.fpi, 0);
    return [
      [
        `${phase}: WAL of this run's schema (pg_walinspect, commit records not included)`,
        `${(total / events).toFixed(0)} B/event, of which full-page images ${(totalFpi / events).toFixed(0)} B`,
        '',
      ],
      ...[...perRelation]
        .sort((a, b) => b[1].bytes - a[1].bytes)
        .map(([relation, e]) => [
          `  ${phase}: WAL of ${relation}`,
          `${(e.bytes / events).toFixed(0)} B/event, of which full-page images ${(e.fpi / events).toFixed(0)} B`,
          e.kinds.join('; '),
        ]),
    ];
  } finally {
    await client.end();
  }
}

/** Alerts the collector has opened so far: a latency phase should open none (see makeEvent). */
async function alertCount(schema: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${schema}.alerts`);
    return rows[0]!.n;
  } finally {
    await client.end();
  }
}

/**
 * Lets the throughput phase's aftermath settle before the latency phase: the background rollup
 * applier catches up on 300k staged rows, and a CHECKPOINT writes out the pages that phase dirtied
 * (otherwise the checkpoint its WAL volume triggers lands inside the 30 s window and its fsyncs
 * stall WAL flushes for ~100 ms, as sampling pg_stat_activity showed: commits waiting on WALSync).
 */
async function settle(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (let i = 0; i < 600; i++) {
      const { rows } = await client.query<{ n: number }>(
        `SELECT (SELECT count(*) FROM ${schema}.report_staged_order_status)::int AS n`,
      );
      if (rows[0]!.n === 0) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    await client.query('CHECKPOINT');
  } finally {
    await client.end();
  }
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;

async function copyBaseline(schema: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(
    `CREATE TABLE ${schema}.copy_events (LIKE ${schema}.events INCLUDING ALL, PRIMARY KEY (source, id))`,
  );
  const lines = function* () {
    for (let n = 0; n < TOTAL; n++) {
      const e = makeEvent(n, Date.now());
      const payload = JSON.stringify(e).replaceAll('\\', '\\\\');
      yield `pos\t${e.id}\t${e.type}\t${e.occurred_at}\t${new Date().toISOString()}\t${e.order_id}\t${e.store_id}\t${payload}\n`;
    }
  };
  const started = performance.now();
  await pipeline(
    Readable.from(lines()),
    client.query(
      copyFrom(
        `COPY ${schema}.copy_events (source, id, type, occurred_at, received_at, order_id, store_id, payload) FROM STDIN`,
      ),
    ),
  );
  const seconds = (performance.now() - started) / 1000;
  await client.end();
  return TOTAL / seconds;
}

/**
 * The floor for acknowledgement latency: the same 50-event batches, each one autocommitted
 * INSERT of its rows into the COPY table by a plain pg pool — PostgreSQL's and the disk's share of
 * an acknowledgement, with no HTTP, validation, state or rules.
 */
function rawInsert(pool: pg.Pool, schema: string): Send {
  return async ({ events }) => {
    const started = performance.now();
    await pool.query(
      `INSERT INTO ${schema}.copy_events (source, id, type, occurred_at, received_at, order_id, store_id, payload)
       SELECT 'raw', id, type, occurred_at, now(), order_id, store_id, payload
       FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::text[], $5::text[], $6::jsonb[])
         AS t(id, type, occurred_at, order_id, store_id, payload)`,
      [
        events.map((e) => e.id),
        events.map((e) => e.type),
        events.map((e) => e.occurred_at),
        events.map((e) => e.order_id),
        events.map((e) => e.store_id),
        events.map((e) => JSON.stringify(e)),
      ],
    );
    return performance.now() - started;
  };
}

const ndjson = (events: object[]) => `${events.map((e) => JSON.stringify(e)).join('\n')}\n`;

async function post(base: string, events: object[]): Promise<number> {
  const started = performance.now();
  const res = await fetch(`${base}/v1/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-ndjson', authorization: `Bearer ${TOKENS.ingest}` },
    body: ndjson(events),
  });
  const body = (await res.json()) as { accepted: number };
  if (res.status !== 202 || body.accepted !== events.length)
    throw new Error(`unexpected reply ${res.status} ${JSON.stringify(body)}`);
  return performance.now() - started;
}

/**
 * The latency phase's sender: node:http on kept-alive sockets with the body built beforehand. The
 * load generator shares the machine's two cores with the collector and PostgreSQL; fetch, and
 * building each body on time, cost it about a quarter of a core, and whatever delays its event loop
 * is counted as the collector's latency.
 */
function poster(base: string): Send {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const { hostname, port } = new URL(base);
  return ({ events, body }) =>
    new Promise<number>((resolve, reject) => {
      const started = performance.now();
      const req = http.request(
        {
          agent,
          hostname,
          port,
          path: '/v1/events',
          method: 'POST',
          headers: {
            'content-type': 'application/x-ndjson',
            'content-length': Buffer.byteLength(body),
            authorization: `Bearer ${TOKENS.ingest}`,
          },
        },
        (res) => {
          let reply = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            reply += chunk;
          });
          res.on('end', () => {
            const elapsed = performance.now() - started;
            const accepted =
              res.statusCode === 202 ? (JSON.parse(reply) as { accepted: number }).accepted : -1;
            if (accepted === events.length) resolve(elapsed);
            else reject(new Error(`unexpected reply ${res.statusCode} ${reply}`));
          });
        },
      );
      req.on('error', reject);
      req.end(body);
    });
}

async function httpThroughput(base: string, offset: number): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < TOTAL) {
        const from = next;
        next += BATCH;
        const events = Array.from({ length: Math.min(BATCH, TOTAL - from) }, (_, i) =>
          makeEvent(offset + from + i, Date.now()),
        );
        await post(base, events);
      }
    }),
  );
  return TOTAL / ((performance.now() - started) / 1000);
}

interface Batch {
  events: ReturnType<typeof makeEvent>[];
  body: string;
}
type Send = (batch: Batch) => Promise<number>;

/** Open loop: a fixed number of events per second in small requests; latency of each acknowledgement. */
async function latencyAtRate(what: string, send: Send, perSecond: number, seconds: number, offset: number) {
  const perRequest = 50;
  const intervalMs = (1000 * perRequest) / perSecond;
  // Built before the clock starts, so the sender only sends; each batch dated when it is due (the
  // build takes about a second, so events arrive that much after their time).
  const dueFrom = Date.now();
  const batches: Batch[] = Array.from({ length: Math.ceil((perSecond * seconds) / perRequest) }, (_, b) => {
    const events = Array.from({ length: perRequest }, (_, i) =>
      makeEvent(offset + b * perRequest + i, dueFrom + b * intervalMs),
    );
    return { events, body: ndjson(events) };
  });
  const latencies: number[] = [];
  // Each request's send time (performance.now()) and latency, for lining up with what the
  // collector's backends were doing meanwhile (collector-observer.ts).
  const requests: { sentAt: number; ms: number }[] = [];
  // BENCH_LATENCY_TRACE=file: one line per request, "sent at (ms into the phase) latency (ms)", to
  // see whether slow acknowledgements cluster (and line them up with the collector's own timings).
  const trace: string[] = [];
  const inflight: Promise<void>[] = [];
  const started = performance.now();
  let n = 0;
  let failures = 0;
  while (n / perRequest < batches.length) {
    const due = started + (n / perRequest) * intervalMs;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const batch = batches[n / perRequest]!;
    n += perRequest;
    const sentAt = performance.now() - started;
    // A refused or failed request is counted, not thrown: an unhandled rejection here would end the
    // run before the collector is stopped and the schema dropped.
    inflight.push(
      send(batch).then(
        (ms) => {
          latencies.push(ms);
          requests.push({ sentAt: started + sentAt, ms });
          if (TRACE) trace.push(`${sentAt.toFixed(1)} ${ms.toFixed(2)}`);
        },
        (error: unknown) => {
          // The first few reasons go to stderr: a failed request is a finding, not noise.
          if (failures++ < 5)
            console.error(`${what}: request sent at ${sentAt.toFixed(0)} ms failed: ${error}`);
        },
      ),
    );
  }
  const sendingSeconds = (performance.now() - started) / 1000;
  await Promise.all(inflight);
  latencies.sort((a, b) => a - b);
  if (TRACE) await appendFile(TRACE, `# ${what} at ${perSecond}/s\n${trace.join('\n')}\n`);
  return {
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    achieved: n / sendingSeconds,
    failures,
    requests,
  };
}

/**
 * BENCH_ACK_PATH=log-only, a what-if and not the product: the acknowledged transaction stores only the
 * event log (createEventLogOnly in place of ingest_batch), i.e. what acknowledging could cost were the
 * fold into orders, payments and shipments applied after the ack. The collector's listings would then
 * be empty; its engine and panels are fed as usual.
 */
async function keepOnlyTheLog(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await createEventLogOnly(client, schema, 'ingest_batch');
  } finally {
    await client.end();
  }
}

async function main() {
  const schema = `bench_${run}`;
  // BENCH_PROFILE_DIR=dir writes the collector's CPU profile there (open it in Chrome DevTools).
  const profile = process.env.BENCH_PROFILE_DIR;
  const appName = `orderpulse-bench-${run}`;
  const collectorUrl = `${url}${url.includes('?') ? '&' : '?'}application_name=${appName}`;
  const collector = await spawnCollector(
    { DATABASE_URL: collectorUrl, ORDERPULSE_DB_SCHEMA: schema, LOG_LEVEL: 'error' },
    {
      nodeArgs: [
        ...(profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : []),
        // BENCH_NODE_ARGS: extra node flags for the collector (e.g. GC settings to compare).
        ...(process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
      ],
    },
  );
  try {
    if (process.env.BENCH_ACK_PATH === 'log-only') await keepOnlyTheLog(schema);
    const walHold = process.env.BENCH_WAL_BREAKDOWN ? await holdWal() : undefined;
    const walAtStart = await walSnapshot();
    const copyRate = await copyBaseline(schema);
    const walAfterCopy = await walSnapshot();
    const pid = collector.child.pid!;
    const before = await cpuSnapshot(url, pid, appName);
    const httpRate = await httpThroughput(collector.url, 10_000_000);
    const cpu = cpuUsed(before, await cpuSnapshot(url, pid, appName));
    await settle(schema);
    // After the settle, so the rollups the applier wrote for these events count too.
    const walAfterHttp = await walSnapshot();
    const walRows = walHold
      ? [
          ...(await walBreakdown('COPY', schema, walAtStart.lsn, walAfterCopy.lsn, TOTAL)),
          ...(await walBreakdown('HTTP', schema, walAfterCopy.lsn, walAfterHttp.lsn, TOTAL)),
        ]
      : [];
    const latencyRows: string[][] = [];
    for (const [i, rate] of LATENCY_RATES.entries()) {
      if (i > 0) await settle(schema);
      const beforeLatency = await cpuSnapshot(url, pid, appName);
      const loadBefore = process.cpuUsage();
      const walBefore = await walSnapshot();
      const alertsBefore = await alertCount(schema);
      const observer = await observeCollector(url, collector.url, appName);
      const latency = await latencyAtRate(
        'collector',
        poster(collector.url),
        rate,
        LATENCY_SECONDS,
        20_000_000 + i * 10_000_000,
      );
      const observation = await observer.stop();
      const latencyCpu = cpuUsed(beforeLatency, await cpuSnapshot(url, pid, appName));
      const loadCpu = process.cpuUsage(loadBefore);
      const walAfter = await walSnapshot();
      const alertsOpened = (await alertCount(schema)) - alertsBefore;
      // What that phase wrote, checkpoint images included (it starts right after a CHECKPOINT).
      const phaseWal = walHold
        ? (
            await walBreakdown(`${rate}/s`, schema, walBefore.lsn, walAfter.lsn, rate * LATENCY_SECONDS)
          ).slice(0, 8)
        : [];
      // The floor gets the same settled start as the collector's latency phase.
      await settle(schema);
      const pool = new pg.Pool({ connectionString: url, max: 8 });
      const floor = await latencyAtRate(
        'floor',
        rawInsert(pool, schema),
        rate,
        LATENCY_SECONDS,
        25_000_000 + i * 10_000_000,
      );
      await pool.end();
      const share = (seconds: number) => Math.round((seconds / LATENCY_SECONDS) * 100);
      latencyRows.push(
        [
          `ack latency at ${Math.round(latency.achieved).toLocaleString('en')} events/s offered (50/request, ${LATENCY_SECONDS} s)`,
          `p50 ${latency.p50.toFixed(1)} ms, p99 ${latency.p99.toFixed(1)} ms${latency.failures > 0 ? `, ${latency.failures} requests failed` : ''}` +
            `, checkpoints begun ${walAfter.checkpoints - walBefore.checkpoints}, alerts opened ${alertsOpened}`,
          // The load this rate puts on this machine, as the rate on the reference machine.
          `≈ ${Math.round((rate * REFERENCE_COPY_RATE) / copyRate).toLocaleString('en')}/s there`,
        ],
        [
          `raw INSERT of the same 50-event batches at the same rate, pg pool (floor for ack latency)`,
          `p50 ${floor.p50.toFixed(1)} ms, p99 ${floor.p99.toFixed(1)} ms${floor.failures > 0 ? `, ${floor.failures} failed` : ''}`,
          '',
        ],
        [
          'CPU in that ack-latency phase: collector / its PostgreSQL backends / this load generator (share of one core)',
          `${share(latencyCpu.collector)} % / ${share(latencyCpu.postgres)} % / ${share((loadCpu.user + loadCpu.system) / 1e6)} %`,
          '',
        ],
        ...observation.rows(latency.requests).map(([what, figure]) => [`  ${what}`, figure!, '']),
        ...phaseWal,
      );
    }
    await walHold?.end();
    const rows = [
      [
        'raw COPY into an events-shaped table (baseline)',
        `${Math.round(copyRate).toLocaleString('en')} rows/s`,
        '1.00×',
      ],
      [
        `HTTP /v1/events, NDJSON ${BATCH}/request, ${CONCURRENCY} callers`,
        `${Math.round(httpRate).toLocaleString('en')} events/s`,
        `${(httpRate / copyRate).toFixed(2)}×`,
      ],
      [
        'CPU per event in that phase: collector / its PostgreSQL backends',
        `${((cpu.collector / TOTAL) * 1e6).toFixed(1)} µs / ${((cpu.postgres / TOTAL) * 1e6).toFixed(1)} µs`,
        '',
      ],
      [
        'WAL per event: raw COPY / HTTP ingest (with its triggers and rollups)',
        `${Math.round((walAfterCopy.bytes - walAtStart.bytes) / TOTAL)} B / ${Math.round((walAfterHttp.bytes - walAfterCopy.bytes) / TOTAL)} B`,
        '',
      ],
      ...walRows,
      ...latencyRows,
    ];
    console.log(
      `\ningest vs COPY — ${TOTAL.toLocaleString('en')} events, PostgreSQL ${url.replace(/\/\/[^@]*@/, '//')}` +
        ` (the last column of an ack row: the rate that puts the same load on a machine that COPYs ${REFERENCE_COPY_RATE.toLocaleString('en')} rows/s, the issue's reference)`,
    );
    for (const [what, figure, ratio] of rows) console.log(`| ${what} | ${figure} | ${ratio} |`);
  } finally {
    collector.child.kill('SIGTERM');
    await collector.exited;
    // BENCH_COLLECTOR_LOG=file keeps what the collector printed (e.g. with BENCH_NODE_ARGS=--trace-gc).
    if (process.env.BENCH_COLLECTOR_LOG) await writeFile(process.env.BENCH_COLLECTOR_LOG, collector.output());
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
  }
}

await main();
