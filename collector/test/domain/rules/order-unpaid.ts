// order_unpaid, a rule that exists only to show what adding a rule takes: this one file, plus its
// line in a registration list (see registration.test.ts). An order left in `created` for longer
// than `unpaid_for` is an alert.
import type { OrderState } from '../../../src/domain/order-lifecycle.ts';
import type { BuiltinRule } from '../../../src/domain/rules/builtin-rule.ts';
import { deadlineRule } from '../../../src/domain/rules/evaluator.ts';
import type { BuiltinRuleParams } from '../../../src/domain/rules/params.ts';
import { commonDefaults, MINUTE, type RuleCommon } from '../../../src/domain/rules/rule-common.ts';

export type OrderUnpaidParams = RuleCommon & { unpaidForMs: number };

export const orderUnpaid: BuiltinRule<'order_unpaid', OrderUnpaidParams> = {
  name: 'order_unpaid',
  watches: {
    kind: 'order',
    evaluator: deadlineRule<
      OrderState,
      OrderUnpaidParams,
      BuiltinRuleParams & { order_unpaid: OrderUnpaidParams }
    >({
      name: 'order_unpaid',
      params: (all) => all.order_unpaid,
      dueAt: (order, params) =>
        order.status === 'created' && order.statusAt !== undefined
          ? order.statusAt + params.unpaidForMs
          : undefined,
      holding: (order, params, at) => ({
        at,
        summary: { zh: `订单 ${order.orderId} 未支付`, en: `Order ${order.orderId} is unpaid` },
        labels: {},
        severity: params.severity,
      }),
    }),
  },
  defaults: { ...commonDefaults('info'), unpaidForMs: 15 * MINUTE },
  fields: ['unpaid_for'],
  readParams: (fields) => ({ unpaidForMs: fields.get('unpaid_for').duration({ positive: true }) }),
};
