// What one built-in rule declares, in its own file: its name, what it watches and its evaluator, its
// parameters' defaults, and how its own fields are read from rules.yaml. The domain does no I/O, so
// the reading is written against ParamField, which the rules-config loader implements with its YAML
// cursor (errors then carry the file, line and column of the value).
import type { MessageRef } from '../../messages/format-message.ts';
import type { PaymentProvider } from '../events.ts';
import type { OrderState } from '../order-lifecycle.ts';
import type { Evaluator, TimedEvaluator } from './evaluator.ts';
import type { RuleCommon } from './rule-common.ts';
import type { ShipmentState } from './shipment-state.ts';

/** One value under a rule's key in rules.yaml (or in a promotion's `overrides`). */
export interface ParamField {
  readonly present: boolean;
  readonly isNull: boolean;
  /** Reports a problem at this value; the load then fails with every problem found. */
  error(message: MessageRef): void;
  /** The value if it is a string, without reporting anything otherwise. */
  peekString(): string | undefined;
  number(): number | undefined;
  integer(min: number, max: number): number | undefined;
  duration(options: { positive: boolean }): number | undefined;
  oneOf<T extends string>(choices: readonly T[]): T | undefined;
  stringList(item: (field: ParamField) => string | undefined): string[] | undefined;
  entries(): Array<[string, ParamField]> | undefined;
}

/** The rule's own keys; the loader has already refused keys that are not in `fields`. */
export interface ParamFields {
  get(key: string): ParamField;
}

/**
 * `full`: rules.yaml, the result is laid over the defaults. `override`: a promotion's overrides,
 * laid over whatever parameters are in force, so a rule returns what is written as written.
 */
export type ReadMode = 'full' | 'override';

/** The entity a rule is evaluated on, with the evaluator the engine calls for it. */
export type RuleWatch =
  | { readonly kind: 'order'; readonly evaluator: TimedEvaluator<OrderState> }
  | { readonly kind: 'shipment'; readonly evaluator: TimedEvaluator<ShipmentState> }
  | { readonly kind: 'provider'; readonly evaluator: Evaluator<PaymentProvider> }
  /** Evaluated with a store id. */
  | { readonly kind: 'store'; readonly evaluator: Evaluator<string> };

export interface BuiltinRule<N extends string = string, P extends RuleCommon = RuleCommon> {
  readonly name: N;
  readonly watches: RuleWatch;
  readonly defaults: P;
  /** The rule's own YAML keys, besides the common ones (enabled, severity, for, cool_down). */
  readonly fields: readonly string[];
  /** The written values of the rule's own parameters, keyed like `P`; unwritten or invalid ones undefined. */
  readParams(fields: ParamFields, mode: ReadMode): { [K in Exclude<keyof P, keyof RuleCommon>]?: unknown };
}

/** The parameters of every rule in a registration list, keyed by rule name. */
export type RuleParamsOf<L extends readonly BuiltinRule[]> = { [R in L[number] as R['name']]: R['defaults'] };

export function defaultParamsOf<L extends readonly BuiltinRule[]>(rules: L): RuleParamsOf<L> {
  return Object.fromEntries(rules.map((rule) => [rule.name, rule.defaults])) as RuleParamsOf<L>;
}

/** The own key of a rule whose one parameter is a time limit: `limit`, a positive duration. */
export const LIMIT_PARAM = {
  fields: ['limit'],
  readParams: (fields: ParamFields) => ({ limitMs: fields.get('limit').duration({ positive: true }) }),
} as const;
