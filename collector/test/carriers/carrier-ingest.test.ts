// CarrierIngest over the real group-commit writer and store: binding, pending updates, the
// restart sweep, and the carrier metrics.
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CarrierIngest } from '../../src/carriers/carrier-ingest.ts';
import { keepPendingUpdates } from '../../src/carriers/waybill-bindings.ts';
import type { OrderEvent, ShipmentUpdateEvent } from '../../src/domain/events.ts';
import type { CarrierUpdate } from '../../src/domain/shipments/carrier-update.ts';
import { createMetrics } from '../../src/metrics/create-metrics.ts';
import { EventWriter } from '../../src/store/event-writer.ts';
import { openTestDatabase, STORE_KINDS, type TestDatabase } from '../support/test-database.ts';

const HOUR = 3_600_000;
const T0 = Date.parse('2026-06-01T00:00:00Z');

function update(trackingNo: string, n: number, fields: Partial<CarrierUpdate> = {}): CarrierUpdate {
  return {
    type: 'shipment.update',
    id: `yuantong:${trackingNo}:${n}`,
    source: 'kuaidi100',
    occurredAt: T0 + n * HOUR,
    carrier: 'yuantong',
    trackingNo,
    state: 'in_transit',
    providerCode: '0',
    providerText: `checkpoint ${n}`,
    ...fields,
  };
}

function binding(orderId: string, trackingNo: string, carrier = 'yuantong'): ShipmentUpdateEvent {
  return {
    type: 'shipment.update',
    id: `bind-${orderId}`,
    source: 'oms',
    occurredAt: T0,
    orderId,
    storeId: 'store-1',
    carrier,
    trackingNo,
    state: 'created',
  };
}

describe.each(STORE_KINDS)('CarrierIngest on %s', (kind) => {
  let store: TestDatabase;
  let writer: EventWriter;
  let ingest: CarrierIngest;
  let registry: Registry;
  const bound: string[] = [];

  beforeAll(async () => {
    store = await openTestDatabase(kind);
    writer = new EventWriter(store.db, {
      maxBatchEvents: 1000,
      queueLimit: 10_000,
      now: () => T0 + 100 * HOUR,
    });
    registry = new Registry();
    ingest = new CarrierIngest(store.db, writer, {
      carrierSources: ['kuaidi100'],
      metrics: createMetrics(registry, { storeLabelCap: 10 }),
      onBound: async (events) => {
        bound.push(...events.map((e) => e.trackingNo));
      },
      onError: (error) => {
        throw error;
      },
      now: () => T0 + 100 * HOUR,
    });
    writer.onCommitted(ingest.onCommitted);
  });
  afterAll(async () => {
    await writer.close();
    await store.dispose();
  });

  const eventsOf = async (orderId: string) =>
    (
      await store.db.query<{ payload: OrderEvent }>(
        "SELECT payload FROM events WHERE order_id = $1 AND source = 'kuaidi100' ORDER BY occurred_at",
        [orderId],
      )
    ).rows.map((r) => r.payload as ShipmentUpdateEvent);
  const pending = async (trackingNo: string) =>
    (
      await store.db.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM carrier_updates_pending WHERE tracking_no = $1',
        [trackingNo],
      )
    ).rows[0]!.n;
  const counter = async (mode: string) => {
    const metric = (await registry.getMetricsAsJSON()).find(
      (m) => m.name === 'orderpulse_carrier_updates_total',
    );
    const values = (metric?.values ?? []) as { labels: Record<string, string>; value: number }[];
    return values.find((v) => v.labels.carrier === 'yuantong' && v.labels.mode === mode)?.value ?? 0;
  };

  it('keeps updates of an unknown waybill and links them when the binding commits', async () => {
    const result = await ingest.ingest([update('A1', 1), update('A1', 2)], 'push');
    expect(result).toEqual({ accepted: 0, duplicates: 0, pending: 2 });
    expect(await ingest.ingest([update('A1', 1), update('A1', 2)], 'push')).toMatchObject({ pending: 0 });

    await writer.write([binding('O-A', 'A1', 'YuanTong')]);
    await ingest.idle();
    const linked = await eventsOf('O-A');
    expect(linked.map((e) => [e.id, e.carrier, e.storeId])).toEqual([
      ['yuantong:A1:1', 'YuanTong', 'store-1'],
      ['yuantong:A1:2', 'YuanTong', 'store-1'],
    ]);
    expect(await pending('A1')).toBe(0);
    expect(bound).toContain('A1');
  });

  it('writes updates of a bound waybill at once; repeats are duplicates', async () => {
    await writer.write([binding('O-B', 'B1')]);
    await ingest.idle();
    expect(await ingest.ingest([update('B1', 1)], 'poll')).toEqual({
      accepted: 1,
      duplicates: 0,
      pending: 0,
    });
    expect(await ingest.ingest([update('B1', 1), update('B1', 2)], 'push')).toEqual({
      accepted: 1,
      duplicates: 1,
      pending: 0,
    });
    expect((await eventsOf('O-B')).map((e) => e.id)).toEqual(['yuantong:B1:1', 'yuantong:B1:2']);
  });

  it("binds through an order's shipped event; resending it keeps one shipments row", async () => {
    await ingest.ingest([update('C1', 1)], 'push');
    const shipped: OrderEvent = {
      type: 'order.status',
      id: 'ship-C',
      source: 'oms',
      occurredAt: T0,
      orderId: 'O-C',
      storeId: 'store-2',
      status: 'shipped',
      carrier: 'yuantong',
      trackingNo: 'C1',
      region: '330100',
    };
    await writer.write([shipped]);
    await writer.write([{ ...shipped, id: 'ship-C-again' }]);
    await ingest.idle();
    expect((await eventsOf('O-C')).map((e) => e.storeId)).toEqual(['store-2']);
    const { rows } = await store.db.query<{ destination_region: string; n: number }>(
      "SELECT destination_region, (SELECT count(*)::int FROM events WHERE order_id = 'O-C' AND payload->>'state' = 'created') AS n FROM shipments WHERE tracking_no = 'C1'",
    );
    expect(rows[0]).toEqual({ destination_region: '330100', n: 2 });
  });

  it('links at start what a crash left pending for a bound waybill', async () => {
    await writer.write([binding('O-D', 'D1')]);
    await ingest.idle();
    await keepPendingUpdates(store.db, [update('D1', 1), update('D1', 2)]);
    expect(await pending('D1')).toBe(2);
    expect(await ingest.sweep()).toBeGreaterThanOrEqual(2);
    expect(await pending('D1')).toBe(0);
    expect(await eventsOf('O-D')).toHaveLength(2);
  });

  it('counts each update once, by arrival mode, with its age', async () => {
    const push = await counter('push');
    const poll = await counter('poll');
    await writer.write([binding('O-E', 'E1')]);
    await ingest.idle();
    await ingest.ingest([update('E1', 1), update('E1', 2)], 'push');
    await ingest.ingest([update('E1', 1), update('E1', 2), update('E1', 3)], 'poll');
    await ingest.ingest([update('E9', 1)], 'push'); // unknown waybill: counted on arrival …
    await writer.write([binding('O-E9', 'E9')]);
    await ingest.idle(); // … and not again when linked
    expect((await counter('push')) - push).toBe(3);
    expect((await counter('poll')) - poll).toBe(1);
    const text = await registry.getSingleMetricAsString('orderpulse_carrier_update_age_seconds');
    expect(text).toMatch(/orderpulse_carrier_update_age_seconds_count\{mode="poll"\} \d+/);
  });
});
