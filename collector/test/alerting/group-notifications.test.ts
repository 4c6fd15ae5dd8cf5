// Quiet at scale: 800 orders stalling at once in 40 stores become 40 group notifications in the
// real outbox (one per rule and store, after the group wait), not 800; a silenced store is left
// out; a group whose alerts all resolve is told so once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotificationDispatcher } from '../../src/alerting/notification-dispatcher.ts';
import type { Notification } from '../../src/notify/notification.ts';
import { Outbox } from '../../src/notify/outbox/outbox.ts';
import { buildReceivers } from '../../src/notify/receivers.ts';
import { auth } from '../support/test-app.ts';
import { openTestDatabase, STORE_KINDS, type TestDatabase } from '../support/test-database.ts';
import { ev, type Harness, HOUR, iso, MINUTE, SECOND, startHarness } from './alerting-harness.ts';

// Channel settings for every receiver of the shipped routes.yaml; nothing listens there, and no
// outbox worker runs in this test: it counts what is queued.
const NOWHERE = 'http://127.0.0.1:9/hook';
const ENV = {
  ORDERPULSE_WECOM_ONCALL_URL: NOWHERE,
  ORDERPULSE_DINGTALK_ONCALL_URL: NOWHERE,
  ORDERPULSE_DINGTALK_ONCALL_SECRET: 'SECtest',
  ORDERPULSE_DINGTALK_PAYMENTS_URL: NOWHERE,
  ORDERPULSE_DINGTALK_PAYMENTS_SECRET: 'SECtest',
  ORDERPULSE_SMTP_URL: 'smtp://127.0.0.1:9',
  ORDERPULSE_FEISHU_SUPERVISOR_URL: NOWHERE,
  ORDERPULSE_FEISHU_SUPERVISOR_SECRET: 'secret',
  ORDERPULSE_LOGISTICS_WEBHOOK_URL: NOWHERE,
  ORDERPULSE_SLACK_LOGISTICS_URL: NOWHERE,
  ORDERPULSE_ALERTMANAGER_URL: NOWHERE,
};

const store = (i: number) => `S${String(i).padStart(2, '0')}`;

describe.each(STORE_KINDS)('group notifications (%s)', (kind) => {
  let db: TestDatabase;
  let h: Harness;
  const queued: Notification[] = [];

  beforeAll(async () => {
    db = await openTestDatabase(kind);
    h = await startHarness(db.db);
    const ruleSet = h.app.alerting.rulesStatus().ruleSet!;
    const outbox = new Outbox({
      db: db.db,
      receivers: buildReceivers(Object.values(ruleSet.routing.receivers), { env: ENV }),
      now: () => h.clock.now,
    });
    const sink = {
      enqueue: async (n: Notification) => {
        queued.push(n);
        return outbox.enqueue(n);
      },
    };
    h.app.alerting.notifyThrough(
      new NotificationDispatcher(sink, { dashboardBaseUrl: 'https://op.example' }),
    );
  });
  afterAll(async () => {
    await h?.close();
    await db?.dispose();
  });

  it('800 simultaneous stalls in 40 stores are one notification per store (one store silenced: 39)', async () => {
    const t = h.clock.now;
    const events = Array.from({ length: 800 }, (_, i) =>
      ev.order(`G-${i}`, 'paid', t - 5 * MINUTE, { store_id: store(i % 40) }),
    );
    await h.post(events);
    expect((await h.alerts('?limit=1000')).filter((a) => a.rule === 'order_stalled')).toHaveLength(800);

    // S39 is being dealt with: silenced before anyone is paged.
    const silence = await h.app.server.inject({
      method: 'POST',
      url: '/v1/silences',
      headers: { ...auth('operator'), 'content-type': 'application/json' },
      payload: JSON.stringify({
        matchers: { rule: 'order_stalled', store_id: 'S39' },
        ends_at: iso(t + HOUR),
        comment: 'stock-take',
      }),
    });
    expect(silence.statusCode).toBe(201);

    await h.advance(SECOND);
    expect(queued).toHaveLength(0); // group wait (30 s on the root route)
    await h.advance(30 * SECOND);
    expect(queued).toHaveLength(39);
    expect(new Set(queued.map((n) => n.storeId))).toEqual(
      new Set(Array.from({ length: 39 }, (_, i) => store(i))),
    );
    for (const n of queued) {
      expect(n).toMatchObject({ receiver: 'oncall', status: 'firing', rule: 'order_stalled', count: 20 });
      expect(n.sampleEntityIds).toHaveLength(5);
      expect(n.oldestAgeMs).toBe(h.clock.now - (t - 3 * MINUTE));
    }
    const { rows } = await db.db.query<{ n: number }>(
      'SELECT count(DISTINCT notification_id)::int AS n FROM notification_outbox',
    );
    expect(rows[0]!.n).toBe(39);

    // Nothing changed: no more pages until the repeat interval.
    await h.advance(10 * MINUTE);
    expect(queued).toHaveLength(39);
  });

  it('a group whose alerts all resolve gets one resolved notification', async () => {
    const before = queued.length;
    const t = h.clock.now;
    const s00 = Array.from({ length: 20 }, (_, i) =>
      ev.order(`G-${i * 40}`, 'picking', t, { store_id: 'S00' }),
    );
    await h.post(s00);
    await h.advance(SECOND);
    const fresh = queued.slice(before);
    expect(fresh).toHaveLength(1);
    expect(fresh[0]).toMatchObject({ storeId: 'S00', status: 'resolved', count: 20 });
    await h.advance(6 * MINUTE);
    expect(queued.length).toBe(before + 1);
  });
});
