// shipment_anomaly for the two reasons that depend on a shipment's history and its destination,
// end to end: carrier events in over POST /v1/events, the alert out over GET /v1/alerts and the
// shipment's risk and reasons over GET /v1/shipments. Each case has a twin one step short of the
// condition that must stay quiet.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auth } from '../support/test-app.ts';
import { openTestDatabase, STORE_KINDS, type TestDatabase } from '../support/test-database.ts';
import { byEntity, ev, type Harness, HOUR, MINUTE, startHarness } from './alerting-harness.ts';

interface WireShipment {
  order_id: string;
  tracking_no: string;
  state: string;
  risk: string;
  reasons: { reason: string; since: string; detail: string }[];
}

describe('shipment_anomaly through the API', () => {
  let store: TestDatabase;
  let h: Harness;

  beforeAll(async () => {
    // The rules run in the app, not the store: the faster store to open is enough.
    store = await openTestDatabase(STORE_KINDS.includes('postgres') ? 'postgres' : 'pglite');
    h = await startHarness(store.db);
  }, 180_000);
  afterAll(async () => {
    await h?.close();
    await store?.dispose();
  });

  const key = (trackingNo: string) => `sf\u001f${trackingNo}`;
  const shipments = async (query = '') => {
    const res = await h.app.server.inject({
      method: 'GET',
      url: `/v1/shipments${query}`,
      headers: auth('viewer'),
    });
    expect(res.statusCode).toBe(200);
    return new Map((res.json().shipments as WireShipment[]).map((s) => [s.tracking_no, s]));
  };

  it('fires when a shipment is returned the second time, not the first, and resolves on delivery', async () => {
    const t = h.clock.now - 10 * HOUR;
    await h.post([
      ev.shipment('RT-1', 'RT100', 'in_transit', t, { location: '浙江省杭州市' }),
      ev.shipment('RT-1', 'RT100', 'returned', t + HOUR, { location: '浙江省杭州市' }),
      ev.shipment('RT-1', 'RT100', 'in_transit', t + 2 * HOUR, { location: '浙江省杭州市' }),
    ]);
    expect(byEntity(await h.alerts(), 'shipment_anomaly').has(key('RT100'))).toBe(false);

    await h.post([ev.shipment('RT-1', 'RT100', 'returned', t + 3 * HOUR, { location: '浙江省杭州市' })]);
    const alert = byEntity(await h.alerts(), 'shipment_anomaly').get(key('RT100'));
    expect(alert).toMatchObject({
      status: 'firing',
      entity_type: 'shipment',
      store_id: 'S1',
      labels: { order_id: 'RT-1' },
    });
    expect(alert!.labels.reasons).toContain('returned_repeatedly');
    expect(alert!.labels.reasons).not.toContain('location_mismatch');

    const listed = (await shipments('?risk=high')).get('RT100');
    expect(listed?.reasons.map((r) => r.reason)).toContain('returned_repeatedly');

    await h.post([ev.shipment('RT-1', 'RT100', 'delivered', t + 4 * HOUR, { location: '浙江省杭州市' })]);
    expect(byEntity(await h.alerts(), 'shipment_anomaly').has(key('RT100'))).toBe(false);
    expect(byEntity(await h.alerts('?status=resolved'), 'shipment_anomaly').get(key('RT100'))?.id).toBe(
      alert!.id,
    );
  });

  it('fires when the parcel is out for delivery outside its destination region, and not inside it', async () => {
    const t = h.clock.now - HOUR;
    await h.post([
      ev.shipment('WR-1', 'WR100', 'in_transit', t, {
        location: '广东省深圳市',
        destination_region: '浙江省',
      }),
      ev.shipment('WR-1', 'WR100', 'out_for_delivery', t + MINUTE, { location: '广东省深圳市' }),
      ev.shipment('WR-2', 'WR200', 'in_transit', t, {
        location: '广东省深圳市',
        destination_region: '浙江省',
      }),
      ev.shipment('WR-2', 'WR200', 'out_for_delivery', t + MINUTE, { location: '浙江省杭州市' }),
    ]);
    const open = byEntity(await h.alerts(), 'shipment_anomaly');
    const alert = open.get(key('WR100'));
    expect(alert).toMatchObject({ status: 'firing', entity_type: 'shipment', labels: { order_id: 'WR-1' } });
    expect(alert!.labels.reasons).toContain('location_mismatch');
    expect(open.has(key('WR200'))).toBe(false);

    const listed = await shipments();
    expect(listed.get('WR100')?.reasons.map((r) => r.reason)).toContain('outside_destination');
    // The list judges by the wall clock, long after this virtual hour: silence is listed too.
    expect(listed.get('WR200')?.reasons.map((r) => r.reason)).not.toContain('outside_destination');
  });
});
