// Custom condition rules, given abstractly: the rules-config loader compiles alert-rules/ expressions
// into `matches`. The engine evaluates them on every event against the order it concerns.
import type { OrderEvent } from '../events.ts';
import type { OrderState } from '../order-lifecycle.ts';
import type { Holding } from './evaluator.ts';
import type { Severity } from './params.ts';
import type { ShipmentState } from './shipment-state.ts';
import { summaryOf } from './signal.ts';

export interface CustomRuleContext {
  /** No condition reads the receive time, so a backtest's pages leave it out. */
  event: OrderEvent;
  /** The order after the event was applied (undefined only for a shipment of an order never seen). */
  order: OrderState | undefined;
  /** The shipment after a shipment.update was applied. */
  shipment: ShipmentState | undefined;
}

export interface CustomRule {
  name: string;
  severity: Severity;
  /** Must be pure; an exception counts as "does not match" and is counted (RuleEngine.customRuleErrors). */
  matches(ctx: CustomRuleContext): boolean;
  labels?: Record<string, string>;
  /** Alert timing (Prometheus `for`, cool-down); default 0 and 5 min. */
  forMs?: number;
  coolDownMs?: number;
  /** Bilingual summary; default names the rule and the order. */
  summary?: (ctx: CustomRuleContext) => { zh: string; en: string };
}

/** The rule's answer for the event; a rule that throws does not match and is passed to `onError`. */
export function customRuleHolding(
  rule: CustomRule,
  ctx: CustomRuleContext,
  onError: (rule: CustomRule) => void,
): Holding | undefined {
  let matched = false;
  try {
    matched = rule.matches(ctx);
  } catch {
    onError(rule);
  }
  if (!matched) return undefined;
  return {
    at: ctx.event.occurredAt,
    summary:
      rule.summary?.(ctx) ??
      summaryOf({ key: 'summary.custom', params: { orderId: ctx.event.orderId, rule: rule.name } }),
    labels: { ...rule.labels },
    severity: rule.severity,
  };
}
