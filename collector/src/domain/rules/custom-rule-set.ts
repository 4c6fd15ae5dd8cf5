// The custom rules an engine evaluates on every event, with how often each threw.
import { type CustomRule, type CustomRuleContext, customRuleHolding } from './custom-rule.ts';
import type { FiringConditions } from './firing-conditions.ts';
import type { Signal } from './signal.ts';

const DEFAULT_COOL_DOWN_MS = 5 * 60_000;

export class CustomRuleSet {
  private readonly errors = new Map<string, number>();
  private readonly onError = (rule: CustomRule): void => {
    this.errors.set(rule.name, (this.errors.get(rule.name) ?? 0) + 1);
  };

  /** Keeps the array it is given, not a copy, so refilling that array in place also works. */
  constructor(
    private rules: readonly CustomRule[],
    private readonly firing: FiringConditions,
  ) {}

  get isEmpty(): boolean {
    return this.rules.length === 0;
  }

  /** Reports each rule's answer for the event's order; a condition that cleared resolves at the event time. */
  evaluate(ctx: CustomRuleContext, out: Signal[]): void {
    const storeId = ctx.order?.storeId ?? ctx.event.storeId;
    for (const rule of this.rules) {
      const holding = customRuleHolding(rule, ctx, this.onError);
      this.firing.report(out, rule.name, 'order', ctx.event.orderId, storeId, holding, ctx.event.occurredAt);
    }
  }

  /** Replaces the rules; conditions of rules that are gone are resolved at `now`. */
  replace(rules: readonly CustomRule[], now: number): Signal[] {
    const kept = new Set(rules.map((r) => r.name));
    const out: Signal[] = [];
    for (const rule of this.rules) {
      if (!kept.has(rule.name)) out.push(...this.firing.resolveRule(rule.name, now));
    }
    this.rules = rules;
    return out;
  }

  /** `for` and cool-down of the rule named (defaults for a name it does not know). */
  timing(name: string): { forMs: number; coolDownMs: number } {
    const rule = this.rules.find((r) => r.name === name);
    return { forMs: rule?.forMs ?? 0, coolDownMs: rule?.coolDownMs ?? DEFAULT_COOL_DOWN_MS };
  }

  /** How many times each rule threw (it then counts as not matching). */
  errorCounts(): Record<string, number> {
    return Object.fromEntries(this.errors);
  }
}
