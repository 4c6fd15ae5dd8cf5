// What an alert storm costs: the collector's and its PostgreSQL backends' CPU for order traffic in
// which every order fires order_stalled and resolves it, against the same traffic with no alert
// (the baseline, interleaved in the same run). Each second, BENCH_PAIRS orders arrive as `created` +
// `paid` in one request and `picking` in a second one half a second later; in a storm phase the
// `paid` is dated 150 s back, past its 2-minute deadline, so the alert fires on arrival and the
// `picking` resolves it. No viewers and no receivers: the alert book, its table and the gauges only.
//   npx tsx bench/alert-storm.ts    (BENCH_PAIRS=200, BENCH_SECONDS=20, BENCH_ROUNDS=2,
//                                    BENCH_DATABASE_URL as the other benches)
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { spawnCollector } from '../collector/test/support/spawn-collector.ts';
import { TOKENS } from '../collector/test/support/test-app.ts';
import { cpuSnapshot, cpuUsed } from './process-cpu.ts';

const url = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const PAIRS = Number(process.env.BENCH_PAIRS ?? 200);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const STALL_MS = 150_000;
const run = randomBytes(3).toString('hex');
const schema = `bench_${run}`;
const appName = `orderpulse-bench-${run}`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function alertCounts(): Promise<{ opened: number; resolved: number }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ opened: number; resolved: number }>(
      `SELECT count(*)::int AS opened, count(resolved_at)::int AS resolved FROM ${schema}.alerts`,
    );
    return rows[0]!;
  } finally {
    await client.end();
  }
}

interface Phase {
  seconds: number;
  /** CPU ms per second of the phase */
  collectorMs: number;
  postgresMs: number;
  opened: number;
  resolved: number;
}

async function main() {
  const collector = await spawnCollector({
    DATABASE_URL: `${url}${url.includes('?') ? '&' : '?'}application_name=${appName}`,
    ORDERPULSE_DB_SCHEMA: schema,
    LOG_LEVEL: 'error',
  });
  const pid = collector.child.pid!;
  let order = 0;

  const post = async (events: object[]) => {
    const res = await fetch(`${collector.url}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKENS.ingest}` },
      body: JSON.stringify(events),
    });
    if (res.status !== 202) throw new Error(`ingest answered ${res.status}: ${await res.text()}`);
  };
  const status = (o: string, i: number, suffix: string, at: number, value: string) => ({
    id: `${o}-${suffix}`,
    type: 'order.status',
    occurred_at: new Date(at).toISOString(),
    order_id: o,
    store_id: `S${String(i % 327).padStart(3, '0')}`,
    status: value,
    amount_fen: 1000 + i,
  });

  /** CPU in ms per second of the phase, and the alerts it opened and resolved. */
  async function phase(storm: boolean): Promise<Phase> {
    const alertsBefore = await alertCounts();
    const before = await cpuSnapshot(url, pid, appName);
    const started = Date.now();
    for (let s = 0; s < SECONDS; s++) {
      const paidAt = Date.now() - (storm ? STALL_MS : 0);
      const orders = Array.from({ length: PAIRS }, () => `o${run}-${order++}`);
      await post(
        orders.flatMap((o, i) => [
          status(o, i, 'c', paidAt - 1_000, 'created'),
          status(o, i, 'p', paidAt, 'paid'),
        ]),
      );
      await sleep(500);
      await post(orders.map((o, i) => status(o, i, 'k', Date.now(), 'picking')));
      await sleep(started + (s + 1) * 1_000 - Date.now());
    }
    // Let the last resolutions and the alert writes behind them finish inside the phase.
    await sleep(2_000);
    const cpu = cpuUsed(before, await cpuSnapshot(url, pid, appName));
    const seconds = (Date.now() - started) / 1000;
    const alertsAfter = await alertCounts();
    return {
      seconds,
      collectorMs: (cpu.collector * 1000) / seconds,
      postgresMs: (cpu.postgres * 1000) / seconds,
      opened: alertsAfter.opened - alertsBefore.opened,
      resolved: alertsAfter.resolved - alertsBefore.resolved,
    };
  }

  try {
    await phase(false); // warm-up: JIT, pool, the first chunks of every table
    const quiet: Phase[] = [];
    const storm: Phase[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      quiet.push(await phase(false));
      storm.push(await phase(true));
    }
    const mean = (xs: Phase[], f: (p: Phase) => number) => xs.reduce((a, p) => a + f(p), 0) / xs.length;
    const row = (what: string, p: Phase) =>
      `| ${what} | ${(p.collectorMs / 10).toFixed(1)} % | ${(p.postgresMs / 10).toFixed(1)} % | ${p.opened} / ${p.resolved} |`;
    console.log(
      `\nalert storm — ${PAIRS} orders/s, ${SECONDS} s phases, ${ROUNDS} rounds, PostgreSQL ${url.replace(/\/\/[^@]*@/, '//')}`,
    );
    console.log(
      '| phase | collector CPU (share of a core) | its PostgreSQL backends | alerts opened / resolved |',
    );
    console.log('|---|---|---|---|');
    for (let r = 0; r < ROUNDS; r++) {
      console.log(row(`round ${r + 1}: no alerts (baseline)`, quiet[r]!));
      console.log(row(`round ${r + 1}: every order fires and resolves`, storm[r]!));
    }
    // CPU per second over alert pairs per second: the cost of one fire + resolve.
    const pairs = mean(storm, (p) => p.opened / p.seconds);
    const extra = (f: (p: Phase) => number) => (mean(storm, f) - mean(quiet, f)) / pairs;
    console.log(
      `| one fire + resolve, over the baseline | ${extra((p) => p.collectorMs).toFixed(3)} ms | ${extra((p) => p.postgresMs).toFixed(3)} ms | |`,
    );
    if (storm.some((p) => p.opened !== PAIRS * SECONDS || p.resolved !== PAIRS * SECONDS))
      console.log('(a storm phase did not open and resolve one alert per order: the figure is off)');
    if (quiet.some((p) => p.opened !== 0)) console.log('(a baseline phase opened alerts: the figure is off)');
  } finally {
    collector.child.kill('SIGTERM');
    await collector.exited;
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
  }
}

await main();
