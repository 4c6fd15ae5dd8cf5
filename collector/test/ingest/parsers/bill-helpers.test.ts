// The small pieces both bill parsers share, by what they promise: cell cleaning, error excerpts, the
// skipped-status count, column lookup, row making, the encoding sniff and the line limits.
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
  BillFormatError,
  cleanCell,
  countSkipped,
  excerpt,
  MAX_SKIPPED_STATUSES,
  OTHER_STATUSES,
  ParsedBillRow,
} from '../../../src/ingest/bills/bill-row.ts';
import { BillLimitError, byteLines, sniffEncoding } from '../../../src/ingest/bills/bill-text.ts';
import { columnPositions, rowRejecter, tradeRow } from '../../../src/ingest/bills/detail-rows.ts';

describe('cells and excerpts', () => {
  it('cleans backticks and padding, and unquotes a re-saved cell', () => {
    expect(cleanCell('`4200001')).toBe('4200001');
    expect(cleanCell(' \t``x\t ')).toBe('x');
    expect(cleanCell('"a ""b"", c"')).toBe('a "b", c');
    expect(cleanCell('"')).toBe('"');
    expect(cleanCell('""')).toBe('');
    expect(cleanCell('"abc')).toBe('"abc');
    expect(cleanCell('abc"')).toBe('abc"');
    expect(cleanCell('a`b')).toBe('a`b');
  });

  it('quotes an excerpt on one line, cut after 60 characters', () => {
    expect(excerpt('\ta\tb\r')).toBe('"a b"');
    expect(excerpt('x'.repeat(60))).toBe(JSON.stringify('x'.repeat(60)));
    expect(excerpt('x'.repeat(61))).toBe(JSON.stringify(`${'x'.repeat(60)}…`));
  });

  it('says the line in a format error only when it has one', () => {
    expect(new BillFormatError('alipay', 'A', 'B', 3).message).toBe('line 3: expected A; found B');
    expect(new BillFormatError('alipay', 'A', 'B').message).toBe('expected A; found B');
    expect(new BillFormatError('wechatpay', 'A', 'B', 3)).toMatchObject({
      name: 'BillFormatError',
      provider: 'wechatpay',
      expected: 'A',
      line: 3,
    });
  });
});

describe('countSkipped', () => {
  const summary = () => ({
    provider: 'wechatpay' as const,
    skipped: {} as Record<string, number>,
    lines: [],
    header: [],
  });

  it('counts by status up to the cap, the rest together, a known status always by name', () => {
    const s = summary();
    for (let i = 0; i < MAX_SKIPPED_STATUSES - 1; i++) countSkipped(s, `S${i}`);
    countSkipped(s, 'late');
    countSkipped(s, 'later');
    countSkipped(s, 'S0');
    expect(Object.keys(s.skipped)).toHaveLength(MAX_SKIPPED_STATUSES);
    expect(s.skipped[OTHER_STATUSES]).toBe(2);
    expect(s.skipped.S0).toBe(2);
  });

  it('cuts a status to 64 characters and never writes __proto__', () => {
    const s = summary();
    countSkipped(s, 'x'.repeat(70));
    countSkipped(s, '__proto__');
    expect(s.skipped).toEqual({ ['x'.repeat(64)]: 1, [OTHER_STATUSES]: 1 });
    expect(Object.getPrototypeOf(s.skipped)).toBe(Object.prototype);
  });
});

