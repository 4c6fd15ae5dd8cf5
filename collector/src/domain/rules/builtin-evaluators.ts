// The built-in rules, registered. A new rule is its file (its name, parameters, defaults, the reading
// of its own YAML keys and its evaluator, in one BuiltinRule) plus a line in BUILTIN_RULE_LIST;
// params.ts, the rules.yaml loader and the engine derive everything else from this list. An
// entity's signals come out in list order.

import type { DeadlineHeap } from '../deadlines.ts';
import type { PaymentProvider } from '../events.ts';
import { isTerminal, type OrderState } from '../order-lifecycle.ts';
import type { BuiltinRule } from './builtin-rule.ts';
import { callbackSilent } from './callback-silent.ts';
import type { EntityKind } from './entity-rules.ts';
import type { Evaluator, TimedEvaluator } from './evaluator.ts';
import { orderStalled } from './order-stalled.ts';
import { paymentUnapplied } from './payment-unapplied.ts';
import { reconciliationMismatch } from './reconciliation-mismatch.ts';
import { shipmentAnomaly } from './shipment-anomaly.ts';
import { shipmentEventRule } from './shipment-event.ts';
import type { ShipmentState } from './shipment-state.ts';
import { SHIPMENT_FINAL_STATES, trackingSilent } from './tracking-silent.ts';

export const BUILTIN_RULE_LIST = [
  paymentUnapplied,
  orderStalled,
  trackingSilent,
  shipmentAnomaly,
  callbackSilent,
  reconciliationMismatch,
] as const;

/** The evaluators the engine iterates, by the entity they watch. */
export interface RuleEvaluators {
  readonly order: readonly TimedEvaluator<OrderState>[];
  readonly shipment: readonly TimedEvaluator<ShipmentState>[];
  readonly provider: readonly Evaluator<PaymentProvider>[];
  /** Evaluated with a store id. */
  readonly store: readonly Evaluator<string>[];
}

/**
 * The evaluators of `rules`, grouped by entity in list order. shipment_event comes last for
 * shipments whatever the list: it has no entry in rules.yaml (its parameters come from the engine's
 * options), so it is not a BuiltinRule.
 */
export function ruleEvaluators(rules: readonly BuiltinRule[]): RuleEvaluators {
  const order: TimedEvaluator<OrderState>[] = [];
  const shipment: TimedEvaluator<ShipmentState>[] = [];
  const provider: Evaluator<PaymentProvider>[] = [];
  const store: Evaluator<string>[] = [];
  for (const { watches } of rules) {
    if (watches.kind === 'order') order.push(watches.evaluator);
    else if (watches.kind === 'shipment') shipment.push(watches.evaluator);
    else if (watches.kind === 'provider') provider.push(watches.evaluator);
    else store.push(watches.evaluator);
  }
  shipment.push(shipmentEventRule);
  return { order, shipment, provider, store };
}

export const BUILTIN_EVALUATORS: RuleEvaluators = ruleEvaluators(BUILTIN_RULE_LIST);

/** Orders: deadlines keyed by the order's slot in the engine's order table. */
export const orderKind = (
  deadlines: DeadlineHeap,
  rules: readonly TimedEvaluator<OrderState>[],
): EntityKind<OrderState, number> => ({
  entityType: 'order',
  rules,
  deadlines,
  idOf: (order) => order.orderId,
  isFinished: (order) => order.status !== undefined && isTerminal(order.status),
  lastChangeAt: (order) => order.updatedAt,
});

/** Shipments: deadlines keyed by the shipment's slot in the engine's shipment table. */
export const shipmentKind = (
  deadlines: DeadlineHeap,
  rules: readonly TimedEvaluator<ShipmentState>[],
): EntityKind<ShipmentState, number> => ({
  entityType: 'shipment',
  rules,
  deadlines,
  idOf: (shipment) => shipment.key,
  isFinished: (shipment) => SHIPMENT_FINAL_STATES.has(shipment.state),
  lastChangeAt: (shipment) => shipment.lastUpdateAt,
});
