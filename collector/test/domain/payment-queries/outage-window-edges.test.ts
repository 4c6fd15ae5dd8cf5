// The outage window at its edges: a last callback stored after the alert's start does not move the
// window's start later, and an open outage's window never ends before it starts.
import { describe, expect, it } from 'vitest';
import {
  type CallbackOutage,
  outageRecovery,
  outageWindow,
} from '../../../src/domain/payment-queries/outage-recovery.ts';

const T = Date.parse('2026-11-11T12:00:00Z');
const outage: CallbackOutage = {
  alertId: 'a1',
  provider: 'wechatpay',
  alertStartedAt: T,
  resolvedAt: undefined,
  lastCallbackAt: T - 1_000,
};

describe('outage window edges', () => {
  it('starts at the alert’s start when the last callback stored is later', () => {
    expect(outageWindow({ ...outage, lastCallbackAt: T + 5_000 }, T + 60_000)).toEqual({
      from: T,
      to: T + 60_000,
    });
  });

  it('ends no sooner than it starts while open, and at the resolve once resolved', () => {
    expect(outageWindow(outage, T - 5_000)).toEqual({ from: T - 1_000, to: T - 1_000 });
    expect(outageWindow({ ...outage, resolvedAt: T + 1 }, T - 5_000)).toEqual({ from: T - 1_000, to: T + 1 });
  });

  it('names its alert and provider, and starts at the window’s start', () => {
    const r = outageRecovery(
      outage,
      {
        recovered: [{ orderId: 'A', paidAt: T - 1_000, applied: false }],
        stillAwaiting: 0,
        queryOutcomes: [],
      },
      T + 1_000,
    );
    expect(r).toStrictEqual({
      alertId: 'a1',
      provider: 'wechatpay',
      from: T - 1_000,
      to: undefined,
      open: true,
      awaitingPayment: 1,
      confirmedByQuery: 1,
      applied: 0,
      remaining: 1,
      stillAwaiting: 0,
      queries: { sent: 0, paid: 0, not_paid: 0, not_found: 0, error: 0, in_flight: 0 },
    });
  });
});
