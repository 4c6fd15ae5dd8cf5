// callback_silent and reconciliation_mismatch called directly with the engine's facts: every field of
// the holding, what leaves them quiet, and the chain-wide creations that replace a processor's own.
import { describe, expect, it } from 'vitest';
import { callbackSilentRule, callbackSilentSummary } from '../../../src/domain/rules/callback-silent.ts';
import { EngineFacts } from '../../../src/domain/rules/engine-facts.ts';
import { DEFAULT_RULE_PARAMS } from '../../../src/domain/rules/params.ts';
import {
  reconciliationMismatchRule,
  type StoreReconciliationResult,
} from '../../../src/domain/rules/reconciliation-mismatch.ts';
import { SIMPLE_REGION_LOOKUP } from '../../../src/domain/rules/shipment-anomaly.ts';
import { DEFAULT_SHIPMENT_EVENT_PARAMS } from '../../../src/domain/rules/shipment-event.ts';
import { summaryOf } from '../../../src/domain/rules/signal.ts';
import { HOUR, MINUTE, SECOND, T0 } from '../fixtures.ts';

const facts = (storeOpen: (storeId: string, at: number) => boolean = () => true) =>
  new EngineFacts({
    regions: SIMPLE_REGION_LOOKUP,
    shipmentEvent: DEFAULT_SHIPMENT_EVENT_PARAMS,
    storeOpen,
    storeOpenOnDay: () => true,
    creationRetentionMs: HOUR,
  });

const ALL_STORES = { stores: [], excludeStores: [] };

describe('callback_silent', () => {
  const silent = () => {
    const f = facts();
    f.watchFrom(T0);
    for (let i = 0; i < 20; i++) {
      const at = T0 + 10 * MINUTE + i * SECOND;
      f.noteCreation('S1', at, at, ALL_STORES);
    }
    return f;
  };

  it('holds from last heard + limit, re-reported each whole minute of silence', () => {
    const now = T0 + 11 * MINUTE + 30 * SECOND;
    const holding = callbackSilentRule.holding('wechatpay', DEFAULT_RULE_PARAMS, silent(), now);
    expect(holding).toEqual({
      at: T0 + 10 * MINUTE,
      summary: summaryOf({
        key: 'summary.callback_silent',
        params: { provider: 'wechatpay', silentForMs: now - T0, windowMs: 10 * MINUTE, orders: 20 },
      }),
      labels: { provider: 'wechatpay' },
      severity: 'critical',
      fingerprint: 'critical|11',
    });
    expect(callbackSilentRule.holding('alipay', DEFAULT_RULE_PARAMS, silent(), now)?.at).toBe(
      T0 + 10 * MINUTE,
    );
  });

  it('counts silence from the last callback heard, and only the orders of the last limit', () => {
    const f = silent();
    f.heardFrom('wechatpay', T0 + MINUTE);
    const now = T0 + 11 * MINUTE;
    expect(callbackSilentRule.holding('wechatpay', DEFAULT_RULE_PARAMS, f, now)).toMatchObject({
      at: now,
      fingerprint: 'critical|10',
    });
    // Ten minutes later the twenty orders, created from minute 10 on, have left the window.
    expect(
      callbackSilentRule.holding('wechatpay', DEFAULT_RULE_PARAMS, f, now + 10 * MINUTE),
    ).toBeUndefined();
  });

  it('says how long the provider has been silent and how many orders the window held', () => {
    const params = DEFAULT_RULE_PARAMS.callback_silent;
    expect(
      callbackSilentSummary(
        { provider: 'alipay', since: T0 + params.limitMs, ordersInWindow: 7 },
        params,
        T0 + HOUR,
      ).message,
    ).toEqual({
      key: 'summary.callback_silent',
      params: { provider: 'alipay', silentForMs: HOUR, windowMs: 10 * MINUTE, orders: 7 },
    });
  });

  it('watches only the providers listed, and nothing when disabled', () => {
    const now = T0 + HOUR;
    expect(callbackSilentRule.holding('other', DEFAULT_RULE_PARAMS, silent(), now)).toBeUndefined();
    const off = {
      ...DEFAULT_RULE_PARAMS,
      callback_silent: { ...DEFAULT_RULE_PARAMS.callback_silent, enabled: false },
    };
    expect(callbackSilentRule.holding('wechatpay', off, silent(), T0 + 11 * MINUTE)).toBeUndefined();
  });
});

describe('chain-wide creations', () => {
  it('replace what was counted, adding each second’s orders for open stores in scope', () => {
    const f = facts((storeId) => storeId !== 'CLOSED');
    f.noteCreation('S1', T0, T0, ALL_STORES);
    f.replaceCreations(
      [
        { storeId: 'S1', at: T0 + SECOND, orders: 5 },
        { storeId: 'S2', at: T0 + 2 * SECOND, orders: 3 },
        { storeId: 'OUT', at: T0 + 2 * SECOND, orders: 100 },
        { storeId: 'CLOSED', at: T0 + 2 * SECOND, orders: 100 },
      ],
      T0 + 3 * SECOND,
      { stores: [], excludeStores: ['OUT'] },
    );
    expect(f.ordersCreated(T0 + 3 * SECOND, MINUTE)).toBe(8);
    f.noteCreation('S1', T0 + 3 * SECOND, T0 + 3 * SECOND, ALL_STORES);
    expect(f.ordersCreated(T0 + 3 * SECOND, MINUTE)).toBe(9);
  });
});

describe('reconciliation_mismatch', () => {
  const day = (d: string, unmatchedPayments: number): StoreReconciliationResult => ({
    storeId: 'S1',
    day: d,
    paymentsTotal: 100,
    ordersTotal: 100,
    unmatchedPayments,
    unmatchedOrders: 0,
  });

  it('holds at the time it is asked, labelled with the days it covers', () => {
    const f = facts();
    f.addReconciliation(day('2026-11-10', 5));
    expect(reconciliationMismatchRule.holding('S1', DEFAULT_RULE_PARAMS, f, T0)).toEqual({
      at: T0,
      summary: summaryOf({
        key: 'summary.reconciliation_mismatch',
        params: {
          storeId: 'S1',
          days: '2026-11-10',
          paymentRate: 0.05,
          orderRate: 0,
          threshold: 0.01,
          windowMs: 24 * HOUR,
        },
      }),
      labels: { from_day: '2026-11-10', to_day: '2026-11-10' },
      severity: 'warning',
    });
  });

  it('is quiet without results, at the threshold, out of scope or disabled, and forgets old days anyway', () => {
    expect(reconciliationMismatchRule.holding('S1', DEFAULT_RULE_PARAMS, facts(), T0)).toBeUndefined();
    const atThreshold = facts();
    atThreshold.addReconciliation(day('2026-11-10', 1));
    expect(reconciliationMismatchRule.holding('S1', DEFAULT_RULE_PARAMS, atThreshold, T0)).toBeUndefined();

    const common = DEFAULT_RULE_PARAMS.reconciliation_mismatch;
    for (const reconciliation_mismatch of [
      { ...common, enabled: false },
      { ...common, scope: { stores: [], excludeStores: ['S1'] } },
    ]) {
      const f = facts();
      f.addReconciliation(day('2026-11-09', 5));
      f.addReconciliation(day('2026-11-10', 5));
      const all = { ...DEFAULT_RULE_PARAMS, reconciliation_mismatch };
      expect(reconciliationMismatchRule.holding('S1', all, f, T0)).toBeUndefined();
      // The one-day window was asked for, so the older day is gone.
      expect(f.reconciliationDays('S1', 5)?.map((d) => d.day)).toEqual(['2026-11-10']);
    }
  });
});
