// Rows of `COPY … TO STDOUT` in PostgreSQL's text format, decoded straight from the bytes as they
// arrive: fields end at a tab, rows at a newline, NULL is `\N`, and a tab, newline or backslash
// inside a value comes backslash-escaped. None of those bytes occurs inside a multi-byte UTF-8
// character, so rows are cut on bytes and only the fields asked for become strings. Reading a
// million rows this way allocates one string per text field used and none per number, where the
// row protocol makes a string of every field and an object of every row.

const TAB = 0x09;
const NEWLINE = 0x0a;
const BACKSLASH = 0x5c;
const MINUS = 0x2d;
const ZERO = 0x30;
const NINE = 0x39;

/** One row, valid only while the callback it was handed to runs. */
export interface CopyRow {
  /** The field's text, or null for NULL. */
  text(field: number): string | null;
  /** The field as a number (parseFloat of its text: what pg makes of float8 and int8), or null. */
  number(field: number): number | null;
}

class RowView implements CopyRow {
  buf: Buffer = Buffer.alloc(0);
  readonly starts: number[];
  readonly ends: number[];
  readonly escaped: boolean[];

  constructor(readonly width: number) {
    this.starts = new Array<number>(width).fill(0);
    this.ends = new Array<number>(width).fill(0);
    this.escaped = new Array<boolean>(width).fill(false);
  }

  private isNull(field: number): boolean {
    const s = this.starts[field]!;
    return this.ends[field]! - s === 2 && this.buf[s] === BACKSLASH && this.buf[s + 1] === 0x4e;
  }

  text(field: number): string | null {
    if (this.isNull(field)) return null;
    const start = this.starts[field]!;
    const end = this.ends[field]!;
    return this.escaped[field] ? unescapedText(this.buf, start, end) : this.buf.toString('utf8', start, end);
  }

  number(field: number): number | null {
    if (this.isNull(field)) return null;
    const buf = this.buf;
    let i = this.starts[field]!;
    const end = this.ends[field]!;
    const negative = buf[i] === MINUS;
    if (negative) i++;
    // Up to 15 digits is an exact integer in a double: the common case (epoch milliseconds, fen),
    // read without making a string. Anything else (fractions, exponents, Infinity) goes to parseFloat.
    if (i < end && end - i <= 15) {
      let value = 0;
      for (; i < end; i++) {
        const b = buf[i]!;
        if (b < ZERO || b > NINE) return parseFloat(this.text(field)!);
        value = value * 10 + (b - ZERO);
      }
      return negative ? -value : value;
    }
    return parseFloat(this.text(field)!);
  }
}

/** The byte a named escape stands for, by the letter after the backslash. */
const ESCAPES = new Map<number, number>(
  (
    [
      ['b', '\b'],
      ['f', '\f'],
      ['n', '\n'],
      ['r', '\r'],
      ['t', '\t'],
      ['v', '\v'],
    ] as const
  ).map(([letter, byte]) => [letter.charCodeAt(0), byte.charCodeAt(0)]),
);

const isOctal = (b: number | undefined) => b !== undefined && b >= 0x30 && b <= 0x37;
const hexValue = (b: number | undefined) => {
  if (b === undefined) return -1;
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  if (b >= 0x61 && b <= 0x66) return b - 0x61 + 10;
  if (b >= 0x41 && b <= 0x46) return b - 0x41 + 10;
  return -1;
};

/**
 * A field with backslashes, undone byte by byte (an octal or hex escape is a byte of the UTF-8 text,
 * as COPY FROM reads it; COPY TO writes only the named ones and `\\`).
 */
function unescapedText(buf: Buffer, start: number, end: number): string {
  const out = Buffer.allocUnsafe(end - start);
  let n = 0;
  for (let i = start; i < end; i++) {
    const b = buf[i]!;
    if (b !== BACKSLASH || i + 1 >= end) {
      out[n++] = b;
      continue;
    }
    const next = buf[++i]!;
    if (isOctal(next)) {
      let value = next - 0x30;
      for (let k = 0; k < 2 && isOctal(buf[i + 1]) && i + 1 < end; k++)
        value = value * 8 + (buf[++i]! - 0x30);
      out[n++] = value & 0xff;
    } else if (next === 0x78 && i + 1 < end && hexValue(buf[i + 1]) >= 0) {
      let value = hexValue(buf[++i]);
      if (i + 1 < end && hexValue(buf[i + 1]) >= 0) value = value * 16 + hexValue(buf[++i]);
      out[n++] = value;
    } else {
      // Any other backslashed character stands for itself.
      out[n++] = ESCAPES.get(next) ?? next;
    }
  }
  return out.toString('utf8', 0, n);
}

/**
 * Cuts COPY text output into rows of `width` fields, across chunk boundaries: `push` each chunk as it
 * comes, `end` when the stream ends.
 */
export class CopyTextRows {
  private readonly row: RowView;
  private rest: Buffer | undefined;

  constructor(width: number) {
    this.row = new RowView(width);
  }

  /** Hands each row completed by `chunk` to `take`. */
  push(chunk: Buffer, take: (row: CopyRow) => void): void {
    let buf = chunk;
    if (this.rest !== undefined) {
      buf = Buffer.concat([this.rest, chunk]);
      this.rest = undefined;
    }
    const last = buf.lastIndexOf(NEWLINE);
    if (last < 0) {
      this.rest = buf;
      return;
    }
    if (last + 1 < buf.length) this.rest = buf.subarray(last + 1);
    const row = this.row;
    const { starts, ends, escaped, width } = row;
    row.buf = buf;
    let i = 0;
    while (i <= last) {
      let field = 0;
      starts[0] = i;
      escaped[0] = false;
      for (;;) {
        // Past the last newline only if a backslash escaped it: not COPY text output.
        if (i > last) throw new Error('COPY row ends in a backslash');
        const b = buf[i]!;
        if (b === BACKSLASH) {
          escaped[field] = true;
          i += 2;
        } else if (b === TAB) {
          ends[field] = i++;
          if (++field >= width) throw new Error(`COPY row with more than ${width} fields`);
          starts[field] = i;
          escaped[field] = false;
        } else if (b === NEWLINE) {
          ends[field] = i++;
          break;
        } else {
          i++;
        }
      }
      if (field !== width - 1) throw new Error(`COPY row with ${field + 1} fields, not ${width}`);
      take(row);
    }
  }

  /** The stream ended: a row left without its newline means it was cut short. */
  end(): void {
    if (this.rest !== undefined && this.rest.length > 0) throw new Error('COPY output ended inside a row');
  }
}
