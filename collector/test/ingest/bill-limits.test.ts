// Hostile bill files against the parsers: size, line length, compression ratio and summary limits
// hold, work stays linear in what is read, and memory stays flat.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { BillFormatError, type BillRow } from '../../src/ingest/bills/bill-row.ts';
import { BillLimitError, byteLines, DEFAULT_BILL_LIMITS } from '../../src/ingest/bills/bill-text.ts';
import { parseWechatpayTradeBill } from '../../src/ingest/bills/wechatpay-trade-bill.ts';
import {
  blankLinesBomb,
  plainLargeBill,
  singleLineBomb,
  summaryBomb,
  WECHAT_HEADER,
} from '../support/hostile-bills.ts';

const repoRoot = new URL('../../../', import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), 'op-bill-limits-'));

async function drain(rows: AsyncIterable<BillRow>): Promise<number> {
  let n = 0;
  for await (const _ of rows) n++;
  return n;
}

describe('line assembly', () => {
  it('refuses a line past 64 KiB as soon as it has read that much of it, however long the line', async () => {
    let pulled = 0;
    // 40 MiB with no newline, 1 KiB at a time; reading it all (or rescanning it) is what must not happen
    async function* endless() {
      for (let i = 0; i < 40 * 1024; i++) {
        pulled++;
        yield Buffer.alloc(1024, 0x41);
      }
    }
    const error = await drain(parseWechatpayTradeBill(endless())).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BillLimitError);
    expect(error).toMatchObject({ line: 1, tooLarge: false });
    expect((error as Error).message).toBe('line 1: a line may be at most 65536 bytes');
    expect(pulled).toBeLessThanOrEqual(65);
  });

  it('joins a line fed one byte at a time into exactly the bytes sent, up to the limit and no further', async () => {
    const long = 'é'.repeat(32 * 1024 - 1); // 65534 bytes of two-byte characters
    const text = `${long}x\r\nshort\n\n${long}\r\nlast`;
    const bytes = Buffer.from(text);
    async function* oneByte() {
      for (let i = 0; i < bytes.length; i++) yield bytes.subarray(i, i + 1);
    }
    const lines: [string, number][] = [];
    for await (const [line, n] of byteLines(oneByte(), DEFAULT_BILL_LIMITS)) lines.push([line.toString(), n]);
    expect(lines).toEqual([
      [`${long}x`, 1],
      ['short', 2],
      ['', 3],
      [long, 4],
      ['last', 5],
    ]);
    const over = Buffer.from(`ok\n${'a'.repeat(65_537)}\r\n`);
    const error = await (async () => {
      for await (const _ of byteLines(
        Readable.from([over.subarray(0, 40_000), over.subarray(40_000)]),
        DEFAULT_BILL_LIMITS,
      ));
    })().catch((e: unknown) => e);
    expect(error).toMatchObject({ line: 2, tooLarge: false });
  });
});

describe('streaming', () => {
  // Memory, not values: 200,000 rows take tens of seconds on a loaded machine, so this lives here
  // rather than among the parser tests every mutant of the bill code reruns.
  it('streams a large bill without holding it', async () => {
    const header =
      '交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,商品名称,商户数据包,手续费,费率,订单金额,费率备注\n';
    const rowsWanted = 200_000;
    const source = Readable.from(
      (function* () {
        yield header;
        for (let i = 0; i < rowsWanted; i++) {
          yield `\`2024-06-01 10:00:00,\`wx1,\`1900000001,\`0,\`POS-${i % 7},\`42${i},\`ORD${i},\`o,\`JSAPI,\`SUCCESS,\`OTHERS,\`CNY,\`1.00,\`0.00,\`tea,\`,\`0.00600,\`0.60%,\`1.00,\`\n`;
        }
      })(),
    );
    let count = 0;
    let sum = 0;
    const before = process.memoryUsage().heapUsed;
    let peak = before;
    for await (const row of parseWechatpayTradeBill(source)) {
      count++;
      sum += row.amountFen;
      if (count % 20_000 === 0) peak = Math.max(peak, process.memoryUsage().heapUsed);
    }
    expect(count).toBe(rowsWanted);
    expect(sum).toBe(rowsWanted * 100);
    // the whole file is ~30 MB of text and ~200 MB as row objects; streaming stays far below that
    expect(peak - before).toBeLessThan(150 * 1024 * 1024);
  });
});

