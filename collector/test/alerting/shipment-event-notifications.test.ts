// Carrier key events reach people through the alert path: a Kuaidi100 push (or a shipment.update)
// with a key state becomes a shipment_event alert, routed by routes.yaml (rule="shipment_event" →
// logistics-events) into the real notify outbox; a silence on its labels mutes it, and its
// self-resolution sends nothing (the receiver has send_resolved: false).
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { NotificationDispatcher } from '../../src/alerting/notification-dispatcher.ts';
import { DEFAULT_SHIPMENT_EVENT_PARAMS } from '../../src/domain/rules/shipment-event.ts';
import { kuaidi100PushSign } from '../../src/ingest/kuaidi100/sign.ts';
import { Outbox } from '../../src/notify/outbox/outbox.ts';
import { buildReceivers } from '../../src/notify/receivers.ts';
import { auth } from '../support/test-app.ts';
import { openTestDatabase, STORE_KINDS, type TestDatabase } from '../support/test-database.ts';
import { ev, type Harness, HOUR, iso, MINUTE, SECOND, startHarness } from './alerting-harness.ts';

const SALT = 'push-salt-for-shipment-events';
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

/** Kuaidi100's time format, China Standard Time. */
const ftime = (ms: number) => new Date(ms + 8 * HOUR).toISOString().slice(0, 19).replace('T', ' ');

function pushParam(nu: string, state: string, nodes: { at: number; context: string }[]): string {
  return JSON.stringify({
    status: 'polling',
    message: '',
    lastResult: {
      message: 'ok',
      state,
      status: '200',
      ischeck: '0',
      com: 'yuantong',
      nu,
      data: [...nodes]
        .sort((a, b) => b.at - a.at)
        .map((n) => ({ time: ftime(n.at), ftime: ftime(n.at), context: n.context, status: '' })),
    },
  });
}

interface OutboxRow {
  receiver: string;
  rule: string;
  status: string;
  severity: string;
  store_id: string | null;
  group_labels: Record<string, string>;
}

