// The commit stream's counters: a commit is counted per label set, so every event of a large commit
// must land in its source's, type's and status's series, none more than once.
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../src/domain/events.ts';
import { createMetrics } from '../../src/metrics/create-metrics.ts';
import { countCommitted } from '../../src/metrics/instrument-collector.ts';

const AT = Date.parse('2026-11-11T02:00:00Z');

function stored(n: number, source: string, type: string, extra: Record<string, unknown>): StoredEvent {
  return {
    id: `c-${n}`,
    source,
    type,
    occurredAt: AT,
    receivedAt: AT + 1_000,
    orderId: `O-${n}`,
    storeId: 'S1',
    ...extra,
  } as StoredEvent;
}

async function valuesOf(registry: Registry, name: string): Promise<Map<string, number>> {
  const metric = registry.getSingleMetric(name);
  if (!metric) throw new Error(`no metric ${name}`);
  const { values } = await metric.get();
  return new Map(
    values.map((v) => [
      Object.entries(v.labels)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, l]) => `${k}=${l}`)
        .join(','),
      v.value,
    ]),
  );
}

describe('countCommitted', () => {
  it('adds every event of a commit to its own series, across sources, types and statuses', async () => {
    const registry = new Registry();
    const metrics = createMetrics(registry, { storeLabelCap: 10, version: 'test' });
    const statuses = ['created', 'paid', 'created', 'picking', 'created', 'paid'];
    const events = [
      ...statuses.map((status, n) => stored(n, 'pos', 'order.status', { status })),
      stored(10, 'app', 'order.status', { status: 'created' }),
      stored(11, 'app', 'shipment.update', { carrier: 'SF', trackingNo: 'SF1', state: 'in_transit' }),
      stored(12, 'pos', 'shipment.update', { carrier: 'SF', trackingNo: 'SF2', state: 'in_transit' }),
    ];
    countCommitted(metrics, events);
    countCommitted(metrics, events.slice(0, 2));

    const transitions = await valuesOf(registry, 'orderpulse_order_transitions_total');
    expect(transitions.get('status=created')).toBe(5);
    expect(transitions.get('status=paid')).toBe(3);
    expect(transitions.get('status=picking')).toBe(1);
    const accepted = await valuesOf(registry, 'orderpulse_ingest_events_total');
    expect(accepted.get('outcome=accepted,source=pos,type=order.status')).toBe(8);
    expect(accepted.get('outcome=accepted,source=app,type=order.status')).toBe(1);
    expect(accepted.get('outcome=accepted,source=app,type=shipment.update')).toBe(1);
    expect(accepted.get('outcome=accepted,source=pos,type=shipment.update')).toBe(1);
  });
});
