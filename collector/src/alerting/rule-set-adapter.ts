// Adapts the loaded alert-rules/ set (rules-config) to what the pure engine takes: the engine's
// CustomRule reads a CustomRuleContext (event + order state), the loader's reads the flat
// RuleContext of the expression language, and `toEngineRule` builds one from the other. The
// loader's routing (`route`, rule labels) becomes alert labels here too, and the engine reads the
// calendar of the set in force.

import { REQUIRES_APPROVAL_LABEL } from '../domain/alerts/approval.ts';
import { type Calendar, isStoreOpen, isStoreOpenOnDay } from '../domain/alerts/calendar.ts';
import { GBT2260_REGION_LOOKUP } from '../domain/regions/lookup.ts';
import type { CustomRuleContext, CustomRule as EngineCustomRule } from '../domain/rules/custom-rule.ts';
import { RuleEngine } from '../domain/rules/engine.ts';
import { TAGS_LABEL } from '../domain/rules/order-tagging.ts';
import { type BuiltinRuleName, DEFAULT_RULE_PARAMS } from '../domain/rules/params.ts';
import { DEFAULT_SHIPMENT_EVENT_PARAMS } from '../domain/rules/shipment-event.ts';
import type { Signal } from '../domain/rules/signal.ts';
import type { CustomRule as ConfiguredCustomRule } from '../rules-config/custom-rules.ts';
import { buildRuleContext, type RuleContext } from '../rules-config/expression/context-fields.ts';
import type { RuleSet } from '../rules-config/rule-set.ts';

// The engine hands every custom rule the same context object for one event: the flat context is
// built once for all of them (it was a third of the engine's time with two custom rules).
let lastEngineContext: CustomRuleContext | undefined;
let lastRuleContext: RuleContext | undefined;

function ruleContextOf(ctx: CustomRuleContext): RuleContext {
  if (ctx !== lastEngineContext || lastRuleContext === undefined) {
    lastRuleContext = buildRuleContext(ctx.event, ctx.order);
    lastEngineContext = ctx;
  }
  return lastRuleContext;
}

export function toEngineRule(rule: ConfiguredCustomRule): EngineCustomRule {
  const labels: Record<string, string> = { ...rule.labels };
  if (rule.route !== undefined) labels.route = rule.route;
  if (rule.tags.length > 0) labels[TAGS_LABEL] = rule.tags.join(',');
  if (rule.requiresApproval) labels[REQUIRES_APPROVAL_LABEL] = 'true';
  const written = rule.summary;
  return {
    name: rule.name,
    severity: rule.severity,
    labels,
    matches: (ctx) => rule.matches(ruleContextOf(ctx)),
    ...(written !== undefined && {
      summary: (ctx) => {
        const fallback = `${rule.name}: ${ctx.event.orderId}`;
        return { zh: written.zh ?? written.en ?? fallback, en: written.en ?? written.zh ?? fallback };
      },
    }),
  };
}

/** The enabled custom rules of a set, as the engine runs them. */
export function engineCustomRules(ruleSet: RuleSet | undefined): EngineCustomRule[] {
  return (ruleSet?.custom ?? []).filter((r) => r.enabled).map(toEngineRule);
}

/**
 * The labels a built-in rule's alerts carry for routing (`route`, and the rule's `labels:` from
 * rules.yaml). The signal's own labels win: they describe the entity.
 */
export function withRoutingLabels(signal: Signal, ruleSet: RuleSet | undefined): Signal {
  const routing = ruleSet?.builtinRouting[signal.rule as BuiltinRuleName];
  if (routing === undefined) return signal;
  const extra: Record<string, string> = { ...routing.labels };
  if (routing.route !== undefined) extra.route = routing.route;
  if (Object.keys(extra).length === 0) return signal;
  return { ...signal, labels: { ...extra, ...signal.labels } };
}

/**
 * The engine as the collector runs it, on the contract defaults until a rule set is applied. The
 * store hours are read through `calendar` on every call, so a reloaded calendar applies at once.
 */
export function createRuleEngine(calendar: () => Calendar | undefined): RuleEngine {
  return new RuleEngine(DEFAULT_RULE_PARAMS, [], {
    regions: GBT2260_REGION_LOOKUP,
    // Carrier key events become alerts routed like any other (routes.yaml `rule="shipment_event"`).
    shipmentEvent: DEFAULT_SHIPMENT_EVENT_PARAMS,
    storeOpen: (storeId, at) => {
      const c = calendar();
      return c === undefined || isStoreOpen(c, storeId, at);
    },
    storeOpenOnDay: (storeId, day) => {
      const c = calendar();
      return c === undefined || isStoreOpenOnDay(c, storeId, day);
    },
  });
}
