// Detection latency: OrderPulse's RuleEngine (+ the alert lifecycle) woken at its next deadline by the
// collector's clock (TickLoop, 50 ms period besides), against the same engine on a plain 50 ms tick
// (the clock before the deadline wake-up) and the way a Grafana/SQL-polling setup detects the same
// stalls (a SELECT every 10 s on a real PostgreSQL table).
//   node --expose-gc --import tsx bench/detection-vs-polling.ts
// Env: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test; an own schema, dropped after),
//      BENCH_SIZES (tracked open orders, default 100000,1000000), BENCH_WINDOW_S (seconds over which deadlines
//      pass, default 20), BENCH_EXPIRE_PER_S (orders whose deadline passes per second, default 1000),
//      BENCH_FAST_POLL_S (a second poller at this interval, default 1; 0 skips it), BENCH_POLLING (0 skips
//      the SQL pollers: the engine's two clocks only).
//
// Both sides hold the same orders: 30 % paid (deadline 2 min after paid), 40 % picking (30 min), 30 %
// packed (12 h), across 327 stores; on top, EXPIRE_PER_S × WINDOW_S paid orders whose deadlines are
// staggered evenly over the window, so some pass every tick. Latency = when the alert exists − dueAt.
import { randomBytes, randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import pg from 'pg';
import { AlertBook } from '../collector/src/alerting/alert-book.ts';
import { TickLoop } from '../collector/src/alerting/tick-loop.ts';
import { applySignal } from '../collector/src/domain/alerts/lifecycle.ts';
import type { OrderState } from '../collector/src/domain/order-lifecycle.ts';
import { RuleEngine } from '../collector/src/domain/rules/engine.ts';
import { DEFAULT_RULE_PARAMS } from '../collector/src/domain/rules/params.ts';
import { processCpuMs } from './process-cpu.ts';

const url = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const SIZES = (process.env.BENCH_SIZES ?? '100000,1000000').split(',').map(Number);
const WINDOW_MS = Number(process.env.BENCH_WINDOW_S ?? 20) * 1000;
const EXPIRE_PER_S = Number(process.env.BENCH_EXPIRE_PER_S ?? 1000);
const TICK_MS = 50;
const POLL_EVERY_MS = 10_000;
/** A second poller, polling this often, shows what shorter intervals cost (0: skip it). */
const FAST_POLL_MS = Number(process.env.BENCH_FAST_POLL_S ?? 1) * 1000;
const POLLING = process.env.BENCH_POLLING !== '0';
const PAID_LIMIT_MS = DEFAULT_RULE_PARAMS.order_stalled.limitsMs.paid!;
const STORES = 327;

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc --import tsx bench/detection-vs-polling.ts');
const heapUsed = () => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));
const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0
    ? Number.NaN
    : sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
};
// Flat strings, as JSON.parse makes them from a request body (a template literal would build a rope).
const flat = (s: string): string => JSON.parse(`"${s}"`);
const storeOf = (i: number) => `S${String(i % STORES).padStart(3, '0')}`;

/** The bulk of open orders, none due inside the measurement (the same formula as the SQL below). */
function bulkOrder(i: number, t0: number): OrderState {
  const kind = i % 10;
  const status = kind < 3 ? 'paid' : kind < 7 ? 'picking' : 'packed';
  // paid: entered up to 30 s before t0 + 60 s → due 150–180 s after t0, well after the window.
  const statusAt =
    status === 'paid'
      ? t0 + 60_000 - (i % 30_000)
      : status === 'picking'
        ? t0 - (i % 1_200_000)
        : t0 - (i % 3_600_000);
  return order(flat(`O${String(i).padStart(9, '0')}`), storeOf(i), status, statusAt);
}

function order(
  orderId: string,
  storeId: string,
  status: 'paid' | 'picking' | 'packed',
  statusAt: number,
): OrderState {
  return {
    orderId,
    storeId,
    status,
    statusAt,
    createdAt: statusAt - 60_000,
    paidAt: statusAt - (status === 'paid' ? 0 : 30_000),
    paymentAt: undefined,
    amountFen: 1000 + ((orderId.length * 7919) % 50_000),
    amountAt: statusAt,
    region: 'GD',
    regionAt: statusAt,
    channel: 'miniapp',
    channelAt: statusAt,
    updatedAt: statusAt,
  };
}

