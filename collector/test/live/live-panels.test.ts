import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../src/domain/events.ts';
import type { Alert } from '../../src/live/events.ts';
import { LivePanels } from '../../src/live/live-panels.ts';

const T0 = Date.parse('2026-11-11T02:00:00Z');
let n = 0;
const order = (
  store: string,
  status: 'created' | 'paid',
  at: number,
  region?: string,
  orderId = `o${++n}`,
): StoredEvent => ({
  type: 'order.status',
  id: `e${++n}`,
  source: 'pos',
  occurredAt: at,
  receivedAt: at + 500,
  orderId,
  storeId: store,
  status,
  ...(region && { region }),
});
const pay = (store: string, orderId: string, at: number): StoredEvent => ({
  type: 'payment.notify',
  id: `p${++n}`,
  source: 'wechatpay',
  occurredAt: at,
  receivedAt: at + 100,
  orderId,
  storeId: store,
  provider: 'wechatpay',
  transactionId: `t${n}`,
  amountFen: 100,
  status: 'success',
});

describe('LivePanels', () => {
  it('counts orders per minute by status in a 60-minute window, per store and region', () => {
    const p = new LivePanels('Asia/Shanghai');
    p.applyEvents([
      order('S1', 'created', T0, '浙江'),
      order('S1', 'paid', T0 + 1_000),
      order('S2', 'created', T0 + 61_000, '江苏'),
      order('S3', 'created', T0 - 2 * 3600_000, '浙江'),
    ]);
    const chain = p.panels({}, T0 + 90_000).orders_per_minute.minutes;
    expect(chain).toHaveLength(60);
    expect(chain.at(-1)).toMatchObject({ total: 1, byStatus: { created: 1 } });
    expect(chain.at(-2)).toMatchObject({ total: 2, byStatus: { created: 1, paid: 1 } });
    expect(chain.reduce((s, m) => s + m.total, 0)).toBe(3);
    const zj = p.panels({ region: '浙江' }, T0 + 90_000).orders_per_minute.minutes;
    expect(zj.reduce((s, m) => s + m.total, 0)).toBe(2);
    expect(p.panels({ store_id: 'S2' }, T0 + 90_000).orders_per_minute.minutes.at(-1)!.total).toBe(1);
    expect(p.scopes()).toEqual({ stores: ['S1', 'S2', 'S3'], regions: ['江苏', '浙江'] });
  });

  it('computes the order rate once, from the complete minutes, for the panel and the metrics', () => {
    const p = new LivePanels('Asia/Shanghai');
    const minuteStart = Math.floor(T0 / 60_000) * 60_000;
    p.applyEvents([
      order('S1', 'created', minuteStart - 2 * 60_000, '浙江'),
      order('S1', 'created', minuteStart - 60_000 + 1_000),
      order('S2', 'created', minuteStart - 60_000 + 2_000, '江苏'),
      order('S2', 'paid', minuteStart - 60_000 + 3_000),
      // The current minute is still filling: counted in neither figure.
      order('S1', 'created', minuteStart + 1_000),
    ]);
    const now = minuteStart + 30_000;
    const chain = p.panels({}, now).orders_per_minute;
    expect(chain.createdLastMinute).toBe(2);
    expect(chain.createdHourAverage).toBeCloseTo(3 / 59, 10);
    expect(p.orderRate(now)).toEqual({
      createdLastMinute: chain.createdLastMinute,
      createdHourAverage: chain.createdHourAverage,
    });
    expect(p.panels({ store_id: 'S2' }, now).orders_per_minute.createdLastMinute).toBe(1);
  });

  it('measures paid→applied lag and counts payments still unapplied', () => {
    const p = new LivePanels('Asia/Shanghai');
    p.applyEvents([pay('S1', 'A', T0), pay('S1', 'B', T0)]);
    p.applyEvents([order('S1', 'paid', T0 + 30_000, undefined, 'A')]);
    const lag = p.panels({}, T0 + 60_000).payment_lag;
    expect(lag).toMatchObject({ samples: 1, p50Seconds: 30, unapplied: 1 });
  });

  it('gives lag percentiles per store and region over the last 15 minutes only', () => {
    const p = new LivePanels('Asia/Shanghai');
    // S1 (浙江): lags of 1…20 s; S2 (江苏): 100 lags of 90 s. Applied 20 minutes ago: a 500 s lag.
    p.applyEvents([order('S1', 'created', T0, '浙江'), order('S2', 'created', T0, '江苏')]);
    p.applyEvents([pay('S1', 'old', T0 - 20 * 60_000 - 500_000)]);
    p.applyEvents([order('S1', 'paid', T0 - 20 * 60_000, undefined, 'old')]);
    for (let i = 1; i <= 20; i++) {
      p.applyEvents([pay('S1', `a${i}`, T0)]);
      p.applyEvents([order('S1', 'paid', T0 + i * 1_000, undefined, `a${i}`)]);
    }
    for (let i = 0; i < 100; i++) {
      p.applyEvents([pay('S2', `b${i}`, T0)]);
      p.applyEvents([order('S2', 'paid', T0 + 90_000, undefined, `b${i}`)]);
    }
    const now = T0 + 120_000;
    p.prune(now);
    expect(p.panels({ store_id: 'S1' }, now).payment_lag).toMatchObject({
      samples: 20,
      p50Seconds: 11,
      p95Seconds: 20,
    });
    expect(p.panels({ region: '江苏' }, now).payment_lag).toMatchObject({
      samples: 100,
      p50Seconds: 90,
      p95Seconds: 90,
    });
    expect(p.panels({}, now).payment_lag).toMatchObject({ samples: 120, p50Seconds: 90, p95Seconds: 90 });
    // Sixteen minutes on, every lag above has left the window.
    const later = now + 16 * 60_000;
    p.prune(later);
    expect(p.panels({}, later).payment_lag).toMatchObject({ samples: 0, p50Seconds: null, p95Seconds: null });
  });

  it('tracks open alerts per rule and the stores with most alerts', () => {
    const p = new LivePanels('Asia/Shanghai');
    const mk = (id: string, store: string, rule: string, status: 'firing' | 'resolved' = 'firing') => ({
      transition: 'opened' as const,
      at: T0,
      alert: {
        id,
        rule,
        severity: 'critical' as const,
        status,
        entity_type: 'order',
        entity_id: id,
        store_id: store,
        summary: '',
        labels: {},
        started_at: new Date(T0).toISOString(),
        updated_at: new Date(T0).toISOString(),
        resolved_at: null,
        summary_zh: '',
        summary_message: null,
        rule_name: '',
        acknowledged_at: null,
        acknowledged_by: null,
        ack_note: null,
      },
    });
    p.applyAlert(mk('1', 'S1', 'order_stalled'));
    p.applyAlert(mk('2', 'S1', 'tracking_silent'));
    p.applyAlert(mk('3', 'S2', 'order_stalled'));
    p.applyAlert(mk('3', 'S2', 'order_stalled', 'resolved'));
    // A delivered parcel is an info alert: news for a channel, not a problem counted on the wall.
    p.applyAlert({
      ...mk('4', 'S3', 'shipment_event'),
      alert: { ...mk('4', 'S3', 'shipment_event').alert, severity: 'info' as never },
    });
    const panels = p.panels({}, T0);
    expect(panels.open_stalls).toEqual({
      byRule: { order_stalled: 1, tracking_silent: 1 },
      stalls: 1,
      total: 2,
    });
    expect(panels.shipments.silent).toBe(1);
    expect(panels.top_stores.stores).toEqual([{ storeId: 'S1', region: null, openAlerts: 2, critical: 2 }]);
  });

  it("reports today's reconciliation only for today in the configured time zone, rated as the rule rates it", () => {
    const p = new LivePanels('Asia/Shanghai');
    const result = (storeId: string, payments: number, orders: number, up: number, uo: number) => ({
      storeId,
      day: '2026-11-11',
      paymentsTotal: payments,
      ordersTotal: orders,
      unmatchedPayments: up,
      unmatchedOrders: uo,
    });
    // 2026-11-11T02:00Z is 10:00 on the 11th in Shanghai.
    p.setReconciliationToday(
      '2026-11-11',
      new Map([
        ['S1', { ...result('S1', 100, 97, 3, 0), pending: 3 }],
        ['S2', { ...result('S2', 100, 100, 0, 1), pending: 1 }],
      ]),
    );
    // Payments: 3 of 200 unmatched (1.5 %); orders: 1 of 197 (0.5 %): the larger share, as
    // reconciliation_mismatch judges it.
    expect(p.panels({}, T0).reconciliation).toEqual({
      day: '2026-11-11',
      mismatchRate: 3 / 200,
      paymentsTotal: 200,
      ordersTotal: 197,
      unmatchedPayments: 3,
      unmatchedOrders: 1,
      matched: 197,
      unmatched: 4,
      pending: 4,
    });
    expect(p.panels({ store_id: 'S2' }, T0).reconciliation).toMatchObject({ mismatchRate: 0.01, pending: 1 });
    // The next day in Shanghai (still the 11th in UTC until 16:00) has nothing reconciled yet.
    expect(p.panels({}, Date.parse('2026-11-11T16:30:00Z')).reconciliation).toMatchObject({
      day: '2026-11-12',
      mismatchRate: null,
      pending: 0,
    });
  });

  it("counts the stall rules' open alerts for the wall's 卡单", () => {
    const p = new LivePanels('Asia/Shanghai');
    p.loadOpenAlerts([
      wireAlert({ id: 'a', rule: 'order_stalled', store_id: 'S1' }),
      wireAlert({ id: 'b', rule: 'payment_unapplied', store_id: 'S1' }),
      wireAlert({ id: 'c', rule: 'tracking_silent', store_id: 'S2' }),
    ]);
    expect(p.panels({}, T0).open_stalls).toEqual({
      byRule: { order_stalled: 1, payment_unapplied: 1, tracking_silent: 1 },
      stalls: 2,
      total: 3,
    });
  });

  it('shows a provider as silent from the same state as callback_silent, by event time', () => {
    const p = new LivePanels('Asia/Shanghai');
    const now = T0 + 60 * 60_000;
    // The demo's history: a WeChat Pay callback from 46 minutes ago arrives now (a replay). The
    // rule counts it as heard 46 minutes ago, and so must the panel.
    p.applyEvents([{ ...pay('S1', 'old', now - 46 * 60_000), receivedAt: now }]);
    // A payment confirmed by asking Alipay is no callback: Alipay stays never heard.
    const queried = pay('S1', 'q', now - 60_000);
    if (queried.type === 'payment.notify')
      p.applyEvents([{ ...queried, provider: 'alipay', source: 'alipay-query' }]);
    const before = p.panels({}, now).callbacks.providers;
    expect(before.find((x) => x.provider === 'wechatpay')).toMatchObject({
      lastHeardAt: now - 46 * 60_000,
      silent: null,
    });
    expect(before.find((x) => x.provider === 'alipay')).toMatchObject({ lastHeardAt: null, silent: null });
    const started = now - 36 * 60_000;
    p.applyAlert({
      transition: 'opened',
      at: now,
      alert: wireAlert({
        id: 'cs',
        rule: 'callback_silent',
        entity_type: 'provider',
        entity_id: 'wechatpay',
        store_id: null,
        started_at: new Date(started).toISOString(),
      }),
    });
    const silent = p.panels({}, now).callbacks.providers.find((x) => x.provider === 'wechatpay');
    expect(silent?.silent).toEqual({ since: started, severity: 'critical' });
    p.applyAlert({
      transition: 'resolved',
      at: now,
      alert: wireAlert({ id: 'cs', rule: 'callback_silent', entity_id: 'wechatpay', status: 'resolved' }),
    });
    expect(p.panels({}, now).callbacks.providers.find((x) => x.provider === 'wechatpay')?.silent).toBeNull();
  });
});

