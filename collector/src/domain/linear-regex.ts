// Regular expressions written by operators and rule files (silence matchers, routes.yaml matchers,
// custom-rule `matches`) run on RE2 (re2js), not on V8's backtracking engine: matching takes time
// linear in the text whatever the pattern, so `(a+)+` against a long store id cannot stall the
// event loop. RE2 is also the engine Alertmanager and Prometheus use, so matchers mean the same
// there and here. The price is RE2's syntax: no backreferences and no lookaround; such patterns are
// refused when written, never discovered at match time.
import { RE2JS } from 're2js';

export class RegexSyntaxError extends SyntaxError {
  override name = 'RegexSyntaxError';
}

export interface LinearRegex {
  /** Whether the whole text matches, as Alertmanager's anchored matchers do. */
  matches(text: string): boolean;
  /** Whether some part of the text matches, as `RegExp.prototype.test` does. */
  test(text: string): boolean;
}

/** Compiles `pattern` with RE2 semantics; throws a `RegexSyntaxError` saying what is wrong. */
export function compileLinearRegex(pattern: string): LinearRegex {
  try {
    return RE2JS.compile(pattern);
  } catch (error) {
    const reason = String((error as Error).message).replace(/^error parsing regexp: /, '');
    throw new RegexSyntaxError(UNSUPPORTED.test(reason) ? `${reason} (${RE2_HINT})` : reason);
  }
}

const RE2_HINT = 'patterns use RE2 syntax, which has no backreferences or lookaround';
// RE2's wording for a backreference (`\1`, `\k<name>`) and lookaround (`(?=`, `(?!`, `(?<=`, `(?<!`).
const UNSUPPORTED =
  /invalid escape sequence: `\\[1-9k]|unsupported Perl syntax|invalid named capture: `\(\?<[=!]/;
