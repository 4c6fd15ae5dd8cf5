import type { Notification } from '../../src/notify/notification.ts';

export function firingNotification(overrides: Partial<Notification> = {}): Notification {
  return {
    groupKey: '0:{rule="payment_unapplied",store_id="s-001"}',
    receiver: 'store-oncall',
    status: 'firing',
    rule: 'payment_unapplied',
    severity: 'critical',
    storeId: 's-001',
    groupLabels: { rule: 'payment_unapplied', store_id: 's-001' },
    commonLabels: { rule: 'payment_unapplied', store_id: 's-001', severity: 'critical' },
    summary: { zh: '3 笔支付超过 2 分钟未入账', en: '3 payments not applied within 2 min' },
    count: 3,
    oldestAgeMs: 5 * 60_000 + 10_000,
    sampleEntityIds: ['o-1001', 'o-1002'],
    startsAt: '2026-11-25T10:00:00.000Z',
    dashboardUrl: 'https://orderpulse.example.com/alerts?rule=payment_unapplied&store_id=s-001',
    alerts: [
      {
        id: 'a-1',
        status: 'firing',
        entityType: 'order',
        entityId: 'o-1001',
        labels: { rule: 'payment_unapplied', store_id: 's-001', provider: 'wechatpay' },
        summary: { zh: '订单 o-1001 支付未入账', en: 'order o-1001 payment not applied' },
        startsAt: '2026-11-25T10:00:00.000Z',
      },
      {
        id: 'a-2',
        status: 'firing',
        entityType: 'order',
        entityId: 'o-1002',
        labels: { rule: 'payment_unapplied', store_id: 's-001', provider: 'alipay' },
        summary: { zh: '订单 o-1002 支付未入账', en: 'order o-1002 payment not applied' },
        startsAt: '2026-11-25T10:01:00.000Z',
      },
    ],
    ...overrides,
  };
}

export function resolvedNotification(): Notification {
  const firing = firingNotification();
  return {
    ...firing,
    status: 'resolved',
    endsAt: '2026-11-25T10:20:00.000Z',
    alerts: firing.alerts.map((a) => ({
      ...a,
      status: 'resolved' as const,
      endsAt: '2026-11-25T10:20:00.000Z',
    })),
  };
}
