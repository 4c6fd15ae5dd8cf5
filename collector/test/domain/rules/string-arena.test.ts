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
          const offsets = records.map((record) => arena.write(record));
          records.forEach((record, r) => {
            record.forEach((value, i) => {
              expect(arena.read(offsets[r]!, i)).toBe(value);
            });
          });
          const bytes = records
            .flat()
            .reduce((sum, v) => sum + wtf8Length(v) + (wtf8Length(v) < 128 ? 1 : 2), 0);
          expect(arena.live).toBe(bytes);
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
    const offsets = values.map((value) => arena.write([value, 'after']));
    values.forEach((value, i) => {
      expect(arena.read(offsets[i]!, 0)).toBe(value);
      expect(arena.read(offsets[i]!, 1)).toBe('after');
    });
    // 80,000 bytes of emoji do not fit a 64 KiB chunk: a chunk of their own, and the next record
    // starts a fresh one.
    expect(offsets[4]! % CHUNK_BYTES).toBe(0);
    const next = arena.write(['next']);
    expect(next % CHUNK_BYTES).toBe(0);
    expect(next).toBeGreaterThan(offsets[4]!);
    expect(arena.read(next, 0)).toBe('next');
  });

  it('starts a new chunk when a record does not fit the rest of the current one', () => {
    const arena = new StringArena();
    const first = arena.write(['x'.repeat(CHUNK_BYTES - 10)]); // 3 length bytes: 7 bytes left
    const fits = arena.write(['abcdef']); // 7 bytes: exactly the rest
    const spills = arena.write(['a']);
    expect(first).toBe(0);
    expect(fits).toBe(CHUNK_BYTES - 7);
    expect(spills).toBe(CHUNK_BYTES);
    expect(arena.allocated).toBe(2 * CHUNK_BYTES);
    expect([arena.read(fits, 0), arena.read(spills, 0)]).toEqual(['abcdef', 'a']);
  });

  it('matches the probe exactly, and hashes it as the stored copy of the same bytes', () => {
    fc.assert(
      fc.property(anyString, anyString, fc.integer({ min: 0, max: 1000 }), (stored, probe, seed) => {
        const arena = new StringArena();
        const offset = arena.write(['first', stored]);
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
    const offset = arena.write(['SF0001']);
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

  it('compacts to the live records only, rewriting their offsets', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(anyString, anyString, fc.boolean()), { maxLength: 60 }),
        fc.integer({ min: 0, max: 3 }),
        (rows, gap) => {
          const arena = new StringArena();
          const offsets = new Int32Array(rows.length + gap).fill(-1);
          rows.forEach(([a, b], i) => {
            offsets[i] = arena.write([a, b]);
          });
          const liveBefore = arena.live;
          let released = 0;
          rows.forEach(([a, b, release], i) => {
            if (!release) return;
            arena.release(offsets[i]!, 2);
            released +=
              2 +
              wtf8Length(a) +
              wtf8Length(b) +
              (wtf8Length(a) >= 128 ? 1 : 0) +
              (wtf8Length(b) >= 128 ? 1 : 0);
            offsets[i] = -1;
          });
          expect(arena.garbage).toBe(released);
          expect(arena.live).toBe(liveBefore - released);
          const live = arena.live;
          arena.compact(offsets, offsets.length, 2);
          expect(arena.garbage).toBe(0);
          expect(arena.live).toBe(live);
          rows.forEach(([a, b, release], i) => {
            if (release) expect(offsets[i]).toBe(-1);
            else expect([arena.read(offsets[i]!, 0), arena.read(offsets[i]!, 1)]).toEqual([a, b]);
          });
        },
      ),
    );
  });

  it('wants compaction once released bytes exceed both the live ones and a chunk', () => {
    const arena = new StringArena();
    const big = 'x'.repeat(CHUNK_BYTES / 2);
    const kept = arena.write([big, big]);
    const dropped = [arena.write([big]), arena.write([big])];
    arena.release(dropped[0]!, 1);
    expect(arena.wantsCompaction).toBe(false); // garbage below a chunk and below live
    arena.release(dropped[1]!, 1);
    expect(arena.garbage).toBe(2 * (CHUNK_BYTES / 2 + 3));
    expect(arena.live).toBe(2 * (CHUNK_BYTES / 2 + 3));
    expect(arena.wantsCompaction).toBe(false); // equal to live: not more
    arena.release(kept, 2);
    expect(arena.wantsCompaction).toBe(true);
    const offsets = new Int32Array([-1, -1, -1]);
    const allocated = arena.allocated;
    arena.compact(offsets, 3, 1);
    expect(arena.allocated).toBe(0);
    expect(allocated).toBeGreaterThan(0);
    expect(arena.wantsCompaction).toBe(false);
  });
});
