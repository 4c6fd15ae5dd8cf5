// The bill text layer at its edges: what counts as a zip, a gzip or a BOM, how much is read before the
// first line, the compression-ratio floor and limit, broken gzip, the encoding sniff's cut at the last
// newline, the running-total callback, and csv-parse's trimming; then the shared row helpers and the
// China local times bills are written in.
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import {
  BILL_PROVIDERS,
  cleanCell,
  countSkipped,
  MAX_SKIPPED_STATUSES,
  OTHER_STATUSES,
} from '../../../src/ingest/bills/bill-row.ts';
import {
  BillCellsError,
  BillEncodingError,
  BillLimitError,
  billLines,
  byteLines,
  csvCells,
  DEFAULT_BILL_LIMITS,
  sniffEncoding,
} from '../../../src/ingest/bills/bill-text.ts';
import { parseChinaLocalTime } from '../../../src/ingest/bills/china-standard-time.ts';
import {
  cellAt,
  detailCells,
  linesUpWithHeader,
  rowAmount,
  rowTime,
} from '../../../src/ingest/bills/detail-rows.ts';

/** Each chunk handed over as given (Readable.from would leave it so too, but says nothing about it). */
async function* chunked(chunks: (Uint8Array | string)[]): AsyncGenerator<Uint8Array | string> {
  yield* chunks;
}

async function lines(
  input: AsyncIterable<Uint8Array | string> | (Uint8Array | string)[],
  preferred: 'utf-8' | 'gbk' = 'utf-8',
  limits = DEFAULT_BILL_LIMITS,
): Promise<[string, number][]> {
  const out: [string, number][] = [];
  for await (const entry of billLines(Array.isArray(input) ? chunked(input) : input, preferred, limits))
    out.push(entry);
  return out;
}

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error,
  );

describe('what the first bytes say', () => {
  it('refuses a zip archive by its four-byte signature, with a hint, and reads text starting with P', async () => {
    const zip = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.from('rest\n')]);
    const error = await failure(lines([zip]));
    expect(error).toBeInstanceOf(BillEncodingError);
    expect(error).toMatchObject({
      name: 'BillEncodingError',
      message: 'a zip archive: extract the CSV (e.g. …_业务明细.csv) and send that',
    });
    expect(await lines(['PK,x\n', 'y'])).toEqual([
      ['PK,x', 1],
      ['y', 2],
    ]);
  });

  it('gunzips by the two-byte signature only, and keeps a file starting with one of its bytes', async () => {
    expect(await lines([gzipSync('a,b\r\nc\n')])).toEqual([
      ['a,b', 1],
      ['c', 2],
    ]);
    // 0x8b as a second byte is no gzip: a GBK lead byte may follow an ASCII letter
    const gbk = Buffer.concat([Buffer.from('A'), iconv.encode('婭', 'gbk'), Buffer.from('\n')]);
    expect(gbk[1]).toBe(0x8b);
    expect(await lines([gbk], 'gbk')).toEqual([['A婭', 1]]);
  });

  it('drops the BOM of the first line only', async () => {
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    const text = Buffer.concat([bom, Buffer.from('交易\n'), bom, Buffer.from('x\n')]);
    expect(await lines([text], 'gbk')).toEqual([
      ['交易', 1],
      ['\ufeffx', 2],
    ]);
  });

  it('takes string chunks as UTF-8 and a Uint8Array view at its own offset', async () => {
    const backing = new Uint8Array(Buffer.from('##a,b\nc\n'));
    const view = new Uint8Array(backing.buffer, 2, backing.length - 2);
    expect(Buffer.isBuffer(view)).toBe(false);
    expect(await lines([view])).toEqual([
      ['a,b', 1],
      ['c', 2],
    ]);
    expect(await lines(['交', '易\n'])).toEqual([['交易', 1]]);
  });

  it('reads the first 4 KiB and no further before giving the first line', async () => {
    let pulled = 0;
    async function* chunks() {
      for (let i = 0; i < 5; i++) {
        pulled++;
        yield Buffer.from(`${'x'.repeat(4095)}\n`);
      }
    }
    const iterator = billLines(chunks(), 'utf-8')[Symbol.asyncIterator]();
    const first = await iterator.next();
    expect(first.value).toEqual(['x'.repeat(4095), 1]);
    expect(pulled).toBe(1);
    let rest = 0;
    while (!(await iterator.next()).done) rest++;
    expect(rest).toBe(4);
  });

  it('reads a bill whose first 4 KiB are ASCII in the preferred encoding after them', async () => {
    const text = Buffer.concat([Buffer.from(`#${'x'.repeat(5000)}\n`), iconv.encode('静安店\n', 'gbk')]);
    expect((await lines([text], 'gbk'))[1]).toEqual(['静安店', 2]);
  });
});

