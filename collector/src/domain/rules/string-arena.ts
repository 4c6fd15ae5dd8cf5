// Strings kept as bytes instead of JS strings, for the ids a columnar table holds per row. A JS string
// costs its 16-byte header rounded up to 8 bytes plus a pointer to it (32 B for a 12-character
// waybill number); here the same id is its bytes and a one-byte length, in 64 KiB chunks that never
// copy to grow.
//
// A record is one or more strings written together and addressed by one offset (chunk index << 16 |
// position). Each string is a LEB128 byte length and its bytes in generalized UTF-8 (WTF-8): UTF-8
// for well-formed text, and a lone surrogate encoded like any other code point, so every JS string
// reads back exactly, ill-formed ones included. A record never spans chunks; one larger than a chunk
// gets a chunk of its own.
//
// Released records leave garbage; the owner calls `compact` (which rewrites its offsets) when
// `wantsCompaction` says the garbage outweighs what is live, so the cost is amortized over the
// bytes released.

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
  private readonly chunks: Uint8Array[] = [];
  /** Write position in the last chunk (CHUNK_BYTES when a new chunk is needed). */
  private end = CHUNK_BYTES;
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
    for (const chunk of this.chunks) bytes += chunk.length;
    return bytes;
  }

  /** Stores the strings as one record; returns its offset. */
  write(values: readonly string[]): number {
    let size = 0;
    for (const value of values) {
      const length = wtf8Length(value);
      size += varintLength(length) + length;
    }
    const offset = this.reserve(size);
    const chunk = this.chunks[offset >>> CHUNK_BITS]!;
    let p = offset & POSITION_MASK;
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

  /** Marks the record at `offset`, of `count` strings, as garbage. */
  release(offset: number, count: number): void {
    const size = this.recordSize(offset, count);
    this.liveBytes -= size;
    this.garbageBytes += size;
  }

  /** True once released bytes exceed both the live ones and a chunk. */
  get wantsCompaction(): boolean {
    return this.garbageBytes > this.liveBytes && this.garbageBytes > CHUNK_BYTES;
  }

  /**
   * Copies the live records (those of `offsets[0..rows)` that are not negative, each `count`
   * strings) into fresh chunks and rewrites their offsets; the old chunks become garbage for the GC.
   */
  compact(offsets: Int32Array, rows: number, count: number): void {
    const old = this.chunks.splice(0);
    this.end = CHUNK_BYTES;
    this.liveBytes = 0;
    this.garbageBytes = 0;
    for (let row = 0; row < rows; row++) {
      const from = offsets[row]!;
      if (from < 0) continue;
      const size = this.recordSizeIn(old, from, count);
      const to = this.reserve(size);
      const source = old[from >>> CHUNK_BITS]!;
      const start = from & POSITION_MASK;
      this.chunks[to >>> CHUNK_BITS]!.set(source.subarray(start, start + size), to & POSITION_MASK);
      this.liveBytes += size;
      offsets[row] = to;
    }
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

  /** Finds string `index` of the record: sets fieldStart and fieldLength, returns its chunk. */
  private field(offset: number, index: number): Uint8Array {
    return this.fieldIn(this.chunks, offset, index);
  }

  private fieldIn(chunks: Uint8Array[], offset: number, index: number): Uint8Array {
    const chunk = chunks[offset >>> CHUNK_BITS]!;
    let p = offset & POSITION_MASK;
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
    return this.recordSizeIn(this.chunks, offset, count);
  }

  private recordSizeIn(chunks: Uint8Array[], offset: number, count: number): number {
    this.fieldIn(chunks, offset, count - 1);
    return this.fieldStart + this.fieldLength - (offset & POSITION_MASK);
  }

  /** Room for `size` bytes in one chunk; returns its offset. */
  private reserve(size: number): number {
    if (size > CHUNK_BYTES) {
      // A chunk of its own, and the next record starts a new chunk.
      this.chunks.push(new Uint8Array(size));
      this.end = CHUNK_BYTES;
      return (this.chunks.length - 1) << CHUNK_BITS;
    }
    if (this.end + size > CHUNK_BYTES) {
      this.chunks.push(new Uint8Array(CHUNK_BYTES));
      this.end = 0;
    }
    const offset = ((this.chunks.length - 1) << CHUNK_BITS) | this.end;
    this.end += size;
    return offset;
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
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
