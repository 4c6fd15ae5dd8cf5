// The built-in rules of one kind of tracked entity (orders, shipments) with that kind's deadlines.
// Evaluating an entity reports each rule's answer and leaves the entity exactly one deadline: the
// earliest time a rule's answer would change with no new event, or, once no rule can start to hold
// any more, the time the finished entity may be forgotten.

import { type NextChange, RECHECK, type RuleFacts, type TimedEvaluator } from './evaluator.ts';
import type { FiringConditions } from './firing-conditions.ts';
import type { BuiltinRuleParams } from './params.ts';
import type { EntityType, Signal } from './signal.ts';

/**
 * What an entity's single deadline is for (DueDeadline.kind). A rule's deadline has the kind
 * `FIRST_RULE_KIND` + the rule's position in its list.
 */
export const DEADLINE_KIND = {
  /** A finished entity may be forgotten (kept until then for late events). */
  evict: 1,
  /** Re-evaluate soon (after restore, for alerts that were open before the restart). */
  recheck: 2,
} as const;
const FIRST_RULE_KIND = 3;

export interface EntityKind<E, K> {
  entityType: EntityType;
  rules: readonly TimedEvaluator<E>[];
  /** Keyed by K: an order's table slot, a shipment's key. */
  deadlines: { schedule(key: K, dueAt: number, kind: number): void; cancel(key: K): unknown };
  idOf(entity: E): string;
  /** No rule can start to hold for it any more; it is kept only for late events. */
  isFinished(entity: E): boolean;
  lastChangeAt(entity: E): number;
}

/** The earliest time any rule asked for, and the kind naming the first rule that asked for it. */
class NextDeadline implements NextChange {
  dueAt = Number.POSITIVE_INFINITY;
  kind = 0;
  /** The kind of the rule being evaluated. */
  ruleKind = 0;

  at(time: number): void {
    if (time < this.dueAt) {
      this.dueAt = time;
      this.kind = this.ruleKind;
    }
  }
}

export class EntityRules<E extends { storeId: string }, K> {
  /** Reused by every evaluation, so finding the deadline allocates nothing. */
  private readonly next = new NextDeadline();

  constructor(
    private readonly kind: EntityKind<E, K>,
    private readonly firing: FiringConditions,
    private readonly facts: RuleFacts,
    private readonly retainFinishedMs: number,
  ) {}

  /**
   * Reports each rule's condition at `now` (one that cleared resolves at `clearedAt`) and sets the
   * entity's deadline.
   */
  evaluate(
    entity: E,
    key: K,
    params: BuiltinRuleParams,
    now: number,
    clearedAt: number,
    out: Signal[],
  ): void {
    const { rules, entityType } = this.kind;
    const id = this.kind.idOf(entity);
    const next = this.next;
    next.dueAt = Number.POSITIVE_INFINITY;
    for (let i = 0; i < rules.length; i++) {
      const rule = rules[i]!;
      next.ruleKind = FIRST_RULE_KIND + i;
      const holding = rule.holding(entity, params, this.facts, now, next);
      this.firing.report(out, rule.name, entityType, id, entity.storeId, holding, clearedAt);
    }
    if (next.dueAt !== Number.POSITIVE_INFINITY) this.kind.deadlines.schedule(key, next.dueAt, next.kind);
    else if (this.kind.isFinished(entity)) this.scheduleEviction(key, now);
    else this.kind.deadlines.cancel(key);
  }

  /**
   * After a restart, nothing reported yet: the earliest first check, past or not, so the next tick
   * evaluates the entity; at once if a rule's condition may hold already.
   */
  scheduleFirst(entity: E, key: K, params: BuiltinRuleParams, now: number): void {
    const { rules } = this.kind;
    let first = Number.POSITIVE_INFINITY;
    let firstKind = 0;
    for (let i = 0; i < rules.length; i++) {
      const at = rules[i]!.firstCheckAt(entity, params, this.facts, now);
      if (at === RECHECK) {
        this.scheduleRecheck(key, now);
        return;
      }
      if (at !== undefined && at < first) {
        first = at;
        firstKind = FIRST_RULE_KIND + i;
      }
    }
    if (first !== Number.POSITIVE_INFINITY) this.kind.deadlines.schedule(key, first, firstKind);
    else if (this.kind.isFinished(entity)) this.scheduleEviction(key, now);
  }

  scheduleRecheck(key: K, now: number): void {
    this.kind.deadlines.schedule(key, now, DEADLINE_KIND.recheck);
  }

  scheduleEviction(key: K, now: number): void {
    this.kind.deadlines.schedule(key, now + this.retainFinishedMs, DEADLINE_KIND.evict);
  }

  isFinished(entity: E): boolean {
    return this.kind.isFinished(entity);
  }

  /** A finished entity nothing is firing for, untouched for the retention time. */
  mayForget(entity: E, now: number): boolean {
    return (
      this.kind.isFinished(entity) &&
      this.kind.lastChangeAt(entity) + this.retainFinishedMs <= now &&
      !this.firing.isFiringFor(this.kind.idOf(entity))
    );
  }
}
