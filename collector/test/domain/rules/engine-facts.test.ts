// What the engine remembers for the rules besides orders and shipments (refunds, last callbacks,
// recent creations, reconciliation days), and the reconciliation_mismatch arithmetic over those days.
import { describe, expect, it } from 'vitest';
import { EngineFacts } from '../../../src/domain/rules/engine-facts.ts';
import { DEFAULT_RULE_PARAMS } from '../../../src/domain/rules/params.ts';
import {
  isMismatch,
  mismatchRates,
  reconciliationMismatchSummary,
  type StoreReconciliationResult,
  windowDays,
} from '../../../src/domain/rules/reconciliation-mismatch.ts';
import { SIMPLE_REGION_LOOKUP } from '../../../src/domain/rules/shipment-anomaly.ts';
import { DEFAULT_SHIPMENT_EVENT_PARAMS } from '../../../src/domain/rules/shipment-event.ts';

const DAY = 86_400_000;
const params = DEFAULT_RULE_PARAMS.reconciliation_mismatch;

const facts = (options: Partial<ConstructorParameters<typeof EngineFacts>[0]> = {}) =>
  new EngineFacts({
    regions: SIMPLE_REGION_LOOKUP,
    shipmentEvent: DEFAULT_SHIPMENT_EVENT_PARAMS,
    storeOpen: () => true,
    storeOpenOnDay: () => true,
    creationRetentionMs: 60_000,
    ...options,
  });

const result = (day: string, over: Partial<StoreReconciliationResult> = {}): StoreReconciliationResult => ({
  storeId: 'S1',
  day,
  paymentsTotal: 100,
  ordersTotal: 100,
  unmatchedPayments: 0,
  unmatchedOrders: 0,
  ...over,
});

describe('EngineFacts', () => {
  it('keeps the earliest refund of an order until the order is forgotten', () => {
    const f = facts();
    expect(f.refundedAt('O1')).toBeUndefined();
    f.noteRefund('O1', 500);
    f.noteRefund('O1', 700);
    expect(f.refundedAt('O1')).toBe(500);
    f.noteRefund('O1', 300);
    expect(f.refundedAt('O1')).toBe(300);
    f.forgetOrder('O1');
    expect(f.refundedAt('O1')).toBeUndefined();
  });

  it('hears a provider at its latest callback; a restore replaces it even with an earlier time', () => {
    const f = facts();
    expect(f.lastHeardAt('alipay', 42)).toBe(42);
    f.watchFrom(10);
    f.watchFrom(20);
    expect(f.lastHeardAt('alipay', 42)).toBe(10);
    f.heardFrom('alipay', 30);
    f.heardFrom('alipay', 25);
    expect(f.lastHeardAt('alipay', 42)).toBe(30);
    f.heardFrom('alipay', 35);
    expect(f.lastHeardAt('alipay', 42)).toBe(35);
    f.restoreHeardFrom('alipay', 5);
    expect(f.lastHeardAt('alipay', 42)).toBe(5);
    expect([...f.heardProviders()]).toEqual(['alipay']);
  });

  it('counts a creation only for a store in scope that was open then', () => {
    const f = facts({ storeOpen: (store, at) => store !== 'CLOSED' && at >= 1_000 });
    const scope = { stores: [], excludeStores: ['OUT'] };
    f.noteCreation('S1', 1_000, 2_000, scope);
    f.noteCreation('OUT', 1_000, 2_000, scope);
    f.noteCreation('CLOSED', 1_000, 2_000, scope);
    f.noteCreation('S1', 999, 2_000, scope);
    expect(f.ordersCreated(2_000, 10_000)).toBe(1);
    expect(f.ordersCreated(3_000, 10_000)).toBe(1);
    f.setCreationRetention(500);
    expect(f.ordersCreated(3_000, 10_000)).toBe(0);
  });

  it('answers the most recent days, newest first, forgetting the ones past the window for good', () => {
    const f = facts();
    expect(f.reconciliationDays('S1', 2)).toBeUndefined();
    for (const day of ['2026-11-09', '2026-11-11', '2026-11-10']) f.addReconciliation(result(day));
    f.addReconciliation(result('2026-11-11', { unmatchedPayments: 7 }));
    const two = f.reconciliationDays('S1', 2)!;
    expect(two.map((d) => [d.day, d.unmatchedPayments])).toEqual([
      ['2026-11-11', 7],
      ['2026-11-10', 0],
    ]);
    expect(f.reconciliationDays('S1', 3)!.map((d) => d.day)).toEqual(['2026-11-11', '2026-11-10']);
    expect([...f.reconciledStores()]).toEqual(['S1']);
  });

  it('leaves out a closed day, which still takes its place in the window', () => {
    const f = facts({ storeOpenOnDay: (_, day) => day !== '2026-11-11' });
    for (const day of ['2026-11-09', '2026-11-10', '2026-11-11']) f.addReconciliation(result(day));
    expect(f.reconciliationDays('S1', 2)!.map((d) => d.day)).toEqual(['2026-11-10']);
  });
});

