// One day's figures over several stores: the sums, and the share reconciliation_mismatch compares
// with its threshold (the larger of the two unmatched shares), null when there was no business.
import { describe, expect, it } from 'vitest';
import { mismatchShare, reconciliationFigures } from '../../../src/domain/reconciliation/day-figures.ts';

const result = (
  storeId: string,
  payments: number,
  orders: number,
  unmatchedPayments: number,
  unmatchedOrders: number,
) => ({
  storeId,
  day: '2026-11-11',
  paymentsTotal: payments,
  ordersTotal: orders,
  unmatchedPayments,
  unmatchedOrders,
});

describe('mismatchShare', () => {
  it('is the larger of the two shares, whichever it is', () => {
    expect(mismatchShare({ unmatchedPaymentRate: 0.2, unmatchedOrderRate: 0.05 })).toBe(0.2);
    expect(mismatchShare({ unmatchedPaymentRate: 0.05, unmatchedOrderRate: 0.2 })).toBe(0.2);
  });
});

describe('reconciliationFigures', () => {
  it('sums every store and rates the sums, not the average of the stores', () => {
    expect(reconciliationFigures([result('S1', 10, 8, 1, 0), result('S2', 30, 40, 3, 10)])).toEqual({
      paymentsTotal: 40,
      ordersTotal: 48,
      unmatchedPayments: 4,
      unmatchedOrders: 10,
      mismatchRate: 10 / 48,
    });
    expect(reconciliationFigures([result('S1', 20, 20, 5, 1), result('S2', 20, 20, 1, 1)]).mismatchRate).toBe(
      6 / 40,
    );
  });

  it('has zeros and no rate with no results, or with results of no business', () => {
    const none = {
      paymentsTotal: 0,
      ordersTotal: 0,
      unmatchedPayments: 0,
      unmatchedOrders: 0,
      mismatchRate: null,
    };
    expect(reconciliationFigures([])).toEqual(none);
    expect(reconciliationFigures([result('S1', 0, 0, 0, 0)])).toEqual(none);
  });

  it('rates a day with payments but no orders by the payments alone', () => {
    expect(reconciliationFigures([result('S1', 4, 0, 1, 0)]).mismatchRate).toBe(0.25);
  });
});
