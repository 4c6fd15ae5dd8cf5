// A rule backtest over a week of a chain's order events on real PostgreSQL: the time of the replay
// POST /v1/rules/backtest runs (runBacktest: the orders the draft can fire on, chosen in SQL, their
// events in JSON pages, the engine's fold), next to plain scans of the same rows in the same run;
// `--full` also times the replay of every order (a draft that cannot be pre-selected).
//   npx tsx bench/rule-backtest.ts [postgres://postgres@127.0.0.1:5432/postgres] [--days 7]
//     [--stores 327] [--orders 400] [--warm-up-days 1] [--rounds 1] [--keep] [--skip-read] [--full]
//     [--parts 1|2|4]
//     [--database op_backtest_xxxxxx --to <the window end it printed>]   (reuse a kept database)
// Creates a fresh database (dropped at the end unless --keep), runs the product's migrations and
// COPYs the history into `events` in event-time order, as a live collector would have appended it
// (the reporting triggers are switched off for the load: the replay reads only `events`). Each order
// has created (amount, region, channel), paid, shipped and delivered events, or created then
// cancelled; `--warm-up-days` of history before the window give the orders their facts, as in
// production.
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { runBacktest } from '../collector/src/backtest/run-backtest.ts';
import { replayEvents } from '../collector/src/store/event-replay.ts';
import { openDatabase } from '../collector/src/store/open-database.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    days: { type: 'string', default: '7' },
    stores: { type: 'string', default: '327' },
    orders: { type: 'string', default: '400' },
    'warm-up-days': { type: 'string', default: '1' },
    keep: { type: 'boolean', default: false },
    rounds: { type: 'string', default: '1' },
    // Leave out the baseline of the keyset pages read without rules (minutes on a loaded machine).
    'skip-read': { type: 'boolean', default: false },
    // Also time the replay of every order (what a draft that cannot be pre-selected costs).
    full: { type: 'boolean', default: false },
    // Connections the chosen orders are split over (runBacktest's default on PostgreSQL: 2).
    parts: { type: 'string' },
    // Re-measure on a database an earlier --keep run loaded (its `to` is printed), without the COPY.
    database: { type: 'string' },
    to: { type: 'string' },
  },
});
const serverUrl =
  positionals[0] ?? process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const DAYS = Number(values.days);
const WARM_UP_DAYS = Number(values['warm-up-days']);
const STORES = Number(values.stores);
const ORDERS_PER_STORE_DAY = Number(values.orders);
const SCHEMA = 'orderpulse';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const MINUTE = 60_000;

const DRAFT = `rules:
  - name: remote_high_value
    when: type == "order.status" and status == "paid" and amount_fen > 50000 and region in ["西藏", "新疆", "青海"]
    severity: warning
    tags: [priority]
`;
const REGIONS = [
  '广东',
  '浙江',
  '江苏',
  '上海',
  '北京',
  '四川',
  '湖北',
  '山东',
  '西藏',
  '新疆',
  '青海',
  '福建',
];
const CHANNELS = ['taobao', 'jd', 'miniapp', 'pos'];

const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
const seconds = (ms: number) => (Number.isNaN(ms) ? '— (not run)' : (ms / 1000).toFixed(2));

/** A deterministic generator (mulberry32), so every run loads the same history. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Generated {
  orders: number;
  events: number;
  /** What the draft must find: paid events inside the window of remote orders over ¥500. */
  expectedFirings: number;
}

/**
 * COPY lines in event-time order: orders are made hour by hour of creation; their later events wait
 * in hourly buckets, and a bucket is written once no order still to be made can add to it.
 */