describe('gzip', () => {
  it('reports a corrupt or truncated gzip as the caller’s file', async () => {
    const good = gzipSync(Buffer.from('a,b\n'.repeat(1000)));
    const corrupt = Buffer.concat([good.subarray(0, 10), Buffer.alloc(40, 0xff)]);
    for (const broken of [corrupt, good.subarray(0, good.length - 6)]) {
      const error = await failure(lines([broken]));
      expect(error).toBeInstanceOf(BillEncodingError);
      expect((error as Error).message).toBe('not a readable gzip file (truncated or corrupt)');
    }
  });

  it('passes on a failure of the input itself unchanged', async () => {
    const gone = new Error('the upload was cut');
    async function* failing() {
      yield gzipSync('a,b\n'.repeat(10_000)).subarray(0, 100);
      throw gone;
    }
    expect(await failure(lines(failing()))).toBe(gone);
  });

  // Lines of 1 KiB of one letter: a thousandfold ratio, few lines to read.
  const kib = (count: number) => Buffer.from(`${'x'.repeat(1023)}\n`.repeat(count));

  it('lets any ratio through up to 128 KiB of output, and not one byte more', async () => {
    const atFloor = kib(128);
    expect(atFloor.length).toBe(128 * 1024);
    expect(await lines([gzipSync(atFloor)])).toHaveLength(128);
    const error = await failure(lines([gzipSync(Buffer.concat([atFloor, Buffer.from('x')]))]));
    expect(error).toBeInstanceOf(BillLimitError);
    expect(error).toMatchObject({
      tooLarge: true,
      line: 129,
      message: 'line 129: the gzip expands more than 100 times its size; no bill compresses that well',
    });
  });

  it('reads a large gzip that compresses like a real bill, under the default ratio', async () => {
    // distinct ids per row keep the ratio near 2, far under 100
    const rows = Array.from({ length: 1200 }, (_, i) => {
      const id = createHash('sha256').update(String(i)).digest('hex');
      return `${id},${id.slice(0, 40)},${i}`;
    });
    const text = `${rows.join('\n')}\n`;
    expect(text.length).toBeGreaterThan(128 * 1024);
    const read = await lines([gzipSync(text)]);
    expect(read).toHaveLength(1200);
    expect(read[1199]).toEqual([rows[1199], 1200]);
  });

  it('applies the ratio asked for, and never to a plain file', async () => {
    const text = kib(256);
    const gz = gzipSync(text);
    const loose = { ...DEFAULT_BILL_LIMITS, maxRatio: (text.length / gz.length) * 2 };
    expect(await lines([gz], 'utf-8', loose)).toHaveLength(256);
    const tight = { ...DEFAULT_BILL_LIMITS, maxRatio: 3 };
    expect((await failure(lines([gz], 'utf-8', tight))) as Error).toMatchObject({
      message: expect.stringMatching(/: the gzip expands more than 3 times its size;/),
    });
    expect(await lines([text], 'utf-8', tight)).toHaveLength(256);
  });
});

describe('limits and lines', () => {
  it('has the documented defaults, frozen', () => {
    expect(DEFAULT_BILL_LIMITS).toEqual({
      maxBytes: 256 * 1024 * 1024,
      maxLineBytes: 64 * 1024,
      maxRatio: 100,
    });
    expect(Object.isFrozen(DEFAULT_BILL_LIMITS)).toBe(true);
  });

  it('gives the running total and the line being read to the check, once per chunk', async () => {
    const seen: [number, number][] = [];
    const out: string[] = [];
    const chunks = ['ab\nc', 'd\n', 'e'].map((t) => Buffer.from(t));
    for await (const [line] of byteLines(
      Readable.from(chunks),
      { maxBytes: 100, maxLineBytes: 10 },
      (total, line) => {
        seen.push([total, line]);
      },
    ))
      out.push(line.toString());
    expect(out).toEqual(['ab', 'cd', 'e']);
    expect(seen).toEqual([
      [4, 1],
      [6, 2],
      [7, 3],
    ]);
  });

  it('keeps a lone CR and an empty last line as they are', async () => {
    const out: string[] = [];
    for await (const [line] of byteLines(Readable.from([Buffer.from('\r\n\r\na\rb\n')]), DEFAULT_BILL_LIMITS))
      out.push(line.toString());
    expect(out).toEqual(['', '', 'a\rb']);
  });
});

