// The Int32 column encoding both engine tables share: which values fit a column (a time as an offset
// from the row's latest time, an integer as itself), the two sentinels, and the side Map keeping the
// values that do not fit exactly.
import { describe, expect, it } from 'vitest';
import {
  fitsInt32,
  fitsOffset,
  Interner,
  NONE,
  OVERFLOW,
  OverflowValues,
  UNDEFINED,
} from '../../../src/domain/rules/int32-columns.ts';

const column = () => new Int32Array(4);

describe('Interner', () => {
  it('gives each distinct value one index, from 0 in order, and NONE to undefined', () => {
    const interner = new Interner();
    expect(interner.intern(undefined)).toBe(NONE);
    expect(NONE).toBe(-1);
    expect(interner.intern('S1')).toBe(0);
    expect(interner.intern('S2')).toBe(1);
    expect(interner.intern('S1')).toBe(0);
    expect(interner.intern('')).toBe(2);
    expect(interner.indexOf('S2')).toBe(1);
    expect(interner.indexOf('S3')).toBeUndefined();
    expect(interner.value(0)).toBe('S1');
    expect(interner.value(1)).toBe('S2');
    expect(interner.value(2)).toBe('');
    expect(interner.value(NONE)).toBeUndefined();
  });

  it('does not intern a value only looked up', () => {
    const interner = new Interner();
    expect(interner.indexOf('S1')).toBeUndefined();
    expect(interner.intern('S2')).toBe(0);
  });
});

describe('the sentinels', () => {
  it('are the two lowest Int32 values', () => {
    expect(UNDEFINED).toBe(-(2 ** 31));
    expect(OVERFLOW).toBe(-(2 ** 31) + 1);
  });
});

describe('fitsOffset', () => {
  const base = 1_000;
  it('takes a whole-millisecond time whose offset is an Int32 above the sentinels', () => {
    expect(fitsOffset(base, base)).toBe(true);
    expect(fitsOffset(base - 1, base)).toBe(true);
    expect(fitsOffset(base + 1, base)).toBe(true);
    expect(fitsOffset(0, base)).toBe(true);
    expect(fitsOffset(-5, base)).toBe(true);
    // The offset base - value at the top of the Int32 range, and one past it.
    expect(fitsOffset(base - (2 ** 31 - 1), base)).toBe(true);
    expect(fitsOffset(base - 2 ** 31, base)).toBe(false);
    // The lowest offset that is not a sentinel, and the two sentinels.
    expect(fitsOffset(base - (OVERFLOW + 1), base)).toBe(true);
    expect(fitsOffset(base - OVERFLOW, base)).toBe(false);
    expect(fitsOffset(base - UNDEFINED, base)).toBe(false);
  });

  it('refuses fractions, -0, and a value the offset does not give back exactly', () => {
    expect(fitsOffset(base - 0.5, base)).toBe(false);
    expect(fitsOffset(-0, base)).toBe(false);
    expect(fitsOffset(0, 0)).toBe(true);
    expect(fitsOffset(-0, 0)).toBe(false);
    // 3 - 1e-20 rounds to the offset 3, which reads back as 0, not 1e-20.
    expect(fitsOffset(1e-20, 3)).toBe(false);
    expect(fitsOffset(Number.NaN, base)).toBe(false);
  });
});

describe('fitsInt32', () => {
  it('takes an Int32 above the sentinels, including negatives and +0', () => {
    expect(fitsInt32(0)).toBe(true);
    expect(fitsInt32(1)).toBe(true);
    expect(fitsInt32(-5)).toBe(true);
    expect(fitsInt32(2 ** 31 - 1)).toBe(true);
    expect(fitsInt32(OVERFLOW + 1)).toBe(true);
  });

  it('refuses the sentinels, values beyond Int32, fractions and -0', () => {
    expect(fitsInt32(OVERFLOW)).toBe(false);
    expect(fitsInt32(UNDEFINED)).toBe(false);
    expect(fitsInt32(2 ** 31)).toBe(false);
    expect(fitsInt32(2 ** 40)).toBe(false);
    expect(fitsInt32(0.5)).toBe(false);
    expect(fitsInt32(-0)).toBe(false);
  });
});

