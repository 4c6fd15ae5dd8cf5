// Promotions change rule parameters while they run (calendar.yaml `promotions`: thresholds
// may differ during a promotion). This keeps the engine's parameters equal to
// paramsAt(rules.yaml, calendar, now[, store]): one chain-wide set (chain-wide promotions) plus one
// set per store named by a running store-limited promotion (chain-wide and that store's promotions,
// later ones in the calendar winning). The tick asks `due`, which is a single comparison until the
// next promotion boundary, and the engine is re-parameterised only when the set of running
// promotions actually changes.
import { activePromotions, type Calendar, type Promotion, paramsAt } from '../domain/alerts/calendar.ts';
import type { BuiltinRuleParams } from '../domain/rules/params.ts';

const NO_STORES: ReadonlyMap<string, BuiltinRuleParams> = new Map();

function running(calendar: Calendar, now: number): Promotion[] {
  return calendar.promotions.filter((p) => now >= p.fromMs && now < p.toMs);
}

/** The first start or end of any promotion (chain-wide or not) after `now`; Infinity if none. */
function nextChange(calendar: Calendar, now: number): number {
  let next = Number.POSITIVE_INFINITY;
  for (const p of calendar.promotions) {
    if (p.fromMs > now && p.fromMs < next) next = p.fromMs;
    if (p.toMs > now && p.toMs < next) next = p.toMs;
  }
  return next;
}

export class PromotionParams {
  private chainWide: readonly string[] = [];
  private storeLimited: readonly string[] = [];
  private perStore: ReadonlyMap<string, BuiltinRuleParams> = NO_STORES;
  private checkAt = Number.NEGATIVE_INFINITY;
  private checkedAt = Number.NEGATIVE_INFINITY;

  /** Names of the chain-wide promotions whose parameters are in force. */
  inForce(): readonly string[] {
    return this.chainWide;
  }

  /** Names of the running promotions limited to some stores. */
  storeLimitedInForce(): readonly string[] {
    return this.storeLimited;
  }

  /** Per-store parameters from the last paramsAt/due (stores named by a running promotion only). */
  byStore(): ReadonlyMap<string, BuiltinRuleParams> {
    return this.perStore;
  }

  /** The chain-wide parameters to run with at `now` (see byStore for the others); remembers which promotions apply. */
  paramsAt(base: BuiltinRuleParams, calendar: Calendar | undefined, now: number): BuiltinRuleParams {
    this.checkedAt = now;
    if (calendar === undefined) {
      this.chainWide = [];
      this.storeLimited = [];
      this.perStore = NO_STORES;
      this.checkAt = Number.POSITIVE_INFINITY;
      return base;
    }
    const all = running(calendar, now);
    this.chainWide = activePromotions(calendar, now).map((p) => p.name);
    this.storeLimited = all.filter((p) => p.stores.length > 0).map((p) => p.name);
    const stores = new Set(all.flatMap((p) => p.stores));
    this.perStore =
      stores.size === 0 ? NO_STORES : new Map([...stores].map((s) => [s, paramsAt(base, calendar, now, s)]));
    this.checkAt = nextChange(calendar, now);
    return paramsAt(base, calendar, now);
  }

  /**
   * New parameters when the running promotions differ from those last applied, else undefined.
   * Cheap on every tick: nothing is computed before the next boundary (or if the clock went back).
   */
  due(base: BuiltinRuleParams, calendar: Calendar | undefined, now: number): BuiltinRuleParams | undefined {
    if (now < this.checkAt && now >= this.checkedAt) return undefined;
    const before = [...this.chainWide, '\u0000', ...this.storeLimited];
    const params = this.paramsAt(base, calendar, now);
    const after = [...this.chainWide, '\u0000', ...this.storeLimited];
    const same = before.length === after.length && before.every((name, i) => after[i] === name);
    return same ? undefined : params;
  }
}
