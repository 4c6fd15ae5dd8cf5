// Promotions change rule parameters while they run (calendar.yaml `promotions`, issue 3: thresholds
// may differ during a promotion). The engine holds one parameter set, so this keeps it equal to
// paramsAt(rules.yaml, calendar, now) for chain-wide promotions: the tick asks `due`, which is a
// single comparison until the next promotion boundary, and the engine is re-parameterised only when
// the set of running promotions actually changes.
//
// Promotions limited to some `stores` are not applied here: one engine-wide parameter set cannot
// hold per-store values.
import { activePromotions, type Calendar, nextPromotionChange, paramsAt } from '../domain/alerts/calendar.ts';
import type { BuiltinRuleParams } from '../domain/rules/params.ts';

export class PromotionParams {
  private running: readonly string[] = [];
  private checkAt = Number.NEGATIVE_INFINITY;
  private checkedAt = Number.NEGATIVE_INFINITY;

  /** Names of the chain-wide promotions whose parameters are in force. */
  inForce(): readonly string[] {
    return this.running;
  }

  /** The parameters to run with at `now`; remembers which promotions they include. */
  paramsAt(base: BuiltinRuleParams, calendar: Calendar | undefined, now: number): BuiltinRuleParams {
    this.running = calendar === undefined ? [] : activePromotions(calendar, now).map((p) => p.name);
    this.checkAt = calendar === undefined ? Number.POSITIVE_INFINITY : nextPromotionChange(calendar, now);
    this.checkedAt = now;
    return calendar === undefined ? base : paramsAt(base, calendar, now);
  }

  /**
   * New parameters when the running promotions differ from those last applied, else undefined.
   * Cheap on every tick: nothing is computed before the next boundary (or if the clock went back).
   */
  due(base: BuiltinRuleParams, calendar: Calendar | undefined, now: number): BuiltinRuleParams | undefined {
    if (now < this.checkAt && now >= this.checkedAt) return undefined;
    const before = this.running;
    const params = this.paramsAt(base, calendar, now);
    const same = before.length === this.running.length && before.every((name, i) => this.running[i] === name);
    return same ? undefined : params;
  }
}
