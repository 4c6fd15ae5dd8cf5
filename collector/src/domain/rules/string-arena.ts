// Strings kept as bytes instead of JS strings, for the ids a columnar table holds per row. A JS string
// costs its 16-byte header rounded up to 8 bytes plus a pointer to it (32 B for a 12-character
// waybill number); here the same id is its bytes and a one-byte length, in 64 KiB chunks that never
// copy to grow.
//
// A record is the strings of one row (of the owner's table) written together and addressed by one
// offset (chunk index << 16 | position): the row number, then each string as a byte length and its
// bytes, all LEB128 lengths, the bytes generalized UTF-8 (WTF-8): UTF-8 for well-formed text, and a
// lone surrogate encoded like any other code point, so every JS string reads back exactly, ill-formed
// ones included. A record never spans chunks; one larger than a chunk gets a chunk of its own.
//
// A released record is garbage in its chunk. Once half a chunk is garbage, its live records move to
// the chunk being written and it is dropped: the row number in each record finds the owner's offset
// to rewrite (a record is live while that offset still points at it). That bounds the arena to about
// twice its live bytes at a cost of one chunk (64 KiB) copied at most per release, never a pass over
// the whole arena (200 ms at a million rows on this machine).
import { mix32 } from '../mix32.ts';

const CHUNK_BITS = 16;
export const CHUNK_BYTES = 1 << CHUNK_BITS;
const POSITION_MASK = CHUNK_BYTES - 1;
/** String.fromCharCode.apply takes its arguments on the stack: decode long strings in pieces. */
const DECODE_PIECE = 8192;

