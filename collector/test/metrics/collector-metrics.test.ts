// GET /metrics of the real app after real ingestion: counters follow what happened, names and label
// sets stay bounded.
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.ts';
import { orderStatus, paymentNotify } from '../support/events.ts';
import { auth, buildTestApp } from '../support/test-app.ts';
import { openTestDatabase, type TestDatabase } from '../support/test-database.ts';

type Family = ReturnType<typeof parsePrometheusTextFormat>[number];

describe('collector /metrics', () => {
  let store: TestDatabase;
  let app: App;
  beforeAll(async () => {
    store = await openTestDatabase('pglite');
    app = await buildTestApp(store.db);
  });
  afterAll(async () => {
    await app.server.close();
    await store.dispose();
  });

  const scrape = async () => {
    const res = await app.server.inject('/metrics');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    return parsePrometheusTextFormat(res.body);
  };
  const sample = (families: Family[], name: string, labels: Record<string, string>) => {
    const family = families.find((f) => f.name === name);
    const metric = family?.metrics.find((m) =>
      Object.entries(labels).every(([k, v]) => (m as { labels?: Record<string, string> }).labels?.[k] === v),
    ) as { value?: string; count?: string } | undefined;
    return Number(metric?.value ?? metric?.count ?? Number.NaN);
  };
  const post = (payload: unknown) =>
    app.server.inject({
      method: 'POST',
      url: '/v1/events',
      headers: { 'content-type': 'application/json', ...auth('ingest') },
      payload: JSON.stringify(payload),
    });

  it('counts accepted, duplicate and rejected events, transitions, callbacks and dead letters', async () => {
    const at = new Date().toISOString();
    const created = orderStatus({ order: 'M1', status: 'created', at, id: 'm-1' });
    expect(
      (await post([created, paymentNotify({ order: 'M1', at, txn: 'TX-M1', amount_fen: 10 })])).statusCode,
    ).toBe(202);
    await post([created, { ...created, id: 'm-bad', occurred_at: 'yesterday' }, { type: 'nope' }]);

    const families = await scrape();
    expect(
      sample(families, 'orderpulse_ingest_events_total', {
        type: 'order.status',
        source: 'pos',
        outcome: 'accepted',
      }),
    ).toBe(1);
    expect(
      sample(families, 'orderpulse_ingest_events_total', { type: 'payment.notify', outcome: 'accepted' }),
    ).toBe(1);
    expect(
      sample(families, 'orderpulse_ingest_events_total', { type: 'order.status', outcome: 'duplicate' }),
    ).toBe(1);
    expect(
      sample(families, 'orderpulse_ingest_events_total', { type: 'order.status', outcome: 'rejected' }),
    ).toBe(1);
    expect(sample(families, 'orderpulse_ingest_events_total', { type: 'unknown', outcome: 'rejected' })).toBe(
      1,
    );
    expect(sample(families, 'orderpulse_order_transitions_total', { status: 'created' })).toBe(1);
    expect(sample(families, 'orderpulse_payment_callbacks_total', { provider: 'wechatpay' })).toBe(1);
    expect(sample(families, 'orderpulse_dead_letters_total', { reason: 'invalid_time' })).toBe(1);
    expect(sample(families, 'orderpulse_dead_letters_total', { reason: 'unknown_type' })).toBe(1);
    expect(sample(families, 'orderpulse_ingest_ack_seconds', {})).toBe(2);
    expect(sample(families, 'orderpulse_store_commit_batch_events', {})).toBeGreaterThanOrEqual(2);
  });

  it('times the rule engine per pass', async () => {
    // parse-prometheus-text-format drops the labels of labelled histograms: read the count lines.
    const count = async (pass: string) => {
      const text = (await app.server.inject('/metrics')).body;
      const match = new RegExp(
        `^orderpulse_rule_evaluation_seconds_count\\{pass="${pass}"\\} (\\d+)$`,
        'm',
      ).exec(text);
      return Number(match?.[1] ?? 0);
    };
    await expect.poll(() => count('events')).toBeGreaterThanOrEqual(1);
    await expect.poll(() => count('deadlines')).toBeGreaterThanOrEqual(1);
  });

  it('names every series orderpulse_* and stays far below 2,000 series, with no order ids', async () => {
    const families = await scrape();
    expect(families.length).toBeGreaterThan(20);
    for (const f of families) expect(f.name).toMatch(/^orderpulse_/);
    const series = families.reduce((n, f) => n + f.metrics.length, 0);
    expect(series).toBeLessThan(2_000);
    const text = (await app.server.inject('/metrics')).body;
    expect(text).not.toContain('M1');
    expect(text).not.toContain('TX-M1');
  });
});
