// COPY text-format rows decoded from the bytes: the fields come back as the store holds them
// whatever the characters, escapes and NULLs, and however the stream cuts the bytes into chunks.
import { describe, expect, it } from 'vitest';
import { type CopyRow, CopyTextRows } from '../../src/store/copy-text.ts';

/** What PostgreSQL's COPY TO writes for a value (text format). */
function escapeField(value: string | null): string {
  if (value === null) return '\\N';
  return value.replace(/[\\\t\n\r\b\f\v]/g, (c) => {
    const named: Record<string, string> = {
      '\\': '\\\\',
      '\t': '\\t',
      '\n': '\\n',
      '\r': '\\r',
      '\b': '\\b',
      '\f': '\\f',
      '\v': '\\v',
    };
    return named[c]!;
  });
}

const encode = (rows: (string | null)[][]) =>
  Buffer.from(rows.map((r) => `${r.map(escapeField).join('\t')}\n`).join(''), 'utf8');

/** Feeds `bytes` in chunks of `size` and reads every field as text (or number for `numbers`). */
function decode(bytes: Buffer, width: number, size: number, read: (row: CopyRow) => unknown[]): unknown[][] {
  const rows = new CopyTextRows(width);
  const out: unknown[][] = [];
  for (let i = 0; i < bytes.length; i += size) {
    rows.push(bytes.subarray(i, i + size), (row) => out.push(read(row)));
  }
  rows.end();
  return out;
}

const texts = (width: number) => (row: CopyRow) => Array.from({ length: width }, (_, i) => row.text(i));

const AWKWARD = [
  '订单-2026-000001',
  '📦包裹-1',
  '𠀀𪛖',
  '\u{10ffff}',
  'tab\there',
  'line\nbreak',
  'carriage\rreturn',
  'back\\slash',
  '\\N',
  'N',
  'ends in a backslash\\',
  '"quoted", with commas',
  "it's",
  '\b\f\v',
  '',
  ' leading and trailing ',
];

describe('COPY text rows', () => {
  it('gives back every field, NULL as null, whatever the characters and escapes, at any chunk size', () => {
    const rows: (string | null)[][] = AWKWARD.map((id, i) => [
      id,
      i % 3 === 0 ? null : `S${i}`,
      AWKWARD[(i + 5) % AWKWARD.length]!,
    ]);
    rows.push([null, null, null], ['', '', '']);
    const bytes = encode(rows);
    for (const size of [1, 2, 3, 5, 7, 64, bytes.length]) {
      expect(decode(bytes, 3, size, texts(3)), `chunks of ${size}`).toEqual(rows);
    }
  });

  it('splits a multi-byte character across chunks without mangling it', () => {
    const rows = [['订单📦𠀀', '京东']];
    const bytes = encode(rows);
    const seen = new Set<string>();
    for (let cut = 1; cut < bytes.length; cut++) {
      const decoded = new CopyTextRows(2);
      const out: unknown[][] = [];
      decoded.push(bytes.subarray(0, cut), (row) => out.push(texts(2)(row)));
      decoded.push(bytes.subarray(cut), (row) => out.push(texts(2)(row)));
      decoded.end();
      expect(out).toEqual(rows);
      seen.add(String(out[0]![0]));
    }
    expect(seen).toEqual(new Set(['订单📦𠀀']));
  });

  it('reads numbers as pg does (parseFloat of the text), exact integers without a string', () => {
    const values = [
      '0',
      '-0',
      '7',
      '007',
      '1793786400000',
      '-1793786400000',
      '999999999999999',
      '1234567890123456789',
      '-9007199254740993',
      '1793786400000.123',
      '1.7937864e+12',
      '5e-324',
      'Infinity',
      '-Infinity',
      'NaN',
      '0.1',
      '-',
    ];
    const bytes = encode([...values.map((v) => [v]), [null]]);
    const numbers = decode(bytes, 1, 3, (row) => [row.number(0)]).map((r) => r[0]);
    expect(numbers.slice(0, values.length)).toEqual(values.map((v) => parseFloat(v)));
    expect(Object.is(numbers[1], -0)).toBe(true);
    expect(numbers[values.length]).toBeNull();
  });

  it('undoes octal and hex escapes as bytes of the UTF-8 text, and a backslashed other character as itself', () => {
    // 订 is E8 AE A2 in UTF-8.
    const bytes = Buffer.from('\\350\\256\\242\t\\x41\\x4a\\x4\t\\q\\\\\\z\n', 'utf8');
    expect(decode(bytes, 3, 4, texts(3))).toEqual([['订', 'AJ\u0004', 'q\\z']]);
  });

  it('refuses rows of the wrong width and output cut short', () => {
    expect(() => decode(Buffer.from('a\tb\tc\n'), 2, 64, texts(2))).toThrow(/more than 2 fields/);
    expect(() => decode(Buffer.from('a\n'), 2, 64, texts(2))).toThrow(/1 fields, not 2/);
    expect(() => decode(Buffer.from('a\tb\nc\t'), 2, 64, texts(2))).toThrow(/ended inside a row/);
    expect(() => decode(Buffer.from('a\tb\\\n'), 2, 64, texts(2))).toThrow(/backslash/);
  });

  it('hands each completed row over as soon as its chunk arrives', () => {
    const rows = new CopyTextRows(1);
    const seen: (string | null)[] = [];
    rows.push(Buffer.from('one\ntw'), (row) => seen.push(row.text(0)));
    expect(seen).toEqual(['one']);
    rows.push(Buffer.from('o\n'), (row) => seen.push(row.text(0)));
    expect(seen).toEqual(['one', 'two']);
    rows.end();
  });
});
