// The gauges that repeat a wall figure read it from the same source the wall does: open alerts per
// store as the wall's top stores count them (info left out), and the panels' order rate.
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createMetrics } from '../../src/metrics/create-metrics.ts';
import { type OpenAlertView, refreshGauges } from '../../src/metrics/instrument-collector.ts';
import { openTestDatabase, STORE_KINDS, type TestDatabase } from '../support/test-database.ts';

const alert = (rule: string, severity: OpenAlertView['severity'], storeId: string | null): OpenAlertView => ({
  rule,
  severity,
  storeId,
  labels: {},
});

describe.each(STORE_KINDS)('gauges of wall figures (%s)', (kind) => {
  let store: TestDatabase;
  beforeAll(async () => {
    store = await openTestDatabase(kind);
  });
  afterAll(async () => {
    await store?.dispose();
  });

  it('gauges open alerts per store as the wall counts them, and the order rate the panels computed', async () => {
    const registry = new Registry();
    const metrics = createMetrics(registry, { storeLabelCap: 10, version: 'test' });
    const gauges = refreshGauges(
      metrics,
      store.db,
      {
        openAlerts: () => [
          alert('order_stalled', 'warning', 'S1'),
          alert('tracking_silent', 'warning', 'S1'),
          alert('shipment_anomaly', 'critical', 'S2'),
          alert('order_stalled', 'warning', 'S2'),
          alert('order_stalled', 'warning', 'S2'),
          alert('payment_unapplied', 'info', 'S3'),
          alert('callback_silent', 'critical', null),
        ],
        liveClients: () => ({ viewer: 0, operator: 0 }),
        orderRate: () => ({ createdLastMinute: 7, createdHourAverage: 5.25 }),
        mismatchByStore: async () => [],
      },
      { intervalMs: 60_000, slowEvery: 1, onError: (error) => expect.unreachable(String(error)) },
    );
    try {
      const value = async (name: string) => (await registry.getSingleMetric(name)!.get()).values;
      await vi.waitFor(async () => expect(await value('orderpulse_alerts_open_by_store')).not.toEqual([]), {
        timeout: 15_000,
      });
      const byStore = Object.fromEntries(
        (await value('orderpulse_alerts_open_by_store')).map((v) => [v.labels.store, v.value]),
      );
      expect(byStore).toEqual({ S1: 2, S2: 3 });
      expect((await value('orderpulse_orders_created_last_minute'))[0]?.value).toBe(7);
      expect((await value('orderpulse_orders_created_per_minute_hour_average'))[0]?.value).toBe(5.25);
    } finally {
      await gauges.stop();
    }
  });
});
