// countCommitted (the counters fed by every commit, counted per label set first) against counting
// each event as it comes (its former form: one prom-client inc per event, each hashing its labels),
// on 500-event commits of the curl bench's mix: time per event, alternated over rounds, and the two
// registries' output compared.
//   npx tsx bench/commit-counters.ts     (BENCH_ROUNDS, default 6)
import { loadavg } from 'node:os';
import { Registry } from 'prom-client';
import type { StoredEvent } from '../collector/src/domain/events.ts';
import { createMetrics } from '../collector/src/metrics/create-metrics.ts';
import { countCommitted } from '../collector/src/metrics/instrument-collector.ts';
import type { OrderPulseMetrics } from '../collector/src/metrics/orderpulse-metrics.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 6);
const COMMITS = 2_000;
const at = Date.now();
const commit = Array.from(
  { length: 500 },
  (_, n) =>
    ({
      id: `e${n}`,
      source: n % 50 === 0 ? 'app' : 'pos',
      type: 'order.status',
      occurredAt: at,
      receivedAt: at,
      orderId: `o${n >> 2}`,
      storeId: `S${n % 327}`,
      status: ['created', 'paid', 'picking', 'packed'][n % 4],
    }) as StoredEvent,
);

function eachAsItComes(metrics: OrderPulseMetrics, events: readonly StoredEvent[]): void {
  for (const e of events) {
    metrics.ingestEvents.inc({ type: e.type, source: e.source, outcome: 'accepted' });
    if (e.type === 'order.status') metrics.orderTransitions.inc({ status: e.status });
  }
}

const ways = { 'per label set (product)': countCommitted, 'an inc per event': eachAsItComes };
const names = Object.keys(ways) as (keyof typeof ways)[];
const registries = new Map(names.map((name) => [name, new Registry()]));
const metricsOf = new Map(
  names.map((name) => [name, createMetrics(registries.get(name)!, { storeLabelCap: 500, version: 'bench' })]),
);

const nsPerEvent = new Map<string, number[]>();
for (let round = 0; round < ROUNDS; round++) {
  for (const name of names.map((_, i) => names[(i + round) % names.length]!)) {
    const metrics = metricsOf.get(name)!;
    const started = performance.now();
    for (let c = 0; c < COMMITS; c++) ways[name](metrics, commit);
    const ns = ((performance.now() - started) * 1e6) / (COMMITS * commit.length);
    nsPerEvent.set(name, [...(nsPerEvent.get(name) ?? []), ns]);
  }
}

const counted = async (name: (typeof names)[number]) => {
  const registry = registries.get(name)!;
  const lines = await Promise.all(
    ['orderpulse_ingest_events_total', 'orderpulse_order_transitions_total'].map(async (metric) =>
      JSON.stringify((await registry.getSingleMetric(metric)!.get()).values),
    ),
  );
  return lines.join('\n');
};
if ((await counted(names[0]!)) !== (await counted(names[1]!)))
  throw new Error('the two ways count differently');

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(
  `\ncountCommitted, ${COMMITS.toLocaleString('en')} commits of ${commit.length} events, ${ROUNDS} rounds alternated, load average ${loadavg()[0]!.toFixed(1)}; both ways count the same`,
);
console.log('| way | ns an event, each round | median |\n|---|---|---|');
for (const name of names)
  console.log(
    `| ${name} | ${nsPerEvent
      .get(name)!
      .map((ns) => ns.toFixed(0))
      .join(', ')} | **${median(nsPerEvent.get(name)!).toFixed(0)}** |`,
  );
