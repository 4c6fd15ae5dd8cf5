// The built-in rules the engine evaluates, by the entity they watch. A new rule is its file (an
// evaluator beside its condition) plus a line here; an entity's signals come out in this order.

import type { DeadlineHeap, DeadlineQueue } from '../deadlines.ts';
import type { PaymentProvider } from '../events.ts';
import { isTerminal, type OrderState } from '../order-lifecycle.ts';
import { callbackSilentRule } from './callback-silent.ts';
import type { EntityKind } from './entity-rules.ts';
import type { Evaluator, TimedEvaluator } from './evaluator.ts';
import { orderStalledRule } from './order-stalled.ts';
import { paymentUnappliedRule } from './payment-unapplied.ts';
import { reconciliationMismatchRule } from './reconciliation-mismatch.ts';
import { shipmentAnomalyRule } from './shipment-anomaly.ts';
import { shipmentEventRule } from './shipment-event.ts';
import type { ShipmentState } from './shipment-state.ts';
import { SHIPMENT_FINAL_STATES, trackingSilentRule } from './tracking-silent.ts';

export const BUILTIN_EVALUATORS: {
  readonly order: readonly TimedEvaluator<OrderState>[];
  readonly shipment: readonly TimedEvaluator<ShipmentState>[];
  readonly provider: readonly Evaluator<PaymentProvider>[];
  /** Evaluated with a store id. */
  readonly store: readonly Evaluator<string>[];
} = {
  order: [paymentUnappliedRule, orderStalledRule],
  shipment: [trackingSilentRule, shipmentAnomalyRule, shipmentEventRule],
  provider: [callbackSilentRule],
  store: [reconciliationMismatchRule],
};

/** Orders: deadlines keyed by the order's slot in the engine's order table. */
export const orderKind = (deadlines: DeadlineHeap): EntityKind<OrderState, number> => ({
  entityType: 'order',
  rules: BUILTIN_EVALUATORS.order,
  deadlines,
  idOf: (order) => order.orderId,
  isFinished: (order) => order.status !== undefined && isTerminal(order.status),
  lastChangeAt: (order) => order.updatedAt,
});

export const shipmentKind = (deadlines: DeadlineQueue): EntityKind<ShipmentState, string> => ({
  entityType: 'shipment',
  rules: BUILTIN_EVALUATORS.shipment,
  deadlines,
  idOf: (shipment) => shipment.key,
  isFinished: (shipment) => SHIPMENT_FINAL_STATES.has(shipment.state),
  lastChangeAt: (shipment) => shipment.lastUpdateAt,
});
