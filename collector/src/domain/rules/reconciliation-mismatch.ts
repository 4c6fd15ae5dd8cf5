// reconciliation_mismatch: a store's share of unmatched payments or unmatched orders over the
// window exceeds the threshold. Evaluated from the daily results the payments reconciliation produces.
import type { BuiltinRule, ParamField } from './builtin-rule.ts';
import { type Evaluator, ruleApplies } from './evaluator.ts';
import { commonDefaults, HOUR, type RuleCommon } from './rule-common.ts';
import { type Summary, summaryOf } from './signal.ts';

export type ReconciliationMismatchParams = RuleCommon & { windowMs: number; threshold: number };
type Params = ReconciliationMismatchParams;

/** One store's reconciliation of one local day (ORDERPULSE_TZ), as the payments reconciliation reports it. */
export interface StoreReconciliationResult {
  storeId: string;
  /** Local calendar day, 'YYYY-MM-DD'. */
  day: string;
  /** Payments in the providers' bills for this store and day. */
  paymentsTotal: number;
  /** Paid orders the order system has for this store and day. */
  ordersTotal: number;
  /** Payments with no matching order (漏单: paid, but we have no record). */
  unmatchedPayments: number;
  /** Orders with no matching payment. */
  unmatchedOrders: number;
}

export interface MismatchRates {
  storeId: string;
  fromDay: string;
  toDay: string;
  paymentsTotal: number;
  ordersTotal: number;
  unmatchedPaymentRate: number;
  unmatchedOrderRate: number;
}

const DAY_MS = 86_400_000;

/** How many most recent days the window covers (at least one). */
export function windowDays(params: Params): number {
  return Math.max(1, Math.ceil(params.windowMs / DAY_MS));
}

/** Rates over the given days of one store; undefined when the store had no business at all. */
export function mismatchRates(days: readonly StoreReconciliationResult[]): MismatchRates | undefined {
  const first = days[0];
  if (first === undefined) return undefined;
  let paymentsTotal = 0;
  let ordersTotal = 0;
  let unmatchedPayments = 0;
  let unmatchedOrders = 0;
  let fromDay = first.day;
  let toDay = first.day;
  for (const d of days) {
    paymentsTotal += d.paymentsTotal;
    ordersTotal += d.ordersTotal;
    unmatchedPayments += d.unmatchedPayments;
    unmatchedOrders += d.unmatchedOrders;
    if (d.day < fromDay) fromDay = d.day;
    if (d.day > toDay) toDay = d.day;
  }
  if (paymentsTotal === 0 && ordersTotal === 0) return undefined;
  return {
    storeId: first.storeId,
    fromDay,
    toDay,
    paymentsTotal,
    ordersTotal,
    unmatchedPaymentRate: paymentsTotal === 0 ? 0 : unmatchedPayments / paymentsTotal,
    unmatchedOrderRate: ordersTotal === 0 ? 0 : unmatchedOrders / ordersTotal,
  };
}

export function isMismatch(rates: MismatchRates, params: Params): boolean {
  return rates.unmatchedPaymentRate > params.threshold || rates.unmatchedOrderRate > params.threshold;
}

export function reconciliationMismatchSummary(rates: MismatchRates, params: Params): Summary {
  const days = rates.fromDay === rates.toDay ? rates.toDay : `${rates.fromDay}…${rates.toDay}`;
  return summaryOf({
    key: 'summary.reconciliation_mismatch',
    params: {
      storeId: rates.storeId,
      days,
      paymentRate: rates.unmatchedPaymentRate,
      orderRate: rates.unmatchedOrderRate,
      threshold: params.threshold,
      windowMs: params.windowMs,
    },
  });
}

/** Per store, from the daily results the engine has been given. */
export const reconciliationMismatchRule: Evaluator<string> = {
  name: 'reconciliation_mismatch',
  holding(storeId, all, facts, now) {
    const params = all.reconciliation_mismatch;
    // Asked first whatever the rule's state: asking forgets the days that left the window.
    const days = facts.reconciliationDays(storeId, windowDays(params));
    const rates = days === undefined ? undefined : mismatchRates(days);
    if (!ruleApplies(params, storeId) || rates === undefined || !isMismatch(rates, params)) return undefined;
    return {
      at: now,
      summary: reconciliationMismatchSummary(rates, params),
      labels: { from_day: rates.fromDay, to_day: rates.toDay },
      severity: params.severity,
    };
  },
};

/** A share in (0, 1): either a number such as 0.01 or a percentage such as "1%". */
function readFraction(field: ParamField): number | undefined {
  if (!field.present) return undefined;
  const text = field.peekString();
  let value: number | undefined;
  if (text !== undefined) {
    const match = /^(\d+(?:\.\d+)?)\s*%$/.exec(text.trim());
    if (!match) {
      field.error({ key: 'ruleError.notFraction', params: { text } });
      return undefined;
    }
    value = Number(match[1]) / 100;
  } else {
    value = field.number();
    if (value === undefined) return undefined;
  }
  if (!(value > 0 && value < 1)) {
    field.error({ key: 'ruleError.fractionRange', params: { value: String(value) } });
    return undefined;
  }
  return value;
}

export const reconciliationMismatch: BuiltinRule<'reconciliation_mismatch', Params> = {
  name: 'reconciliation_mismatch',
  watches: { kind: 'store', evaluator: reconciliationMismatchRule },
  defaults: { ...commonDefaults('warning'), windowMs: 24 * HOUR, threshold: 0.01 },
  fields: ['window', 'threshold'],
  readParams: (fields) => ({
    windowMs: fields.get('window').duration({ positive: true }),
    threshold: readFraction(fields.get('threshold')),
  }),
};
