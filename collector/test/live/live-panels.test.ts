import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../src/domain/events.ts';
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
    expect(panels.open_stalls).toEqual({ byRule: { order_stalled: 1, tracking_silent: 1 }, total: 2 });
    expect(panels.shipments.silent).toBe(1);
    expect(panels.top_stores.stores).toEqual([{ storeId: 'S1', region: null, openAlerts: 2, critical: 2 }]);
  });

  it("reports today's reconciliation only for today in the configured time zone", () => {
    const p = new LivePanels('Asia/Shanghai');
    // 2026-11-11T02:00Z is 10:00 on the 11th in Shanghai.
    p.setReconciliationToday('2026-11-11', new Map([['S1', { matched: 97, unmatched: 3, pending: 3 }]]));
    expect(p.panels({}, T0).reconciliation).toMatchObject({
      day: '2026-11-11',
      mismatchRate: 0.03,
      pending: 3,
    });
    expect(p.panels({}, T0 + 24 * 3600_000).reconciliation.mismatchRate).toBeNull();
  });
});
