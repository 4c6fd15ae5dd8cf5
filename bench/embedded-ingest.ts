// Sustained ingest into `orderpulse serve` on the embedded store (PGlite, empty data dir), against the
// same process on PostgreSQL (DATABASE_URL, its own schema) in the same run. The collector runs in its
// own process as `npm start` runs it; this process is the load generator: the simulator's event mix
// (the promotion-day scenario's orders, payments and carrier checkpoints, as `orderpulse simulate`
// sends them without provider keys) posted open loop at fixed rates in 50-event requests. Open loop
// because `simulate --rate` sends 1,000-event requests once per second of its token bucket and keeps at
// most 16 in flight, which hides the ack latency a steady till stream sees.
// Per rate: events/s acknowledged (202 = committed, or a duplicate of a committed one), ack latency from each request's scheduled send
// time (so a stalled collector is not excused by a generator that waited), the collector's CPU
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
import type { WireEvent } from '../collector/src/simulator/actions.ts';
import { Scenario } from '../collector/src/simulator/scenario.ts';
import { defaultScenarioConfig } from '../collector/src/simulator/scenario-config.ts';
import { paymentEvent, shipmentEvents } from '../collector/src/simulator/sender/fallback-events.ts';
import { spawnCollector } from '../collector/test/support/spawn-collector.ts';
import { TOKENS } from '../collector/test/support/test-app.ts';
import { launchFlags } from './launch-flags.ts';
import { processCpuMs } from './process-cpu.ts';
import { rssMb } from './process-rss.ts';

const url = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const RATES = (process.env.BENCH_EMBEDDED_RATES ?? '500,1000,2000').split(',').map(Number);
const SECONDS = Number(process.env.BENCH_EMBEDDED_SECONDS ?? 20);
const WARMUP_SECONDS = 3;
const STORES = (process.env.BENCH_EMBEDDED_STORES ?? 'embedded,postgres').split(',') as (
  | 'embedded'
  | 'postgres'
)[];
const PER_REQUEST = 50;
/** Requests still unanswered this long after the window count as not acknowledged. */
const DRAIN_MS = 30_000;
const run = randomBytes(3).toString('hex');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The simulator's traffic for three hours of the default chain, in event-time order. */
function simulatorEvents(): string[] {
  const scenario = new Scenario(
    defaultScenarioConfig({ seed: 20261111, startMs: Date.now(), historyMs: 3 * 3_600_000, durationMs: 0 }),
  );
  const h = scenario.history();
  const events: WireEvent[] = [
    ...h.carryOverEvents,
    ...h.events,
    ...[...h.urgentPayments, ...h.payments].map(paymentEvent),
    ...[...h.carrierFirst, ...h.urgentPushes, ...h.pushes].flatMap(shipmentEvents),
  ];
  const at = (e: WireEvent) => Date.parse((e as { occurred_at: string }).occurred_at);
  events.sort((a, b) => at(a) - at(b));
  return events.map((e) => JSON.stringify(e));
}

async function waitReady(base: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const res = await fetch(`${base}/readyz`).catch(() => undefined);
    if (res?.ok) return;
    await sleep(200);
  }
  throw new Error(`${base}/readyz not ready within 120 s`);
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

interface Phase {
  accepted: number;
  duplicates: number;
  failed: number;
  unanswered: number;
  latencies: number[];
  seconds: number;
}

class Stream {
  #next = 0;
  constructor(private readonly lines: string[]) {}
  take(n: number): string {
    if (this.#next + n > this.lines.length)
      throw new Error('the scenario ran out of events; lower the rates');
    const body = `${this.lines.slice(this.#next, this.#next + n).join('\n')}\n`;
    this.#next += n;
    return body;
  }
}

/** Posts `rate` events/s for `seconds`, open loop; resolves once every request answered (or timed out). */
async function drive(base: string, stream: Stream, rate: number, seconds: number): Promise<Phase> {
  const interval = (1000 * PER_REQUEST) / rate;
  const requests = Math.round((rate * seconds) / PER_REQUEST);
  const phase: Phase = { accepted: 0, duplicates: 0, failed: 0, unanswered: 0, latencies: [], seconds: 0 };
  const started = performance.now();
  let lastAck = started;
  const pending: Promise<void>[] = [];
  for (let i = 0; i < requests; i++) {
    const due = started + i * interval;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    const body = stream.take(PER_REQUEST);
    pending.push(
      fetch(`${base}/v1/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-ndjson', authorization: `Bearer ${TOKENS.ingest}` },
        body,
        signal: AbortSignal.timeout(seconds * 1000 + DRAIN_MS),
      })
        .then(async (res) => {
          const text = await res.text();
          if (res.status !== 202) {
            phase.failed++;
            return;
          }
          const reply = JSON.parse(text) as { accepted: number; duplicates: number };
          phase.accepted += reply.accepted;
          phase.duplicates += reply.duplicates;
          lastAck = performance.now();
          phase.latencies.push(lastAck - due);
        })
        .catch(() => {
          phase.unanswered++;
        }),
    );
  }
  await Promise.all(pending);
  phase.seconds = (Math.max(lastAck, started + seconds * 1000) - started) / 1000;
  phase.latencies.sort((a, b) => a - b);
  return phase;
}

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