describe('sniffing the encoding', () => {
  it('reads a head without any newline whole', () => {
    expect(sniffEncoding(Buffer.from('交易'), 'gbk')).toBe('utf-8');
    expect(sniffEncoding(iconv.encode('交易', 'gbk'), 'utf-8')).toBe('gbk');
  });

  it('cuts at a newline even when it is the first byte', () => {
    const cutChar = Buffer.concat([Buffer.from('\n交'), Buffer.from('易').subarray(0, 1)]);
    expect(sniffEncoding(cutChar, 'gbk')).toBe('utf-8');
  });

  it('takes a byte of 0x80 or above as not ASCII', () => {
    expect(sniffEncoding(Buffer.from([0x41, 0x80, 0x0a, 0x41]), 'utf-8')).toBe('gbk');
    expect(sniffEncoding(Buffer.from([0x41, 0x7f, 0x0a]), 'gbk')).toBe('gbk');
    expect(sniffEncoding(Buffer.from([0x41, 0x7f, 0x0a]), 'utf-8')).toBe('utf-8');
  });
});

describe('csvCells', () => {
  it('trims tab padding around a quoted cell on both sides', () => {
    expect(csvCells('\t"b,c"\t,x')).toEqual(['b,c', 'x']);
    expect(csvCells('a"b')).toEqual(['a"b']);
  });

  it('turns quoting it cannot read into a BillCellsError naming the parser’s complaint', () => {
    let error: unknown;
    try {
      csvCells('"abc,d');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(BillCellsError);
    expect(error).toMatchObject({ name: 'BillCellsError' });
    expect((error as Error).message).toMatch(/^unreadable quoting \(Quote Not Closed: .+\)$/);
  });
});

describe('row helpers', () => {
  const calls: unknown[][] = [];
  const reject = (...args: unknown[]) => {
    calls.push(args);
  };

  it('names the providers the reconciliation asks for bills', () => {
    expect(BILL_PROVIDERS).toEqual(['wechatpay', 'alipay']);
  });

  it('cleans only the ends of a cell', () => {
    expect(cleanCell(' a b\t')).toBe('a b');
    expect(cleanCell('``a` b``')).toBe('a` b``');
  });

  it('counts statuses past the cap under (other)', () => {
    const summary = {
      provider: 'alipay' as const,
      skipped: {} as Record<string, number>,
      lines: [],
      header: [],
    };
    for (let i = 0; i <= MAX_SKIPPED_STATUSES; i++) countSkipped(summary, `s${i}`);
    expect(OTHER_STATUSES).toBe('(other)');
    expect(summary.skipped['(other)']).toBe(2);
  });

  it('reads the cell of a column at index 0, an absent cell as empty, and no column as undefined', () => {
    const index: Record<'a' | 'b' | 'c', number> = { a: 0, b: 5, c: -1 };
    expect(cellAt(['`x', 'y'], index, 'a', cleanCell)).toBe('x');
    expect(cellAt(['`x', 'y'], index, 'b', cleanCell)).toBe('');
    expect(cellAt(['`x', 'y'], index, 'c', cleanCell)).toBeUndefined();
  });

  it('reports a line it cannot split, and passes any other failure on', () => {
    calls.length = 0;
    const cells = detailCells(
      '\tx\r',
      7,
      () => {
        throw new BillCellsError('bad quoting');
      },
      reject,
    );
    expect(cells).toBeUndefined();
    expect(calls).toEqual([[7, 'cells separated by commas', 'bad quoting in "x"']]);
    const other = new TypeError('not a bill problem');
    expect(() =>
      detailCells(
        'x',
        7,
        () => {
          throw other;
        },
        reject,
      ),
    ).toThrow(other);
    expect(detailCells('a,b', 7, (l) => l.split(','), reject)).toEqual(['a', 'b']);
    expect(calls).toHaveLength(1);
  });

  it('reports a row whose column count differs from the header, and only such a row', () => {
    calls.length = 0;
    expect(linesUpWithHeader('a,b', ['a', 'b'], ['x', 'y'], 3, reject)).toBe(true);
    expect(linesUpWithHeader('a', ['a'], ['x', 'y'], 4, reject)).toBe(false);
    expect(calls).toEqual([[4, '2 columns as in the header', '1 in "a"']]);
  });

  it('reports a bad time or amount with the column and the text, and nothing for good ones', () => {
    calls.length = 0;
    expect(rowTime('2024-06-01 10:15:30', '完成时间', 5, reject)).toBe(Date.parse('2024-06-01T02:15:30Z'));
    expect(rowAmount('1.50', 5, reject)).toBe(150);
    expect(calls).toEqual([]);
    expect(rowTime('2024-06-01', '完成时间', 6, reject)).toBeUndefined();
    expect(rowAmount('1.5.0', 6, reject)).toBeUndefined();
    expect(calls).toEqual([
      [6, '完成时间 as yyyy-MM-dd HH:mm:ss', '"2024-06-01"'],
      [6, 'an amount in yuan', '"1.5.0"'],
    ]);
  });
});

describe('China local times', () => {
  const utc = (iso: string) => Date.parse(iso);

  it.each([
    ['2024-06-01 10:15:30', '2024-06-01T02:15:30Z'],
    ['2024/06/01 10:15:30', '2024-06-01T02:15:30Z'],
    ['2024-6-1T9:05', '2024-06-01T01:05:00Z'],
    ['2024-12-31 23:59', '2024-12-31T15:59:00Z'],
    ['2024-06-01 10:15:30.123', '2024-06-01T02:15:30.123Z'],
    ['2024-06-01 10:15:30.12', '2024-06-01T02:15:30.120Z'],
  ])('reads %j', (text, iso) => {
    expect(parseChinaLocalTime(text)).toBe(utc(iso));
  });

  it.each([
    ' 2024-06-01 10:15:30',
    '2024-06-01 10:15:30 ',
    '24-06-01 10:15:30',
    '20245-06-01 10:15:30',
    '2024-006-01 10:15:30',
    '2024-06-001 10:15:30',
    '2024.06.01 10:15:30',
    '2024-06-01_10:15:30',
    '2024-06-01  10:15:30',
    '2024-06-01 100:15:30',
    '2024-06-01 10:5:30',
    '2024-06-01 10:15:3',
    '2024-06-01 10:15:30.1234',
    '2024-06-01 10:15:30.',
    '2024-06-01 10:15.5',
    '2024-06-01 1a:15:30',
    '2024-06-01',
  ])('refuses %j', (text) => {
    expect(parseChinaLocalTime(text)).toBeUndefined();
  });
});

describe('refusals, exactly', () => {
  it('refuses a too-long line as a BillLimitError of that line, not one answered 413', async () => {
    const error = await failure(
      lines(['ok\n', 'x'.repeat(11)], 'utf-8', { ...DEFAULT_BILL_LIMITS, maxLineBytes: 10 }),
    );
    expect(error).toBeInstanceOf(BillLimitError);
    expect(error).toMatchObject({
      name: 'BillLimitError',
      line: 2,
      tooLarge: false,
      message: 'line 2: a line may be at most 10 bytes',
    });
  });

  it('refuses a line without its end as soon as its held bytes pass the limit, reading no further', async () => {
    let pulled = 0;
    async function* endless() {
      for (;;) {
        pulled++;
        yield Buffer.from('abcd');
      }
    }
    const error = await failure(
      (async () => {
        for await (const _ of byteLines(endless(), { maxBytes: 1000, maxLineBytes: 6 }));
      })(),
    );
    // 8 bytes held after two chunks: past 6 and the CR that may still end the line
    expect(error).toMatchObject({ line: 1, message: 'line 1: a line may be at most 6 bytes' });
    expect(pulled).toBe(2);
  });

  // Past the first 4 KiB, so that the failure reaches the reader through the gunzip stream.
  const hashes = Array.from({ length: 3000 }, (_, i) => createHash('sha256').update(String(i)).digest('hex'));
  const bigGzip = gzipSync(hashes.join('\n'));

  it('passes on a failure of a gzip’s input past its head unchanged, with or without a code of its own', async () => {
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    for (const gone of [reset, new Error('the upload was cut')]) {
      async function* failing() {
        yield bigGzip.subarray(0, 20_000);
        throw gone;
      }
      expect(await failure(lines(failing()))).toBe(gone);
    }
  });

  it('lets a gzip expand exactly the ratio asked for, and not a hair more', async () => {
    // hex rows first, then 200 KiB of one letter: the ratio is highest at the end, once all is read
    const text = `${hashes.join('\n').slice(0, 150_000)}\n${`${'x'.repeat(1023)}\n`.repeat(200)}`;
    const gz = gzipSync(text);
    const exact = text.length / gz.length;
    expect(exact * gz.length).toBe(text.length);
    const read = await lines([gz], 'utf-8', { ...DEFAULT_BILL_LIMITS, maxRatio: exact });
    expect(read.at(-1)).toEqual(['x'.repeat(1023), read.length]);
    const error = await failure(
      lines([gz], 'utf-8', { ...DEFAULT_BILL_LIMITS, maxRatio: exact * (1 - 1e-9) }),
    );
    expect(error).toBeInstanceOf(BillLimitError);
    expect(error).toMatchObject({ tooLarge: true });
  });

  it('takes a BOM for UTF-8 even when bytes after it are not', () => {
    const bomThenGbk = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), iconv.encode('交易\n', 'gbk')]);
    expect(sniffEncoding(bomThenGbk, 'gbk')).toBe('utf-8');
  });
});

describe('csvCells without and with quotes', () => {
  it('splits a line without quotes on every comma, keeping the padding of its cells', () => {
    expect(csvCells('\ta ,` b\t,,')).toEqual(['\ta ', '` b\t', '', '']);
  });

  it('keeps the cells before a lone CR of a quoted line instead of refusing it', () => {
    // csv-parse takes a lone CR for a record end; the cells after it are not the line's first record
    expect(csvCells('"a",b\rc,d,e')).toEqual(['a', 'b']);
  });
});
