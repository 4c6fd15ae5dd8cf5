// Values that have broken parsers before, and arbitraries that mix them with random data. Shared by
// the parser-level and HTTP-level properties of this tier.
import fc from 'fast-check';

/** Keys that resolve on Object.prototype: a lookup by `in` or `[]` finds them on any object. */
export const PROTOTYPE_KEYS = [
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  'valueOf',
  'prototype',
];

export const NASTY_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\uFFFF',
  '\uD800',
  '\uDFFF',
  '\u202E',
  '\r\n',
  '%',
  '%zz',
  '%00',
  '%C0%80',
  '+',
  '&&==',
  '"',
  "'; DROP TABLE events; --",
  '../../etc/passwd',
  '*bold* _under_ [link](http://evil.example) `code` <b>x</b> @all',
  '9999-01-01T00:00:00Z',
  '2026-02-30T10:00:00+08:00',
  '2026-06-01T24:00:00+08:00',
  '1999-12-31T23:59:59Z',
  'NaN',
  '-0',
  '1e309',
  '99999999999999999999999',
  '0x10',
  '￥12.00',
  '12.345',
  'null',
  'true',
  '[]',
  '{}',
  'a'.repeat(65),
  'a'.repeat(4097),
  '😀'.repeat(40),
  '交易时间,公众账号ID,商户号',
  ...PROTOTYPE_KEYS,
];

export const nastyString = (): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
    { weight: 3, arbitrary: fc.string({ maxLength: 40, unit: 'binary' }) },
    { weight: 2, arbitrary: fc.string({ maxLength: 20 }) },
    { weight: 1, arbitrary: fc.string({ minLength: 60, maxLength: 300, unit: 'grapheme' }) },
  );

/** A JSON-ish value built from nasty strings, numbers at the edges and prototype keys. */
export const nastyJson = (): fc.Arbitrary<unknown> =>
  fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      nastyString(),
      fc.constantFrom(
        0,
        -1,
        1.5,
        Number.MAX_SAFE_INTEGER,
        Number.MAX_SAFE_INTEGER + 2,
        -Number.MAX_SAFE_INTEGER,
        1e308,
        true,
        false,
        null,
      ),
      fc.integer(),
      fc.array(tie('value'), { maxLength: 4 }),
      fc.dictionary(fc.oneof(fc.constantFrom(...PROTOTYPE_KEYS), fc.string({ maxLength: 8 })), tie('value'), {
        maxKeys: 4,
      }),
    ),
  })).value;

/** `depth` arrays inside each other, as text (JSON.stringify itself would recurse that deep). */
export const deepArrayJson = (depth: number, inner = '0') =>
  `${'['.repeat(depth)}${inner}${']'.repeat(depth)}`;
/** `{"a":{"a":…}}`, `depth` objects deep, as text. */
export const deepObjectJson = (depth: number, inner = '0') =>
  `${'{"a":'.repeat(depth)}${inner}${'}'.repeat(depth)}`;

/** A JSON object whose one field holds a structure nested `depth` levels deep. */
export function deepValue(depth: number): unknown {
  let value: unknown = 'bottom';
  for (let i = 0; i < depth; i++) value = i % 2 === 0 ? [value] : { nested: value };
  return value;
}

/** Replaces, deletes or adds fields of a valid object with hostile values. */
export const mutatedObject = (valid: Record<string, unknown>): fc.Arbitrary<Record<string, unknown>> =>
  fc
    .array(
      fc.tuple(
        fc.oneof(fc.constantFrom(...Object.keys(valid), ...PROTOTYPE_KEYS), fc.string({ maxLength: 10 })),
        fc.oneof(fc.constant(undefined), nastyJson()),
      ),
      { minLength: 1, maxLength: 4 },
    )
    .map((changes) => {
      const copy: Record<string, unknown> = { ...valid };
      for (const [key, value] of changes) {
        if (value === undefined) delete copy[key];
        else
          Object.defineProperty(copy, key, { value, enumerable: true, writable: true, configurable: true });
      }
      return copy;
    });

/** Random edits of a text: insertions, deletions and replaced slices at arbitrary places. */
export const mutatedText = (text: string): fc.Arbitrary<string> =>
  fc
    .array(
      fc.tuple(
        fc.nat({ max: Math.max(0, text.length) }),
        fc.nat({ max: 40 }),
        fc.oneof(
          nastyString(),
          fc.constantFrom('\n', ':', '- ', '  ', '"', "'", '*a', '&a ', '!!js/function', '{', '['),
        ),
      ),
      { minLength: 1, maxLength: 5 },
    )
    .map((edits) => {
      let out = text;
      for (const [at, removed, inserted] of edits) {
        const start = Math.min(at, out.length);
        out = out.slice(0, start) + inserted + out.slice(start + removed);
      }
      return out;
    });
