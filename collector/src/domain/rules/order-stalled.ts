// order_stalled: an order stays in a non-terminal status longer than that status's limit.
import { ORDER_STATUSES, type OrderStatus } from '../events.ts';
import { isTerminal, type OrderState } from '../order-lifecycle.ts';
import type { BuiltinRule, ParamField } from './builtin-rule.ts';
import { deadlineRule } from './evaluator.ts';
import { commonDefaults, HOUR, MINUTE, type RuleCommon } from './rule-common.ts';
import { type Summary, summaryOf } from './signal.ts';

export type OrderStalledParams = RuleCommon & { limitsMs: Partial<Record<OrderStatus, number>> };
type Params = OrderStalledParams;

/** Statuses order_stalled may watch; the others are terminal, an order rests there for good. */
export const STALLABLE_STATUSES = ['created', 'paid', 'picking', 'packed', 'shipped'] as const;

/** When the order counts as stalled in its current status; undefined if that status has no limit. */
export function orderStalledDueAt(order: OrderState, params: Params): number | undefined {
  if (order.status === undefined || order.statusAt === undefined || isTerminal(order.status))
    return undefined;
  const limit = params.limitsMs[order.status];
  return limit === undefined ? undefined : order.statusAt + limit;
}

export function orderStalledSummary(order: OrderState, params: Params): Summary {
  const status = order.status ?? 'created';
  return summaryOf({
    key: 'summary.order_stalled',
    params: { orderId: order.orderId, status, limitMs: params.limitsMs[status] ?? 0 },
  });
}

export const orderStalledRule = deadlineRule<OrderState, Params>({
  name: 'order_stalled',
  params: (all) => all.order_stalled,
  dueAt: orderStalledDueAt,
  holding: (order, params, at) => ({
    at,
    summary: orderStalledSummary(order, params),
    labels: { status: order.status ?? '' },
    severity: params.severity,
  }),
});

/** `limits: { paid: 2m, picking: off }`; `off` (or null) stops watching that status. */
function readStatusLimits(field: ParamField): Partial<Record<OrderStatus, number | null>> | undefined {
  const entries = field.entries();
  if (entries === undefined) return undefined;
  const limits: Partial<Record<OrderStatus, number | null>> = {};
  for (const [status, value] of entries) {
    if (!(STALLABLE_STATUSES as readonly string[]).includes(status)) {
      const known = (ORDER_STATUSES as readonly string[]).includes(status);
      const watched = STALLABLE_STATUSES.join(', ');
      value.error({
        key: known ? 'ruleError.terminalStatus' : 'ruleError.unknownOrderStatus',
        params: { status, watched },
      });
      continue;
    }
    if (value.isNull || value.peekString() === 'off') {
      limits[status as OrderStatus] = null;
      continue;
    }
    const ms = value.duration({ positive: true });
    if (ms !== undefined) limits[status as OrderStatus] = ms;
  }
  return limits;
}

export const orderStalled: BuiltinRule<'order_stalled', Params> = {
  name: 'order_stalled',
  watches: { kind: 'order', evaluator: orderStalledRule },
  defaults: {
    ...commonDefaults('warning'),
    limitsMs: { paid: 2 * MINUTE, picking: 30 * MINUTE, packed: 12 * HOUR },
  },
  fields: ['limits'],
  readParams(fields, mode) {
    const limits = readStatusLimits(fields.get('limits'));
    // A promotion's overrides keep `null` ("off") for the calendar to apply over the limits in force.
    if (limits === undefined || mode === 'override') return { limitsMs: limits };
    const merged: Partial<Record<OrderStatus, number>> = { ...orderStalled.defaults.limitsMs };
    for (const [status, ms] of Object.entries(limits) as Array<[OrderStatus, number | null]>) {
      if (ms === null) delete merged[status];
      else merged[status] = ms;
    }
    return { limitsMs: merged };
  },
};