function* bulk(n: number, t0: number): Generator<OrderState> {
  for (let i = 0; i < n; i++) yield bulkOrder(i, t0);
}

/** The orders whose deadlines pass during the window, evenly staggered from `start`. */
function* expiring(k: number, start: number): Generator<OrderState> {
  for (let j = 0; j < k; j++) {
    const dueAt = start + Math.floor((j * WINDOW_MS) / k);
    yield order(flat(`X${String(j).padStart(9, '0')}`), storeOf(j), 'paid', dueAt - PAID_LIMIT_MS);
  }
}

type EngineClock = 'deadline wake' | 'tick';

interface EngineFigures {
  n: number;
  clock: EngineClock;
  wakes: number;
  latencies: number[];
  expected: number;
  tickP99: number;
  tickMax: number;
  cpuMsPerMin: number;
  bytesPerOrder: number;
  restoreS: number;
}

async function runEngine(n: number, clock: EngineClock): Promise<EngineFigures> {
  const k = Math.min(EXPIRE_PER_S * (WINDOW_MS / 1000), Math.floor(n / 2));
  const before = heapUsed();
  const engine = new RuleEngine(DEFAULT_RULE_PARAMS);
  const book = new AlertBook();
  const started = performance.now();
  engine.restore(bulk(n - k, Date.now()), [], Date.now());
  // Deadlines start passing one second after everything is tracked.
  const windowStart = Date.now() + 1000;
  engine.restore(expiring(k, windowStart), [], Date.now());
  const restoreS = (performance.now() - started) / 1000;
  const bytesPerOrder = (heapUsed() - before) / engine.trackedCount().orders;

  const latencies: number[] = [];
  const tickMs: number[] = [];
  const cpu = process.cpuUsage();
  const cpuStarted = performance.now();
  let finished = () => {};
  await new Promise<void>((resolve) => {
    /** One tick: fire what is due, through the alert lifecycle; true once the window is over. */
    const tick = (): boolean => {
      const now = Date.now();
      const t = performance.now();
      for (const signal of engine.tick(now)) {
        const current = book.latest(signal.rule, signal.entityType, signal.entityId);
        const { alert } = applySignal(current, signal, engine.ruleTiming(signal.rule), now, randomUUID);
        if (alert === undefined) continue;
        book.put(alert);
        if (signal.condition === 'firing' && signal.entityId.startsWith('X'))
          latencies.push(Date.now() - signal.at);
      }
      tickMs.push(performance.now() - t);
      return now > windowStart + WINDOW_MS + 500;
    };
    if (clock === 'tick') {
      const timer = setInterval(() => {
        if (!tick()) return;
        clearInterval(timer);
        resolve();
      }, TICK_MS);
      return;
    }
    // The collector's clock, as AlertingService drives it: re-armed after each engine pass.
    const loop: TickLoop = new TickLoop(
      async () => {
        const over = tick();
        loop.wake();
        if (!over) return;
        loop.stop();
        resolve();
      },
      { now: Date.now, earliestDueAt: () => engine.nextDueAt() },
      undefined,
      undefined,
    );
    // The clock's timer does not hold the process open (unref); this does, for the measurement.
    const keepAlive = setInterval(() => {}, 1000);
    loop.start(TICK_MS);
    finished = () => clearInterval(keepAlive);
  });
  finished();
  const used = process.cpuUsage(cpu);
  const minutes = (performance.now() - cpuStarted) / 60_000;
  return {
    n,
    clock,
    wakes: tickMs.length,
    latencies,
    expected: k,
    tickP99: percentile(tickMs, 0.99),
    tickMax: Math.max(...tickMs),
    cpuMsPerMin: (used.user + used.system) / 1000 / minutes,
    bytesPerOrder,
    restoreS,
  };
}

