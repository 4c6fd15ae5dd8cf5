// Operator-written patterns on RE2: anchored and unanchored matching, and the syntax error a
// pattern RE2 cannot run gets, with the hint only where backtracking syntax was used.
import { describe, expect, it } from 'vitest';
import { compileLinearRegex, RegexSyntaxError } from '../../src/domain/linear-regex.ts';

function syntaxError(pattern: string): RegexSyntaxError {
  try {
    compileLinearRegex(pattern);
  } catch (error) {
    return error as RegexSyntaxError;
  }
  throw new Error(`${pattern} compiled`);
}

const HINT = '(patterns use RE2 syntax, which has no backreferences or lookaround)';

describe('compileLinearRegex', () => {
  it('matches the whole text with matches() and a part of it with test()', () => {
    const re = compileLinearRegex('S0[0-9]+');
    expect(re.matches('S001')).toBe(true);
    expect(re.matches('xS001')).toBe(false);
    expect(re.test('xS001y')).toBe(true);
    expect(re.test('S1')).toBe(false);
  });

  it('runs a nested quantifier over a long text', () => {
    expect(compileLinearRegex('(a+)+b').matches(`${'a'.repeat(50_000)}c`)).toBe(false);
  });

  it('refuses a backreference or lookaround with the RE2 hint', () => {
    for (const pattern of ['(a)\\1', '(?<n>a)\\k<n>', 'a(?=b)', 'a(?!b)', '(?<=a)b', '(?<!a)b']) {
      const error = syntaxError(pattern);
      expect(error, pattern).toBeInstanceOf(RegexSyntaxError);
      expect(error.message.endsWith(HINT), `${pattern}: ${error.message}`).toBe(true);
    }
  });

  it('refuses other bad syntax with RE2 own words and no hint or prefix', () => {
    const error = syntaxError('a(b');
    expect(error).toBeInstanceOf(SyntaxError);
    expect(error.name).toBe('RegexSyntaxError');
    expect(error.message).toBe('missing closing ): `a(b`');
  });
});
