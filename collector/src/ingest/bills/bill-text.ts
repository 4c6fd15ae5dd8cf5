// Bytes of a bill file → decoded text lines, streamed: a bill of a million rows is never held whole.
// Bills arrive in whatever state the merchant platform (or Excel) left them: gzip from the WeChat API
// (tar_type=GZIP), a UTF-8 BOM, GBK from Alipay's download. The encoding is sniffed from the first chunk.
// An upload is also whatever a caller sends, so its size after decompression, its compression ratio and
// the length of each line are bounded before anything is held.
import { pipeline, Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { CsvError, parse as parseCsv } from 'csv-parse/sync';
import iconv from 'iconv-lite';

export type BillEncoding = 'utf-8' | 'gbk';

export class BillEncodingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BillEncodingError';
  }
}

export interface BillLimits {
  /** Bytes of the bill after decompression. */
  maxBytes: number;
  /** Bytes of one line, without its terminator. */
  maxLineBytes: number;
  /** Decompressed bytes per compressed byte; real bills with unique ids per row stay far below it. */
  maxRatio: number;
}

export const DEFAULT_BILL_LIMITS: Readonly<BillLimits> = Object.freeze({
  maxBytes: 256 * 1024 * 1024,
  maxLineBytes: 64 * 1024,
  maxRatio: 100,
});

// Below this much output the ratio says nothing: a tiny file of repeated header text compresses well.
const RATIO_FLOOR_BYTES = 128 * 1024;

/** The bill passes one of its limits; `tooLarge` ones are answered 413, a too-long line 400. */
export class BillLimitError extends Error {
  readonly line: number;
  readonly tooLarge: boolean;
  constructor(line: number, reason: string, tooLarge: boolean) {
    super(`line ${line}: ${reason}`);
    this.name = 'BillLimitError';
    this.line = line;
    this.tooLarge = tooLarge;
  }
}

const GZIP = [0x1f, 0x8b];
const ZIP = [0x50, 0x4b, 0x03, 0x04];
const UTF8_BOM = [0xef, 0xbb, 0xbf];
const startsWith = (bytes: Uint8Array, prefix: readonly number[]) => prefix.every((b, i) => bytes[i] === b);

async function* asBytes(input: AsyncIterable<Uint8Array | string>): AsyncGenerator<Buffer> {
  for await (const chunk of input) {
    if (typeof chunk === 'string') yield Buffer.from(chunk, 'utf8');
    else yield Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  }
}

/** Reads enough of the stream to sniff it, then hands back the same bytes followed by the rest. */
async function peek(input: AsyncIterable<Buffer>, bytes: number): Promise<[Buffer, AsyncIterable<Buffer>]> {
  const iterator = input[Symbol.asyncIterator]();
  const head: Buffer[] = [];
  let size = 0;
  while (size < bytes) {
    const next = await iterator.next();
    if (next.done) break;
    head.push(next.value);
    size += next.value.length;
  }
  const rest: AsyncIterable<Buffer> = {
    [Symbol.asyncIterator]: () => iterator,
  };
  return [Buffer.concat(head), rest];
}

async function* prepend(first: Buffer, rest: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  if (first.length > 0) yield first;
  yield* rest;
}

// Decoding up to the last newline of the head strictly as UTF-8: GBK Chinese is almost never valid UTF-8.
function looksLikeUtf8(head: Buffer): boolean {
  const cut = head.lastIndexOf(0x0a);
  const sample = cut >= 0 ? head.subarray(0, cut) : head;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(sample);
    return true;
  } catch {
    return false;
  }
}

export function sniffEncoding(head: Buffer, preferred: BillEncoding): BillEncoding {
  if (startsWith(head, UTF8_BOM)) return 'utf-8';
  const ascii = head.every((b) => b < 0x80);
  if (ascii) return preferred;
  return looksLikeUtf8(head) ? 'utf-8' : 'gbk';
}

/** zlib's own errors (a truncated or corrupt gzip) are the caller's bad file, not a server fault. */
async function* gunzipped(gunzip: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  try {
    for await (const chunk of gunzip) yield chunk;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('Z_'))
      throw new BillEncodingError('not a readable gzip file (truncated or corrupt)');
    throw error;
  }
}

/**
 * Splits bytes into lines at LF without decoding them first: neither UTF-8 nor GBK uses the byte 0x0A
 * inside a character. Each byte is scanned once and a line that spans chunks is joined once, so the work
 * is linear in the input however the lines fall; a line is refused as soon as it passes the limit, and
 * the input as soon as its total does.
 */