interface PollingFigures {
  n: number;
  latencies: number[];
  expected: number;
  polls: number;
  queryP50: number;
  queryMax: number;
  rowsReturnedLast: number;
  cpuMsPerMin: number | undefined;
  clientCpuMsPerMin: number;
  plan: string;
  rowsScanned: number;
  execMs: number;
  buffers: string;
  bytesPerOrder: number;
  seqScan: { execMs: number; rowsScanned: number } | undefined;
  loadS: number;
}

interface Explained {
  plan: string;
  rowsScanned: number;
  execMs: number;
  buffers: string;
}

async function explain(client: pg.Client, sql: string): Promise<Explained> {
  const { rows } = await client.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${sql}`);
  const root = (rows[0] as { 'QUERY PLAN': [{ Plan: PlanNode; 'Execution Time': number }] })['QUERY PLAN'][0];
  let scanned = 0;
  const kinds: string[] = [];
  const walk = (node: PlanNode) => {
    if (node['Node Type'].includes('Scan')) {
      kinds.push(node['Index Name'] ? `${node['Node Type']} on ${node['Index Name']}` : node['Node Type']);
      const loops = node['Actual Loops'] ?? 1;
      // Leaves read the rows; a bitmap heap scan above its index scan only filters them again.
      const read = node.Plans === undefined ? node['Actual Rows'] : 0;
      scanned += (read + (node['Rows Removed by Filter'] ?? 0)) * loops;
    }
    for (const child of node.Plans ?? []) walk(child);
  };
  walk(root.Plan);
  const hit = root.Plan['Shared Hit Blocks'] ?? 0;
  const read = root.Plan['Shared Read Blocks'] ?? 0;
  return {
    plan: kinds.join(' + '),
    rowsScanned: scanned,
    execMs: root['Execution Time'],
    buffers: `${hit + read} pages (${read} read)`,
  };
}

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Actual Rows': number;
  'Actual Loops'?: number;
  'Rows Removed by Filter'?: number;
  'Shared Hit Blocks'?: number;
  'Shared Read Blocks'?: number;
  Plans?: PlanNode[];
}

const POLL_SQL = `SELECT order_id, store_id, status_at FROM orders
  WHERE status = 'paid' AND status_at < now() - interval '2 minutes'`;

async function runPolling(n: number, everyMs: number, withSeqScan: boolean): Promise<PollingFigures> {
  const k = Math.min(EXPIRE_PER_S * (WINDOW_MS / 1000), Math.floor(n / 2));
  const schema = `bench_poll_${randomBytes(3).toString('hex')}`;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`CREATE SCHEMA ${schema}; SET search_path TO ${schema}`);
    // The shape an order table has in a shop's own database, indexed for this very query.
    await client.query(`CREATE TABLE orders (
      order_id text PRIMARY KEY, store_id text NOT NULL, status text NOT NULL, status_at timestamptz NOT NULL,
      amount_fen int NOT NULL, region text, channel text, created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL)`);
    const loadStarted = performance.now();
    const t0 = Date.now();
    await client.query(
      `INSERT INTO orders
       SELECT 'O' || lpad(i::text, 9, '0'), 'S' || lpad((i % ${STORES})::text, 3, '0'), s.status, s.at,
              1000 + i % 50000, 'GD', 'miniapp', s.at - interval '1 minute', s.at
       FROM generate_series(0, $2::int - 1) AS i,
       LATERAL (SELECT CASE WHEN i % 10 < 3 THEN 'paid' WHEN i % 10 < 7 THEN 'picking' ELSE 'packed' END AS status,
                       to_timestamp($1::float8 / 1000) + CASE
                         WHEN i % 10 < 3 THEN (60000 - i % 30000) * interval '1 millisecond'
                         WHEN i % 10 < 7 THEN -(i % 1200000) * interval '1 millisecond'
                         ELSE -(i % 3600000) * interval '1 millisecond' END AS at) s`,
      [t0, n - k],
    );
    await client.query('CREATE INDEX orders_status_at ON orders (status, status_at)');
    const windowStart = Date.now() + 2000;
    await client.query(
      `INSERT INTO orders
       SELECT 'X' || lpad(j::text, 9, '0'), 'S' || lpad((j % ${STORES})::text, 3, '0'), 'paid', at, 1000, 'GD',
              'miniapp', at - interval '1 minute', at
       FROM generate_series(0, $2::int - 1) AS j,
       LATERAL (SELECT to_timestamp(($1::float8 + floor(j::float8 * $3 / $2) - ${PAID_LIMIT_MS}) / 1000) AS at) s`,
      [windowStart, k, WINDOW_MS],
    );
    await client.query('ANALYZE orders');
    const loadS = (performance.now() - loadStarted) / 1000;
    const { rows: sizeRows } = await client.query(`SELECT pg_total_relation_size('orders') AS bytes`);
    const bytesPerOrder = Number(sizeRows[0].bytes) / n;
    const { rows: pidRows } = await client.query('SELECT pg_backend_pid() AS pid');
    const pid = Number(pidRows[0].pid);

    // Deadlines pass evenly between polls, so each one waits 0–10 s for the next poll.
    await sleep(windowStart - Date.now());
    const seen = new Set<string>();
    const latencies: number[] = [];
    const queryMs: number[] = [];
    let rowsReturnedLast = 0;
    const cpuBefore = processCpuMs(pid);
    const clientCpu = process.cpuUsage();
    const cpuStarted = performance.now();
    let next = performance.now();
    while (Date.now() < windowStart + WINDOW_MS + everyMs) {
      const t = performance.now();
      const { rows } = await client.query<{ order_id: string; status_at: Date }>(POLL_SQL);
      const detectedAt = Date.now();
      queryMs.push(performance.now() - t);
      rowsReturnedLast = rows.length;
      for (const row of rows) {
        if (!row.order_id.startsWith('X') || seen.has(row.order_id)) continue;
        seen.add(row.order_id);
        latencies.push(detectedAt - (row.status_at.getTime() + PAID_LIMIT_MS));
      }
      next += everyMs;
      await sleep(next - performance.now());
    }
    const cpuAfter = processCpuMs(pid);
    const minutes = (performance.now() - cpuStarted) / 60_000;
    const clientUsed = process.cpuUsage(clientCpu);
    const indexed = await explain(client, POLL_SQL);
    const seq: Explained[] = [];
    if (withSeqScan) {
      await client.query('DROP INDEX orders_status_at');
      for (let i = 0; i < 3; i++) seq.push(await explain(client, POLL_SQL));
    }
    return {
      n,
      latencies,
      expected: k,
      polls: queryMs.length,
      queryP50: percentile(queryMs, 0.5),
      queryMax: Math.max(...queryMs),
      rowsReturnedLast,
      cpuMsPerMin:
        cpuBefore === undefined || cpuAfter === undefined ? undefined : (cpuAfter - cpuBefore) / minutes,
      clientCpuMsPerMin: (clientUsed.user + clientUsed.system) / 1000 / minutes,
      ...indexed,
      bytesPerOrder,
      seqScan:
        seq.length === 0
          ? undefined
          : {
              execMs: percentile(
                seq.map((s) => s.execMs),
                0.5,
              ),
              rowsScanned: seq[0]!.rowsScanned,
            },
      loadS,
    };
  } finally {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => {});
    await client.end();
  }
}

const ms = (v: number) => (v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${v.toFixed(v < 10 ? 1 : 0)} ms`);
const count = (v: number) => Math.round(v).toLocaleString('en');