describe('OverflowValues', () => {
  it('writes a fitting time as an offset and reads it back', () => {
    const values = new OverflowValues(3);
    const col = column();
    values.writeTime(col, 1, 0, 990, 1_000);
    expect(col[1]).toBe(10);
    expect(values.readTime(col, 1, 0, 1_000)).toBe(990);
    expect(values.size).toBe(0);
  });

  it('marks undefined with UNDEFINED and reads it back as undefined', () => {
    const values = new OverflowValues(3);
    const col = column();
    values.writeTime(col, 2, 0, undefined, 1_000);
    expect(col[2]).toBe(UNDEFINED);
    expect(values.readTime(col, 2, 0, 1_000)).toBeUndefined();
    expect(values.size).toBe(0);
  });

  it('keeps a time that does not fit exactly, marked OVERFLOW, one entry per slot and field', () => {
    const values = new OverflowValues(3);
    const a = column();
    const b = column();
    const base = 5;
    const cases: Array<[Int32Array, number, number, number]> = [
      [a, 0, 0, -0],
      [a, 1, 0, base - OVERFLOW],
      [b, 0, 1, base - UNDEFINED],
      [b, 1, 1, 0.25],
      [a, 2, 2, 1e-20],
      [b, 3, 2, 2 ** 45],
    ];
    for (const [col, slot, field, value] of cases) values.writeTime(col, slot, field, value, base);
    expect(values.size).toBe(cases.length);
    for (const [col, slot, field, value] of cases) {
      expect(col[slot]).toBe(OVERFLOW);
      expect(Object.is(values.readTime(col, slot, field, base), value)).toBe(true);
      expect(Object.is(values.get(slot, field), value)).toBe(true);
    }
  });

  it('keys by slot and field: with two fields, slot 1 field 0 is not slot 0 field 1', () => {
    const values = new OverflowValues(2);
    values.set(0, 1, 10);
    values.set(1, 0, 20);
    values.set(1, 1, 30);
    values.set(2, 0, 40);
    expect(values.size).toBe(4);
    expect(values.get(0, 0)).toBeUndefined();
    expect(values.get(0, 1)).toBe(10);
    expect(values.get(1, 0)).toBe(20);
    expect(values.get(1, 1)).toBe(30);
    expect(values.get(2, 0)).toBe(40);
  });

  it('drops the old exact value when the field is written again, and only that one', () => {
    const values = new OverflowValues(2);
    const col = column();
    const other = column();
    values.writeTime(col, 1, 1, 0.5, 0);
    values.writeTime(other, 1, 0, 0.25, 0);
    values.writeTime(other, 2, 1, 0.75, 0);
    values.writeTime(col, 1, 1, 7, 0);
    expect(values.size).toBe(2);
    expect(values.readTime(col, 1, 1, 0)).toBe(7);
    expect(values.get(1, 1)).toBeUndefined();
    expect(values.readTime(other, 1, 0, 0)).toBe(0.25);
    expect(values.readTime(other, 2, 1, 0)).toBe(0.75);
    values.writeTime(col, 1, 1, undefined, 0);
    expect(values.readTime(col, 1, 1, 0)).toBeUndefined();
    expect(values.size).toBe(2);
  });

  it('clear drops an entry only where the column says OVERFLOW', () => {
    const values = new OverflowValues(1);
    const col = column();
    values.set(0, 0, 0.5);
    col[0] = 3;
    values.clear(col, 0, 0);
    expect(values.get(0, 0)).toBe(0.5);
    col[0] = OVERFLOW;
    values.clear(col, 0, 0);
    expect(values.get(0, 0)).toBeUndefined();
  });

  it('forgets every field of a freed slot and nothing of the slots around it', () => {
    const values = new OverflowValues(3);
    for (const slot of [0, 1, 2]) for (const field of [0, 1, 2]) values.set(slot, field, slot * 10 + field);
    values.forget(1);
    expect(values.size).toBe(6);
    for (const field of [0, 1, 2]) {
      expect(values.get(1, field)).toBeUndefined();
      expect(values.get(0, field)).toBe(field);
      expect(values.get(2, field)).toBe(20 + field);
    }
    values.forget(1);
    expect(values.size).toBe(6);
  });
});
