// Strings kept as bytes for the columnar tables: every JS string reads back exactly (lone surrogates,
// U+0000, the empty string, strings larger than a chunk), lookups compare bytes exactly, and
// compaction keeps every live record while dropping the released ones.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CHUNK_BYTES,
  encodeWtf8,
  hashBytes,
  StringArena,
  wtf8Length,
} from '../../../src/domain/rules/string-arena.ts';

/** Any UTF-16 code units, so lone surrogates are frequent. */
const anyUnits = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((u) => String.fromCharCode(u)) });
const anyString = fc.oneof(
  anyUnits,
  fc.string({ unit: 'grapheme' }),
  fc.string({ unit: 'binary' }),
  fc.constantFrom(
    '',
    '\u0000',
    '\uD800',
    '\uDFFF',
    '\uDBFF\uDFFF',
    '\uDFFF\uD800',
    '单号😀',
    'x'.repeat(128),
  ),
);
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** Bytes of a record: LEB128 row number, then each string's LEB128 length and bytes. */
const leb128 = (n: number) => (n < 128 ? 1 : n < 16_384 ? 2 : 3);
const recordSize = (row: number, values: readonly string[]) =>
  values.reduce((sum, value) => sum + leb128(wtf8Length(value)) + wtf8Length(value), leb128(row));
const utf8 = (value: string) => new Uint8Array(Buffer.from(value, 'utf8'));

describe('generalized UTF-8', () => {
  it('is UTF-8 for well-formed strings', () => {
    fc.assert(
      fc.property(anyString, (value) => {
        fc.pre(!LONE_SURROGATE.test(value));
        const bytes = new Uint8Array(wtf8Length(value));
        expect(encodeWtf8(value, bytes, 0)).toBe(bytes.length);
        expect(bytes).toEqual(utf8(value));
      }),
    );
  });

  it('encodes a lone surrogate as its 3-byte code point, and a pair as one 4-byte code point', () => {
    const bytes = new Uint8Array(16);
    expect(encodeWtf8('\uD800', bytes, 1)).toBe(4);
    expect([...bytes.subarray(1, 4)]).toEqual([0xed, 0xa0, 0x80]);
    expect(wtf8Length('\uDFFF\uD800')).toBe(6);
    expect(wtf8Length('\uD83D\uDE00')).toBe(4);
    expect(wtf8Length('a\u07ff\u0800')).toBe(1 + 2 + 3);
    expect(wtf8Length('\uD83D')).toBe(3);
  });
});

