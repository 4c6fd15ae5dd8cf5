import { describe, expect, it } from 'vitest';
import {
  allMatch,
  type Matcher,
  MatcherError,
  matcherMatches,
  matcherRegex,
  parseMatcher,
} from '../../src/domain/alerts/matchers.ts';

const matcher = (name: string, operator: Matcher['operator'], value: string): Matcher => ({
  name,
  operator,
  value,
});

describe('matcherMatches (Alertmanager semantics)', () => {
  it('reads a missing label as the empty string, as Alertmanager does', () => {
    expect(matcherMatches(matcher('team', '=', ''), {})).toBe(true);
    expect(matcherMatches(matcher('team', '!=', 'ops'), {})).toBe(true);
    expect(matcherMatches(matcher('team', '=~', '.*'), {})).toBe(true);
    expect(matcherMatches(matcher('team', '!~', '.+'), {})).toBe(true);
  });

  it('does not read inherited properties of the label object', () => {
    expect(matcherMatches(matcher('constructor', '=', ''), {})).toBe(true);
    expect(matcherMatches(matcher('toString', '=~', '.+'), {})).toBe(false);
  });

  it('anchors regular expressions at both ends, alternatives included', () => {
    const rule = matcher('rule', '=~', 'payment_.*|callback_silent');
    expect(matcherMatches(rule, { rule: 'payment_unapplied' })).toBe(true);
    expect(matcherMatches(rule, { rule: 'callback_silent' })).toBe(true);
    expect(matcherMatches(rule, { rule: 'prepayment_unapplied_x' })).toBe(false);
    expect(matcherMatches(rule, { rule: 'callback_silent_2' })).toBe(false);
    expect(matcherMatches(matcher('store_id', '!~', 's-0.*'), { store_id: 'xs-01' })).toBe(true);
  });

  it('all matchers must match; none at all matches every label set', () => {
    const both = [matcher('rule', '=', 'order_stalled'), matcher('store_id', '=', 'S1')];
    expect(allMatch(both, { rule: 'order_stalled', store_id: 'S1' })).toBe(true);
    expect(allMatch(both, { rule: 'order_stalled', store_id: 'S2' })).toBe(false);
    expect(allMatch([], {})).toBe(true);
  });

  it('compiles a regex once per matcher and throws on an invalid one', () => {
    const m = matcher('rule', '=~', 'a+');
    expect(matcherRegex(m)).toBe(matcherRegex(m));
    expect(() => matcherRegex(matcher('rule', '=~', '('))).toThrow(SyntaxError);
  });
});

describe('parseMatcher', () => {
  it('parses the matcher syntax of Alertmanager', () => {
    expect(parseMatcher('severity="critical"')).toEqual({
      name: 'severity',
      operator: '=',
      value: 'critical',
    });
    expect(parseMatcher('store_id =~ "s-0.*"')).toEqual({ name: 'store_id', operator: '=~', value: 's-0.*' });
    expect(parseMatcher('rule!=order_stalled')).toEqual({
      name: 'rule',
      operator: '!=',
      value: 'order_stalled',
    });
    expect(parseMatcher('summary!~"a \\"quoted\\" b"')).toEqual({
      name: 'summary',
      operator: '!~',
      value: 'a "quoted" b',
    });
    expect(parseMatcher('note="a\\\\b\\nc"').value).toBe('a\\b\nc');
    expect(parseMatcher('store_id=""').value).toBe('');
  });

  it('refuses text that is not a matcher and badly quoted values, with a MatcherError', () => {
    expect(() => parseMatcher('no operator')).toThrow(MatcherError);
    expect(() => parseMatcher('rule ~ x')).toThrow(/not a matcher/);
    expect(() => parseMatcher('9rule="x"')).toThrow(/not a matcher/);
    expect(() => parseMatcher('rule="x')).toThrow(/unterminated or badly escaped quote/);
    expect(() => parseMatcher('rule="a"b"')).toThrow(/unterminated or badly escaped quote/);
    expect(() => parseMatcher('rule="\\d"')).toThrow(/unterminated or badly escaped quote/);
  });
});

describe('matcher regular expressions run on RE2', () => {
  it('answers `(a+)+` on a long value in one linear pass, anchored', () => {
    // V8 needs about 2^n steps to refuse n a's and a "b" with this pattern; RE2 needs n.
    const m = matcher('store_id', '=~', '(a+)+');
    expect(matcherMatches(m, { store_id: 'a'.repeat(40) })).toBe(true);
    expect(matcherMatches(m, { store_id: `${'a'.repeat(40)}b` })).toBe(false);
    expect(matcherMatches(matcher('store_id', '!~', '(a+)+'), { store_id: `${'a'.repeat(40)}b` })).toBe(true);
  });

  it('refuses what RE2 cannot run (backreferences, lookaround), naming the reason', () => {
    for (const value of ['(a)\\1', '(?<x>a)\\k<x>', 'S(?=1)', '(?!T)S', '(?<=S)1', '(?<!T)1']) {
      expect(() => matcherRegex(matcher('store_id', '=~', value)), value).toThrow(
        /no backreferences or lookaround/,
      );
    }
  });

  it('lets a stored pattern RE2 refuses match nothing, so it mutes nothing', () => {
    expect(matcherMatches(matcher('store_id', '=~', '(?!x).*'), { store_id: 'S1' })).toBe(false);
    expect(matcherMatches(matcher('store_id', '!~', '(?!x).*'), { store_id: 'S1' })).toBe(false);
  });
});
