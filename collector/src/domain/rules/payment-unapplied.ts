// payment_unapplied: a successful payment.notify for an order whose status has not reached `paid`
// (or later) within the limit. The money arrived; the order system does not know.
import { hasReachedPaid, type OrderState } from '../order-lifecycle.ts';
import { type BuiltinRule, LIMIT_PARAM } from './builtin-rule.ts';
import { deadlineRule } from './evaluator.ts';
import { commonDefaults, MINUTE, type RuleCommon } from './rule-common.ts';
import { type Summary, summaryOf } from './signal.ts';

export type PaymentUnappliedParams = RuleCommon & { limitMs: number };
type Params = PaymentUnappliedParams;

/**
 * When the condition starts to hold, or undefined if it cannot: no payment yet, already paid, or
 * refunded. A successful refund (`payment.notify` status `refund`, at `refundedAt`) sent the money
 * back, so there is nothing left for the order system to apply; whatever its time, it stands for
 * the payment before it (a payment made again after a refund is not told apart from the first).
 */
export function paymentUnappliedDueAt(
  order: OrderState,
  params: Params,
  refundedAt?: number,
): number | undefined {
  if (order.paymentAt === undefined || hasReachedPaid(order) || refundedAt !== undefined) return undefined;
  return order.paymentAt + params.limitMs;
}

export function paymentUnappliedSummary(order: OrderState, params: Params): Summary {
  return summaryOf({
    key: 'summary.payment_unapplied',
    params: { orderId: order.orderId, limitMs: params.limitMs },
  });
}

export const paymentUnappliedRule = deadlineRule<OrderState, Params>({
  name: 'payment_unapplied',
  params: (all) => all.payment_unapplied,
  dueAt: (order, params, facts) => paymentUnappliedDueAt(order, params, facts.refundedAt(order.orderId)),
  holding: (order, params, at) => ({
    at,
    summary: paymentUnappliedSummary(order, params),
    labels: {},
    severity: params.severity,
  }),
});

export const paymentUnapplied: BuiltinRule<'payment_unapplied', Params> = {
  name: 'payment_unapplied',
  watches: { kind: 'order', evaluator: paymentUnappliedRule },
  defaults: { ...commonDefaults('critical'), limitMs: 2 * MINUTE },
  ...LIMIT_PARAM,
};
