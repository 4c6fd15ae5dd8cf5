// What a refused amount says, and the edges of the accepted range.
import { describe, expect, it } from 'vitest';
import { fenToYuan, InvalidYuanError, tryYuanToFen, yuanToFen } from '../../src/domain/money.ts';

function refusal(text: string): InvalidYuanError {
  try {
    yuanToFen(text);
  } catch (error) {
    if (error instanceof InvalidYuanError) return error;
    throw error;
  }
  throw new Error(`${text} was accepted`);
}

describe('InvalidYuanError', () => {
  it('names the reason and quotes the text', () => {
    const e = refusal('1.001');
    expect(e.name).toBe('InvalidYuanError');
    expect(e.text).toBe('1.001');
    expect(e.message).toBe('not a yuan amount (more than 2 decimals): "1.001"');
    expect(refusal('12345678901234').message).toBe('not a yuan amount (too large): "12345678901234"');
    expect(refusal('abc').message).toBe(
      'not a yuan amount (expected digits with an optional sign and up to 2 decimals): "abc"',
    );
  });

  it('cuts a long text to 40 characters in the message, and keeps it whole in `text`', () => {
    const forty = 'x'.repeat(40);
    expect(refusal(forty).message).toContain(`"${forty}"`);
    const long = `${'y'.repeat(40)}z`;
    const e = refusal(long);
    expect(e.message).toContain(`"${'y'.repeat(40)}…"`);
    expect(e.text).toBe(long);
  });
});

describe('range', () => {
  it('takes 13 significant integer digits, leading zeros not counted, and refuses 14', () => {
    expect(yuanToFen('9999999999999.99')).toBe(999999999999999);
    expect(yuanToFen('00009999999999999')).toBe(999999999999900);
    expect(tryYuanToFen('10000000000000')).toBeUndefined();
  });

  it('takes extra decimals only when they are zeros', () => {
    expect(yuanToFen('1.2300')).toBe(123);
    expect(tryYuanToFen('1.2301')).toBeUndefined();
    expect(yuanToFen('-0.000')).toBe(0);
    expect(Object.is(yuanToFen('-0.00'), 0)).toBe(true);
  });

  it('fenToYuan pads single-digit fen and refuses unsafe integers with the value named', () => {
    expect(fenToYuan(5)).toBe('0.05');
    expect(fenToYuan(-905)).toBe('-9.05');
    expect(fenToYuan(10)).toBe('0.10');
    expect(() => fenToYuan(2 ** 53)).toThrow(`fen must be a safe integer, got ${2 ** 53}`);
  });
});

describe('extra decimals', () => {
  it('refuses non-zero digits anywhere past the second decimal, not only at the end', () => {
    expect(tryYuanToFen('1.00100')).toBeUndefined();
    expect(tryYuanToFen('1.0010')).toBeUndefined();
  });
});