async function main(): Promise<void> {
  const load = () =>
    loadavg()
      .map((l) => l.toFixed(1))
      .join(' ');
  const rows: string[][] = [];
  const notes: string[] = [];
  for (const n of SIZES) {
    const loadBefore = load();
    const engines: EngineFigures[] = [];
    for (const clock of ['tick', 'deadline wake'] as const) {
      engines.push(await runEngine(n, clock));
      gc?.();
    }
    for (const e of engines) {
      rows.push([
        e.clock === 'tick'
          ? `RuleEngine + lifecycle, ${TICK_MS} ms tick`
          : `RuleEngine + lifecycle, woken at the next deadline (${TICK_MS} ms period besides)`,
        count(n),
        ms(percentile(e.latencies, 0.5)),
        ms(percentile(e.latencies, 0.99)),
        ms(Math.max(...e.latencies)),
        `${count(e.wakes)} ticks, p99 ${ms(e.tickP99)}, max ${ms(e.tickMax)}`,
        `${count(e.cpuMsPerMin)} (node)`,
        `${e.bytesPerOrder.toFixed(0)} B heap`,
      ]);
      const eMiss = e.expected - e.latencies.length;
      notes.push(
        `n=${count(n)}, ${e.clock}: ${count(e.expected)} deadlines passed over ${WINDOW_MS / 1000} s, ${count(e.latencies.length)} alerts${eMiss ? `, ${eMiss} MISSING` : ''}; restore ${e.restoreS.toFixed(1)} s`,
      );
    }
    const e = engines[1]!;
    if (!POLLING) {
      notes.push(`n=${count(n)}: loadavg ${loadBefore} → ${load()}`);
      continue;
    }
    const p = await runPolling(n, POLL_EVERY_MS, true);
    const fast = FAST_POLL_MS > 0 ? await runPolling(n, FAST_POLL_MS, false) : undefined;
    const pMiss = p.expected - p.latencies.length;
    const pollRow = (q: PollingFigures, every: number) => [
      `SQL poll every ${every / 1000} s, index (status, status_at)`,
      count(n),
      ms(percentile(q.latencies, 0.5)),
      ms(percentile(q.latencies, 0.99)),
      ms(Math.max(...q.latencies)),
      `query p50 ${ms(q.queryP50)}, max ${ms(q.queryMax)}; ${count(q.rowsScanned)} rows scanned, ${q.buffers}`,
      `${q.cpuMsPerMin === undefined ? 'n/a' : count(q.cpuMsPerMin)} (PG backend) + ${count(q.clientCpuMsPerMin)} (node client)`,
      `${q.bytesPerOrder.toFixed(0)} B table+indexes`,
    ];
    rows.push(pollRow(p, POLL_EVERY_MS));
    if (p.seqScan) {
      rows.push([
        '  same poll without that index',
        count(n),
        '',
        '',
        '',
        `exec ${ms(p.seqScan.execMs)}; ${count(p.seqScan.rowsScanned)} rows scanned`,
        `≈ ${count((p.seqScan.execMs * 60_000) / POLL_EVERY_MS)} (exec time × ${60_000 / POLL_EVERY_MS})`,
        '',
      ]);
    }
    if (fast) rows.push(pollRow(fast, FAST_POLL_MS));
    const fMiss = fast ? fast.expected - fast.latencies.length : 0;
    notes.push(
      `n=${count(n)}: ${count(e.expected)} deadlines passed over ${WINDOW_MS / 1000} s (${count(p.latencies.length)} found by ${p.polls} polls${pMiss ? `, ${pMiss} MISSING` : ''}${fast ? `; ${count(fast.latencies.length)} by ${fast.polls} fast polls${fMiss ? `, ${fMiss} MISSING` : ''}` : ''}); PG load ${p.loadS.toFixed(1)} s; last poll returned ${count(p.rowsReturnedLast)} rows; plan ${p.plan}; loadavg ${loadBefore} → ${load()}`,
    );
  }
  const header = [
    'detector',
    'tracked orders',
    'latency p50',
    'p99',
    'max',
    'work per check',
    'CPU ms per minute',
    'memory per order',
  ];
  process.stdout.write(
    `\nDetection latency: deadline passed → alert exists (${url.replace(/\/\/[^@]*@/, '//')})\n`,
  );
  process.stdout.write(`| ${header.join(' | ')} |\n|${header.map(() => '---').join('|')}|\n`);
  for (const row of rows) process.stdout.write(`| ${row.join(' | ')} |\n`);
  for (const note of notes) process.stdout.write(`  ${note}\n`);
}

await main();
