// Alertmanager label matchers, the one implementation behind silences and the routes.yaml tree.
// A missing label reads as the empty string (so `team=""` matches alerts without a team), and
// regular expressions are anchored at both ends and have RE2 semantics, as in Alertmanager and
// Prometheus.
import { compileLinearRegex, type LinearRegex } from '../linear-regex.ts';

export type MatchOperator = '=' | '!=' | '=~' | '!~';

export interface Matcher {
  name: string;
  operator: MatchOperator;
  value: string;
}

export type Labels = Readonly<Record<string, string>>;

export { LABEL_NAME } from './label-syntax.ts';

/** `reason` says which check failed, so a reader can word it in their own language. */
export class MatcherError extends Error {
  override name = 'MatcherError';
  constructor(
    message: string,
    readonly reason: 'not_a_matcher' | 'bad_quote',
  ) {
    super(message);
  }
}

// Keyed by the matcher object, so a compiled regex lives exactly as long as the silence or route
// tree holding its matcher. `null` remembers a pattern RE2 refuses.
const compiled = new WeakMap<Matcher, LinearRegex | null>();

/**
 * The regex of a `=~`/`!~` matcher, compiled once; throws a `RegexSyntaxError` when RE2 refuses it.
 * Match it with `matches` (the whole value), never `test`: matchers are anchored at both ends.
 */
export function matcherRegex(matcher: Matcher): LinearRegex {
  const regex = compileOnce(matcher);
  // Compiled again only to throw the error: a refused pattern is the rare case.
  return regex ?? compileLinearRegex(matcher.value);
}

function compileOnce(matcher: Matcher): LinearRegex | null {
  let regex = compiled.get(matcher);
  if (regex === undefined) {
    try {
      regex = compileLinearRegex(matcher.value);
    } catch {
      regex = null;
    }
    compiled.set(matcher, regex);
  }
  return regex;
}

export function matcherMatches(matcher: Matcher, labels: Labels): boolean {
  // Own properties only: a label named `constructor` must not read Object.prototype.
  const value = Object.hasOwn(labels, matcher.name) ? (labels[matcher.name] ?? '') : '';
  switch (matcher.operator) {
    case '=':
      return value === matcher.value;
    case '!=':
      return value !== matcher.value;
    // A pattern RE2 refuses can only come from a silence stored before patterns were checked with
    // RE2: it matches nothing either way, so such a silence mutes nothing rather than everything.
    case '=~':
      return compileOnce(matcher)?.matches(value) ?? false;
    case '!~': {
      const regex = compileOnce(matcher);
      return regex !== null && !regex.matches(value);
    }
  }
}

export function allMatch(matchers: readonly Matcher[], labels: Labels): boolean {
  return matchers.every((matcher) => matcherMatches(matcher, labels));
}

const MATCHER_TEXT = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*(.*?)\s*$/s;

/**
 * Parses Alertmanager's text form: `severity="critical"`, `store_id=~"SH-.*"`, `rule!=order_stalled`.
 * A quoted value may escape `"`, `\` and newline (`\n`); any other escape is refused. Throws a
 * `MatcherError`. The regex of `=~`/`!~` is not compiled here: see `matcherRegex`.
 */
export function parseMatcher(text: string): Matcher {
  const found = MATCHER_TEXT.exec(text);
  if (found === null) {
    throw new MatcherError(
      `"${text}" is not a matcher; write name="value", name!="value", name=~"regex" or name!~"regex"`,
      'not_a_matcher',
    );
  }
  const [, name, operator, raw] = found as unknown as [string, string, MatchOperator, string];
  const value = unquote(raw);
  if (value === undefined) {
    throw new MatcherError(`the value in "${text}" has an unterminated or badly escaped quote`, 'bad_quote');
  }
  return { name, operator, value };
}

function unquote(raw: string): string | undefined {
  if (!raw.startsWith('"')) return raw;
  if (raw.length < 2 || !raw.endsWith('"')) return undefined;
  const inner = raw.slice(1, -1);
  let out = '';
  for (let index = 0; index < inner.length; index++) {
    const char = inner[index]!;
    if (char === '"') return undefined;
    if (char !== '\\') {
      out += char;
      continue;
    }
    const next = inner[++index];
    if (next === '"' || next === '\\') out += next;
    else if (next === 'n') out += '\n';
    else return undefined;
  }
  return out;
}
