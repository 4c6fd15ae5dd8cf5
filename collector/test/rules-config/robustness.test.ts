import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatDuration, MAX_DURATION_MS, parseDuration } from '../../src/rules-config/duration.ts';
import { compileCondition } from '../../src/rules-config/expression/compile.ts';
import { ExpressionError } from '../../src/rules-config/expression/expression-error.ts';

describe('durations', () => {
  it.each([
    ['2m', 120_000],
    ['48h', 172_800_000],
    ['1d', 86_400_000],
    ['1h30m', 5_400_000],
    ['1w2d', 777_600_000],
    ['250ms', 250],
    ['1m30s500ms', 90_500],
    ['0s', 0],
    ['0', 0],
  ])('parses %s', (text, ms) => {
    expect(parseDuration(text)).toEqual({ ok: true, ms });
  });

  it.each([
    ['120', '"120" has no unit; write e.g. "120s", "120m" or "120h"'],
    ['2 m', '"2 m" is not a duration; use digits with ms, s, m, h, d or w, e.g. "2m" or "1h30m"'],
    ['-5m', '"-5m" is not a duration; use digits with ms, s, m, h, d or w, e.g. "2m" or "1h30m"'],
    ['1.5h', '"1.5h" is not a duration; use digits with ms, s, m, h, d or w, e.g. "2m" or "1h30m"'],
    ['30m1h', '"30m1h" is not a duration; units must go from largest to smallest, each once'],
    ['1m1m', '"1m1m" is not a duration; units must go from largest to smallest, each once'],
    ['400d', '"400d" is longer than the maximum of 366d'],
    ['', '"" is not a duration; use digits with ms, s, m, h, d or w, e.g. "2m" or "1h30m"'],
  ])('refuses %j', (text, message) => {
    expect(parseDuration(text)).toMatchObject({ ok: false, message });
  });

  it('round-trips through formatDuration', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: MAX_DURATION_MS }), (ms) => {
        expect(parseDuration(formatDuration(ms))).toEqual({ ok: true, ms });
      }),
    );
  });
});

describe('hostile condition text', () => {
  const pieces = [
    'amount_fen',
    'region',
    'status',
    '__proto__',
    'constructor',
    ' and ',
    ' or ',
    'not ',
    ' in ',
    ' contains ',
    ' matches ',
    '==',
    '<',
    '>=',
    '(',
    ')',
    '[',
    ']',
    ',',
    '-',
    '"x"',
    '"(a+)+$"',
    "'",
    '"',
    '\\',
    '1',
    '1e999',
    'null',
    'true',
    '\n',
    '.',
    '`',
    '$' + '{}',
  ];

  it('either compiles or throws an ExpressionError, never anything else', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...pieces), { maxLength: 40 }), fc.string(), (parts, noise) => {
        for (const source of [parts.join(''), parts.join(' '), noise]) {
          try {
            const condition = compileCondition(source);
            expect(typeof condition.test({ region: 'x', amount_fen: 1, status: 'paid' })).toBe('boolean');
          } catch (error) {
            expect(error).toBeInstanceOf(ExpressionError);
            const { line, column } = error as ExpressionError;
            expect(line).toBeGreaterThanOrEqual(1);
            expect(column).toBeGreaterThanOrEqual(1);
          }
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('survives pathological nesting without a stack overflow', () => {
    for (const source of ['('.repeat(4000), `${'not '.repeat(1000)}true`, `[${'1,'.repeat(1500)}1]`]) {
      expect(() => compileCondition(source)).toThrow(ExpressionError);
    }
  });
});
