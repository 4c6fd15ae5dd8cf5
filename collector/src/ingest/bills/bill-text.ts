// Bytes of a bill file → decoded text lines, streamed: a bill of a million rows is never held whole.
// Bills arrive in whatever state the merchant platform (or Excel) left them: gzip from the WeChat API
// (tar_type=GZIP), a UTF-8 BOM, GBK from Alipay's download. The encoding is sniffed from the first chunk.
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import iconv from 'iconv-lite';

export type BillEncoding = 'utf-8' | 'gbk';

export class BillEncodingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BillEncodingError';
  }
}

const GZIP = [0x1f, 0x8b];
const ZIP = [0x50, 0x4b, 0x03, 0x04];
const UTF8_BOM = [0xef, 0xbb, 0xbf];
const startsWith = (bytes: Uint8Array, prefix: readonly number[]) => prefix.every((b, i) => bytes[i] === b);

async function* asBytes(input: AsyncIterable<Uint8Array | string>): AsyncGenerator<Uint8Array> {
  for await (const chunk of input) yield typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
}

/** Reads enough of the stream to sniff it, then hands back the same bytes followed by the rest. */
async function peek(
  input: AsyncIterable<Uint8Array>,
  bytes: number,
): Promise<[Buffer, AsyncIterable<Uint8Array>]> {
  const iterator = input[Symbol.asyncIterator]();
  const head: Uint8Array[] = [];
  let size = 0;
  while (size < bytes) {
    const next = await iterator.next();
    if (next.done) break;
    head.push(next.value);
    size += next.value.length;
  }
  const rest: AsyncIterable<Uint8Array> = {
    [Symbol.asyncIterator]: () => iterator,
  };
  return [Buffer.concat(head), rest];
}

async function* prepend(first: Uint8Array, rest: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
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

async function* decode(bytes: AsyncIterable<Uint8Array>, encoding: BillEncoding): AsyncGenerator<string> {
  if (encoding === 'gbk') {
    const decoded = Readable.from(bytes).pipe(iconv.decodeStream('gbk'));
    for await (const text of decoded) yield text as string;
    return;
  }
  const decoder = new TextDecoder('utf-8');
  for await (const chunk of bytes) yield decoder.decode(chunk, { stream: true });
  yield decoder.decode();
}

/** Decoded text of a bill in chunks, gunzipped if needed; the BOM is dropped. */
export async function* billText(
  input: AsyncIterable<Uint8Array | string>,
  preferred: BillEncoding,
): AsyncGenerator<string> {
  let [head, rest] = await peek(asBytes(input), 4096);
  if (startsWith(head, ZIP)) {
    throw new BillEncodingError('a zip archive: extract the CSV (e.g. …_业务明细.csv) and send that');
  }
  if (startsWith(head, GZIP)) {
    const gunzipped = Readable.from(prepend(head, rest)).pipe(createGunzip());
    [head, rest] = await peek(gunzipped, 4096);
  }
  let first = true;
  for await (let text of decode(prepend(head, rest), sniffEncoding(head, preferred))) {
    if (first && text.length > 0) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      first = false;
    }
    if (text.length > 0) yield text;
  }
}

/** Lines without their terminator (LF or CRLF), numbered from 1. */
export async function* textLines(
  chunks: AsyncIterable<string>,
): AsyncGenerator<[line: string, number: number]> {
  let pending = '';
  let number = 0;
  for await (const chunk of chunks) {
    pending += chunk;
    let start = 0;
    for (let nl = pending.indexOf('\n'); nl >= 0; nl = pending.indexOf('\n', start)) {
      const end = nl > start && pending.charCodeAt(nl - 1) === 0x0d ? nl - 1 : nl;
      yield [pending.slice(start, end), ++number];
      start = nl + 1;
    }
    pending = pending.slice(start);
  }
  if (pending.length > 0) yield [pending.endsWith('\r') ? pending.slice(0, -1) : pending, ++number];
}

/**
 * One CSV line into cells. Bills rarely quote, but a product name with a comma must not shift the
 * columns, so RFC 4180 double quotes are honoured (within one line: bills never hold newlines in cells).
 */
export function csvCells(line: string): string[] {
  if (!line.includes('"')) return line.split(',');
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"' && cell.replace(/^[`\s]+/, '') === '') {
      quoted = true;
    } else if (ch === ',') {
      cells.push(cell);
      cell = '';
    } else cell += ch;
  }
  cells.push(cell);
  return cells;
}