function* historyLines(start: number, end: number, windowFrom: number, out: Generated): Generator<string> {
  const rand = random(1);
  const buckets = new Map<number, Array<{ at: number; line: string }>>();
  const ordersPerHour = (STORES * ORDERS_PER_STORE_DAY) / 24;
  let seq = 0;
  const put = (at: number, line: string) => {
    const hour = Math.floor(at / HOUR);
    let bucket = buckets.get(hour);
    if (bucket === undefined) {
      bucket = [];
      buckets.set(hour, bucket);
    }
    bucket.push({ at, line });
  };
  const event = (order: string, store: string, at: number, status: string, extra: object = {}) => {
    const id = `e${++seq}`;
    const payload = JSON.stringify({
      id,
      source: 'oms',
      type: 'order.status',
      occurredAt: at,
      orderId: order,
      storeId: store,
      status,
      ...extra,
    });
    const time = new Date(at).toISOString();
    put(at, `oms\t${id}\torder.status\t${time}\t${time}\t${order}\t${store}\t${payload}\n`);
    out.events++;
  };
  const flushBefore = function* (hour: number) {
    for (const h of [...buckets.keys()].sort((a, b) => a - b)) {
      if (h >= hour) break;
      const bucket = buckets.get(h)!;
      buckets.delete(h);
      bucket.sort((a, b) => a.at - b.at);
      for (const e of bucket) yield e.line;
    }
  };
  for (let hourStart = start; hourStart < end; hourStart += HOUR) {
    for (let n = 0; n < ordersPerHour; n++) {
      const order = `O${++out.orders}`;
      const store = `S${String(Math.floor(rand() * STORES) + 1).padStart(3, '0')}`;
      const createdAt = hourStart + Math.floor(rand() * HOUR);
      const amount = 1_000 + Math.floor(rand() * 80_000);
      const region = REGIONS[Math.floor(rand() * REGIONS.length)]!;
      const channel = CHANNELS[Math.floor(rand() * CHANNELS.length)]!;
      event(order, store, createdAt, 'created', { amountFen: amount, region, channel });
      if (rand() < 0.05) {
        const cancelledAt = createdAt + Math.floor(rand() * 30 * MINUTE);
        if (cancelledAt < end) event(order, store, cancelledAt, 'cancelled');
        continue;
      }
      const paidAt = createdAt + MINUTE + Math.floor(rand() * 10 * MINUTE);
      const shippedAt = paidAt + HOUR + Math.floor(rand() * 6 * HOUR);
      const deliveredAt = shippedAt + 6 * HOUR + Math.floor(rand() * 12 * HOUR);
      if (paidAt < end) {
        event(order, store, paidAt, 'paid');
        if (paidAt >= windowFrom && amount > 50_000 && ['西藏', '新疆', '青海'].includes(region))
          out.expectedFirings++;
      }
      if (shippedAt < end) event(order, store, shippedAt, 'shipped');
      if (deliveredAt < end) event(order, store, deliveredAt, 'delivered');
    }
    yield* flushBefore(Math.floor((hourStart + HOUR) / HOUR));
  }
  yield* flushBefore(Number.POSITIVE_INFINITY);
}

