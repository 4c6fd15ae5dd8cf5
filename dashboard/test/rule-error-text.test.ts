// A rule-file problem on the rules page: Chinese from its catalogue message, English the same way,
// and the API's English sentence when a reply has no message_ref.
import { describe, expect, it } from 'vitest';
import { ruleErrorText } from '../src/lib/rule-error-text.ts';

const error = {
  message: 'must be one of critical, warning, info, not "loud"',
  message_ref: {
    key: 'ruleError.notOneOf',
    params: { choices: 'critical, warning, info', value: 'loud', hint: [] },
  },
};

describe('ruleErrorText', () => {
  it('renders the catalogue message in the reader’s language', () => {
    expect(ruleErrorText('zh', error)).toBe('应为以下之一：critical, warning, info，不能是 "loud"');
    expect(ruleErrorText('en', error)).toBe(error.message);
  });

  it('renders nested parts (a hint) in the same language', () => {
    const typo = {
      message: 'unknown key "enabeld"; did you mean "enabled"?',
      message_ref: {
        key: 'ruleError.unknownKey',
        params: { key: 'enabeld', hint: [{ key: 'ruleWord.didYouMean', params: { name: 'enabled' } }] },
      },
    };
    expect(ruleErrorText('zh', typo)).toBe('未知的键 "enabeld"；是不是想写 "enabled"？');
  });

  it('shows the English message when there is no message_ref or its key is unknown', () => {
    expect(ruleErrorText('zh', { message: 'is required' })).toBe('is required');
    expect(ruleErrorText('zh', { message: 'x', message_ref: { key: 'ruleError.nope' } })).toBe('x');
  });
});
