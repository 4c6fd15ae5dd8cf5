import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metricsRoute } from '../../src/http/routes/metrics.ts';
import { METRIC_NAMES } from '../../src/metrics/catalogue.ts';
import { createMetrics } from '../../src/metrics/create-metrics.ts';
import { applyRealisticLoad, storeIds } from '../metrics/realistic-load.ts';
import { type RunningPrometheus, startPrometheus } from './prometheus-server.ts';
import { repoPath } from './repo-paths.ts';

// A real Prometheus scrapes a loopback fastify server serving createMetrics' registry through
// metricsRoute (the collector's GET /metrics), with the project's alerting rules loaded, and we
// read the result back through Prometheus' HTTP API.
describe('a real Prometheus scraping the OrderPulse metrics', () => {
  let server: FastifyInstance;
  let prometheus: RunningPrometheus;
  let rulesDir: string | undefined;

  /**
   * The project's rules file with the recording group evaluated every 2 s instead of its 30 s: the
   * same rules and expressions, but the test waits for two evaluations of the group, not two
   * half-minutes.
   */
  function rulesWithShortGroupInterval(): string {
    const rules = readFileSync(repoPath('alert-rules/prometheus/orderpulse.rules.yml'), 'utf8');
    const shortened = rules.replace(
      '  - name: orderpulse.recording\n    interval: 30s\n',
      '  - name: orderpulse.recording\n    interval: 2s\n',
    );
    expect(shortened).not.toBe(rules);
    rulesDir = mkdtempSync(join(tmpdir(), 'op-prometheus-rules-'));
    const file = join(rulesDir, 'orderpulse.rules.yml');
    writeFileSync(file, shortened);
    return file;
  }

  beforeAll(async () => {
    const registry = new Registry();
    const metrics = createMetrics(registry, { storeLabelCap: 50, version: 'scrape-test' });
    applyRealisticLoad(metrics, storeIds(80), Date.now());
    server = Fastify({ logger: false });
    await server.register(metricsRoute, { registry });
    const address = await server.listen({ port: 0, host: '127.0.0.1' });
    const target = new URL(address).host;
    prometheus = await startPrometheus(`
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - ${rulesWithShortGroupInterval()}
scrape_configs:
  - job_name: orderpulse
    static_configs:
      - targets: ['${target}']
`);
  }, 30_000);

  afterAll(async () => {
    await prometheus?.stop();
    await server?.close();
    if (rulesDir) rmSync(rulesDir, { recursive: true, force: true });
  });

  it('scrapes orderpulse_ series and reports the target up', async () => {
    await prometheus.waitFor('up{job="orderpulse"} == 1', (r) => r.length === 1, 30_000);
    const series = await prometheus.waitFor(
      'count({__name__=~"orderpulse_.+", job="orderpulse"})',
      (r) => Number(r[0]?.value[1] ?? 0) > 100,
      30_000,
    );
    expect(Number(series[0]?.value[1])).toBeLessThan(2_000);
    const build = await prometheus.query(METRIC_NAMES.buildInfo);
    expect(build[0]?.metric.version).toBe('scrape-test');
  }, 60_000);

  it('keeps per-store series bounded through the scrape (50 stores + other)', async () => {
    const stores = await prometheus.waitFor(
      `count(${METRIC_NAMES.reconciliationMismatch})`,
      (r) => r.length === 1,
      30_000,
    );
    expect(Number(stores[0]?.value[1])).toBe(51);
    const other = await prometheus.query(`${METRIC_NAMES.stalledOrdersByStore}{store="other"}`);
    expect(other).toHaveLength(1);
  }, 60_000);

  it('loads the project rules and evaluates them over the scraped series', async () => {
    // the recording rule over orderpulse_ingest_events_total produces one series per type/outcome.
    // Its group is evaluated on its own interval (2 s in this copy), so the first evaluation can come
    // before two scrapes exist (rate() is then empty): the series appears at a later one.
    const recorded = await prometheus.waitFor('orderpulse:ingest_events:rate5m', (r) => r.length > 0, 75_000);
    expect(new Set(recorded.map((s) => s.metric.outcome))).toEqual(
      new Set(['accepted', 'duplicate', 'rejected']),
    );
    const response = await fetch(`${prometheus.url}/api/v1/rules`);
    const body = (await response.json()) as {
      data: { groups: { name: string; rules: { health: string }[] }[] };
    };
    const names = body.data.groups.map((g) => g.name);
    expect(names).toEqual(expect.arrayContaining(['orderpulse.recording', 'orderpulse.alerts']));
    for (const group of body.data.groups) for (const rule of group.rules) expect(rule.health).not.toBe('err');
  }, 90_000);
});
