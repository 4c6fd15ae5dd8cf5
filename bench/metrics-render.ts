// Measures how long rendering /metrics takes (it blocks the event loop while it runs).
//   npx tsx bench/metrics-render.ts
// Registry after a realistic load: every label value in use, 327 stores (all labelled) and
// 10,000 stores (capped at 500 + "other"); 200 renders each after 20 warm-up renders.
import { Registry } from 'prom-client';
import { createMetrics } from '../collector/src/metrics/create-metrics.ts';
import { applyRealisticLoad, storeIds } from '../collector/test/metrics/realistic-load.ts';

for (const [stores, cap] of [
  [327, 500],
  [10_000, 500],
] as const) {
  const registry = new Registry();
  const metrics = createMetrics(registry, { storeLabelCap: cap });
  applyRealisticLoad(metrics, storeIds(stores), Date.now());
  const text = await registry.metrics();
  const series = text.split('\n').filter((l) => l !== '' && !l.startsWith('#')).length;
  for (let i = 0; i < 20; i += 1) await registry.metrics();
  const times: number[] = [];
  for (let i = 0; i < 200; i += 1) {
    const started = performance.now();
    await registry.metrics();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.floor(q * (times.length - 1))]!.toFixed(2);
  console.log(
    `${stores} stores, cap ${cap}: ${series} series, ${(text.length / 1024).toFixed(0)} KiB, render p50 ${at(0.5)} ms p99 ${at(0.99)} ms`,
  );
}
