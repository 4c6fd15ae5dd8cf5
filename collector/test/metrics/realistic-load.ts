// Drives every instrument the way a busy deployment would (every event type, source, outcome,
// status, rule, provider, carrier and channel in use; every store reporting), so tests and the
// render benchmark measure the series count a real scrape carries, not an empty registry's.
import { ORDER_STATUSES, PAYMENT_PROVIDERS } from '../../src/domain/events.ts';
import { BUILTIN_RULES, SEVERITIES } from '../../src/domain/rules/params.ts';
import type { OrderPulseMetrics } from '../../src/metrics/orderpulse-metrics.ts';

export const SOURCES = ['pos', 'taobao', 'jd', 'miniapp', 'wechatpay', 'alipay', 'kuaidi100'];
export const CARRIERS = ['sf', 'zto', 'yto', 'sto', 'yunda', 'ems', 'jd', 'best', 'deppon', 'jt'];
export const CHANNELS = ['webhook', 'wecom', 'dingtalk', 'feishu', 'slack', 'email', 'alertmanager'];
export const REASONS = ['invalid_json', 'missing_offset', 'bad_signature', 'stale_signature', 'schema'];

export function storeIds(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `store-${String(i).padStart(5, '0')}`);
}

export function applyRealisticLoad(
  metrics: OrderPulseMetrics,
  stores: readonly string[],
  nowMs: number,
): void {
  for (const source of SOURCES) {
    for (const type of ['order.status', 'payment.notify', 'shipment.update', 'unknown'] as const) {
      for (const outcome of ['accepted', 'duplicate', 'rejected'] as const) {
        metrics.ingestEvents.inc({ type, source, outcome }, 3);
      }
    }
  }
  for (let i = 0; i < 500; i += 1) {
    metrics.ingestAckSeconds.observe(0.001 + (i % 50) / 1000);
    metrics.commitBatchEvents.observe(1 + ((i * 37) % 5000));
    metrics.commitSeconds.observe(0.0005 + (i % 20) / 1000);
  }
  for (const rule of BUILTIN_RULES) {
    for (const severity of SEVERITIES) metrics.alertsOpen.set({ rule, severity }, 2);
    for (let i = 0; i < 20; i += 1) metrics.ruleEvaluationSeconds.observe({ pass: 'deadlines' }, i / 1000);
  }
  for (const status of ORDER_STATUSES) {
    metrics.orders.set({ status }, 1000);
    metrics.orderTransitions.inc({ status }, 1000);
    metrics.stalledOrders.set({ rule: 'order_stalled', status }, 4);
  }
  metrics.stalledOrders.set({ rule: 'payment_unapplied', status: 'created' }, 1);
  metrics.stalledOrdersByStore.replace(stores.map((store, i) => ({ store, value: i % 5 })));
  metrics.reconciliationMismatch.replace(stores.map((store, i) => ({ store, value: (i % 100) / 1000 })));
  for (const provider of PAYMENT_PROVIDERS) metrics.paymentCallbackHeard(provider, nowMs - 30_000);
  metrics.wechatpayPlatformCertificates([
    { serial: '5157F09EFDC096DE15EBE81A47057A7232F1B8E1', notAfterMs: nowMs + 90 * 86_400_000 },
  ]);
  for (const carrier of CARRIERS) {
    for (const mode of ['push', 'poll'] as const) {
      metrics.carrierUpdates.inc({ carrier, mode }, 10);
      metrics.carrierUpdateAgeSeconds.observe({ mode }, 600);
    }
  }
  metrics.liveClients.set({ role: 'viewer' }, 40);
  metrics.liveClients.set({ role: 'operator' }, 3);
  for (const channel of CHANNELS) {
    for (const route of ['primary', 'backup'] as const) {
      for (const outcome of ['success', 'failure'] as const) {
        metrics.notificationDeliveries.inc({ channel, route, outcome });
      }
    }
  }
  metrics.notificationOutboxPending.set(3);
  for (const reason of REASONS) metrics.deadLetters.inc({ reason });
  metrics.smsSuppressed.inc({ channel: 'tencent_sms' }, 2);
  for (const provider of ['wechatpay', 'alipay'] as const) {
    for (const outcome of ['paid', 'not_paid', 'not_found', 'error'] as const) {
      metrics.providerQueries.inc({ provider, outcome });
    }
  }
}
