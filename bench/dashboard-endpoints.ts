// Times the two JavaScript-heavy dashboard endpoints' own functions (store trends over 7 and 30 days,
// shipment risks all stores and one store) against a database kept by dashboard-queries.ts --keep,
// wall time and this process's CPU per call. Each case runs the product's code and its baseline (the
// way it was done before: device days summed in JavaScript; every candidate's checkpoints replayed,
// bench/shipment-risks-from-checkpoints.ts) alternately,
// call by call, in this process, and first checks that both give the same answer.
//   npx tsx bench/dashboard-endpoints.ts postgres://postgres@127.0.0.1:5432/op_dashbench_xxxxxx [--reps 20]

import { loadavg } from 'node:os';
import { isDeepStrictEqual, parseArgs } from 'node:util';
import { listShipmentRisks } from '../collector/src/carriers/shipment-risk-list.ts';
import { storeTrends, trendsOfTotals } from '../collector/src/domain/reconciliation/store-trends.ts';
import { DEFAULT_RULE_PARAMS } from '../collector/src/domain/rules/params.ts';
import {
  dailyDeviceCounts,
  storeTotalsInRange,
} from '../collector/src/reconciliation/store-trend-queries.ts';
import { openDatabase } from '../collector/src/store/open-database.ts';
import { assessOutdatedShipments } from '../collector/src/store/shipment-risk-facts.ts';
import { listShipmentRisksFromCheckpoints } from './shipment-risks-from-checkpoints.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { reps: { type: 'string', default: '20' } },
});
const url = positionals[0];
if (!url) throw new Error('usage: dashboard-endpoints.ts <database url> [--reps n]');
const reps = Number(values.reps);
const db = await openDatabase({ databaseUrl: url, schema: 'orderpulse', poolSize: 2 });
// A set built before migration 0022 has every waybill outdated: assess them all first (the backfill
// the collector runs at start), so the timed listings read kept facts as they do in steady state.
const backfillStarted = performance.now();
const backfilled = await assessOutdatedShipments(db);
console.log(
  `backfill: ${backfilled} waybills assessed in ${((performance.now() - backfillStarted) / 1000).toFixed(1)} s`,
);
const now = Date.now();
const day = (ms: number) => new Date(ms + 8 * 3_600_000).toISOString().slice(0, 10);
const { rows } = await db.query<{ store_id: string }>('SELECT min(store_id) AS store_id FROM shipments');
const oneStore = rows[0]!.store_id;
const options = { threshold: DEFAULT_RULE_PARAMS.reconciliation_mismatch.threshold, minDays: 2 };
const trends = (days: number): [() => Promise<unknown>, () => Promise<unknown>] => {
  const from = day(now - (days - 1) * 86_400_000);
  const to = day(now);
  return [
    async () => trendsOfTotals(await storeTotalsInRange(db, from, to, options.threshold), options),
    async () => storeTrends(await dailyDeviceCounts(db, from, to), options),
  ];
};
const cases: [string, () => Promise<unknown>, () => Promise<unknown>][] = [
  ['store trends 7d', ...trends(7)],
  ['store trends 30d', ...trends(30)],
  [
    'shipment risks',
    () => listShipmentRisks(db, { limit: 200 }, now),
    () => listShipmentRisksFromCheckpoints(db, { limit: 200 }, now),
  ],
  [
    'shipment risks (one store)',
    () => listShipmentRisks(db, { storeId: oneStore, limit: 200 }, now),
    () => listShipmentRisksFromCheckpoints(db, { storeId: oneStore, limit: 200 }, now),
  ],
];
console.log(
  `load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);

interface Samples {
  wall: number[];
  cpu: number[];
}

async function timed(run: () => Promise<unknown>, into: Samples): Promise<void> {
  const c = process.cpuUsage();
  const t = performance.now();
  await run();
  into.wall.push(performance.now() - t);
  const u = process.cpuUsage(c);
  into.cpu.push((u.user + u.system) / 1000);
}

const at = (xs: number[], q: number) => xs.sort((a, b) => a - b)[Math.ceil(q * xs.length) - 1]!.toFixed(1);
const line = (s: Samples) =>
  `wall p50 ${at(s.wall, 0.5)} / p99 ${at(s.wall, 0.99)} ms, CPU p50 ${at(s.cpu, 0.5)} / p99 ${at(s.cpu, 0.99)} ms`;

// Every case answers the same as its baseline, and every statement has run a few times on both
// pooled connections before any timing: otherwise the first case measured pays the process's and
// the connections' warm-up (first plans 7–17 ms on a fresh connection against 0.4 ms, the first
// reads of the tables), which made store trends over 7 days look slower than over 30 days.
for (const [name, product, baseline] of cases) {
  const [answer, expected] = [await product(), await baseline()];
  if (!isDeepStrictEqual(answer, expected))
    throw new Error(`${name}: the product's answer differs from the baseline's`);
  for (let i = 0; i < 2; i += 1) await Promise.all([product(), product(), baseline(), baseline()]);
}
for (const [name, product, baseline] of cases) {
  const after: Samples = { wall: [], cpu: [] };
  const before: Samples = { wall: [], cpu: [] };
  for (let i = 0; i < reps; i += 1) {
    // Alternating call by call puts both under the same load.
    await timed(product, after);
    await timed(baseline, before);
  }
  console.log(`${name} (same answer): ${line(after)}; baseline ${line(before)}`);
}
await db.close();
