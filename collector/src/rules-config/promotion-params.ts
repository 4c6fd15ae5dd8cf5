// The rule parameters in force for one store at one instant: the configured parameters with the
// overrides of every promotion running then (later promotions in calendar.yaml win).
import type { OrderStatus } from '../domain/events.ts';
import { BUILTIN_RULES, type BuiltinRuleParams } from '../domain/rules/params.ts';
import type { BusinessCalendar, Promotion } from './calendar.ts';

export function activePromotions(calendar: BusinessCalendar, storeId: string, atMs: number): Promotion[] {
  return calendar.promotions.filter(
    (promotion) =>
      atMs >= promotion.fromMs &&
      atMs < promotion.toMs &&
      (promotion.stores.length === 0 || promotion.stores.includes(storeId)),
  );
}

/** Returns `builtin` itself when no promotion is running, so callers may compare by identity. */
export function effectiveParams(
  builtin: BuiltinRuleParams,
  calendar: BusinessCalendar,
  storeId: string,
  atMs: number,
): BuiltinRuleParams {
  const running = activePromotions(calendar, storeId, atMs);
  if (running.length === 0) return builtin;
  const params = { ...builtin } as Record<string, unknown>;
  for (const promotion of running) {
    for (const rule of BUILTIN_RULES) {
      const override = promotion.overrides[rule];
      if (override === undefined) continue;
      const current = params[rule] as Record<string, unknown>;
      const merged: Record<string, unknown> = { ...current, ...override };
      if (rule === 'order_stalled' && promotion.overrides.order_stalled?.limitsMs !== undefined) {
        const limits: Partial<Record<OrderStatus, number>> = {
          ...(current.limitsMs as Partial<Record<OrderStatus, number>>),
        };
        for (const [status, ms] of Object.entries(promotion.overrides.order_stalled.limitsMs)) {
          if (ms === null || ms === undefined) delete limits[status as OrderStatus];
          else limits[status as OrderStatus] = ms;
        }
        merged.limitsMs = limits;
      }
      params[rule] = merged;
    }
  }
  return params as unknown as BuiltinRuleParams;
}
