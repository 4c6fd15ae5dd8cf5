// Grouping and resolve notifications end to end on the notify side: alerts grouped and planned by the
// domain (domain/alerts), turned into one Notification per group, delivered to loopback receivers.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Alert } from '../../src/domain/alerts/alert.ts';
import { groupAlerts } from '../../src/domain/alerts/grouping.ts';
import { type NotificationState, planNotifications } from '../../src/domain/alerts/notification-plan.ts';
import { DingTalkChannel } from '../../src/notify/channels/dingtalk.ts';
import type { AlertmanagerWebhookPayload } from '../../src/notify/channels/webhook.ts';
import { WebhookChannel } from '../../src/notify/channels/webhook.ts';
import { dashboardUrlFor, notificationFromPlan } from '../../src/notify/notification-from-plan.ts';
import { type LoopbackReceiver, startReceiver } from './loopback-receiver.ts';

const T0 = Date.parse('2026-11-25T02:00:00Z');
const MIN = 60_000;
const policy = {
  groupWaitMs: 30_000,
  groupIntervalMs: 5 * MIN,
  repeatIntervalMs: 4 * 60 * MIN,
  ackTimeoutMs: 4 * 60 * MIN,
};

function stalled(id: string, store: string, orderId: string, startedAt: number): Alert {
  return {
    id,
    rule: 'order_stalled',
    severity: 'warning',
    status: 'firing',
    entityType: 'order',
    entityId: orderId,
    storeId: store,
    summary: { zh: `订单 ${orderId} 已付款 3 分钟未拣货`, en: `order ${orderId} paid 3 min ago, not picked` },
    labels: { status: 'paid' },
    startedAt,
    firingAt: startedAt,
    updatedAt: startedAt,
    resolvedAt: undefined,
    acknowledgedAt: undefined,
    acknowledgedBy: undefined,
    ackNote: undefined,
    reopenCount: 0,
  };
}

let receiver: LoopbackReceiver;
beforeEach(async () => {
  receiver = await startReceiver({ status: 200, body: '{"errcode":0,"errmsg":"ok"}' });
});
afterEach(async () => {
  await receiver.close();
});

describe('grouped notifications', () => {
  it('sends one notification per (rule, store) group, then one resolved notification', async () => {
    const alerts = [
      stalled('A1', 's-001', 'o-1', T0),
      stalled('A2', 's-001', 'o-2', T0 + 1_000),
      stalled('A3', 's-001', 'o-3', T0 + 2_000),
      stalled('A4', 's-002', 'o-4', T0 + 3_000),
    ];
    const webhook = new WebhookChannel({ url: `${receiver.baseUrl}/hook` });
    const ding = new DingTalkChannel({ url: `${receiver.baseUrl}/robot/send?access_token=t` });
    const ctx = { receiver: 'oncall', dashboardBaseUrl: 'https://op.example.com/' };

    // seen first at T0 + 3 s; nothing is sent before group_wait has passed
    let now = T0 + 3_000;
    const seen = planNotifications(groupAlerts(alerts, now), {}, now, policy);
    expect(seen.notifications).toEqual([]);
    now += 30_000;
    const first = planNotifications(groupAlerts(alerts, now), seen.state, now, policy);
    expect(first.notifications).toHaveLength(2);
    for (const planned of first.notifications) {
      await webhook.send(notificationFromPlan(planned, { ...ctx, now }));
    }
    const bodies = receiver.requests.map((r) => r.json as AlertmanagerWebhookPayload);
    const s001 = bodies.find((b) => b.groupLabels.store_id === 's-001')!;
    expect(s001).toMatchObject({
      status: 'firing',
      receiver: 'oncall',
      groupLabels: { rule: 'order_stalled', store_id: 's-001' },
      commonLabels: { rule: 'order_stalled', store_id: 's-001', severity: 'warning', status: 'paid' },
      truncatedAlerts: 0,
    });
    expect(s001.alerts.map((a) => a.labels.entity_id)).toEqual(['o-1', 'o-2', 'o-3']);
    // the link opens the phone page of the group's oldest alert (the three started together: the first)
    expect(s001.alerts[0]!.annotations.dashboard_url).toBe('https://op.example.com/#/on-call/A1');

    // the chat robot gets one message for the group of three, with the count and examples
    const planned = first.notifications.find((p) => p.group.labels.store_id === 's-001')!;
    const n = notificationFromPlan(planned, { ...ctx, now });
    expect(n).toMatchObject({ count: 3, sampleEntityIds: ['o-1', 'o-2', 'o-3'], oldestAgeMs: 33_000 });
    await ding.send(n);
    const text = (receiver.requests.at(-1)!.json as { markdown: { text: string } }).markdown.text;
    expect(text).toContain('【告警:3】订单卡单（警告） 门店 s-001');
    expect(text).toContain('3 条「订单卡单」告警，例如：订单 o-1 已付款 3 分钟未拣货');

    // all of s-001 resolves; the next plan after group_interval reports it resolved
    const resolvedAt = T0 + 4 * MIN;
    const after = alerts.map((a) =>
      a.storeId === 's-001' ? { ...a, status: 'resolved' as const, resolvedAt, updatedAt: resolvedAt } : a,
    );
    now = T0 + 10 * MIN;
    const second = planNotifications(groupAlerts(after, now), first.state as NotificationState, now, policy);
    const resolvedPlan = second.notifications.find((p) => p.group.labels.store_id === 's-001');
    expect(resolvedPlan?.resolved.map((a) => a.id)).toEqual(['A1', 'A2', 'A3']);
    const resolved = notificationFromPlan(resolvedPlan!, { ...ctx, now });
    expect(resolved).toMatchObject({
      status: 'resolved',
      count: 3,
      endsAt: new Date(resolvedAt).toISOString(),
    });
    await webhook.send(resolved);
    const last = receiver.requests.at(-1)!.json as AlertmanagerWebhookPayload;
    expect(last.status).toBe('resolved');
    expect(
      last.alerts.every((a) => a.status === 'resolved' && a.endsAt === new Date(resolvedAt).toISOString()),
    ).toBe(true);
  });

  it('links to the dashboard alerts page filtered by rule and store', () => {
    expect(dashboardUrlFor('https://op.example.com', { rule: 'callback_silent' })).toBe(
      'https://op.example.com/#/alerts?rule=callback_silent',
    );
  });
});
