// The arena's boundaries, each at its exact value: a record of exactly one chunk, a chunk exactly
// half released, probes and compared strings longer than the buffers first allocated for them, a
// string too long to decode in one call, and chunks released while being written reclaimed down to
// the one being written.
import { describe, expect, it } from 'vitest';
import { CHUNK_BYTES, encodeWtf8, StringArena, wtf8Length } from '../../../src/domain/rules/string-arena.ts';

describe('generalized UTF-8 at the code point boundaries', () => {
  it('encodes U+0080, U+0800 and the first pair at their lengths', () => {
    const cases: [string, number[]][] = [
      ['\u007f', [0x7f]],
      ['\u0080', [0xc2, 0x80]],
      ['\u07ff', [0xdf, 0xbf]],
      ['\u0800', [0xe0, 0xa0, 0x80]],
      ['\uD800\uDC00', [0xf0, 0x90, 0x80, 0x80]],
      ['\uDBFF\uDFFF', [0xf4, 0x8f, 0xbf, 0xbf]],
    ];
    for (const [value, bytes] of cases) {
      expect(wtf8Length(value)).toBe(bytes.length);
      const out = new Uint8Array(bytes.length);
      expect(encodeWtf8(value, out, 0)).toBe(bytes.length);
      expect([...out]).toEqual(bytes);
      expect([...out]).toEqual([...Buffer.from(value, 'utf8')]);
    }
  });
});

describe('StringArena at its edges', () => {
  it('writes a record of exactly one chunk into a fresh chunk being written, not one of its own', () => {
    const arena = new StringArena();
    expect(arena.write(0, ['a'])).toBe(0);
    // 1 byte of row number, 3 of length, 65,532 of text: 65,536 bytes, a whole chunk.
    const whole = arena.write(1, ['x'.repeat(CHUNK_BYTES - 4)]);
    expect(whole).toBe(CHUNK_BYTES);
    expect(arena.read(whole, 0)).toBe('x'.repeat(CHUNK_BYTES - 4));
    // That chunk is the one being written, and full: the next record starts a third chunk.
    expect(arena.write(2, ['b'])).toBe(2 * CHUNK_BYTES);
    expect(arena.allocated).toBe(3 * CHUNK_BYTES);
  });

  it('drops a chunk at exactly half its bytes released, and not one byte before', () => {
    const arena = new StringArena();
    // 1 + 2 + 1,020 = 1,023 bytes a record: 64 fill the first chunk (65,472 bytes), the 65th starts
    // the second.
    const value = (row: number) => `${String(row).padStart(3, '0')}${'v'.repeat(1017)}`;
    const offsets = new Int32Array(65).fill(-1);
    for (let row = 0; row < 65; row++) offsets[row] = arena.write(row, [value(row)]);
    expect(offsets[63]).toBe(63 * 1023);
    expect(offsets[64]).toBe(CHUNK_BYTES);
    for (let row = 0; row < 31; row++) arena.release(offsets, row, 1);
    expect(arena.garbage).toBe(31 * 1023);
    expect(arena.allocated).toBe(2 * CHUNK_BYTES);
    // The 32nd release makes 32 × 1,023 × 2 = 65,472, the chunk's used bytes: dropped.
    arena.release(offsets, 31, 1);
    expect(arena.garbage).toBe(0);
    expect(arena.allocated).toBe(CHUNK_BYTES);
    for (let row = 32; row < 65; row++) {
      expect(offsets[row]).toBeGreaterThanOrEqual(CHUNK_BYTES);
      expect(arena.read(offsets[row]!, 0)).toBe(value(row));
    }
    expect(arena.live).toBe(33 * 1023);
  });

  it('compares probes and strings longer than twice the first buffers', () => {
    const arena = new StringArena();
    const long = `${'长'.repeat(300)}#`; // 901 bytes
    const offset = arena.write(0, ['short', long]);
    arena.setProbe(long);
    expect(arena.matchesProbe(offset, 1)).toBe(true);
    expect(arena.hash(offset, 1, 5)).toBe(arena.probeHash(5));
    expect(arena.equals(offset, 1, long)).toBe(true);
    expect(arena.equals(offset, 1, `${'长'.repeat(300)}$`)).toBe(false);
    // The grown probe is kept through an `equals` of a still longer string.
    expect(arena.equals(offset, 1, long.repeat(3))).toBe(false);
    expect(arena.matchesProbe(offset, 1)).toBe(true);
    arena.setProbe(`${'长'.repeat(300)}$`);
    expect(arena.matchesProbe(offset, 1)).toBe(false);
    // Compared again and again (as every update of a tracked shipment does), with no growth.
    for (let i = 0; i < 64; i++) expect(arena.equals(offset, 0, 'short')).toBe(true);
  });

  it('reads back a string of a million code units, too many to decode in one call', () => {
    const arena = new StringArena();
    const text = 'ab😀'.repeat(250_000);
    const offset = arena.write(0, [text, 'z']);
    expect(arena.read(offset, 0)).toBe(text);
    expect(arena.read(offset, 1)).toBe('z');
  });

  it('drops a full chunk without reading past its end', () => {
    const arena = new StringArena();
    const offsets = new Int32Array(6).fill(-1);
    offsets[5] = arena.write(5, ['x'.repeat(CHUNK_BYTES - 4)]); // the whole first chunk
    offsets[0] = arena.write(0, ['zero']); // the second chunk's first record
    expect(offsets[0]).toBe(CHUNK_BYTES);
    arena.release(offsets, 5, 1);
    expect(arena.allocated).toBe(CHUNK_BYTES);
    expect(arena.read(offsets[0]!, 0)).toBe('zero');
    expect(arena.live).toBe(1 + 1 + 4);
  });

  it('drops a chunk once, when its own release empties it while it waits to be checked', () => {
    const arena = new StringArena();
    const offsets = new Int32Array(8).fill(-1);
    offsets[0] = arena.write(0, ['a'.repeat(40_000)]);
    offsets[1] = arena.write(1, ['b']);
    arena.release(offsets, 0, 1); // the chunk being written: not checked
    offsets[2] = arena.write(2, ['c'.repeat(30_000)]); // starts the second chunk, the first waits
    arena.release(offsets, 1, 1); // drops the first chunk, then finds it in the waiting list
    expect(arena.allocated).toBe(CHUNK_BYTES);
    // Two more chunks: each under its own index, neither overwriting the other.
    offsets[3] = arena.write(3, ['d'.repeat(40_000)]);
    offsets[4] = arena.write(4, ['e'.repeat(40_000)]);
    offsets[5] = arena.write(5, ['f'.repeat(40_000)]);
    expect(arena.allocated).toBe(4 * CHUNK_BYTES);
    expect([2, 3, 4, 5].map((row) => arena.read(offsets[row]!, 0))).toEqual([
      'c'.repeat(30_000),
      'd'.repeat(40_000),
      'e'.repeat(40_000),
      'f'.repeat(40_000),
    ]);
  });

  it('reclaims every chunk released while it was written, the first one too', () => {
    const arena = new StringArena();
    const offsets = new Int32Array(1).fill(-1);
    for (let i = 0; i < 200; i++) {
      offsets[0] = arena.write(0, ['w'.repeat(1000)]);
      arena.release(offsets, 0, 1);
    }
    expect(arena.live).toBe(0);
    expect(arena.allocated).toBe(CHUNK_BYTES);
    expect(arena.garbage).toBeLessThan(CHUNK_BYTES);
  });
});
