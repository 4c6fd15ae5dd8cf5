import { describe, expect, it } from 'vitest';
import { apiErrorText } from '../src/lib/api-error-text.ts';

const CHINESE = /[\u4e00-\u9fff]/;
const ENGLISH_WORDS = /[A-Za-z]{3,}/;

describe('what a failed request says', () => {
  it("in Chinese: the catalogue's sentence for the code, never the API's English", () => {
    const text = apiErrorText('zh', {
      status: 409,
      error: 'conflict',
      message: 'the alert was changed by someone else',
    });
    expect(text).toContain('内容已被他人修改');
    expect(text).not.toMatch(ENGLISH_WORDS);
  });

  it('in Chinese, for a code the catalogue does not know: the status, still without English', () => {
    const text = apiErrorText('zh', { status: 418, error: 'teapot', message: 'short and stout' });
    expect(text).toContain('418');
    expect(text).not.toMatch(ENGLISH_WORDS);
  });

  it("in English: the API's own, more precise sentence", () => {
    const text = apiErrorText('en', {
      status: 400,
      error: 'invalid_request',
      message: 'limit must be at most 500',
    });
    expect(text).toContain('limit must be at most 500');
    expect(text).not.toMatch(CHINESE);
  });

  it('in English without a sentence from the API (the network failed): the catalogue', () => {
    expect(apiErrorText('en', { status: 0, error: 'network', message: '' })).toContain('cannot be reached');
  });
});
