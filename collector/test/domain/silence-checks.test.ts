// Why a silence may not be created, one reason at a time and in the words the API answers with;
// and the matcher text forms at their edges.
import { describe, expect, it } from 'vitest';
import { type Labels, MatcherError, matcherMatches, parseMatcher } from '../../src/domain/alerts/matchers.ts';
import { type Matcher, silenceProblem } from '../../src/domain/alerts/silences.ts';

const T0 = Date.parse('2026-11-11T02:00:00Z');
const window = { startsAt: T0, endsAt: T0 + 3_600_000 };
const problem = (...matchers: Matcher[]) => silenceProblem({ matchers, ...window });

describe('silenceProblem', () => {
  it('asks for at least one matcher', () => {
    expect(problem()).toBe('a silence needs at least one matcher');
  });

  it('refuses a label name that starts with a digit or holds another character, quoting it', () => {
    expect(problem({ name: '1store', operator: '=', value: 'S1' })).toBe('invalid label name "1store"');
    expect(problem({ name: 'store-id', operator: '=', value: 'S1' })).toBe('invalid label name "store-id"');
    expect(problem({ name: '_store_1', operator: '=', value: 'S1' })).toBeUndefined();
  });

  it('checks the pattern of a negative regex matcher as of a positive one', () => {
    expect(
      problem({ name: 'rule', operator: '!~', value: '(' }, { name: 'store_id', operator: '=', value: 'S1' }),
    ).toBe('invalid regular expression in rule!~"(": missing closing ): `(`');
    expect(problem({ name: 'rule', operator: '=~', value: '(' })).toBe(
      'invalid regular expression in rule=~"(": missing closing ): `(`',
    );
  });

  it('takes the value of an equality matcher as text, not as a pattern', () => {
    expect(problem({ name: 'rule', operator: '=', value: '(' })).toBeUndefined();
    expect(
      problem({ name: 'rule', operator: '!=', value: '(' }, { name: 'store_id', operator: '=', value: 'S1' }),
    ).toBeUndefined();
  });
});

describe('matcher text and values', () => {
  it('refuses a value that is a lone quote, with a MatcherError', () => {
    expect(() => parseMatcher('team="')).toThrow(MatcherError);
    try {
      parseMatcher('team="');
    } catch (error) {
      expect((error as Error).name).toBe('MatcherError');
    }
  });

  it('reads a label present without a value as the empty string', () => {
    const labels = { team: undefined } as unknown as Labels;
    expect(matcherMatches({ name: 'team', operator: '=', value: '' }, labels)).toBe(true);
    expect(matcherMatches({ name: 'team', operator: '!=', value: '' }, labels)).toBe(false);
  });
});
