// order_stalled: an order stays in a non-terminal status longer than that status's limit.
import type { OrderStatus } from '../events.ts';
import { isTerminal, type OrderState } from '../order-lifecycle.ts';
import { durationText } from './duration-text.ts';
import { deadlineRule } from './evaluator.ts';
import type { BuiltinRuleParams } from './params.ts';
import type { Summary } from './signal.ts';

type Params = BuiltinRuleParams['order_stalled'];

const STATUS_ZH: Record<OrderStatus, string> = {
  created: '待支付',
  paid: '已支付',
  picking: '拣货中',
  packed: '已打包',
  shipped: '已发货',
  delivered: '已签收',
  cancelled: '已取消',
  refunded: '已退款',
  closed: '已关闭',
};

/** When the order counts as stalled in its current status; undefined if that status has no limit. */
export function orderStalledDueAt(order: OrderState, params: Params): number | undefined {
  if (order.status === undefined || order.statusAt === undefined || isTerminal(order.status))
    return undefined;
  const limit = params.limitsMs[order.status];
  return limit === undefined ? undefined : order.statusAt + limit;
}

export function orderStalledSummary(order: OrderState, params: Params): Summary {
  const status = order.status ?? 'created';
  const limit = durationText(params.limitsMs[status] ?? 0);
  return {
    zh: `订单 ${order.orderId} 在「${STATUS_ZH[status]}」状态停留超过${limit.zh}`,
    en: `Order ${order.orderId} has been ${status} for more than ${limit.en}`,
  };
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
