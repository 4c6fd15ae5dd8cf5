// Alert transitions reach the live stream (Socket.IO /live) as they commit, snapshots carry the
// open alerts; flapping within the cool-down re-opens the same alert; an unacknowledged payments
// page escalates to on-call on time.
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotificationDispatcher } from '../../src/alerting/notification-dispatcher.ts';
import type { LiveAlertEvent, LiveSnapshot } from '../../src/live/events.ts';
import type { Notification } from '../../src/notify/notification.ts';
import { auth, TOKENS } from '../support/test-app.ts';
import { openTestDatabase, type TestDatabase } from '../support/test-database.ts';
import { byEntity, copyRules, ev, type Harness, MINUTE, SECOND, startHarness } from './alerting-harness.ts';

describe('alerts on the live stream, cool-down and escalation', () => {
  let store: TestDatabase;
  let h: Harness;
  let url: string;
  const clients: Socket[] = [];
  const queued: Notification[] = [];

  beforeAll(async () => {
    store = await openTestDatabase('pglite');
    h = await startHarness(store.db);
    h.app.alerting.notifyThrough(
      new NotificationDispatcher(
        { enqueue: async (n: Notification) => queued.push(n) },
        { dashboardBaseUrl: 'https://op.example' },
      ),
    );
    await h.app.server.listen({ port: 0, host: '127.0.0.1' });
    url = `http://127.0.0.1:${(h.app.server.server.address() as AddressInfo).port}/live`;
  });
  afterAll(async () => {
    for (const c of clients) c.disconnect();
    await h?.close();
    await store?.dispose();
  });

  const open = () => {
    const c = connect(url, {
      auth: { token: TOKENS.viewer },
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
    });
    clients.push(c);
    return c;
  };

  it('pushes opened, changed and resolved transitions, and the snapshot holds the open alerts', async () => {
    const c = open();
    await new Promise<LiveSnapshot>((resolve) => c.once('snapshot', resolve));
    const seen: LiveAlertEvent[] = [];
    c.on('alert', (e: LiveAlertEvent) => seen.push(e));
    const until = async (n: number) => {
      for (let i = 0; i < 100 && seen.length < n; i++) await new Promise((r) => setTimeout(r, 20));
    };

    await h.post([ev.order('L-1', 'paid', h.clock.now - 3 * MINUTE)]);
    await until(1);
    expect(seen[0]).toMatchObject({
      transition: 'opened',
      alert: { rule: 'order_stalled', entity_id: 'L-1', status: 'firing' },
    });
    const id = seen[0]!.alert.id;

    const late = open();
    const snapshot = await new Promise<LiveSnapshot>((resolve) => late.once('snapshot', resolve));
    expect(snapshot.alerts.map((a) => a.id)).toContain(id);

    const ack = await h.app.server.inject({
      method: 'POST',
      url: `/v1/alerts/${id}/ack`,
      headers: auth('operator'),
    });
    expect(ack.statusCode).toBe(200);
    await until(2);
    expect(seen[1]).toMatchObject({ transition: 'changed', alert: { id, status: 'acknowledged' } });

    await h.post([ev.order('L-1', 'picking', h.clock.now)]);
    await until(3);
    expect(seen[2]).toMatchObject({ transition: 'resolved', alert: { id, status: 'resolved' } });
  });

  it('a condition that clears and returns within the cool-down re-opens the same alert', async () => {
    const t = h.clock.now;
    await h.post([ev.shipment('F-1', 'SF-F1', 'exception', t)]);
    const key = 'sf\u001fSF-F1';
    const first = byEntity(await h.alerts(), 'shipment_anomaly').get(key)!;
    await h.post([ev.shipment('F-1', 'SF-F1', 'in_transit', t + MINUTE)]);
    expect(byEntity(await h.alerts(), 'shipment_anomaly').has(key)).toBe(false);
    await h.post([ev.shipment('F-1', 'SF-F1', 'exception', t + 2 * MINUTE)]);
    const again = byEntity(await h.alerts(), 'shipment_anomaly').get(key);
    expect(again).toMatchObject({ id: first.id, status: 'firing', resolved_at: null });
    const { rows } = await store.db.query<{ n: number; reopen_count: number }>(
      `SELECT count(*)::int AS n, max(reopen_count)::int AS reopen_count FROM alerts WHERE entity_id = $1 AND rule = 'shipment_anomaly'`,
      [key],
    );
    expect(rows[0]).toEqual({ n: 1, reopen_count: 1 });

    // Past the cool-down (5 min) a new episode is a new alert.
    await h.post([ev.shipment('F-1', 'SF-F1', 'in_transit', t + 3 * MINUTE)]);
    await h.post([ev.shipment('F-1', 'SF-F1', 'exception', t + 10 * MINUTE)]);
    const third = byEntity(await h.alerts(), 'shipment_anomaly').get(key);
    expect(third?.id).not.toBe(first.id);
  });

  it('an unacknowledged payments page escalates to on-call after 15 minutes', async () => {
    const t = h.clock.now;
    await h.post([ev.order('E-1', 'created', t - 5 * MINUTE), ev.payment('E-1', t - 4 * MINUTE)]);
    expect(byEntity(await h.alerts(), 'payment_unapplied').get('E-1')?.status).toBe('firing');
    const before = queued.length;
    await h.advance(SECOND); // the group is seen...
    await h.advance(10 * SECOND); // ...and notified after the payments route's group_wait (10s)
    const receivers = () =>
      queued
        .slice(before)
        .filter((n) => n.rule === 'payment_unapplied')
        .map((n) => n.receiver)
        .sort();
    expect(receivers()).toEqual(['payments']);
    // Critical: the Alertmanager route (continue: true, the root's 30s group_wait) gets it too.
    await h.advance(20 * SECOND);
    expect(receivers()).toEqual(['alertmanager', 'payments']);

    // It fired at t: 15 minutes later nobody has acknowledged it.
    await h.advance(t + 15 * MINUTE - 5 * SECOND - h.clock.now);
    expect(
      queued.slice(before).filter((n) => n.receiver === 'oncall' && n.rule === 'payment_unapplied'),
    ).toEqual([]);
    await h.advance(10 * SECOND);
    const escalated = queued
      .slice(before)
      .filter((n) => n.receiver === 'oncall' && n.rule === 'payment_unapplied');
    expect(escalated).toHaveLength(1);
    expect(escalated[0]).toMatchObject({ status: 'firing', storeId: 'S1', sampleEntityIds: ['E-1'] });
  });
});

