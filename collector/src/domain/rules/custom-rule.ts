// Custom condition rules, given abstractly: the rules-config loader compiles alert-rules/ expressions
// into `matches`. The engine evaluates them on every event against the order it concerns.
import type { StoredEvent } from '../events.ts';
import type { OrderState } from '../order-lifecycle.ts';
import type { Severity } from './params.ts';
import type { ShipmentState } from './shipment-state.ts';

export interface CustomRuleContext {
  event: StoredEvent;
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
