import { describe, expect, it } from 'vitest';
import {
  type CallbackOutage,
  type OutageFacts,
  outageRecovery,
  outageWindow,
} from '../../../src/domain/payment-queries/outage-recovery.ts';

const MINUTE = 60_000;
const T = Date.parse('2026-11-11T12:00:00Z');
const outage: CallbackOutage = {
  alertId: 'a1',
  provider: 'wechatpay',
  alertStartedAt: T + 10 * MINUTE,
  resolvedAt: undefined,
  lastCallbackAt: T,
};
const facts = (over: Partial<OutageFacts> = {}): OutageFacts => ({
  recovered: [],
  stillAwaiting: 0,
  queryOutcomes: [],
  ...over,
});

describe('outage recovery', () => {
  it('spans from the last callback to the resolve, or to now while open', () => {
    expect(outageWindow(outage, T + 47 * MINUTE)).toEqual({ from: T, to: T + 47 * MINUTE });
    expect(outageWindow({ ...outage, resolvedAt: T + 47 * MINUTE }, T + 90 * MINUTE)).toEqual({
      from: T,
      to: T + 47 * MINUTE,
    });
    // No callback stored before the alert: the alert's start.
    expect(outageWindow({ ...outage, lastCallbackAt: undefined }, T + 20 * MINUTE).from).toBe(
      T + 10 * MINUTE,
    );
  });

  it('counts each order once, applied or not, and only payments made within the window', () => {
    const r = outageRecovery(
      { ...outage, resolvedAt: T + 47 * MINUTE },
      facts({
        recovered: [
          { orderId: 'A', paidAt: T, applied: true },
          { orderId: 'A', paidAt: T + MINUTE, applied: false },
          { orderId: 'B', paidAt: T + 47 * MINUTE, applied: false },
          { orderId: 'C', paidAt: T - 1, applied: true },
          { orderId: 'D', paidAt: T + 47 * MINUTE + 1, applied: true },
        ],
        stillAwaiting: 5,
      }),
      T + 90 * MINUTE,
    );
    expect(r).toMatchObject({
      open: false,
      from: T,
      to: T + 47 * MINUTE,
      confirmedByQuery: 2,
      applied: 1,
      remaining: 1,
      stillAwaiting: 5,
      awaitingPayment: 7,
    });
  });

  it('sorts query outcomes as orderpulse_provider_queries_total does, and counts those in flight', () => {
    const r = outageRecovery(
      outage,
      facts({
        queryOutcomes: [
          { outcome: 'paid', count: 4 },
          { outcome: 'refunded', count: 1 },
          { outcome: 'closed', count: 2 },
          { outcome: 'not_paid', count: 3 },
          { outcome: 'not_found', count: 1 },
          { outcome: 'error', count: 6 },
          { outcome: undefined, count: 2 },
        ],
      }),
      T + 20 * MINUTE,
    );
    expect(r.queries).toEqual({ sent: 19, paid: 5, not_paid: 5, not_found: 1, error: 6, in_flight: 2 });
    expect(r.open).toBe(true);
    expect(r.to).toBeUndefined();
  });
});
