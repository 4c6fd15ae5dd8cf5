import Fastify from 'fastify';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { metricsRoute } from '../../src/http/routes/metrics.ts';
import { BoundedLabel } from '../../src/metrics/bounded-label.ts';
import { HISTOGRAM_METRIC_NAMES, METRIC_NAMES, METRIC_PREFIX } from '../../src/metrics/catalogue.ts';
import { createMetrics } from '../../src/metrics/create-metrics.ts';
import { applyRealisticLoad, storeIds } from './realistic-load.ts';

const NOW = Date.parse('2026-11-25T12:00:00Z');

function setup(storeLabelCap: number, now = () => NOW) {
  const registry = new Registry();
  const metrics = createMetrics(registry, { storeLabelCap, version: '0.1.0-test', now });
  return { registry, metrics };
}

/** Sample lines of the exposition: one per series. */
function seriesLines(text: string): string[] {
  return text.split('\n').filter((line) => line !== '' && !line.startsWith('#'));
}

function labelValues(text: string, metric: string, label: string): Set<string> {
  const family = parsePrometheusTextFormat(text).find((f) => f.name === metric);
  if (!family) throw new Error(`${metric} not rendered`);
  return new Set(family.metrics.map((m) => m.labels?.[label]).filter((v): v is string => v !== undefined));
}

function sampleValue(text: string, metric: string, labels: Record<string, string>): number | undefined {
  const family = parsePrometheusTextFormat(text).find((f) => f.name === metric);
  const sample = family?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
  return sample?.value === undefined ? undefined : Number(sample.value);
}

describe('BoundedLabel', () => {
  it('keeps the first cap distinct values and folds the rest into other, stably', () => {
    const label = new BoundedLabel(2);
    expect(label.value('a')).toBe('a');
    expect(label.value('b')).toBe('b');
    expect(label.value('c')).toBe('other');
    expect(label.value('a')).toBe('a');
    expect(label.value('c')).toBe('other');
    expect(label.size).toBe(2);
    expect(label.overflowed).toBe(2);
  });

  it('refuses a cap that is not a positive integer', () => {
    expect(() => new BoundedLabel(0)).toThrow(RangeError);
    expect(() => new BoundedLabel(1.5)).toThrow(RangeError);
  });
});

