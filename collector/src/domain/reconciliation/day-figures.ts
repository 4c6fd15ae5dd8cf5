// One day's reconciliation figures over any set of stores, computed the way reconciliation_mismatch
// judges a store: the larger of the unmatched-payment and unmatched-order shares. The wall, the
// per-store gauge and the Grafana view all show this number.
import { mismatchRates, type StoreReconciliationResult } from '../rules/reconciliation-mismatch.ts';

export interface ReconciliationFigures {
  /** Payments in the providers' bills. */
  paymentsTotal: number;
  /** Paid orders the order system has. */
  ordersTotal: number;
  unmatchedPayments: number;
  unmatchedOrders: number;
  /** max(unmatched payments / payments, unmatched orders / orders), 0..1; null with no business. */
  mismatchRate: number | null;
}

/** The share the reconciliation_mismatch rule compares with its threshold. */
export function mismatchShare(rates: { unmatchedPaymentRate: number; unmatchedOrderRate: number }): number {
  return Math.max(rates.unmatchedPaymentRate, rates.unmatchedOrderRate);
}

/** Sums the results (of one day, any stores) and rates them as the rule would one store. */
export function reconciliationFigures(results: readonly StoreReconciliationResult[]): ReconciliationFigures {
  const figures: ReconciliationFigures = {
    paymentsTotal: 0,
    ordersTotal: 0,
    unmatchedPayments: 0,
    unmatchedOrders: 0,
    mismatchRate: null,
  };
  for (const r of results) {
    figures.paymentsTotal += r.paymentsTotal;
    figures.ordersTotal += r.ordersTotal;
    figures.unmatchedPayments += r.unmatchedPayments;
    figures.unmatchedOrders += r.unmatchedOrders;
  }
  const rates = mismatchRates(results.map((r) => ({ ...r, storeId: '' })));
  if (rates) figures.mismatchRate = mismatchShare(rates);
  return figures;
}
