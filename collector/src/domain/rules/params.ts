// Parameters of the built-in rules, derived from the registered rules: each rule's file declares its
// name, its parameter type and its defaults; alert-rules/*.yaml is parsed into these shapes by the
// rules-config loader.
import { BUILTIN_RULE_LIST } from './builtin-evaluators.ts';
import { defaultParamsOf, type RuleParamsOf } from './builtin-rule.ts';

export { type RuleCommon, type RuleScope, SEVERITIES, type Severity } from './rule-common.ts';

type Registered = (typeof BUILTIN_RULE_LIST)[number];

export const BUILTIN_RULES: readonly BuiltinRuleName[] = BUILTIN_RULE_LIST.map((rule) => rule.name);
export type BuiltinRuleName = Registered['name'];

export type BuiltinRuleParams = RuleParamsOf<typeof BUILTIN_RULE_LIST>;

/** The defaults the public contract documents; alert-rules/rules.yaml overrides any of them. */
export const DEFAULT_RULE_PARAMS: BuiltinRuleParams = defaultParamsOf(BUILTIN_RULE_LIST);