describe('reconciliation_mismatch arithmetic', () => {
  it('covers whole days, at least one', () => {
    expect(windowDays({ ...params, windowMs: 1 })).toBe(1);
    expect(windowDays({ ...params, windowMs: DAY })).toBe(1);
    expect(windowDays({ ...params, windowMs: DAY + 1 })).toBe(2);
    expect(windowDays({ ...params, windowMs: 0 })).toBe(1);
  });

  it('sums the days in any order and spans from the first to the last day', () => {
    const rates = mismatchRates([
      result('2026-11-10', { paymentsTotal: 100, ordersTotal: 50, unmatchedPayments: 3, unmatchedOrders: 1 }),
      result('2026-11-12', {
        paymentsTotal: 300,
        ordersTotal: 150,
        unmatchedPayments: 1,
        unmatchedOrders: 9,
      }),
      result('2026-11-08', { paymentsTotal: 0, ordersTotal: 0 }),
    ]);
    expect(rates).toEqual({
      storeId: 'S1',
      fromDay: '2026-11-08',
      toDay: '2026-11-12',
      paymentsTotal: 400,
      ordersTotal: 200,
      unmatchedPaymentRate: 4 / 400,
      unmatchedOrderRate: 10 / 200,
    });
  });

  it('has no rates without business, and a zero rate on the side that had none', () => {
    expect(mismatchRates([])).toBeUndefined();
    expect(mismatchRates([result('2026-11-10', { paymentsTotal: 0, ordersTotal: 0 })])).toBeUndefined();
    expect(
      mismatchRates([result('2026-11-10', { paymentsTotal: 0, ordersTotal: 4, unmatchedOrders: 1 })]),
    ).toMatchObject({ unmatchedPaymentRate: 0, unmatchedOrderRate: 0.25 });
    expect(
      mismatchRates([result('2026-11-10', { paymentsTotal: 4, ordersTotal: 0, unmatchedPayments: 1 })]),
    ).toMatchObject({ unmatchedPaymentRate: 0.25, unmatchedOrderRate: 0 });
  });

  it('is a mismatch only above the threshold, on either side', () => {
    const rates = mismatchRates([result('2026-11-10')])!;
    const at = (payment: number, order: number) =>
      isMismatch({ ...rates, unmatchedPaymentRate: payment, unmatchedOrderRate: order }, params);
    expect(at(0.01, 0.01)).toBe(false);
    expect(at(0.0101, 0)).toBe(true);
    expect(at(0, 0.0101)).toBe(true);
  });

  it('names one day, or the span of days, in its summary', () => {
    const one = mismatchRates([result('2026-11-10', { unmatchedPayments: 5 })])!;
    expect(reconciliationMismatchSummary(one, params).message?.params).toMatchObject({ days: '2026-11-10' });
    const span = mismatchRates([result('2026-11-10'), result('2026-11-11')])!;
    expect(reconciliationMismatchSummary(span, params).message?.params).toMatchObject({
      days: '2026-11-10…2026-11-11',
      threshold: 0.01,
      windowMs: DAY,
    });
  });
});
