// orderpulse_orders{status} counts open orders from the store (the partial index of open statuses),
// so it stays cheap however many finished orders the store holds; finished ones are not gauged.
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { OrderEvent } from '../../src/domain/events.ts';
import { createMetrics } from '../../src/metrics/create-metrics.ts';
import { refreshGauges } from '../../src/metrics/instrument-collector.ts';
import { EventWriter } from '../../src/store/event-writer.ts';
import { openTestDatabase, STORE_KINDS, type TestDatabase } from '../support/test-database.ts';

const T0 = Date.parse('2026-11-11T02:00:00Z');

function status(orderId: string, value: string, at: number): OrderEvent {
  return {
    id: `${orderId}-${value}`,
    source: 'pos',
    type: 'order.status',
    occurredAt: at,
    orderId,
    storeId: 'S1',
    status: value,
  } as OrderEvent;
}

describe.each(STORE_KINDS)('orderpulse_orders (%s)', (kind) => {
  let store: TestDatabase;
  beforeAll(async () => {
    store = await openTestDatabase(kind);
  });
  afterAll(async () => {
    await store?.dispose();
  });

  it('gauges open orders per status and leaves finished ones to the transitions counter', async () => {
    const writer = new EventWriter(store.db, { maxBatchEvents: 1000, queueLimit: 10_000 });
    await writer.write([
      status('G-1', 'created', T0),
      status('G-2', 'created', T0),
      status('G-2', 'paid', T0 + 1000),
      status('G-3', 'created', T0),
      status('G-3', 'delivered', T0 + 2000),
      status('G-4', 'shipped', T0),
      status('G-5', 'cancelled', T0),
    ]);
    const registry = new Registry();
    const metrics = createMetrics(registry, { storeLabelCap: 10, version: 'test' });
    const gauges = refreshGauges(
      metrics,
      store.db,
      {
        openAlerts: () => [],
        liveClients: () => ({ viewer: 0, operator: 0 }),
        orderRate: () => ({ createdLastMinute: 0, createdHourAverage: 0 }),
        mismatchByStore: async () => [],
      },
      { intervalMs: 60_000, slowEvery: 1, onError: (error) => expect.unreachable(String(error)) },
    );
    try {
      const values = async () => {
        const gauge = await registry.getSingleMetric('orderpulse_orders')!.get();
        return Object.fromEntries(gauge.values.map((v) => [v.labels.status, v.value]));
      };
      await vi.waitFor(async () => expect(await values()).toHaveProperty('created'), { timeout: 15_000 });
      expect(await values()).toEqual({ created: 1, paid: 1, picking: 0, packed: 0, shipped: 1 });
    } finally {
      await gauges.stop();
    }
  });
});