describe('createMetrics', () => {
  it('renders only orderpulse_ names, including the default process metrics, and every catalogued name', async () => {
    const { registry, metrics } = setup(50);
    applyRealisticLoad(metrics, storeIds(20), NOW);
    const families = parsePrometheusTextFormat(await registry.metrics());
    const names = families.map((f) => f.name);
    expect(names.length).toBeGreaterThan(Object.keys(METRIC_NAMES).length);
    for (const name of names) expect(name.startsWith(METRIC_PREFIX), name).toBe(true);
    for (const name of Object.values(METRIC_NAMES)) expect(names, name).toContain(name);
    expect(names).toContain('orderpulse_process_cpu_user_seconds_total');
    expect(names).toContain('orderpulse_nodejs_eventloop_lag_seconds');
    for (const name of HISTOGRAM_METRIC_NAMES) {
      expect(families.find((f) => f.name === name)?.type, name).toBe('HISTOGRAM');
    }
  });

  it("exposes prom-client's default families unchanged (names, HELP, TYPE) but the misnamed *_total gauges", async () => {
    const { registry, metrics } = setup(50);
    const plain = new Registry();
    collectDefaultMetrics({ register: plain, prefix: METRIC_PREFIX });
    const headers = (text: string) => text.split('\n').filter((line) => line.startsWith('# '));
    const ours = new Set(headers(await registry.metrics()));
    const expected = headers(await plain.metrics()).filter(
      (line) => !/ orderpulse_nodejs_active_(handles|requests|resources)_total /.test(line),
    );
    for (const line of expected) expect(ours, line).toContain(line);
    metrics.processMetrics.stop();
  });

  it('serves the process metrics as of the last refresh, not collected by the scrape', async () => {
    const { registry, metrics } = setup(50);
    await metrics.processMetrics.refresh();
    const cpu = async () =>
      sampleValue(await registry.metrics(), 'orderpulse_process_cpu_user_seconds_total', {});
    const before = await cpu();
    const busyUntil = performance.now() + 50;
    while (performance.now() < busyUntil) Math.sqrt(Math.random());
    expect(await cpu()).toBe(before);
    await metrics.processMetrics.refresh();
    expect(await cpu()).toBeGreaterThan(before ?? Number.POSITIVE_INFINITY);
    metrics.processMetrics.stop();
  });

  it('follows Prometheus naming: counters end in _total, histograms of time in _seconds', async () => {
    const { registry, metrics } = setup(50);
    applyRealisticLoad(metrics, storeIds(5), NOW);
    for (const family of parsePrometheusTextFormat(await registry.metrics())) {
      if (family.type === 'COUNTER') expect(family.name, family.name).toMatch(/_total$/);
      // prom-client's defaults included: its *_total gauges are dropped
      if (family.name.endsWith('_total')) expect(family.type, family.name).toBe('COUNTER');
    }
    expect(METRIC_NAMES.ingestAckSeconds).toMatch(/_seconds$/);
    expect(METRIC_NAMES.ruleEvaluationSeconds).toMatch(/_seconds$/);
  });

  it('caps distinct store values at the cap plus "other" after 10,000 distinct stores', async () => {
    const cap = 100;
    const { registry, metrics } = setup(cap);
    const stores = storeIds(10_000);
    metrics.stalledOrdersByStore.replace(stores.map((store) => ({ store, value: 1 })));
    metrics.reconciliationMismatch.replace(
      stores.map((store, i) => ({ store, value: i === 9_999 ? 0.5 : 0.01 })),
    );
    const text = await registry.metrics();
    for (const name of [METRIC_NAMES.stalledOrdersByStore, METRIC_NAMES.reconciliationMismatch]) {
      const values = labelValues(text, name, 'store');
      expect(values.size).toBeLessThanOrEqual(cap + 1);
      expect(values.has('other')).toBe(true);
    }
    // counts of the stores past the cap add up; a ratio keeps the worst one so alerts still see it
    expect(sampleValue(text, METRIC_NAMES.stalledOrdersByStore, { store: 'other' })).toBe(10_000 - cap);
    expect(sampleValue(text, METRIC_NAMES.reconciliationMismatch, { store: 'other' })).toBe(0.5);
    expect(sampleValue(text, METRIC_NAMES.labelOverflow, { label: 'store' })).toBe(2 * (10_000 - cap));
  });

  it('keeps the same stores labelled across snapshots and drops stores that left the snapshot', async () => {
    const { registry, metrics } = setup(2);
    metrics.stalledOrdersByStore.replace([
      { store: 'a', value: 1 },
      { store: 'b', value: 2 },
      { store: 'c', value: 3 },
    ]);
    metrics.stalledOrdersByStore.replace([
      { store: 'c', value: 5 },
      { store: 'a', value: 7 },
    ]);
    const text = await registry.metrics();
    expect(labelValues(text, METRIC_NAMES.stalledOrdersByStore, 'store')).toEqual(new Set(['a', 'other']));
    expect(sampleValue(text, METRIC_NAMES.stalledOrdersByStore, { store: 'a' })).toBe(7);
    expect(sampleValue(text, METRIC_NAMES.stalledOrdersByStore, { store: 'other' })).toBe(5);
  });

  it('bounds labels fed from outside data (source, carrier, dead-letter reason)', async () => {
    const { registry, metrics } = setup(10);
    for (let i = 0; i < 1_000; i += 1) {
      metrics.ingestEvents.inc({ type: 'order.status', source: `src-${i}`, outcome: 'accepted' });
      metrics.carrierUpdates.inc({ carrier: `carrier-${i}`, mode: 'push' });
      metrics.deadLetters.inc({ reason: `reason-${i}` });
    }
    const text = await registry.metrics();
    expect(labelValues(text, METRIC_NAMES.ingestEvents, 'source').size).toBeLessThanOrEqual(33);
    expect(labelValues(text, METRIC_NAMES.carrierUpdates, 'carrier').size).toBeLessThanOrEqual(33);
    expect(labelValues(text, METRIC_NAMES.deadLetters, 'reason').size).toBeLessThanOrEqual(65);
    expect(sampleValue(text, METRIC_NAMES.ingestEvents, { source: 'other' })).toBe(1_000 - 32);
  });

  it('stays under 2,000 series after a realistic load of 327 stores, and with 10,000 stores at cap 500', async () => {
    for (const [stores, cap] of [
      [327, 500],
      [10_000, 500],
    ] as const) {
      const { registry, metrics } = setup(cap);
      applyRealisticLoad(metrics, storeIds(stores), NOW);
      const series = seriesLines(await registry.metrics());
      expect(series.length).toBeGreaterThan(Math.min(stores, cap));
      expect(series.length, `${stores} stores, cap ${cap}`).toBeLessThan(2_000);
    }
  });

  it('reports callback last-heard time and an age computed at scrape time, never moving back', async () => {
    let now = NOW;
    const { registry, metrics } = setup(10, () => now);
    metrics.paymentCallbackHeard('wechatpay', NOW - 60_000);
    metrics.paymentCallbackHeard('wechatpay', NOW - 600_000); // a late replay
    metrics.paymentCallbackHeard('alipay', NOW - 5_000);
    now = NOW + 30_000;
    const text = await registry.metrics();
    const age = (provider: string) => sampleValue(text, METRIC_NAMES.callbackLastHeardAge, { provider });
    expect(age('wechatpay')).toBe(90);
    expect(age('alipay')).toBe(35);
    expect(age('other')).toBeUndefined();
    expect(sampleValue(text, METRIC_NAMES.callbackLastHeardTimestamp, { provider: 'wechatpay' })).toBe(
      (NOW - 60_000) / 1000,
    );
    expect(sampleValue(text, METRIC_NAMES.paymentCallbacks, { provider: 'wechatpay' })).toBe(2);
  });

  it('gives each registry its own instruments (no module-level singletons)', async () => {
    const first = setup(10);
    const second = setup(10);
    first.metrics.deadLetters.inc({ reason: 'invalid_json' }, 4);
    expect(
      sampleValue(await first.registry.metrics(), METRIC_NAMES.deadLetters, { reason: 'invalid_json' }),
    ).toBe(4);
    expect(
      sampleValue(await second.registry.metrics(), METRIC_NAMES.deadLetters, { reason: 'invalid_json' }),
    ).toBeUndefined();
  });

  it('never renders an order id given to it through a store or source label', async () => {
    const { registry, metrics } = setup(1);
    metrics.stalledOrdersByStore.replace([
      { store: 'store-1', value: 1 },
      { store: 'ORDER-123456', value: 1 },
    ]);
    expect(await registry.metrics()).not.toContain('ORDER-123456');
  });
});

describe('metricsRoute', () => {
  it('serves the registry at GET /metrics in the Prometheus text format', async () => {
    const { registry, metrics } = setup(10);
    metrics.deadLetters.inc({ reason: 'invalid_json' });
    const server = Fastify({ logger: false });
    await server.register(metricsRoute, { registry });
    const response = await server.inject({ method: 'GET', url: '/metrics' });
    await server.close();
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toContain('text/plain; version=0.0.4');
    expect(sampleValue(response.body, METRIC_NAMES.deadLetters, { reason: 'invalid_json' })).toBe(1);
  });
});