const reuse = values.database !== undefined;
const database = values.database ?? `op_backtest_${randomBytes(3).toString('hex')}`;
const admin = new pg.Client({ connectionString: serverUrl });
await admin.connect();
if (!reuse) await admin.query(`CREATE DATABASE ${database}`);
const dbUrl = new URL(serverUrl);
dbUrl.pathname = `/${database}`;
let db: Awaited<ReturnType<typeof openDatabase>> | undefined;
const loader = new pg.Client({ connectionString: dbUrl.toString(), options: `-c search_path=${SCHEMA}` });
try {
  process.stdout.write(
    `rule backtest: ${DAYS} days (+${WARM_UP_DAYS} warm-up) × ${STORES} stores × ${ORDERS_PER_STORE_DAY} orders/store/day; ` +
      `database ${database}; ${new Date().toISOString()}; loadavg ${load()}\n`,
  );
  // One connection per part of the replay and one counting the window's events.
  db = await openDatabase({ databaseUrl: dbUrl.toString(), schema: SCHEMA, poolSize: 3 });
  await loader.connect();

  const to = values.to === undefined ? Math.floor(Date.now() / HOUR) * HOUR : Date.parse(values.to);
  const from = to - DAYS * DAY;
  const generated: Generated = { orders: 0, events: 0, expectedFirings: 0 };
  let started = performance.now();
  const history = historyLines(from - WARM_UP_DAYS * DAY, to, from, generated);
  if (reuse) {
    for (const _ of history);
    process.stdout.write(`reusing ${database}, window end ${new Date(to).toISOString()}\n`);
  } else {
    await loader.query('ALTER TABLE events DISABLE TRIGGER USER');
    await pipeline(
      Readable.from(history),
      loader.query(
        copyFrom(
          'COPY events (source, id, type, occurred_at, received_at, order_id, store_id, payload) FROM STDIN',
        ),
      ),
    );
    await loader.query('ALTER TABLE events ENABLE TRIGGER USER');
    process.stdout.write(
      `COPY ${generated.events.toLocaleString('en')} events of ${generated.orders.toLocaleString('en')} orders ` +
        `in ${seconds(performance.now() - started)} s (window end ${new Date(to).toISOString()})\n`,
    );
    started = performance.now();
    await loader.query('VACUUM ANALYZE events');
    process.stdout.write(`VACUUM ANALYZE in ${seconds(performance.now() - started)} s; loadavg ${load()}\n`);
  }

  const fromIso = new Date(from).toISOString();
  const toIso = new Date(to).toISOString();
  const rounds: Array<{ count: number; read: number; backtest: number; full: number; rss: number }> = [];
  let fired = 0;
  let scanned = 0;
  let windowRows = 0;
  let peakOrders = 0;
  const ROUNDS = Number(values.rounds);
  for (let round = 0; round < ROUNDS; round++) {
    // Baseline 1: PostgreSQL counting the window's rows (warm-up included) with the same time index.
    let t = performance.now();
    const counted = await db.query<{ n: string }>(
      'SELECT count(*) AS n FROM events WHERE occurred_at >= $1 AND occurred_at < $2',
      [new Date(from - DAY).toISOString(), toIso],
    );
    const count = performance.now() - t;
    windowRows = Number(counted.rows[0]!.n);
    // Baseline 2: the same keyset pages read into events, no rule evaluated.
    t = performance.now();
    let read = 0;
    if (!values['skip-read']) {
      for await (const page of replayEvents(db, { from: from - DAY, to })) read += page.length;
      if (read !== windowRows) throw new Error(`replay read ${read} rows, count(*) says ${windowRows}`);
    }
    const readMs = values['skip-read'] ? Number.NaN : performance.now() - t;
    // The backtest itself, as the endpoint runs it.
    const rssBefore = process.memoryUsage().rss;
    let peakRss = rssBefore;
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }, 50);
    t = performance.now();
    // No time budget: the figure is the whole replay (the endpoint stops at 60 s and says where).
    const outcome = await runBacktest(
      db,
      undefined,
      { text: DRAFT, file: 'draft.yaml', from, to },
      {
        budgetMs: Number.POSITIVE_INFINITY,
        ...(values.parts !== undefined && { parts: Number(values.parts) }),
      },
    );
    const backtestMs = performance.now() - t;
    clearInterval(sampler);
    if (!outcome.ok) throw new Error(JSON.stringify(outcome.errors));
    fired = outcome.result.fired;
    scanned = outcome.result.eventsScanned;
    peakOrders = outcome.result.peakOrdersHeld;
    let fullMs = Number.NaN;
    if (values.full) {
      // The same draft with every order replayed: the figure of a draft that cannot be pre-selected.
      t = performance.now();
      const full = await runBacktest(
        db,
        undefined,
        { text: DRAFT, file: 'draft.yaml', from, to },
        { budgetMs: Number.POSITIVE_INFINITY, preselect: false },
      );
      fullMs = performance.now() - t;
      if (!full.ok || full.result.fired !== fired || full.result.eventsScanned !== scanned)
        throw new Error('the full replay disagrees with the pre-selected one');
    }
    rounds.push({ count, read: readMs, backtest: backtestMs, full: fullMs, rss: peakRss - rssBefore });
    process.stdout.write(
      `round ${round + 1}: count(*) ${seconds(count)} s, pages read ${seconds(readMs)} s, ` +
        `backtest ${seconds(backtestMs)} s (RSS +${Math.round((peakRss - rssBefore) / 2 ** 20)} MiB), ` +
        `full replay ${seconds(fullMs)} s; loadavg ${load()}\n`,
    );
  }
  if (fired !== generated.expectedFirings)
    throw new Error(`the backtest found ${fired} firings, the generator made ${generated.expectedFirings}`);
  const best = (k: 'count' | 'read' | 'backtest' | 'full') => Math.min(...rounds.map((r) => r[k]));
  const lines = [
    ['window', `${fromIso} → ${toIso} (${DAYS} d; ${WARM_UP_DAYS} d warm-up before it)`],
    ['rows read (window + warm-up)', windowRows.toLocaleString('en')],
    ['events evaluated', scanned.toLocaleString('en')],
    ['firings (= generator’s count)', fired.toLocaleString('en')],
    ['orders held at most (of those replayed)', peakOrders.toLocaleString('en')],
    ['baseline: SELECT count(*) of the same rows', `${seconds(best('count'))} s (best of ${ROUNDS})`],
    ['baseline: the same keyset pages read, no rules', `${seconds(best('read'))} s (best of ${ROUNDS})`],
    ['backtest (POST /v1/rules/backtest’s work)', `${seconds(best('backtest'))} s (best of ${ROUNDS})`],
    ['the same, every order replayed (--full)', `${seconds(best('full'))} s (best of ${ROUNDS})`],
    ['backtest / count(*)', `${(best('backtest') / best('count')).toFixed(1)}×`],
    ['backtest peak RSS growth', `${Math.round(Math.max(...rounds.map((r) => r.rss)) / 2 ** 20)} MiB`],
    ['loadavg at the end', load()],
  ];
  process.stdout.write(`\n${lines.map(([k, v]) => `  ${k!.padEnd(48)} ${v}`).join('\n')}\n`);
} finally {
  await loader.end().catch(() => {});
  await db?.close();
  if (!values.keep && !reuse) await admin.query(`DROP DATABASE IF EXISTS ${database}`);
  await admin.end();
}
