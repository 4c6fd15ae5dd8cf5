// Runs every benchmark in sequence, each as its own child process (a clean heap, its own flags), and
// prints each one's table as it finishes, then a summary.
//   npm run bench                     all of them
//   BENCH_ONLY=fanout,detection npm run bench
// Every script takes BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test) and makes and
// drops its own schema. Sizes whose full run takes more than ~5 minutes on the shared 2-core machine
// get a smaller default here (marked "reduced"); set the variable to run the full size.
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';

const url = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

interface Bench {
  name: string;
  what: string;
  /** Node flags, then the script and its arguments. */
  args: string[];
  env?: Record<string, string>;
  /** Why a default is smaller than the full size. */
  reduced?: string;
}

const tsx = ['--import', 'tsx'];
const gcTsx = ['--expose-gc', '--import', 'tsx'];
const orDefault = (name: string, value: string) => process.env[name] ?? value;

const BENCHES: Bench[] = [
  {
    name: 'ingest',
    what: 'ingest through HTTP vs raw COPY (foundation)',
    args: [...tsx, 'bench/ingest-vs-copy.ts'],
  },
  {
    name: 'ingest-batch',
    what: 'PostgreSQL CPU per event of one group commit, current vs 0067 (foundation)',
    args: [...tsx, 'bench/ingest-batch-cpu.ts'],
  },
  {
    name: 'partition-hash-cost',
    what: 'PostgreSQL CPU per event of one group commit: partition hashes passed by the collector vs computed by the trigger vs none (cluster)',
    args: [...tsx, 'bench/partition-hash-cost.ts'],
  },
  {
    name: 'ingest-batch-parts',
    what: 'PostgreSQL CPU per event of one group commit by part (rollup triggers, the fold), statuses in one commit or spread',
    args: [...tsx, 'bench/ingest-batch-parts.ts'],
  },
  {
    name: 'detection',
    what: 'detection latency and DB load vs SQL polling every 10 s (rules)',
    args: [...gcTsx, 'bench/detection-vs-polling.ts'],
  },
  {
    name: 'fanout',
    what: 'live fan-out to 500 Socket.IO clients at 5k events/s (live)',
    args: [...tsx, 'bench/fanout.ts'],
  },
  {
    name: 'live-panels',
    what: 'live panels per tick with 15 min of payments vs sorting every lag (live)',
    args: [...tsx, 'bench/live-panels-lag.ts'],
  },
  {
    name: 'alert-storm',
    what: 'CPU of an order_stalled fire + resolve per order vs the same traffic with none (rules)',
    args: [...tsx, 'bench/alert-storm.ts'],
  },
  {
    name: 'alert-lists',
    what: 'the grouped alerts page with 5,000 open alerts vs the flat GET /v1/alerts (lists)',
    args: [...tsx, 'bench/alert-lists.ts'],
  },
  {
    name: 'store-trends',
    what: 'GET /v1/reconciliation/stores over 7 and 30 days of 327 stores from the per-store-day rollup vs summing reconciliation_results; the rollup triggers on a day import vs none (dashboard)',
    args: [...tsx, 'bench/store-trends.ts'],
  },
  {
    name: 'reconciliation-views',
    what: "the Grafana reconciliation views over a year of 327 stores (the wall's today, 30 days) vs the same queries over the views as 0012 defined them (grafana)",
    args: [...tsx, 'bench/reconciliation-views.ts'],
  },
  {
    name: 'restore',
    what: 'restart recovery with 1M open orders in PostgreSQL (rules)',
    args: [...gcTsx, 'bench/restore-recovery.ts'],
  },
  {
    name: 'cluster-takeover',
    what: 'a processor taking on one partition of a dead one, 100k open orders in it and 300k in the others, against reading every page (cluster)',
    args: [...gcTsx, 'bench/cluster-takeover.ts'],
  },
  {
    name: 'cluster-roles',
    what: 'one ingress + one processor (RabbitMQ) against one all-in-one collector at 1,000/2,500/5,000 events/s: ack p50/p99, store lag, CPU per event per role (cluster)',
    args: [...tsx, 'bench/cluster-roles.ts'],
  },
  {
    name: 'engine-memory',
    what: 'heap per tracked open order in the RuleEngine, 1M orders (rules)',
    args: [...gcTsx, 'bench/engine-memory.ts', orDefault('BENCH_ENGINE_ORDERS', '1000000')],
  },
  {
    name: 'deadline-memory',
    what: 'heap per tracked deadline in the DeadlineQueue, 1M deadlines (rules)',
    args: [...gcTsx, 'bench/deadline-memory.ts', orDefault('BENCH_DEADLINES', '1000000')],
  },
  {
    name: 'match',
    what: 'reconciliation matching, 1M bill rows × 1M paid orders (payments)',
    args: [...gcTsx, 'bench/match-1m.ts', orDefault('BENCH_MATCH_ROWS', '1000000')],
  },
  {
    name: 'bill-import',
    what: 'bill import end to end on PostgreSQL, matched in the store, against raw COPY of the lines (payments)',
    args: [...tsx, 'bench/bill-import-1m.ts', orDefault('BENCH_IMPORT_ROWS', '100000')],
    reduced:
      process.env.BENCH_IMPORT_ROWS === undefined
        ? '100,000 rows (full: BENCH_IMPORT_ROWS=1000000, ~4–5 min here with the seeding)'
        : undefined,
  },
  {
    name: 'dashboard-queries',
    what: 'dashboard and Grafana queries, p50/p99 vs the raw-table scan, 327 stores (deploy)',
    args: [
      ...tsx,
      'bench/dashboard-queries.ts',
      url,
      '--days',
      orDefault('BENCH_DASHBOARD_DAYS', '30'),
      '--raw-reps',
      '3',
      '--raw-budget',
      '10',
    ],
    // The full size (~31M events generated first) takes ~25–30 min here; BENCH_DASHBOARD_DAYS=7 for a quick look.
    reduced:
      Number(process.env.BENCH_DASHBOARD_DAYS ?? 30) < 30
        ? `${process.env.BENCH_DASHBOARD_DAYS} days (full: 30 days, the default)`
        : undefined,
  },
  {
    name: 'ingest-overhead',
    what: 'cost of the reporting triggers on the group commit (deploy)',
    args: [...tsx, 'bench/ingest-overhead.ts', url],
  },
  {
    name: 'idle-rss',
    what: 'idle RSS of orderpulse serve, embedded store vs PostgreSQL, and after 20k events (store)',
    args: [...tsx, 'bench/idle-rss.ts'],
  },
  {
    name: 'bill-upload-rss',
    what: 'RSS of orderpulse serve on PostgreSQL over a 300k-line bill upload that matches no order (reconciliation)',
    args: [...tsx, 'bench/bill-upload-rss.ts'],
  },
  {
    name: 'embedded-ingest',
    what: 'sustained ingest at 500/1,000/2,000 events/s into orderpulse serve, embedded store vs PostgreSQL: ack p50/p99, collector CPU per event, RSS (store)',
    args: [...tsx, 'bench/embedded-ingest.ts'],
  },
  {
    name: 'metrics-render',
    what: '/metrics render time (metrics)',
    args: [...tsx, 'bench/metrics-render.ts'],
  },
  {
    name: 'rule-expression',
    what: 'custom-rule conditions: hand-written evaluator vs CEL (@bufbuild/cel) per event',
    args: ['--expose-gc', '--max-semi-space-size=64', ...tsx, 'bench/rule-expression.ts'],
  },
];

