// custom/*.yaml: condition rules written by operators, e.g. "over 500 yuan to a remote region →
// tag the order `priority`, warn the supervisor". Conditions compile once, here, at load time.
import { BUILTIN_RULES, type RuleScope, SEVERITIES, type Severity } from '../domain/rules/params.ts';
import { RULE_NAME, readLabels, readRouteLabel, readScope, storeInScope } from './common-fields.ts';
import { type CompiledCondition, compileCondition } from './expression/compile.ts';
import type { RuleContext } from './expression/context-fields.ts';
import { ExpressionError } from './expression/expression-error.ts';
import { problem } from './problem.ts';
import type { Cursor } from './yaml-cursor.ts';

export interface CustomRule {
  readonly name: string;
  readonly description?: string;
  readonly enabled: boolean;
  readonly severity: Severity;
  readonly labels: Readonly<Record<string, string>>;
  /** Tags put on the order when the rule matches (e.g. `priority`). */
  readonly tags: readonly string[];
  /** Becomes the alert's `route` label; routes.yaml matches it with `route="…"`. */
  readonly route?: string;
  /** The alert awaits an operator's approval (its acknowledgement) before the order goes on. */
  readonly requiresApproval: boolean;
  readonly scope: RuleScope;
  readonly summary?: { readonly en?: string; readonly zh?: string };
  /** The condition as written. */
  readonly when: string;
  /** The file it came from, relative to the rule directory. */
  readonly file: string;
  /** True when the rule is enabled, the context's store is in scope and the condition holds. */
  matches(context: RuleContext): boolean;
  /** The same, enabled or not: what a backtest of a rule not switched on yet asks. */
  holds(context: RuleContext): boolean;
}

const RULE_KEYS = [
  'name',
  'description',
  'enabled',
  'when',
  'severity',
  'tags',
  'labels',
  'route',
  'requires_approval',
  'scope',
  'summary',
];

export interface CustomRulesResult {
  rules: CustomRule[];
  /** Each rule's name cursor, for the loader's cross-file uniqueness check. */
  nameCursors: Array<{ name: string; cursor: Cursor }>;
  routeCursors: Array<{ route: string; cursor: Cursor }>;
}

export function readCustomRules(root: Cursor, file: string): CustomRulesResult {
  const result: CustomRulesResult = { rules: [], nameCursors: [], routeCursors: [] };
  const top = root.object(['rules'], { extensions: true });
  if (top === undefined) {
    if (!root.present) root.error(problem('ruleError.customFileEmpty'));
    return result;
  }
  const items = top.get('rules').list() ?? [];
  for (const item of items) {
    const rule = readCustomRule(item, file, result);
    if (rule !== undefined) result.rules.push(rule);
  }
  return result;
}

function readCustomRule(item: Cursor, file: string, result: CustomRulesResult): CustomRule | undefined {
  // Read under the rule's name when it has a usable one, so every error says which rule it is in.
  const written = item.peek('name')?.peekString();
  const named = written !== undefined && RULE_NAME.test(written) && written.length <= 64;
  const object = (named ? item.forRule(written) : item).object(RULE_KEYS);
  if (object === undefined) return undefined;
  const nameCursor = object.get('name');
  if (!nameCursor.required()) return undefined;
  const name = nameCursor.string();
  if (name === undefined) return undefined;
  if (!named) {
    nameCursor.error(problem('ruleError.ruleNameSyntax', { name }));
    return undefined;
  }
  if ((BUILTIN_RULES as readonly string[]).includes(name)) {
    nameCursor.error(problem('ruleError.customNamedLikeBuiltin', { name }));
    return undefined;
  }
  result.nameCursors.push({ name, cursor: nameCursor });

  const whenCursor = object.get('when');
  const severityCursor = object.get('severity');
  const hasWhen = whenCursor.required();
  const hasSeverity = severityCursor.required();
  const when = hasWhen ? whenCursor.string() : undefined;
  const severity = hasSeverity ? severityCursor.oneOf(SEVERITIES) : undefined;
  const condition = when === undefined ? undefined : compileWhen(whenCursor, when);
  const enabled = object.get('enabled').boolean() ?? true;
  const tags = object.get('tags').stringList(readTag) ?? [];
  const labels = readLabels(object.get('labels'));
  const routeCursor = object.get('route');
  const route = routeCursor.present ? readRouteLabel(routeCursor) : undefined;
  if (route !== undefined) result.routeCursors.push({ route, cursor: routeCursor });
  const requiresApproval = object.get('requires_approval').boolean() ?? false;
  const scope = readScope(object.get('scope'));
  const description = object.get('description').string();
  const summary = readSummary(object.get('summary'));
  if (condition === undefined || severity === undefined) return undefined;

  const test = condition.test;
  const holds = (context: RuleContext): boolean => {
    const store = Object.hasOwn(context, 'store_id') ? context.store_id : undefined;
    if (typeof store === 'string' && !storeInScope(scope, store)) return false;
    return test(context);
  };
  const matches = (context: RuleContext): boolean => enabled && holds(context);
  return Object.freeze({
    name,
    ...(description === undefined ? {} : { description }),
    enabled,
    severity,
    labels: Object.freeze(labels),
    tags: Object.freeze(tags),
    ...(route === undefined ? {} : { route }),
    requiresApproval,
    scope,
    ...(summary === undefined ? {} : { summary }),
    when,
    file,
    matches,
    holds,
  } as CustomRule);
}

function compileWhen(cursor: Cursor, when: string): CompiledCondition | undefined {
  try {
    return compileCondition(when);
  } catch (error) {
    if (!(error instanceof ExpressionError)) throw error;
    const where = when.includes('\n')
      ? problem('ruleWord.atLineColumn', { line: String(error.line), column: String(error.column) })
      : problem('ruleWord.atColumn', { column: String(error.column) });
    cursor.errorInValue(
      problem('ruleError.condition', { where: [where], reason: [error.problem] }),
      error.line,
      error.column,
    );
    return undefined;
  }
}

function readTag(cursor: Cursor): string | undefined {
  const tag = cursor.string();
  if (tag === undefined) return undefined;
  if (!/^[a-z][a-z0-9_-]{0,31}$/.test(tag)) {
    cursor.error(problem('ruleError.tagSyntax', { tag }));
    return undefined;
  }
  return tag;
}

function readSummary(cursor: Cursor): { en?: string; zh?: string } | undefined {
  const object = cursor.object(['en', 'zh']);
  if (object === undefined) return undefined;
  const en = object.get('en').string();
  const zh = object.get('zh').string();
  return { ...(en === undefined ? {} : { en }), ...(zh === undefined ? {} : { zh }) };
}