/** Bytes of `value` in generalized UTF-8 (a lone surrogate counts as a 3-byte code point). */
export function wtf8Length(value: string): number {
  let bytes = 0;
  for (let i = 0; i < value.length; i++) {
    const unit = value.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (isPair(value, i)) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

function isPair(value: string, i: number): boolean {
  const unit = value.charCodeAt(i);
  if (unit < 0xd800 || unit > 0xdbff || i + 1 >= value.length) return false;
  const next = value.charCodeAt(i + 1);
  return next >= 0xdc00 && next <= 0xdfff;
}

/** Writes `value` at `at` in generalized UTF-8 (room is the caller's); returns the end. */
export function encodeWtf8(value: string, bytes: Uint8Array, at: number): number {
  let p = at;
  for (let i = 0; i < value.length; i++) {
    let code = value.charCodeAt(i);
    if (code < 0x80) {
      bytes[p++] = code;
      continue;
    }
    if (code < 0x800) {
      bytes[p++] = 0xc0 | (code >> 6);
      bytes[p++] = 0x80 | (code & 0x3f);
      continue;
    }
    if (isPair(value, i)) {
      code = 0x10000 + ((code - 0xd800) << 10) + (value.charCodeAt(++i) - 0xdc00);
      bytes[p++] = 0xf0 | (code >> 18);
      bytes[p++] = 0x80 | ((code >> 12) & 0x3f);
    } else bytes[p++] = 0xe0 | (code >> 12);
    bytes[p++] = 0x80 | ((code >> 6) & 0x3f);
    bytes[p++] = 0x80 | (code & 0x3f);
  }
  return p;
}

function varintLength(value: number): number {
  let bytes = 1;
  for (let v = value >>> 7; v !== 0; v >>>= 7) bytes++;
  return bytes;
}

function writeVarint(value: number, bytes: Uint8Array, at: number): number {
  let p = at;
  let v = value;
  while (v >= 0x80) {
    bytes[p++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  bytes[p++] = v;
  return p;
}

export class StringArena {
  /** By chunk index; undefined once dropped (its index is then reused). */
  private readonly chunks: (Uint8Array | undefined)[] = [];
  /** Bytes written into each chunk, and how many of them are released. */
  private readonly used: number[] = [];
  private readonly released: number[] = [];
  private readonly droppedChunks: number[] = [];
  /** Chunks no longer written since the last release, not yet checked for garbage. */
  private readonly retired: number[] = [];
  /** The chunk being written, -1 before the first. */
  private current = -1;
  private liveBytes = 0;
  private garbageBytes = 0;
  /** The string being looked up, encoded once (see `setProbe`). */
  private probe = new Uint8Array(64);
  private probeLength = 0;
  /** A string compared by `equals`, encoded (apart from the probe, which it must not disturb). */
  private other = new Uint8Array(64);
  private units = new Uint16Array(64);
  // Where the last `field` call found a string: set together, read right after.
  private fieldStart = 0;
  private fieldLength = 0;

  /** Bytes of the records in use. */
  get live(): number {
    return this.liveBytes;
  }

  /** Bytes of released records not yet reclaimed. */
  get garbage(): number {
    return this.garbageBytes;
  }

  /** Bytes allocated in chunks (for tests and the memory measure). */
  get allocated(): number {
    let bytes = 0;
    for (const chunk of this.chunks) bytes += chunk?.length ?? 0;
    return bytes;
  }

  /** Stores the strings of `row` as one record; returns its offset. */
  write(row: number, values: readonly string[]): number {
    let size = varintLength(row);
    for (const value of values) {
      const length = wtf8Length(value);
      size += varintLength(length) + length;
    }
    const offset = this.reserve(size);
    const chunk = this.chunks[offset >>> CHUNK_BITS]!;
    let p = writeVarint(row, chunk, offset & POSITION_MASK);
    for (const value of values) {
      p = writeVarint(wtf8Length(value), chunk, p);
      p = encodeWtf8(value, chunk, p);
    }
    this.liveBytes += size;
    return offset;
  }

  /** String `index` (from 0) of the record at `offset`. */
  read(offset: number, index: number): string {
    const chunk = this.field(offset, index);
    return this.decode(chunk, this.fieldStart, this.fieldLength);
  }

  /**
   * Releases the record of `offsets[row]` (of `count` strings) and sets that offset to -1. May move
   * other rows' records, rewriting their offsets: `offsets` is the owner's column of all of them.
   */
  release(offsets: Int32Array, row: number, count: number): void {
    const offset = offsets[row]!;
    offsets[row] = -1;
    const size = this.recordSize(offset, count);
    const index = offset >>> CHUNK_BITS;
    this.liveBytes -= size;
    this.garbageBytes += size;
    this.released[index]! += size;
    this.evacuateIfHalfGarbage(index, offsets, count);
    while (this.retired.length > 0) this.evacuateIfHalfGarbage(this.retired.pop()!, offsets, count);
  }

  private evacuateIfHalfGarbage(index: number, offsets: Int32Array, count: number): void {
    const chunk = this.chunks[index];
    if (chunk === undefined || index === this.current) return;
    if (this.released[index]! * 2 >= this.used[index]!) this.evacuate(index, offsets, count);
  }

  /** Encodes the string that `probeHash` and `matchesProbe` compare with. */
  setProbe(value: string): void {
    const length = wtf8Length(value);
    if (length > this.probe.length) this.probe = new Uint8Array(Math.max(length, this.probe.length * 2));
    this.probeLength = encodeWtf8(value, this.probe, 0);
  }

  /** Hash of the probe's bytes, seeded (see `hash`). */
  probeHash(seed: number): number {
    return hashBytes(this.probe, 0, this.probeLength, seed);
  }

  /** Hash of string `index` of the record at `offset`: equal to probeHash for equal bytes and seed. */
  hash(offset: number, index: number, seed: number): number {
    const chunk = this.field(offset, index);
    return hashBytes(chunk, this.fieldStart, this.fieldLength, seed);
  }

  /** Whether string `index` of the record at `offset` is the probe. */
  matchesProbe(offset: number, index: number): boolean {
    const chunk = this.field(offset, index);
    return this.fieldIs(chunk, this.probe, this.probeLength);
  }

  /** Whether string `index` of the record at `offset` is `value` (compared as bytes, no string made). */
  equals(offset: number, index: number, value: string): boolean {
    const length = wtf8Length(value);
    if (length > this.other.length) this.other = new Uint8Array(Math.max(length, this.other.length * 2));
    encodeWtf8(value, this.other, 0);
    const chunk = this.field(offset, index);
    return this.fieldIs(chunk, this.other, length);
  }

  /** Whether the field the last `field` call found has the bytes `expected[0..length)`. */
  private fieldIs(chunk: Uint8Array, expected: Uint8Array, length: number): boolean {
    if (this.fieldLength !== length) return false;
    const start = this.fieldStart;
    for (let i = 0; i < length; i++) if (chunk[start + i] !== expected[i]) return false;
    return true;
  }

  /**
   * Finds string `index` of the record at `offset` (index -1: the row number's end): sets
   * fieldStart and fieldLength, returns the chunk.
   */
  private field(offset: number, index: number): Uint8Array {
    const chunk = this.chunks[offset >>> CHUNK_BITS]!;
    let p = offset & POSITION_MASK;
    while (chunk[p++]! & 0x80); // the row number
    for (let i = 0; ; i++) {
      let length = 0;
      let shift = 0;
      let byte: number;
      do {
        byte = chunk[p++]!;
        length |= (byte & 0x7f) << shift;
        shift += 7;
      } while (byte & 0x80);
      if (i === index) {
        this.fieldStart = p;
        this.fieldLength = length >>> 0;
        return chunk;
      }
      p += length >>> 0;
    }
  }

  private recordSize(offset: number, count: number): number {
    this.field(offset, count - 1);
    return this.fieldStart + this.fieldLength - (offset & POSITION_MASK);
  }

  /** Moves the live records of chunk `index` to the chunk being written, then drops it. */
  private evacuate(index: number, offsets: Int32Array, count: number): void {
    const chunk = this.chunks[index]!;
    const end = this.used[index]!;
    for (let p = 0; p < end; ) {
      const from = (index << CHUNK_BITS) | p;
      let row = 0;
      let shift = 0;
      let byte: number;
      do {
        byte = chunk[p++]!;
        row |= (byte & 0x7f) << shift;
        shift += 7;
      } while (byte & 0x80);
      const size = this.recordSize(from, count);
      p = (from & POSITION_MASK) + size;
      if (offsets[row] !== from) continue;
      const to = this.reserve(size);
      const target = this.chunks[to >>> CHUNK_BITS]!;
      const t = to & POSITION_MASK;
      for (let i = 0, s = from & POSITION_MASK; i < size; i++) target[t + i] = chunk[s + i]!;
      offsets[row] = to;
    }
    this.garbageBytes -= this.released[index]!;
    this.chunks[index] = undefined;
    this.used[index] = 0;
    this.released[index] = 0;
    this.droppedChunks.push(index);
  }

  /** Room for `size` bytes in one chunk; returns its offset. */
  private reserve(size: number): number {
    if (size > CHUNK_BYTES) {
      // A chunk of its own, full from the start: the chunk being written stays as it was.
      const index = this.newChunk(size);
      this.used[index] = size;
      return index << CHUNK_BITS;
    }
    if (this.current < 0 || this.used[this.current]! + size > CHUNK_BYTES) {
      // The chunk left behind may be half garbage already (its records released while it was
      // written): the next release checks it, as it may never see a release of its own again.
      if (this.current >= 0) this.retired.push(this.current);
      this.current = this.newChunk(CHUNK_BYTES);
    }
    const offset = (this.current << CHUNK_BITS) | this.used[this.current]!;
    this.used[this.current]! += size;
    return offset;
  }

  private newChunk(bytes: number): number {
    const index = this.droppedChunks.pop() ?? this.chunks.length;
    this.chunks[index] = new Uint8Array(bytes);
    this.used[index] = 0;
    this.released[index] = 0;
    return index;
  }

  private decode(bytes: Uint8Array, start: number, length: number): string {
    if (length > this.units.length) this.units = new Uint16Array(Math.max(length, this.units.length * 2));
    const units = this.units;
    let n = 0;
    const end = start + length;
    for (let p = start; p < end; ) {
      const lead = bytes[p++]!;
      if (lead < 0x80) units[n++] = lead;
      else if (lead < 0xe0) units[n++] = ((lead & 0x1f) << 6) | (bytes[p++]! & 0x3f);
      else if (lead < 0xf0) {
        units[n++] = ((lead & 0x0f) << 12) | ((bytes[p]! & 0x3f) << 6) | (bytes[p + 1]! & 0x3f);
        p += 2;
      } else {
        const code =
          (((lead & 0x07) << 18) |
            ((bytes[p]! & 0x3f) << 12) |
            ((bytes[p + 1]! & 0x3f) << 6) |
            (bytes[p + 2]! & 0x3f)) -
          0x10000;
        p += 3;
        units[n++] = 0xd800 + (code >> 10);
        units[n++] = 0xdc00 + (code & 0x3ff);
      }
    }
    if (n <= DECODE_PIECE)
      return String.fromCharCode.apply(null, units.subarray(0, n) as unknown as number[]);
    let text = '';
    for (let i = 0; i < n; i += DECODE_PIECE) {
      text += String.fromCharCode.apply(
        null,
        units.subarray(i, Math.min(n, i + DECODE_PIECE)) as unknown as number[],
      );
    }
    return text;
  }
}

/** FNV-1a over the bytes from a seed, then murmur3's finalizer so the low bits (the bucket) mix well. */
export function hashBytes(bytes: Uint8Array, start: number, length: number, seed: number): number {
  let h = (0x811c9dc5 ^ Math.imul(seed, 0x9e3779b1)) | 0;
  for (let i = start; i < start + length; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  return mix32(h);
}
