import { createReadStream, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { parseAlipayTradeBill } from '../../src/ingest/bills/alipay-trade-bill.ts';
import { BillFormatError, type BillRow, type BillSummary } from '../../src/ingest/bills/bill-row.ts';
import {
  BillEncodingError,
  byteLines,
  csvCells,
  DEFAULT_BILL_LIMITS,
} from '../../src/ingest/bills/bill-text.ts';
import { parseBill } from '../../src/ingest/bills/parse-bill.ts';
import { parseWechatpayTradeBill } from '../../src/ingest/bills/wechatpay-trade-bill.ts';

const fixture = (name: string) => new URL(`../support/fixtures/${name}`, import.meta.url);
const tmp = mkdtempSync(join(tmpdir(), 'op-bills-'));

async function collect(rows: AsyncIterable<BillRow>): Promise<BillRow[]> {
  const out: BillRow[] = [];
  for await (const row of rows) out.push(row);
  return out;
}

/** Feeds bytes in small, odd-sized chunks so multi-byte characters and CRLFs straddle chunk borders. */
function trickle(bytes: Buffer, size = 7): Readable {
  return Readable.from(
    (function* () {
      for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
    })(),
  );
}

function gbkAlipayFile(name: string, utf8Fixture: string): string {
  const path = join(tmp, name);
  writeFileSync(path, iconv.encode(readFileSync(fixture(utf8Fixture), 'utf8'), 'gbk'));
  return path;
}

const cst = (local: string) => Date.parse(`${local.replace(' ', 'T')}+08:00`);

describe('WeChat Pay trade bill', () => {
  it('parses the 27-column bill: backticks, BOM, CRLF, refund rows, summary, skipped REVOKED', async () => {
    let summary: BillSummary | undefined;
    const rows = await collect(
      parseWechatpayTradeBill(
        createReadStream(fixture('wechatpay-trade-bill-27col.csv'), { highWaterMark: 16 }),
        {
          onSummary: (s) => {
            summary = s;
          },
        },
      ),
    );
    expect(rows.map(({ raw: _raw, ...row }) => row)).toEqual([
      {
        provider: 'wechatpay',
        transactionId: '4200000925202101284997714292',
        merchantOrderNo: 'S20210128170702357723',
        paidAt: cst('2021-01-28 17:07:11'),
        amountFen: 1,
        kind: 'payment',
        deviceId: '',
        line: 2,
      },
      {
        provider: 'wechatpay',
        transactionId: '4200000925202101284997714293',
        merchantOrderNo: 'S042-20210128-0007',
        paidAt: cst('2021-01-28 18:00:05'),
        amountFen: 10010,
        kind: 'payment',
        storeId: 'S042',
        deviceId: 'POS-S042-01',
        line: 3,
      },
      {
        provider: 'wechatpay',
        transactionId: '4200000925202101284997714293',
        merchantOrderNo: 'S042-20210128-0007',
        paidAt: cst('2021-01-28 21:30:00'),
        amountFen: -2800,
        kind: 'refund',
        storeId: 'S042',
        deviceId: 'POS-S042-01',
        refundNo: '50000000382021012807123456789',
        line: 4,
      },
    ]);
    expect(rows[0]?.raw).toMatchObject({
      交易时间: '2021-01-28 17:07:11',
      费率: '1.00%',
      手续费: '0.00000',
      费率备注: '',
    });
    expect(Object.keys(rows[0]?.raw ?? {})).toHaveLength(27);
    expect(summary?.declaredRows).toBe(3);
    expect(summary?.skipped).toEqual({ REVOKED: 1 });
  });

  it('parses the 20-column bill (no refund columns) and a quoted cell with a comma', async () => {
    const rows = await collect(
      parseWechatpayTradeBill(createReadStream(fixture('wechatpay-trade-bill-20col.csv'))),
    );
    expect(rows.map((r) => [r.merchantOrderNo, r.amountFen, r.kind, r.deviceId])).toEqual([
      ['ORD20240601000123', 12800, 'payment', 'POS-7'],
      ['ORD20240601000124', 1, 'payment', 'POS-7'],
    ]);
    expect(rows[1]?.raw.商品名称).toBe('含,逗号的商品');
    expect(Object.keys(rows[0]?.raw ?? {})).toHaveLength(20);
  });

  it('reads a gzipped bill (tar_type=GZIP) the same', async () => {
    const gz = gzipSync(readFileSync(fixture('wechatpay-trade-bill-27col.csv')));
    const rows = await collect(parseWechatpayTradeBill(trickle(gz, 11)));
    expect(rows.map((r) => r.amountFen)).toEqual([1, 10010, -2800]);
  });

  it('refuses an Alipay bill, an empty file and random text, naming what it expected', async () => {
    const alipayBytes = readFileSync(gbkAlipayFile('wrong.csv', 'alipay-trade-bill.utf8.txt'));
    await expect(collect(parseWechatpayTradeBill(trickle(alipayBytes)))).rejects.toThrow(
      /expected a WeChat Pay trade bill.*交易时间/,
    );
    await expect(collect(parseWechatpayTradeBill(Readable.from([])))).rejects.toThrow(/an empty file/);
    const err = await collect(parseWechatpayTradeBill(Readable.from(['hello,world\n1,2\n']))).catch((e) => e);
    expect(err).toBeInstanceOf(BillFormatError);
    expect(err.provider).toBe('wechatpay');
    expect(err.line).toBe(1);
  });

  it('refuses a row whose columns do not line up with the header, with its line number', async () => {
    const text = readFileSync(fixture('wechatpay-trade-bill-20col.csv'), 'utf8').replace('`测试商品,`', '');
    await expect(collect(parseWechatpayTradeBill(Readable.from([text])))).rejects.toThrow(
      /line 2: expected 20 columns/,
    );
  });

  it('reads commas in free text: WeChat never quotes, so only a comma before a backtick separates', async () => {
    const text = readFileSync(fixture('wechatpay-trade-bill-20col.csv'), 'utf8').replace(
      '`测试商品,`,',
      '`苹果,香蕉 2件,`{"store_id":"S042","table":"A3"},',
    );
    const rows = await collect(parseWechatpayTradeBill(Readable.from([text])));
    expect(rows.map((r) => [r.merchantOrderNo, r.amountFen, r.storeId])).toEqual([
      ['ORD20240601000123', 12800, 'S042'],
      ['ORD20240601000124', 1, undefined],
    ]);
    expect(rows[0]?.raw).toMatchObject({
      商品名称: '苹果,香蕉 2件',
      商户数据包: '{"store_id":"S042","table":"A3"}',
    });
    expect(rows[0]?.rawLine).toBe(text.split('\n')[1]);
  });

  it('reports an unreadable row and reads the rest when asked to', async () => {
    const lines = readFileSync(fixture('wechatpay-trade-bill-20col.csv'), 'utf8').split('\n');
    const bad = [
      lines[0],
      lines[1]?.replace('`0.60%,`128.00', '`0.60%,`12.8.0'),
      lines[2],
      lines[1]?.replace('`2024-06-01 10:15:30', '`2024-02-30 10:15:30'),
      lines[1]?.replace('`0.60%,', ''),
      ...lines.slice(3),
    ].join('\n');
    const rejected: { line: number; message: string }[] = [];
    const rows = await collect(
      parseWechatpayTradeBill(Readable.from([bad]), { onRejected: (r) => rejected.push(r) }),
    );
    expect(rows.map((r) => r.line)).toEqual([3]);
    expect(rejected).toEqual([
      { line: 2, message: expect.stringMatching(/^expected an amount in yuan; found "12\.8\.0"$/) },
      { line: 4, message: expect.stringMatching(/^expected 交易时间 as yyyy-MM-dd HH:mm:ss/) },
      { line: 5, message: expect.stringMatching(/^expected 20 columns as in the header; found 19 in/) },
    ]);
  });

  it('refuses a malformed amount', async () => {
    const text = readFileSync(fixture('wechatpay-trade-bill-20col.csv'), 'utf8').replaceAll(
      '`128.00,`',
      '`12.8.0,`',
    );
    await expect(collect(parseWechatpayTradeBill(Readable.from([text])))).rejects.toThrow(/amount in yuan/);
  });
});

describe('Alipay 业务明细 bill', () => {
  it('parses the GBK file: # header/footer lines, tab-padded cells, negative refunds', async () => {
    const path = gbkAlipayFile('20880211096256330156_20190916_业务明细.csv', 'alipay-trade-bill.utf8.txt');
    // really GBK: the UTF-8 bytes of 支付宝 are not in it
    expect(readFileSync(path).includes(Buffer.from('支付宝', 'utf8'))).toBe(false);
    let summary: BillSummary | undefined;
    const rows = await collect(
      parseAlipayTradeBill(createReadStream(path, { highWaterMark: 13 }), {
        onSummary: (s) => {
          summary = s;
        },
      }),
    );
    expect(rows.map(({ raw: _raw, ...row }) => row)).toEqual([
      {
        provider: 'alipay',
        transactionId: '2019091622001458860515315453',
        merchantOrderNo: 'service_1568601259302',
        paidAt: cst('2019-09-16 10:55:23'),
        amountFen: 1,
        kind: 'payment',
        storeId: 'alipay_store',
        deviceId: '',
        line: 6,
      },
      {
        provider: 'alipay',
        transactionId: '2019091622001458860515315453',
        merchantOrderNo: 'service_1568601259302',
        paidAt: cst('2019-09-16 10:56:48'),
        amountFen: -1,
        kind: 'refund',
        storeId: 'alipay_store',
        deviceId: '',
        refundNo: 're_test_1568602607356',
        line: 7,
      },
      {
        provider: 'alipay',
        transactionId: '2019091622001458860515315999',
        merchantOrderNo: 'S042-20190916-0031',
        paidAt: cst('2019-09-16 20:01:09'),
        amountFen: 10010,
        kind: 'payment',
        storeId: 'S042',
        deviceId: 'T-S042-2',
        line: 8,
      },
    ]);
    expect(rows[2]?.raw).toMatchObject({
      门店名称: '静安店',
      '服务费(元)': '-0.60',
      '商家实收(元)': '99.50',
    });
    expect(summary?.declaredRows).toBe(3);
    expect(summary?.lines).toHaveLength(4);
  });

  it('also reads the same bill re-saved as UTF-8', async () => {
    const rows = await collect(parseBill('alipay', createReadStream(fixture('alipay-trade-bill.utf8.txt'))));
    expect(rows.map((r) => r.amountFen)).toEqual([1, -1, 10010]);
  });

  it('refuses the 账务明细 account bill and a WeChat bill, naming what it expected', async () => {
    const account = gbkAlipayFile('account.csv', 'alipay-account-bill.utf8.txt');
    await expect(collect(parseAlipayTradeBill(createReadStream(account)))).rejects.toThrow(
      /expected an Alipay 业务明细 bill.*found an Alipay 账务明细/,
    );
    const err = await collect(
      parseAlipayTradeBill(createReadStream(fixture('wechatpay-trade-bill-27col.csv'))),
    ).catch((e) => e);
    expect(err).toBeInstanceOf(BillFormatError);
    expect(err.message).toMatch(/expected an Alipay 业务明细 bill/);
  });

  it('refuses a zip archive with a hint', async () => {
    const zipLike = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(40)]);
    await expect(collect(parseAlipayTradeBill(Readable.from([zipLike])))).rejects.toThrow(BillEncodingError);
  });
});

describe('bill text plumbing', () => {
  it('splits lines across chunk borders with LF and CRLF', async () => {
    const lines: [string, number][] = [];
    const chunks = ['a,b\r', '\nc', 'd\n\ne\r\n', 'f'].map((t) => Buffer.from(t));
    for await (const [line, n] of byteLines(Readable.from(chunks), DEFAULT_BILL_LIMITS))
      lines.push([line.toString(), n]);
    expect(lines).toEqual([
      ['a,b', 1],
      ['cd', 2],
      ['', 3],
      ['e', 4],
      ['f', 5],
    ]);
  });

  it('reads quoted cells with csv-parse, tab padding and all', () => {
    expect(csvCells('a\t,"b,c"\t,d"e')).toEqual(['a', 'b,c', 'd"e']);
    expect(csvCells('"x ""y""",z')).toEqual(['x "y"', 'z']);
    expect(csvCells('a\t,b\t,')).toEqual(['a\t', 'b\t', '']);
  });
});
