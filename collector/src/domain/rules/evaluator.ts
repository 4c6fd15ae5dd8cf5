// What a built-in rule is to the engine: an evaluator that says, for one entity at one moment,
// whether its condition holds (a Holding) and, for orders and shipments, when that answer would next
// change with no new event (the entity's deadline). The engine iterates the evaluators of the rules
// registered in builtin-evaluators.ts; it reports, schedules and forgets, and no rule does any of
// that itself.
import type { PaymentProvider } from '../events.ts';
import type { BuiltinRuleParams } from './params.ts';
import type { StoreReconciliationResult } from './reconciliation-mismatch.ts';
import type { RuleCommon, Severity } from './rule-common.ts';
import { inScope } from './scope.ts';
import type { RegionLookup } from './shipment-anomaly.ts';
import type { ShipmentEventParams } from './shipment-event.ts';
import type { Summary } from './signal.ts';

/** A condition that holds: what its firing signal says. */
export interface Holding {
  /** Event time the condition started. */
  at: number;
  summary: Summary;
  labels: Record<string, string>;
  severity: Severity;
  /** What must change for a firing condition to be reported again (default: severity + English summary). */
  fingerprint?: string;
}

/** What the engine knows besides the entity and the parameters, for the rules that need it. */
export interface RuleFacts {
  readonly regions: RegionLookup;
  readonly shipmentEvent: ShipmentEventParams;
  /** Earliest successful refund of a tracked order. */
  refundedAt(orderId: string): number | undefined;
  /** The provider's latest payment.notify, or when the engine began watching if none was seen. */
  lastHeardAt(provider: PaymentProvider, now: number): number;
  /** Orders created in (now - windowMs, now] that count for callback_silent. */
  ordersCreated(now: number, windowMs: number): number;
  /**
   * The store's results of its `days` most recent days, leaving out days it was closed (older days
   * are forgotten); undefined when it has none.
   */
  reconciliationDays(storeId: string, days: number): StoreReconciliationResult[] | undefined;
}

/**
 * A rule over entities without deadlines: providers (evaluated on every tick) and stores (on results).
 * `A` is the parameters of every registered rule, keyed by rule name.
 */
export interface Evaluator<E, A = BuiltinRuleParams> {
  /** The alert's rule name. */
  readonly name: string;
  /** `params` is the set of the entity's store (the global set for providers). */
  holding(entity: E, params: A, facts: RuleFacts, now: number): Holding | undefined;
}

/** `firstCheckAt` answer: the condition may hold already, evaluate at once. */
export const RECHECK = 'recheck';

/** Where a rule tells the engine when to evaluate an entity again. */
export interface NextChange {
  /** The rule's answer would change at this event time (after now) with no new event. */
  at(time: number): void;
}

/** A rule over orders or shipments, which the engine re-evaluates at deadlines. */
export interface TimedEvaluator<E, A = BuiltinRuleParams> {
  readonly name: string;
  /** Whether the condition holds at `now`; calls `next.at` when the answer would change later by itself. */
  holding(entity: E, params: A, facts: RuleFacts, now: number, next: NextChange): Holding | undefined;
  /**
   * After a restart, with nothing reported yet: when to evaluate the entity first. A due time may
   * lie in the past (the next tick then evaluates it); undefined waits for the entity's next event.
   */
  firstCheckAt(entity: E, params: A, facts: RuleFacts, now: number): number | typeof RECHECK | undefined;
}

/** Whether the rule is enabled and the store in its scope. */
export function ruleApplies(params: RuleCommon, storeId: string): boolean {
  return params.enabled && inScope(params.scope, storeId);
}

interface DeadlineRuleSpec<E, P extends RuleCommon, A> {
  name: string;
  params(all: A): P;
  /** When the condition starts to hold (it then holds until an event changes the entity), if it can. */
  dueAt(entity: E, params: P, facts: RuleFacts): number | undefined;
  holding(entity: E, params: P, dueAt: number): Holding;
}

/**
 * A rule whose condition starts at a time known in advance: it holds from its due time on, and until
 * then that due time is the entity's deadline for it.
 */
class DeadlineRule<E extends { storeId: string }, P extends RuleCommon, A> implements TimedEvaluator<E, A> {
  readonly name: string;

  constructor(private readonly spec: DeadlineRuleSpec<E, P, A>) {
    this.name = spec.name;
  }

  holding(entity: E, all: A, facts: RuleFacts, now: number, next: NextChange): Holding | undefined {
    const params = this.spec.params(all);
    const due = ruleApplies(params, entity.storeId) ? this.spec.dueAt(entity, params, facts) : undefined;
    if (due === undefined) return undefined;
    if (due <= now) return this.spec.holding(entity, params, due);
    next.at(due);
    return undefined;
  }

  firstCheckAt(entity: E, all: A, facts: RuleFacts): number | undefined {
    const params = this.spec.params(all);
    return ruleApplies(params, entity.storeId) ? this.spec.dueAt(entity, params, facts) : undefined;
  }
}

export function deadlineRule<E extends { storeId: string }, P extends RuleCommon, A = BuiltinRuleParams>(
  spec: DeadlineRuleSpec<E, P, A>,
): TimedEvaluator<E, A> {
  return new DeadlineRule(spec);
}
