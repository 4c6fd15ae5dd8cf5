// rules.yaml: the parameters of the built-in rules, mapped onto BuiltinRuleParams. Keys that are
// not written keep the rule's defaults, so a file can tune one number. The common keys are read
// here; each rule reads its own (see BuiltinRule.readParams) through this file's cursors.
import type { ParamOverrides } from '../domain/alerts/calendar.ts';
import { BUILTIN_RULE_LIST } from '../domain/rules/builtin-evaluators.ts';
import {
  type BuiltinRule,
  defaultParamsOf,
  type ReadMode,
  type RuleParamsOf,
} from '../domain/rules/builtin-rule.ts';
import { SEVERITIES } from '../domain/rules/rule-common.ts';
import type { MessageRef } from '../messages/format-message.ts';
import { readLabels, readRouteLabel, readScope } from './common-fields.ts';
import type { ObjectCursor } from './object-cursor.ts';
import { part, problem } from './problem.ts';
import { closestName } from './spelling.ts';
import type { Cursor } from './yaml-cursor.ts';

/** How a rule's alerts are labelled for routing (see routes.yaml). */
export interface RuleRouting {
  /** Becomes the alert's `route` label; routes.yaml matches it with `route="…"`. */
  route?: string;
  labels: Readonly<Record<string, string>>;
}

const COMMON_KEYS = ['enabled', 'severity', 'for', 'cool_down'];
const ROUTING_KEYS = ['scope', 'route', 'labels', 'description'];

export interface BuiltinRulesResult<L extends readonly BuiltinRule[] = typeof BUILTIN_RULE_LIST> {
  params: RuleParamsOf<L>;
  routing: Record<L[number]['name'], RuleRouting>;
  /** Cursors of each `route:` value, so the loader can check them against routes.yaml. */
  routeCursors: Array<{ route: string; cursor: Cursor }>;
}

/** `rules` is the registration list read against; the built-in one unless a test registers its own. */
export function readBuiltinRules<L extends readonly BuiltinRule[] = typeof BUILTIN_RULE_LIST>(
  root: Cursor,
  rules: L = BUILTIN_RULE_LIST as unknown as L,
): BuiltinRulesResult<L> {
  const byName = new Map<string, BuiltinRule>(rules.map((rule) => [rule.name, rule]));
  const params = structuredClone(defaultParamsOf(rules)) as unknown as Record<
    string,
    Record<string, unknown>
  >;
  const routing: Record<string, RuleRouting> = Object.fromEntries(
    rules.map((rule) => [rule.name, { labels: {} }]),
  );
  const routeCursors: BuiltinRulesResult['routeCursors'] = [];
  const result = (): BuiltinRulesResult<L> => ({
    params: params as unknown as RuleParamsOf<L>,
    routing: routing as Record<L[number]['name'], RuleRouting>,
    routeCursors,
  });
  const file = root.object(['rules'], { extensions: true });
  if (file === undefined) {
    if (root.present) return result();
    root.error(problem('ruleError.rulesFileEmpty'));
    return result();
  }
  const rulesCursor = file.get('rules');
  // `rules:` with nothing under it keeps every default, like `rules: {}`.
  const entries = rulesCursor.isNull ? [] : (rulesCursor.entries() ?? []);
  for (const [name, cursor] of entries) {
    const rule = byName.get(name);
    if (rule === undefined) {
      cursor.error(problem('ruleError.unknownBuiltinRuleHere', { name, hint: unknownRuleHint(name, rules) }));
      continue;
    }
    const ruleCursor = cursor.forRule(name);
    const object = ruleCursor.object([...COMMON_KEYS, ...ROUTING_KEYS, ...rule.fields]);
    if (object === undefined) continue;
    const target = params[name] as Record<string, unknown>;
    Object.assign(target, readTunables(rule, object, 'full'));
    if (object.has('scope')) target.scope = readScope(object.get('scope'));
    const routeCursor = object.get('route');
    const route = routeCursor.present ? readRouteLabel(routeCursor) : undefined;
    const labelled = routing[name] as { route?: string; labels: Readonly<Record<string, string>> };
    if (route !== undefined) {
      labelled.route = route;
      routeCursors.push({ route, cursor: routeCursor });
    }
    if (object.has('labels')) labelled.labels = readLabels(object.get('labels'));
    if (object.has('description')) object.get('description').string();
  }
  return result();
}

/** Reads the overrides of one promotion: `overrides: { order_stalled: { limits: … }, … }`. */
export function readParamOverrides(cursor: Cursor): ParamOverrides {
  const overrides: Record<string, unknown> = {};
  const entries = cursor.entries() ?? [];
  for (const [name, value] of entries) {
    const rule = BUILTIN_RULE_LIST.find((candidate) => candidate.name === name);
    if (rule === undefined) {
      value.error(
        problem('ruleError.unknownBuiltinRule', { name, hint: unknownRuleHint(name, BUILTIN_RULE_LIST) }),
      );
      continue;
    }
    const object = value.object([...COMMON_KEYS, ...rule.fields]);
    if (object === undefined) continue;
    overrides[name] = readTunables(rule, object, 'override');
  }
  return overrides as ParamOverrides;
}

function unknownRuleHint(name: string, rules: readonly BuiltinRule[]): MessageRef[] {
  const names = rules.map((rule) => rule.name);
  const guess = closestName(name, names);
  return guess === undefined
    ? part('ruleWord.builtinRulesAre', { names: names.join(', ') })
    : part('ruleWord.didYouMean', { name: guess });
}

/**
 * The rule's tunable values that are written in `object`, keyed like BuiltinRuleParams: the common
 * ones here, the rule's own ones read by the rule itself.
 */
function readTunables(rule: BuiltinRule, object: ObjectCursor, mode: ReadMode): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const set = (key: string, value: unknown): void => {
    if (value !== undefined) out[key] = value;
  };
  set('enabled', object.get('enabled').boolean());
  set('severity', object.get('severity').oneOf(SEVERITIES));
  set('forMs', object.get('for').duration({ positive: false }));
  set('coolDownMs', object.get('cool_down').duration({ positive: false }));
  for (const [key, value] of Object.entries(rule.readParams(object, mode))) set(key, value);
  return out;
}