const only = process.env.BENCH_ONLY?.split(',').map((s) => s.trim());
const selected = only ? BENCHES.filter((b) => only.includes(b.name)) : BENCHES;
const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');

function runOne(bench: Bench): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, bench.args, {
      env: { ...process.env, BENCH_DATABASE_URL: url, ...bench.env },
      stdio: 'inherit',
    });
    child.on('exit', (code) => resolve(code));
  });
}

const summary: string[] = [];
for (const bench of selected) {
  const env = Object.entries(bench.env ?? {})
    .map(([k, v]) => `${k}=${v} `)
    .join('');
  process.stdout.write(
    `\n=== ${bench.name}: ${bench.what}\n$ ${env}node ${bench.args.join(' ')}\n` +
      `loadavg ${load()}${bench.reduced ? `; reduced size: ${bench.reduced}` : ''}\n`,
  );
  const started = performance.now();
  const code = await runOne(bench);
  const seconds = (performance.now() - started) / 1000;
  summary.push(
    `${bench.name.padEnd(18)} ${code === 0 ? 'ok    ' : `FAILED (${code})`} ${seconds.toFixed(0).padStart(4)} s`,
  );
}
process.stdout.write(`\n=== summary (loadavg now ${load()})\n${summary.join('\n')}\n`);
process.exit(summary.some((line) => line.includes('FAILED')) ? 1 : 0);