describe('rows', () => {
  const fields = {
    provider: 'wechatpay' as const,
    transactionId: 'T1',
    merchantOrderNo: 'O1',
    paidAt: 5,
    amountFen: 300,
    storeId: 'S1',
    deviceId: 'D1',
    refundNo: 'R1',
    line: 2,
  };

  it('makes a refund negative with its number, and a payment positive without one', () => {
    const refund = tradeRow({ ...fields, isRefund: true }, ['a'], ['x']);
    expect({ ...refund }).toMatchObject({ amountFen: -300, kind: 'refund', refundNo: 'R1', storeId: 'S1' });
    expect(tradeRow({ ...fields, amountFen: -300, isRefund: true }, [], []).amountFen).toBe(-300);
    const payment = tradeRow({ ...fields, isRefund: false }, [], []);
    expect(payment).toMatchObject({ amountFen: 300, kind: 'payment' });
    expect(payment.refundNo).toBeUndefined();
    expect(tradeRow({ ...fields, storeId: '', isRefund: false }, [], []).storeId).toBeUndefined();
    expect(tradeRow({ ...fields, refundNo: '', isRefund: true }, [], []).refundNo).toBeUndefined();
  });

  it('keeps the line as found and builds its named cells when asked, cleaned', () => {
    const row = new ParsedBillRow(
      { ...fields, amountFen: 1, kind: 'payment' },
      ['交易时间', '金额', '备注'],
      ['`2024-06-01', '\t1.00\t'],
    );
    expect(row.rawLine).toBe('`2024-06-01,\t1.00\t');
    expect(row.raw).toEqual({ 交易时间: '2024-06-01', 金额: '1.00', 备注: '' });
    expect(row.raw).toBe(row.raw);
  });

  it('finds each column by the last of its names present, -1 when none is', () => {
    expect(
      columnPositions({ amount: ['订单金额', '总金额'], none: ['x'] }, ['总金额', 'a', '订单金额']),
    ).toEqual({
      amount: 2,
      none: -1,
    });
    expect(columnPositions({ amount: ['订单金额', '总金额'] }, ['订单金额', '总金额'])).toEqual({
      amount: 1,
    });
  });

  it('reports a bad row to the caller, or refuses the bill without a listener', () => {
    const seen: unknown[] = [];
    rowRejecter('alipay', { onRejected: (r) => seen.push(r) })(4, 'A', 'B');
    expect(seen).toEqual([{ line: 4, message: 'expected A; found B' }]);
    expect(() => rowRejecter('alipay', {})(4, 'A', 'B')).toThrow(new BillFormatError('alipay', 'A', 'B', 4));
  });
});

describe('bill text', () => {
  it('sniffs a BOM as UTF-8, plain ASCII as the preferred encoding, else UTF-8 or GBK by decoding', () => {
    expect(sniffEncoding(Buffer.from([0xef, 0xbb, 0xbf, 0x41]), 'gbk')).toBe('utf-8');
    expect(sniffEncoding(Buffer.from('a,b\n'), 'gbk')).toBe('gbk');
    expect(sniffEncoding(Buffer.from('a,b\n'), 'utf-8')).toBe('utf-8');
    expect(sniffEncoding(Buffer.from('交易,b\n'), 'gbk')).toBe('utf-8');
    expect(sniffEncoding(Buffer.from([0xbd, 0xbb, 0xd2, 0xd7, 0x0a]), 'utf-8')).toBe('gbk');
    // A character cut by the end of the sniffed head does not make UTF-8 look like GBK.
    expect(
      sniffEncoding(Buffer.concat([Buffer.from('交易\n'), Buffer.from('交').subarray(0, 2)]), 'gbk'),
    ).toBe('utf-8');
  });

  const lines = async (chunks: string[], limits = { maxBytes: 1000, maxLineBytes: 4 }) => {
    const out: string[] = [];
    for await (const [line] of byteLines(Readable.from(chunks.map((c) => Buffer.from(c))), limits))
      out.push(line.toString());
    return out;
  };

  it('takes a line of exactly the limit, with or without CR, and refuses one byte more', async () => {
    expect(await lines(['abcd\nefgh\r\n', 'ij'])).toEqual(['abcd', 'efgh', 'ij']);
    expect(await lines(['ab', 'cd\r', '\n'])).toEqual(['abcd']);
    await expect(lines(['abcde\n'])).rejects.toThrow(
      new BillLimitError(1, 'a line may be at most 4 bytes', false),
    );
    await expect(lines(['ok\nab', 'cde'])).rejects.toThrow('line 2: a line may be at most 4 bytes');
    await expect(lines(['ok\nab', 'c', 'de\n'])).rejects.toThrow('line 2: a line may be at most 4 bytes');
  });

  it('refuses input past its total size, naming the line it reached', async () => {
    const limits = { maxBytes: 6, maxLineBytes: 10 };
    expect(await lines(['ab\ncd\n'], limits)).toEqual(['ab', 'cd']);
    const error = await lines(['ab\ncd\n', 'e'], limits).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BillLimitError);
    expect(error).toMatchObject({
      line: 3,
      tooLarge: true,
      message: 'line 3: a bill may be at most 6 bytes after decompression',
    });
  });
});