describe('StringArena', () => {
  it('reads back every string of every record exactly', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(anyString, { minLength: 1, maxLength: 3 }), { maxLength: 40 }),
        (records) => {
          const arena = new StringArena();
          const offsets = records.map((record, row) => arena.write(row, record));
          records.forEach((record, r) => {
            record.forEach((value, i) => {
              expect(arena.read(offsets[r]!, i)).toBe(value);
            });
          });
          expect(arena.live).toBe(records.reduce((sum, record, row) => sum + recordSize(row, record), 0));
        },
      ),
    );
  });

  it('keeps lengths past one and two length bytes, and a record larger than a chunk in its own', () => {
    const arena = new StringArena();
    const values = [
      'a'.repeat(127),
      'b'.repeat(128),
      'c'.repeat(16_383),
      'd'.repeat(16_384),
      '😀'.repeat(20_000),
    ];
    const rows = [0, 127, 128, 16_383, 16_384];
    const offsets = values.map((value, i) => arena.write(rows[i]!, [value, 'after']));
    values.forEach((value, i) => {
      expect(arena.read(offsets[i]!, 0)).toBe(value);
      expect(arena.read(offsets[i]!, 1)).toBe('after');
    });
    expect(arena.live).toBe(
      values.reduce((sum, value, i) => sum + recordSize(rows[i]!, [value, 'after']), 0),
    );
    // 80,000 bytes of emoji do not fit a 64 KiB chunk: a chunk of their own, and the next record
    // goes on in the chunk being written.
    expect(offsets[4]! % CHUNK_BYTES).toBe(0);
    expect(offsets[4]! / CHUNK_BYTES).toBe(1);
    const next = arena.write(9, ['next']);
    expect(next).toBe(offsets[3]! + recordSize(rows[3]!, [values[3]!, 'after']));
    expect(arena.read(next, 0)).toBe('next');
    expect(arena.allocated).toBe(CHUNK_BYTES + recordSize(16_384, [values[4]!, 'after']));
  });

  it('starts a new chunk when a record does not fit the rest of the current one', () => {
    const arena = new StringArena();
    const first = arena.write(0, ['x'.repeat(CHUNK_BYTES - 11)]); // 1 + 3 + 65,525 bytes: 7 left
    const fits = arena.write(1, ['abcde']); // 7 bytes: exactly the rest
    const spills = arena.write(2, ['a']);
    expect(first).toBe(0);
    expect(fits).toBe(CHUNK_BYTES - 7);
    expect(spills).toBe(CHUNK_BYTES);
    expect(arena.allocated).toBe(2 * CHUNK_BYTES);
    expect([arena.read(fits, 0), arena.read(spills, 0)]).toEqual(['abcde', 'a']);
  });

  it('matches the probe exactly, and hashes it as the stored copy of the same bytes', () => {
    fc.assert(
      fc.property(anyString, anyString, fc.integer({ min: 0, max: 1000 }), (stored, probe, seed) => {
        const arena = new StringArena();
        const offset = arena.write(300, ['first', stored]);
        arena.setProbe(probe);
        expect(arena.matchesProbe(offset, 1)).toBe(stored === probe);
        // equals compares with any string and leaves the probe as it was.
        expect(arena.equals(offset, 1, probe)).toBe(stored === probe);
        expect(arena.equals(offset, 1, stored)).toBe(true);
        expect(arena.matchesProbe(offset, 1)).toBe(stored === probe);
        arena.setProbe(stored);
        expect(arena.matchesProbe(offset, 1)).toBe(true);
        expect(arena.hash(offset, 1, seed)).toBe(arena.probeHash(seed));
        expect(arena.matchesProbe(offset, 0)).toBe(stored === 'first');
      }),
    );
  });

  it('tells apart a prefix, an extension and a one-byte difference', () => {
    const arena = new StringArena();
    const offset = arena.write(0, ['SF0001']);
    for (const other of ['SF000', 'SF00011', 'SF0002', 'TF0001', '', 'SF0001\u0000']) {
      arena.setProbe(other);
      expect(arena.matchesProbe(offset, 0)).toBe(false);
    }
    expect(['SF000', 'SF00011', 'SF0002', ''].map((other) => arena.equals(offset, 0, other))).toEqual([
      false,
      false,
      false,
      false,
    ]);
    expect(arena.equals(offset, 0, 'x'.repeat(500))).toBe(false);
    expect(arena.equals(offset, 0, 'SF0001')).toBe(true);
    arena.setProbe('x'.repeat(500)); // grows the probe buffer, then a short probe after it
    arena.setProbe('SF0001');
    expect(arena.matchesProbe(offset, 0)).toBe(true);
  });

  it('hashes by bytes and seed', () => {
    const bytes = utf8('SF0001SF0002');
    const one = hashBytes(bytes, 0, 6, 0);
    expect(hashBytes(bytes, 0, 6, 0)).toBe(one);
    expect(hashBytes(bytes, 6, 6, 0)).not.toBe(one);
    expect(hashBytes(bytes, 0, 6, 1)).not.toBe(one);
    expect(hashBytes(bytes, 0, 5, 0)).not.toBe(one);
    // Spread over buckets: 4,096 sequential waybill numbers fill most of 4,096 buckets.
    const buckets = new Set<number>();
    for (let i = 0; i < 4096; i++)
      buckets.add(hashBytes(utf8(`SF${String(i).padStart(10, '0')}`), 0, 12, 3) & 4095);
    expect(buckets.size).toBeGreaterThan(2400);
  });

  it('keeps every live record through releases, at most about twice the live bytes allocated', () => {
    const big = fc
      .tuple(fc.integer({ min: 0, max: 4000 }), anyString)
      .map(([n, tail]) => 'é'.repeat(n) + tail);
    const op = fc.oneof(
      {
        weight: 3,
        arbitrary: fc
          .tuple(fc.integer({ min: 0, max: 40 }), big, anyString)
          .map(([row, a, b]) => ({ row, a, b })),
      },
      { weight: 2, arbitrary: fc.integer({ min: 0, max: 40 }).map((row) => ({ row })) },
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const arena = new StringArena();
        const offsets = new Int32Array(41).fill(-1);
        const model = new Map<number, [string, string]>();
        for (const o of ops) {
          if (offsets[o.row]! >= 0) arena.release(offsets, o.row, 2);
          expect(offsets[o.row]).toBe(-1);
          model.delete(o.row);
          if ('a' in o) {
            offsets[o.row] = arena.write(o.row, [o.a, o.b]);
            model.set(o.row, [o.a, o.b]);
          }
          for (const [row, [a, b]] of model)
            expect([arena.read(offsets[row]!, 0), arena.read(offsets[row]!, 1)]).toEqual([a, b]);
          expect(arena.live).toBe(
            [...model].reduce((sum, [row, values]) => sum + recordSize(row, values), 0),
          );
          // Every chunk but the one being written is at least half live after a release; each may
          // also end in up to a record's worth of unused room.
          expect(arena.allocated).toBeLessThanOrEqual(2 * arena.live + 2 * CHUNK_BYTES);
        }
      }),
    );
  });

  it('drops a chunk once half of it is released, moving its live records and rewriting their offsets', () => {
    const arena = new StringArena();
    const value = (row: number) => `${row}:${'v'.repeat(1000)}`;
    const offsets = new Int32Array(200).fill(-1);
    for (let row = 0; row < 200; row++) offsets[row] = arena.write(row, [value(row)]);
    expect(arena.allocated).toBe(4 * CHUNK_BYTES);
    const inFirst = [...offsets.keys()].filter((row) => offsets[row]! < CHUNK_BYTES);
    expect(inFirst.length).toBeGreaterThan(60);
    const half = Math.ceil(inFirst.length / 2);
    for (const row of inFirst.slice(0, half - 1)) arena.release(offsets, row, 1);
    expect(arena.allocated).toBe(4 * CHUNK_BYTES); // just under half: kept
    const moved = inFirst.slice(half);
    const before = moved.map((row) => offsets[row]);
    arena.release(offsets, inFirst[half - 1]!, 1);
    expect(arena.garbage).toBe(0);
    for (const [i, row] of moved.entries()) {
      expect(offsets[row]).not.toBe(before[i]);
      expect(offsets[row]).toBeGreaterThanOrEqual(3 * CHUNK_BYTES);
    }
    for (let row = 0; row < 200; row++)
      if (offsets[row]! >= 0) expect(arena.read(offsets[row]!, 0)).toBe(value(row));
    expect(arena.allocated).toBe(3 * CHUNK_BYTES);
    // The dropped chunk's index is reused by the next chunk.

    for (let row = 0; row < half + 70; row++)
      if (offsets[row] === -1) offsets[row] = arena.write(row, [value(row)]);
    expect(arena.allocated).toBe(4 * CHUNK_BYTES);
    expect([...offsets].filter((o) => o >= 4 * CHUNK_BYTES)).toEqual([]);
    expect([...offsets].filter((o) => o >= 0 && o < CHUNK_BYTES).length).toBeGreaterThan(0);
  });

  it('reclaims chunks whose records were all released while they were being written', () => {
    const arena = new StringArena();
    const offsets = new Int32Array(1).fill(-1);
    for (let i = 0; i < 2000; i++) {
      offsets[0] = arena.write(0, ['w'.repeat(1000)]);
      arena.release(offsets, 0, 1);
    }
    expect(arena.live).toBe(0);
    expect(arena.allocated).toBeLessThanOrEqual(2 * CHUNK_BYTES);
  });
});
