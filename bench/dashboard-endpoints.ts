// Times the two JavaScript-heavy dashboard endpoints' own functions (store trends over 30 days,
// shipment risks all stores and one store) against a database kept by dashboard-queries.ts --keep,
// wall time and this process's CPU per call, so two checkouts can be compared on the same data.
//   npx tsx bench/dashboard-endpoints.ts postgres://postgres@127.0.0.1:5432/op_dashbench_xxxxxx [--reps 20]
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { listShipmentRisks } from '../collector/src/carriers/shipment-risk-list.ts';
import { storeTrends } from '../collector/src/domain/reconciliation/store-trends.ts';
import { DEFAULT_RULE_PARAMS } from '../collector/src/domain/rules/params.ts';
import { dailyDeviceCounts } from '../collector/src/reconciliation/store-trend-queries.ts';
import { openDatabase } from '../collector/src/store/open-database.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { reps: { type: 'string', default: '20' } },
});
const url = positionals[0];
if (!url) throw new Error('usage: dashboard-endpoints.ts <database url> [--reps n]');
const reps = Number(values.reps);
const db = await openDatabase({ databaseUrl: url, schema: 'orderpulse', poolSize: 2 });
const now = Date.now();
const day = (ms: number) => new Date(ms + 8 * 3_600_000).toISOString().slice(0, 10);
const { rows } = await db.query<{ store_id: string }>('SELECT min(store_id) AS store_id FROM shipments');
const oneStore = rows[0]!.store_id;
const cases: [string, () => Promise<unknown>][] = [
  [
    'store trends 30d',
    async () =>
      storeTrends(await dailyDeviceCounts(db, day(now - 29 * 86_400_000), day(now)), {
        threshold: DEFAULT_RULE_PARAMS.reconciliation_mismatch.threshold,
        minDays: 2,
      }),
  ],
  ['shipment risks', () => listShipmentRisks(db, { limit: 200 }, now)],
  ['shipment risks (one store)', () => listShipmentRisks(db, { storeId: oneStore, limit: 200 }, now)],
];
console.log(
  `load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
for (const [name, run] of cases) {
  await run();
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < reps; i += 1) {
    const c = process.cpuUsage();
    const t = performance.now();
    await run();
    wall.push(performance.now() - t);
    const u = process.cpuUsage(c);
    cpu.push((u.user + u.system) / 1000);
  }
  const at = (xs: number[], q: number) => xs.sort((a, b) => a - b)[Math.ceil(q * xs.length) - 1]!.toFixed(1);
  console.log(
    `${name}: wall p50 ${at(wall, 0.5)} / p99 ${at(wall, 0.99)} ms, CPU p50 ${at(cpu, 0.5)} / p99 ${at(cpu, 0.99)} ms`,
  );
}
await db.close();