describe('business hours', () => {
  let store: TestDatabase;
  let h: Harness;
  const queued: Notification[] = [];

  beforeAll(async () => {
    store = await openTestDatabase('pglite');
    const rulesDir = copyRules();
    // Store S5 opens 09:00-10:00 only; the harness clock starts at 10:00 Shanghai time.
    const calendar = path.join(rulesDir, 'calendar.yaml');
    fs.writeFileSync(
      calendar,
      fs
        .readFileSync(calendar, 'utf8')
        .replace('  stores: {}', "  stores:\n    S5:\n      daily: ['09:00-10:00']"),
    );
    h = await startHarness(store.db, { rulesDir });
    h.app.alerting.notifyThrough(
      new NotificationDispatcher(
        { enqueue: async (n: Notification) => queued.push(n) },
        { dashboardBaseUrl: 'https://op.example' },
      ),
    );
  });
  afterAll(async () => {
    await h?.close();
    await store?.dispose();
  });

  it('holds the pages of a closed store while its alerts stay visible', async () => {
    expect(h.app.alerting.rulesStatus().lastAttempt?.ok).toBe(true);
    const t = h.clock.now;
    await h.post([
      ev.order('BH-1', 'paid', t - 5 * MINUTE, { store_id: 'S5' }),
      ev.order('BH-2', 'paid', t - 5 * MINUTE, { store_id: 'S6' }),
    ]);
    const stalled = byEntity(await h.alerts(), 'order_stalled');
    expect(stalled.has('BH-1')).toBe(true);
    expect(stalled.has('BH-2')).toBe(true);
    await h.advance(SECOND);
    await h.advance(31 * SECOND);
    expect(queued.map((n) => n.storeId)).toEqual(['S6']);
  });
});