export async function* byteLines(
  chunks: AsyncIterable<Buffer>,
  limits: Pick<BillLimits, 'maxBytes' | 'maxLineBytes'>,
  /** Called with the running total; throws to stop (the compression-ratio check). */
  checkTotal: (total: number, line: number) => void = () => {},
): AsyncGenerator<[line: Buffer, number: number]> {
  let parts: Buffer[] = [];
  let partBytes = 0;
  let number = 0;
  let total = 0;
  const tooLong = () =>
    new BillLimitError(number + 1, `a line may be at most ${limits.maxLineBytes} bytes`, false);
  const finish = (piece: Buffer): Buffer => {
    const joined = parts.length === 0 ? piece : Buffer.concat([...parts, piece], partBytes + piece.length);
    parts = [];
    partBytes = 0;
    const line = joined.length > 0 && joined[joined.length - 1] === 0x0d ? joined.subarray(0, -1) : joined;
    if (line.length > limits.maxLineBytes) throw tooLong();
    return line;
  };
  for await (const chunk of chunks) {
    total += chunk.length;
    if (total > limits.maxBytes) {
      throw new BillLimitError(
        number + 1,
        `a bill may be at most ${limits.maxBytes} bytes after decompression`,
        true,
      );
    }
    checkTotal(total, number + 1);
    let start = 0;
    for (let nl = chunk.indexOf(0x0a); nl >= 0; nl = chunk.indexOf(0x0a, start)) {
      // +1: the line's CR, if any, is still among the bytes held
      if (partBytes + (nl - start) > limits.maxLineBytes + 1) throw tooLong();
      const line = finish(chunk.subarray(start, nl));
      number++;
      yield [line, number];
      start = nl + 1;
    }
    if (start < chunk.length) {
      partBytes += chunk.length - start;
      if (partBytes > limits.maxLineBytes + 1) throw tooLong();
      parts.push(chunk.subarray(start));
    }
  }
  if (partBytes > 0) {
    const line = finish(Buffer.alloc(0));
    yield [line, ++number];
  }
}

/**
 * Decoded lines of a bill, gunzipped if needed, without their terminator (LF or CRLF), numbered from 1;
 * the BOM is dropped. Throws BillLimitError past a limit and BillEncodingError for an archive or a
 * broken gzip.
 */
export async function* billLines(
  input: AsyncIterable<Uint8Array | string>,
  preferred: BillEncoding,
  limits: BillLimits = DEFAULT_BILL_LIMITS,
): AsyncGenerator<[line: string, number: number]> {
  let [head, rest] = await peek(asBytes(input), 4096);
  if (startsWith(head, ZIP)) {
    throw new BillEncodingError('a zip archive: extract the CSV (e.g. …_业务明细.csv) and send that');
  }
  let compressedBytes: (() => number) | undefined;
  if (startsWith(head, GZIP)) {
    const gunzip = createGunzip();
    const source = Readable.from(prepend(head, rest));
    pipeline(source, gunzip, () => {});
    compressedBytes = () => gunzip.bytesWritten;
    [head, rest] = await peek(gunzipped(gunzip), 4096);
  }
  const checkRatio = (total: number, line: number) => {
    if (!compressedBytes || total <= RATIO_FLOOR_BYTES) return;
    if (total > limits.maxRatio * Math.max(1, compressedBytes())) {
      throw new BillLimitError(
        line,
        `the gzip expands more than ${limits.maxRatio} times its size; no bill compresses that well`,
        true,
      );
    }
  };
  const encoding = sniffEncoding(head, preferred);
  for await (const [bytes, number] of byteLines(prepend(head, rest), limits, checkRatio)) {
    const body = number === 1 && startsWith(bytes, UTF8_BOM) ? bytes.subarray(3) : bytes;
    yield [encoding === 'gbk' ? iconv.decode(body, 'gbk') : body.toString('utf8'), number];
  }
}

/** A line whose quoting the CSV parser could not make sense of. */
export class BillCellsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BillCellsError';
  }
}

/** Whether csvCells splits this line at its commas, so that its cells comma-joined give it back. */
export const splitsPlainly = (line: string): boolean => !line.includes('"');

/**
 * One CSV line into cells. Bills rarely quote, and a line without a double quote has nothing for a CSV
 * parser to interpret: splitting it on commas is exactly what one would do, at a hundredth of the cost
 * (a million-row bill must parse in seconds). A line with quotes goes to csv-parse, one line at a time,
 * so a stray quote can only spoil its own row. Cells keep their anti-Excel padding (tabs, backticks).
 */
export function csvCells(line: string): string[] {
  if (splitsPlainly(line)) return line.split(',');
  try {
    const [cells] = parseCsv(line, {
      relax_quotes: true,
      relax_column_count: true,
      // Alipay pads cells with tabs, also around quoted ones
      ltrim: true,
      rtrim: true,
      max_record_size: line.length + 1,
    }) as string[][];
    return cells ?? [''];
  } catch (error) {
    if (error instanceof CsvError) throw new BillCellsError(`unreadable quoting (${error.message})`);
    throw error;
  }
}