describe.each(STORE_KINDS)('shipment_event notifications (%s)', (kind) => {
  let db: TestDatabase;
  let h: Harness;

  beforeAll(async () => {
    db = await openTestDatabase(kind);
    h = await startHarness(db.db, { env: { ORDERPULSE_KUAIDI100_SALT: SALT } });
    const ruleSet = h.app.alerting.rulesStatus().ruleSet!;
    const outbox = new Outbox({
      db: db.db,
      receivers: buildReceivers(Object.values(ruleSet.routing.receivers), { env: ENV }),
      now: () => h.clock.now,
    });
    h.app.alerting.notifyThrough(
      new NotificationDispatcher(outbox, { dashboardBaseUrl: 'https://op.example' }),
    );
  });
  afterAll(async () => {
    await h?.close();
    await db?.dispose();
  });

  /** One row per notification (primary channel), shipment_event only. */
  const keyEventRows = async (): Promise<OutboxRow[]> =>
    (
      await db.db.query<OutboxRow>(
        `SELECT receiver, payload->>'rule' AS rule, payload->>'status' AS status,
                payload->>'severity' AS severity, payload->>'storeId' AS store_id,
                payload->'groupLabels' AS group_labels
           FROM notification_outbox
          WHERE tier = 'primary' AND payload->>'rule' = 'shipment_event'
          ORDER BY id`,
      )
    ).rows;

  it('a Kuaidi100 push with state 14 (拒签) is a warning routed to logistics-events', async () => {
    const t = h.clock.now;
    await h.post([
      ev.order('K-1', 'shipped', t - 2 * HOUR, { store_id: 'S7', carrier: 'yuantong', tracking_no: 'YT-K1' }),
    ]);
    const param = pushParam('YT-K1', '14', [
      { at: t - HOUR, context: '【上海市】派件中' },
      { at: t - 10 * MINUTE, context: '【上海市】收件人拒签，快件退回' },
    ]);
    const res = await h.app.server.inject({
      method: 'POST',
      url: '/v1/notify/kuaidi100',
      headers: { 'content-type': 'application/x-www-form-urlencoded;charset=UTF-8' },
      payload: new URLSearchParams({ param, sign: kuaidi100PushSign(param, SALT) }).toString(),
    });
    expect(res.statusCode).toBe(200);
    // The waybill's binding (from the shipped event) and the push are written by the carrier
    // ingest; on PostgreSQL the push may land before the binding commits and wait for it.
    const alerts = await vi.waitFor(
      async () => {
        await h.app.alerting.settled();
        const found = (await h.alerts('?rule=shipment_event')).filter((a) => a.store_id === 'S7');
        expect(found).toHaveLength(1);
        return found;
      },
      { timeout: 10_000, interval: 20 },
    );
    expect(alerts[0]).toMatchObject({
      severity: 'warning',
      status: 'firing',
      entity_type: 'shipment',
      labels: { carrier: 'yuantong', state: 'rejected', order_id: 'K-1' },
    });

    await h.advance(SECOND);
    expect(await keyEventRows()).toEqual([]); // the route's group wait is 1 m
    await h.advance(MINUTE);
    expect(await keyEventRows()).toEqual([
      {
        receiver: 'logistics-events',
        rule: 'shipment_event',
        status: 'firing',
        severity: 'warning',
        store_id: 'S7',
        group_labels: { rule: 'shipment_event', store_id: 'S7', state: 'rejected' },
      },
    ]);
    // Not paged to on-call: the route took it.
    const { rows } = await db.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM notification_outbox
        WHERE receiver = 'oncall' AND payload->>'rule' = 'shipment_event'`,
    );
    expect(rows[0]!.n).toBe(0);
  });

  it('a shipment.update delivered is an info notification; its self-resolution sends nothing', async () => {
    const before = (await keyEventRows()).length;
    const t = h.clock.now;
    await h.post([ev.shipment('K-2', 'SF-K2', 'delivered', t, { store_id: 'S8' })]);
    await h.advance(SECOND); // the dispatcher sees the group; its group wait starts
    await h.advance(MINUTE);
    const fresh = (await keyEventRows()).slice(before);
    expect(fresh).toEqual([
      expect.objectContaining({
        receiver: 'logistics-events',
        severity: 'info',
        store_id: 'S8',
        status: 'firing',
      }),
    ]);

    await h.advance(DEFAULT_SHIPMENT_EVENT_PARAMS.holdMs);
    const resolved = (await h.alerts('?rule=shipment_event&status=resolved')).filter(
      (a) => a.store_id === 'S8',
    );
    expect(resolved).toHaveLength(1);
    await h.advance(MINUTE);
    expect((await keyEventRows()).slice(before)).toHaveLength(1);
  });

  it('a silence on rule and state mutes deliveries but not rejections', async () => {
    const before = (await keyEventRows()).length;
    const t = h.clock.now;
    const silence = await h.app.server.inject({
      method: 'POST',
      url: '/v1/silences',
      headers: { ...auth('operator'), 'content-type': 'application/json' },
      payload: JSON.stringify({
        matchers: { rule: 'shipment_event', state: 'delivered' },
        ends_at: iso(t + 24 * HOUR),
        comment: 'deliveries are not news today',
      }),
    });
    expect(silence.statusCode).toBe(201);
    await h.post([
      ev.shipment('K-3', 'SF-K3', 'delivered', t, { store_id: 'S9' }),
      ev.shipment('K-4', 'SF-K4', 'rejected', t, { store_id: 'S9' }),
    ]);
    await h.advance(SECOND); // the dispatcher sees the group; its group wait starts
    await h.advance(MINUTE);
    const fresh = (await keyEventRows()).slice(before);
    expect(fresh.map((r) => `${r.store_id} ${r.group_labels.state} ${r.severity}`)).toEqual([
      'S9 rejected warning',
    ]);
  });
});
