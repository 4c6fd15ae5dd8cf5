import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fenToYuan, InvalidYuanError, tryYuanToFen, yuanToFen } from '../../src/domain/money.ts';

describe('yuanToFen', () => {
  it.each([
    ['0.01', 1],
    ['100.10', 10010],
    ['99999999.99', 9999999999],
    ['0.00', 0],
    ['-0.00', 0],
    ['-0.01', -1],
    ['-3000.00', -300000],
    ['128', 12800],
    ['128.5', 12850],
    ['+2.00', 200],
    ['007.07', 707],
    ['1.000', 100],
    ['0.29', 29],
    ['1.15', 115],
    ['4.35', 435],
  ])('%s → %d fen', (text, fen) => {
    expect(yuanToFen(text)).toBe(fen);
  });

  it('is exact where float arithmetic is not', () => {
    // The float traps this module exists for.
    expect(Number('1.15') * 100).not.toBe(115);
    expect(Number('4.35') * 100).not.toBe(435);
    expect(yuanToFen('1.15')).toBe(115);
    expect(yuanToFen('4.35')).toBe(435);
  });

  it.each([
    '',
    ' 1.00',
    '1.00 ',
    '¥1.00',
    '`1.00',
    '1,000.00',
    '1.',
    '.5',
    '1.001',
    '1e3',
    'NaN',
    '--1',
    '1.0.0',
    '12345678901234.00',
  ])('rejects %j', (text) => {
    expect(() => yuanToFen(text)).toThrow(InvalidYuanError);
    expect(tryYuanToFen(text)).toBeUndefined();
  });
});

describe('fenToYuan', () => {
  it.each([
    [1, '0.01'],
    [10010, '100.10'],
    [9999999999, '99999999.99'],
    [0, '0.00'],
    [-1, '-0.01'],
    [-300000, '-3000.00'],
  ])('%d → %s', (fen, text) => {
    expect(fenToYuan(fen)).toBe(text);
  });

  it('refuses non-integers', () => {
    expect(() => fenToYuan(1.5)).toThrow(RangeError);
  });

  it('round-trips every amount up to 99999999.99 yuan', () => {
    fc.assert(
      fc.property(fc.integer({ min: -9999999999, max: 9999999999 }), (fen) => {
        expect(yuanToFen(fenToYuan(fen))).toBe(fen);
      }),
    );
  });
});