describe('hostile gzip bills', () => {
  it('refuses a 40 MB single line from a ~40 KB gzip, naming line 1', async () => {
    const bomb = singleLineBomb(40 * 1024 * 1024);
    expect(bomb.length).toBeLessThan(100 * 1024);
    const error = await drain(parseWechatpayTradeBill(Readable.from([bomb]))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BillLimitError);
    expect(error).toMatchObject({ line: 1, tooLarge: false });
  });

  it('refuses it without the parsing process growing: peak RSS measured in a child process', () => {
    const file = join(tmp, 'single-line.csv.gz');
    writeFileSync(file, singleLineBomb(40 * 1024 * 1024));
    const child = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'collector/test/ingest/parse-bill-peak-memory.ts', 'wechatpay', file],
      // spawnSync blocks the worker, so no test timeout could stop a hang: it gets its own deadline.
      { cwd: repoRoot, encoding: 'utf8', timeout: 90_000 },
    );
    expect(child.stderr).toBe('');
    const report = JSON.parse(child.stdout) as {
      rows: number;
      failure?: { name: string; line?: number };
      growthKb: number;
    };
    expect(report.failure).toMatchObject({ name: 'BillLimitError', line: 1 });
    // the line alone would be 40 MB (80 MB as a string); refused, the process holds a few zlib buffers
    expect(report.growthKb).toBeLessThan(16 * 1024);
  }, 120_000);

  it('refuses 6.3 million lines after the summary header at the first line too many', async () => {
    const bomb = summaryBomb(6_300_000);
    const error = await drain(parseWechatpayTradeBill(Readable.from([bomb]), { onRejected: () => {} })).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(BillFormatError);
    expect(error).toMatchObject({ line: 11 });
    expect((error as Error).message).toMatch(/summary/);
  });

  it('refuses a gzip that expands a thousandfold (only empty lines: no other limit would stop it)', async () => {
    const bomb = blankLinesBomb(64 * 1024 * 1024);
    const error = await drain(parseWechatpayTradeBill(Readable.from([bomb]))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BillLimitError);
    expect(error).toMatchObject({ tooLarge: true });
    expect((error as Error).message).toMatch(/expands more than 100 times/);
    // it stopped within the first few MiB of output, not at the 64 MiB end
    expect((error as BillLimitError).line).toBeLessThan(8 * 1024 * 1024);
  });

  it('refuses a bill past the size limit after decompression, naming the line it reached', async () => {
    const bill = plainLargeBill(3 * 1024 * 1024);
    const limits = { ...DEFAULT_BILL_LIMITS, maxBytes: 2 * 1024 * 1024 };
    const error = await drain(
      parseWechatpayTradeBill(Readable.from([bill]), { limits, onRejected: () => {} }),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BillLimitError);
    expect(error).toMatchObject({ tooLarge: true });
    expect((error as Error).message).toMatch(
      /^line \d+: a bill may be at most 2097152 bytes after decompression$/,
    );
    // every row is the same length (random hex of fixed width); the limit is checked per chunk read
    const rowBytes = Buffer.byteLength(gunzipSync(bill).toString().split('\n')[1] ?? '') + 1;
    const expected = (2 * 1024 * 1024) / rowBytes;
    const line = (error as BillLimitError).line;
    expect(Math.abs(line - expected)).toBeLessThan((64 * 1024) / rowBytes + 2);
    // the same bill under the default limit is read whole
    expect(await drain(parseWechatpayTradeBill(Readable.from([bill])))).toBeGreaterThan(9_000);
  });

  it('counts at most 16 distinct skipped statuses, the rest together', async () => {
    const rows = Array.from(
      { length: 40 },
      (_, i) =>
        `\`2024-06-03 10:00:00,\`wx1,\`1,\`0,\`POS,\`t${i},\`o${i},\`u,\`JSAPI,\`WEIRD-${i},\`O,\`CNY,\`1.00,\`0.00,\`0,\`0,\`0.00,\`0.00,\`,\`,\`p,\`,\`0.00000,\`0.60%,\`1.00,\`0.00,\``,
    );
    let skipped: Record<string, number> = {};
    await drain(
      parseWechatpayTradeBill(Readable.from([`${WECHAT_HEADER}\n${rows.join('\n')}\n`]), {
        onSummary: (s) => {
          skipped = s.skipped;
        },
      }),
    );
    expect(Object.keys(skipped)).toHaveLength(16);
    expect(skipped['(other)']).toBe(25);
  });
});