describe('LivePanels and payments confirmed by query', () => {
  it('draws only callbacks on the callback chart and its last-heard state, yet counts the payment as paid', () => {
    const p = new LivePanels('Asia/Shanghai');
    p.applyEvents([pay('S1', 'CB', T0)]);
    p.applyEvents([{ ...pay('S1', 'Q1', T0 + 120_000), source: 'wechatpay-query' }]);
    const callbacks = p.panels({}, T0 + 150_000).callbacks;
    const wechat = callbacks.providers.find((c) => c.provider === 'wechatpay')!;
    // Heard at the callback's own time (never after its arrival), not at the query's.
    expect(wechat.lastHeardAt).toBe(T0);
    expect(wechat.perMinute.reduce((s, m) => s + m.count, 0)).toBe(1);
    expect(p.panels({}, T0 + 150_000).payment_lag.unapplied).toBe(2);
  });
});
function wireAlert(fields: Partial<Alert> & Pick<Alert, 'id' | 'rule'>): Alert {
  return {
    severity: 'critical',
    status: 'firing',
    entity_type: 'order',
    entity_id: fields.id,
    store_id: null,
    summary: '',
    summary_zh: '',
    rule_name: fields.rule,
    summary_message: null,
    labels: {},
    started_at: new Date(T0).toISOString(),
    updated_at: new Date(T0).toISOString(),
    resolved_at: null,
    acknowledged_at: null,
    acknowledged_by: null,
    ack_note: null,
    ...fields,
  };
}
