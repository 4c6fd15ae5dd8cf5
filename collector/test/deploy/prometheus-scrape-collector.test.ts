// A real Prometheus scraping the real collector's GET /metrics after real ingestion.
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.ts';
import { orderStatus } from '../support/events.ts';
import { auth, buildTestApp } from '../support/test-app.ts';
import { openTestDatabase, type TestDatabase } from '../support/test-database.ts';
import { type RunningPrometheus, startPrometheus } from './prometheus-server.ts';
import { runTool } from './real-tool.ts';
import { repoPath } from './repo-paths.ts';

describe('a real Prometheus scraping a running collector', () => {
  let store: TestDatabase;
  let app: App;
  let prometheus: RunningPrometheus;

  beforeAll(async () => {
    store = await openTestDatabase('pglite');
    app = await buildTestApp(store.db);
    await app.server.listen({ port: 0, host: '127.0.0.1' });
    const res = await app.server.inject({
      method: 'POST',
      url: '/v1/events',
      headers: { 'content-type': 'application/json', ...auth('ingest') },
      payload: JSON.stringify([
        orderStatus({ order: 'P1', status: 'created', at: new Date().toISOString() }),
        orderStatus({ order: 'P2', status: 'created', at: new Date().toISOString() }),
      ]),
    });
    expect(res.statusCode).toBe(202);
    const port = (app.server.server.address() as AddressInfo).port;
    prometheus = await startPrometheus(`
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - ${repoPath('alert-rules/prometheus/orderpulse.rules.yml')}
scrape_configs:
  - job_name: orderpulse
    static_configs:
      - targets: ['127.0.0.1:${port}']
`);
  }, 60_000);

  afterAll(async () => {
    await prometheus?.stop();
    await app?.server.close();
    await store?.dispose();
  });

  it('scrapes the collector: target up, ingest counted, process metrics prefixed', async () => {
    await prometheus.waitFor('up{job="orderpulse"} == 1', (r) => r.length === 1, 30_000);
    const accepted = await prometheus.waitFor(
      'sum(orderpulse_ingest_events_total{outcome="accepted", source="pos"})',
      (r) => r.length === 1,
      30_000,
    );
    expect(Number(accepted[0]?.value[1])).toBe(2);
    const processSeries = await prometheus.query('orderpulse_process_cpu_seconds_total');
    expect(processSeries).toHaveLength(1);
  }, 60_000);

  it('serves a /metrics page that promtool check metrics accepts (names, types, help)', async () => {
    const port = (app.server.server.address() as AddressInfo).port;
    const scrape = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(scrape.status).toBe(200);
    const text = await scrape.text();
    expect(text).toContain('orderpulse_ingest_events_total');
    const run = runTool('promtool', ['check', 'metrics'], undefined, text);
    expect(run.output).toBe('');
    expect(run.status, run.output).toBe(0);
  });
});
