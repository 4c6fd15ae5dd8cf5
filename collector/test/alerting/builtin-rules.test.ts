// Each built-in rule fires and resolves end to end: events in over POST /v1/events, the engine
// driven by the alerting service's clock, alerts out over GET /v1/alerts, rows in the store.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, STORE_KINDS, type TestDatabase } from '../support/test-database.ts';
import {
  byEntity,
  ev,
  type Harness,
  HOUR,
  iso,
  MINUTE,
  SECOND,
  startHarness,
  T0,
} from './alerting-harness.ts';

describe.each(STORE_KINDS)('built-in rules end to end (%s)', (kind) => {
  let store: TestDatabase;
  let h: Harness;

  beforeAll(async () => {
    store = await openTestDatabase(kind);
    h = await startHarness(store.db);
  });
  afterAll(async () => {
    await h?.close();
    await store?.dispose();
  });

  it('payment_unapplied fires when the limit passes and resolves when the order is paid', async () => {
    const t = h.clock.now;
    await h.post([ev.order('PU-1', 'created', t), ev.payment('PU-1', t + SECOND)]);
    await h.advance(MINUTE);
    expect(byEntity(await h.alerts(), 'payment_unapplied').has('PU-1')).toBe(false);
    await h.advance(MINUTE + 2 * SECOND);
    const alert = byEntity(await h.alerts(), 'payment_unapplied').get('PU-1');
    expect(alert).toMatchObject({
      status: 'firing',
      severity: 'critical',
      entity_type: 'order',
      store_id: 'S1',
    });
    expect(alert!.started_at).toBe(iso(t + SECOND + 2 * MINUTE));
    // rules.yaml routes payment_unapplied to the payments receiver.
    expect(alert!.labels).toMatchObject({ route: 'payments', team: 'payments' });

    await h.post([ev.order('PU-1', 'paid', h.clock.now)]);
    expect(byEntity(await h.alerts(), 'payment_unapplied').has('PU-1')).toBe(false);
    const resolved = byEntity(await h.alerts('?status=resolved'), 'payment_unapplied').get('PU-1');
    expect(resolved).toMatchObject({ id: alert!.id, status: 'resolved', resolved_at: iso(h.clock.now) });
  });

  it('a payment.notify arriving after its deadline has passed fires at once, without a tick', async () => {
    const t = h.clock.now;
    await h.post([ev.order('PU-LATE', 'created', t - 10 * MINUTE), ev.payment('PU-LATE', t - 5 * MINUTE)]);
    const alert = byEntity(await h.alerts(), 'payment_unapplied').get('PU-LATE');
    expect(alert?.status).toBe('firing');
    expect(alert?.started_at).toBe(iso(t - 3 * MINUTE));
  });

  it('order_stalled: an order already past its deadline fires at once; moving on resolves it', async () => {
    const t = h.clock.now;
    await h.post([ev.order('OS-1', 'created', t - 4 * MINUTE), ev.order('OS-1', 'paid', t - 3 * MINUTE)]);
    const alert = byEntity(await h.alerts(), 'order_stalled').get('OS-1');
    expect(alert).toMatchObject({ status: 'firing', severity: 'warning', labels: { status: 'paid' } });
    expect(alert!.started_at).toBe(iso(t - MINUTE));

    await h.post([ev.order('OS-1', 'picking', t)]);
    expect(byEntity(await h.alerts(), 'order_stalled').has('OS-1')).toBe(false);
    // picking has its own 30 min limit: it fires again later, as the same (rule, entity) alert
    // re-opened if within the cool-down, or as a new one.
    await h.advance(31 * MINUTE);
    const again = byEntity(await h.alerts(), 'order_stalled').get('OS-1');
    expect(again).toMatchObject({ status: 'firing', labels: { status: 'picking' } });
  });

  it('order_stalled fires by the clock when nothing happens', async () => {
    const t = h.clock.now;
    await h.post([ev.order('OS-2', 'paid', t)]);
    await h.advance(MINUTE + 59 * SECOND);
    expect(byEntity(await h.alerts(), 'order_stalled').has('OS-2')).toBe(false);
    await h.advance(2 * SECOND);
    expect(byEntity(await h.alerts(), 'order_stalled').get('OS-2')?.status).toBe('firing');
  });

  it('repeats never duplicate an open alert', async () => {
    const t = h.clock.now;
    const paid = ev.order('DUP-1', 'paid', t - 5 * MINUTE);
    await h.post([paid]);
    for (let i = 0; i < 5; i++) {
      await h.post([paid]); // the same event again: a duplicate at ingest
      await h.post([ev.order('DUP-1', 'paid', t - 5 * MINUTE + i * SECOND)]); // another report of the status
      await h.advance(10 * SECOND);
    }
    const open = (await h.alerts()).filter((a) => a.rule === 'order_stalled' && a.entity_id === 'DUP-1');
    expect(open).toHaveLength(1);
    const { rows } = await store.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM alerts WHERE rule = 'order_stalled' AND entity_id = 'DUP-1'`,
    );
    expect(rows[0]!.n).toBe(1);
  });

  it('tracking_silent fires for a shipment with no update for 48 h and resolves on the next update', async () => {
    const t = h.clock.now;
    await h.post([ev.shipment('TS-1', 'SF100', 'in_transit', t - 49 * HOUR, { location: '广东省深圳市' })]);
    const key = 'sf\u001fSF100';
    const alert = byEntity(await h.alerts(), 'tracking_silent').get(key);
    expect(alert).toMatchObject({ status: 'firing', entity_type: 'shipment', labels: { order_id: 'TS-1' } });
    expect(alert!.started_at).toBe(iso(t - HOUR));
    await h.post([ev.shipment('TS-1', 'SF100', 'in_transit', t, { location: '广东省广州市' })]);
    expect(byEntity(await h.alerts(), 'tracking_silent').has(key)).toBe(false);
    // The order drill-down shows the shipment's alert.
    const order = await h.app.server.inject({ method: 'GET', url: '/v1/orders/TS-1', headers: viewer });
    expect(order.json().alerts.map((a: { rule: string }) => a.rule)).toContain('tracking_silent');
  });

  it('shipment_anomaly fires on an exception and resolves when the parcel moves on', async () => {
    const t = h.clock.now;
    await h.post([ev.shipment('SA-1', 'SF200', 'exception', t)]);
    const key = 'sf\u001fSF200';
    const alert = byEntity(await h.alerts(), 'shipment_anomaly').get(key);
    expect(alert?.status).toBe('firing');
    expect(alert?.labels.reasons).toContain('exception');
    await h.post([ev.shipment('SA-1', 'SF200', 'delivered', t + MINUTE)]);
    expect(byEntity(await h.alerts(), 'shipment_anomaly').has(key)).toBe(false);
    expect(byEntity(await h.alerts('?status=resolved'), 'shipment_anomaly').get(key)?.id).toBe(alert!.id);
  });

  it('callback_silent fires when a provider is silent while orders keep coming, and resolves when it calls', async () => {
    const t = h.clock.now;
    // Both providers called just now; then 25 orders are created over 9 minutes without a callback.
    await h.post([ev.payment('CS-0', t), ev.payment('CS-0b', t, { provider: 'alipay' })]);
    const orders = Array.from({ length: 25 }, (_, i) =>
      ev.order(`CS-${i + 1}`, 'created', t + (i + 1) * 20 * SECOND),
    );
    await h.post(orders);
    await h.advance(9 * MINUTE);
    expect(byEntity(await h.alerts(), 'callback_silent').size).toBe(0);
    await h.advance(MINUTE + SECOND);
    const silent = byEntity(await h.alerts(), 'callback_silent');
    expect(silent.get('wechatpay')).toMatchObject({
      status: 'firing',
      entity_type: 'provider',
      store_id: null,
    });
    expect(silent.get('alipay')?.status).toBe('firing');

    await h.post([ev.payment('CS-1', h.clock.now)]);
    const after = byEntity(await h.alerts(), 'callback_silent');
    expect(after.has('wechatpay')).toBe(false);
    expect(after.has('alipay')).toBe(true);
    await h.post([ev.payment('CS-2', h.clock.now, { provider: 'alipay' })]);
    expect(byEntity(await h.alerts(), 'callback_silent').size).toBe(0);
  });

  it('reconciliation_mismatch fires from reconciliation results over the threshold and resolves under it', async () => {
    const day = { storeId: 'S9', day: '2026-03-01', paymentsTotal: 200, ordersTotal: 200 };
    await h.app.alerting.reconciliation([{ ...day, unmatchedPayments: 5, unmatchedOrders: 0 }]);
    const alert = byEntity(await h.alerts('?rule=reconciliation_mismatch'), 'reconciliation_mismatch').get(
      'S9',
    );
    expect(alert).toMatchObject({ status: 'firing', entity_type: 'store', store_id: 'S9' });
    expect(alert!.summary).toContain('2.5%');
    expect(alert!.summary_zh).toContain('2.5%');

    await h.app.alerting.reconciliation([{ ...day, unmatchedPayments: 1, unmatchedOrders: 1 }]);
    expect((await h.alerts('?rule=reconciliation_mismatch')).length).toBe(0);
  });

  it('a custom rule from alert-rules/custom fires with its route and tags', async () => {
    await h.post([ev.order('CU-1', 'paid', h.clock.now, { amount_fen: 60_000, region: '西藏' })]);
    const alert = byEntity(await h.alerts(), 'remote_high_value').get('CU-1');
    expect(alert).toMatchObject({ status: 'firing', severity: 'warning' });
    expect(alert!.labels).toMatchObject({ route: 'supervisor', tags: 'priority' });
    expect(alert!.summary).toBe('偏远地区高额订单');
    expect(alert!.summary_message).toBeNull();
    const [english] = (await h.alerts('?rule=remote_high_value&lang=en')).filter(
      (a) => a.entity_id === 'CU-1',
    );
    expect(english!.summary).toBe('High-value order to a remote region');
    expect(english!.rule_name).toBe('remote_high_value');
  });

  it('filters by store, since and status from both sides, with every field of the contract', async () => {
    // Two stalled orders in stores of their own, the second one a minute later.
    const t = h.clock.now;
    await h.post([ev.order('FL-A', 'paid', t - 3 * MINUTE, { store_id: 'FLA' })]);
    await h.advance(MINUTE);
    const later = h.clock.now;
    await h.post([ev.order('FL-B', 'paid', later - 3 * MINUTE, { store_id: 'FLB' })]);

    const [a] = await h.alerts('?store_id=FLA');
    expect(a).toEqual({
      id: expect.any(String),
      rule: 'order_stalled',
      severity: 'warning',
      status: 'firing',
      entity_type: 'order',
      entity_id: 'FL-A',
      store_id: 'FLA',
      rule_name: '订单卡单',
      summary: expect.stringMatching(/\S/),
      summary_zh: expect.stringMatching(/\S/),
      summary_message: {
        key: 'summary.order_stalled',
        params: { orderId: 'FL-A', status: 'paid', limitMs: 120_000 },
      },
      labels: expect.objectContaining({ status: 'paid' }),
      started_at: iso(t - MINUTE),
      updated_at: iso(t),
      resolved_at: null,
      silenced: false,
      acknowledged_by: null,
      acknowledged_at: null,
      ack_note: null,
    });
    expect((await h.alerts('?store_id=FLA')).map((x) => x.entity_id)).toEqual(['FL-A']);
    expect((await h.alerts('?store_id=FLB')).map((x) => x.entity_id)).toEqual(['FL-B']);
    expect(await h.alerts('?store_id=FLC')).toEqual([]);

    // since is on updated_at: at the second alert's update, only it; a millisecond earlier, both.
    const sinceLater = (await h.alerts(`?since=${encodeURIComponent(iso(later))}`)).map((x) => x.entity_id);
    expect(sinceLater).toContain('FL-B');
    expect(sinceLater).not.toContain('FL-A');
    const sinceBefore = (await h.alerts(`?since=${encodeURIComponent(iso(later - 1))}`)).map(
      (x) => x.entity_id,
    );
    expect(sinceBefore).toContain('FL-B');
    expect(sinceBefore).not.toContain('FL-A');
    const sinceFirst = (await h.alerts(`?since=${encodeURIComponent(iso(t))}`)).map((x) => x.entity_id);
    expect(sinceFirst).toEqual(expect.arrayContaining(['FL-A', 'FL-B']));

    // Acknowledged: only status=acknowledged (and the default) lists it; status=firing no longer does.
    await h.advance(SECOND);
    const ack = await h.app.server.inject({
      method: 'POST',
      url: `/v1/alerts/${a!.id}/ack`,
      headers: { authorization: 'Bearer operator-secret-1', 'content-type': 'application/json' },
      payload: JSON.stringify({ note: 'looking' }),
    });
    expect(ack.statusCode).toBe(200);
    const acked = await h.alerts('?status=acknowledged&store_id=FLA');
    expect(acked).toHaveLength(1);
    expect(acked[0]).toMatchObject({
      id: a!.id,
      status: 'acknowledged',
      acknowledged_by: expect.any(String),
      acknowledged_at: iso(h.clock.now),
      ack_note: 'looking',
      started_at: iso(t - MINUTE),
      updated_at: iso(h.clock.now),
      resolved_at: null,
    });
    expect(await h.alerts('?status=acknowledged&store_id=FLB')).toEqual([]);
    expect(await h.alerts('?status=firing&store_id=FLA')).toEqual([]);
    expect((await h.alerts('?status=firing&store_id=FLB')).map((x) => x.entity_id)).toEqual(['FL-B']);
    expect((await h.alerts('?store_id=FLA')).map((x) => x.status)).toEqual(['acknowledged']);
    // The acknowledgement is an update: since now finds it.
    const sinceAck = (await h.alerts(`?since=${encodeURIComponent(iso(h.clock.now))}`)).map(
      (x) => x.entity_id,
    );
    expect(sinceAck).toContain('FL-A');
  });

  it('filters by rule, store and since, and refuses an unknown status', async () => {
    const stalled = await h.alerts('?rule=order_stalled');
    expect(stalled.length).toBeGreaterThan(0);
    expect(stalled.every((a) => a.rule === 'order_stalled')).toBe(true);
    expect(await h.alerts('?store_id=nowhere')).toEqual([]);
    expect(await h.alerts(`?since=${encodeURIComponent(iso(h.clock.now + HOUR))}`)).toEqual([]);
    expect((await h.alerts('?limit=1')).length).toBe(1);
    const bad = await h.app.server.inject({ method: 'GET', url: '/v1/alerts?status=open', headers: viewer });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toBe('invalid_request');
    const noToken = await h.app.server.inject({ method: 'GET', url: '/v1/alerts' });
    expect(noToken.statusCode).toBe(401);
  });
});

const viewer = { authorization: 'Bearer viewer-secret-1' };
void T0;
