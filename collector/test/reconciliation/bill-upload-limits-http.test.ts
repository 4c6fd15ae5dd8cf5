// POST /v1/bills against hostile and real-world files on both stores: unreadable rows are listed, not
// fatal; bombs are refused naming the line, with nothing stored; WeChat commas and quoted Alipay
// exports are read.
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.ts';
import {
  blankLinesBomb,
  plainLargeBill,
  singleLineBomb,
  summaryBomb,
  WECHAT_HEADER,
  WECHAT_SUMMARY_HEADER,
  wechatRow,
} from '../support/hostile-bills.ts';
import { auth, buildTestApp } from '../support/test-app.ts';
import { openTestDatabase, STORE_KINDS, type TestDatabase } from '../support/test-database.ts';

const alipayExport = `#支付宝业务明细查询
#账号：[20880211096256330156]
#起始日期：[2024年06月03日 00:00:00]   终止日期：[2024年06月04日 00:00:00]
#-----------------------------------------业务明细列表----------------------------------------
支付宝交易号,商户订单号,业务类型,商品名称,创建时间,完成时间,门店编号,门店名称,操作员,终端号,对方账户,订单金额（元）,商家实收（元）,支付宝红包（元）,集分宝（元）,支付宝优惠（元）,商家优惠（元）,券核销金额（元）,券名称,商家红包消费金额（元）,卡消费金额（元）,退款批次号/请求号,服务费（元）,分润（元）,备注
2024060322001400000000000001\t,A-0001\t,交易\t,"奶茶,大杯"\t,2024-06-03 12:30:00,2024-06-03 12:30:09,S3\t,"静安店"\t,op\t,T-9\t,*三\t,15.90,15.90,0.00,0.00,0.00,0.00,0.00,,0.00\t,0.00,\t,0.00,0.00,"备注 ""加冰"", 少糖"
2024060322001400000000000002\t,A-0002\t,交易\t,咖啡\t,2024-06-03 12:40:00,2024-06-03 12:40:09,S3\t,静安店\t,op\t,T-9\t,*四\t,20.00,20.00,0.00,0.00,0.00,0.00,0.00,,0.00\t,0.00,\t,0.00,0.00,
2024060322001400000000000003\t,A-0003\t,交易\t,"未闭合的引号,2024-06-03 12:50:00,2024-06-03 12:50:09,S3\t,静安店\t,op\t,T-9\t,*五\t,9.00,9.00,0.00,0.00,0.00,0.00,0.00,,0.00\t,0.00,\t,0.00,0.00,
#-----------------------------------------业务明细列表结束------------------------------------
#交易合计：3笔，商家实收共44.90元，商家优惠共0.00元
#退款合计：0笔，商家实收退款共0.00元，商家优惠退款共0.00元
#导出时间：[2024年06月04日 06:27:10]
`;

describe.each(STORE_KINDS)('bill upload limits and real-world files over HTTP (%s)', (kind) => {
  let store: TestDatabase;
  let app: App;
  const post = (provider: string, body: string | Buffer, contentType = 'text/csv') =>
    app.server.inject({
      method: 'POST',
      url: `/v1/bills/${provider}`,
      headers: { ...auth('operator'), 'content-type': contentType },
      payload: body,
    });
  const count = async (sql: string) => Number((await store.db.query<{ n: string }>(sql)).rows[0]?.n);

  beforeAll(async () => {
    store = await openTestDatabase(kind);
    // 1 MiB, the smallest allowed, so the size limits can be reached with small files
    app = await buildTestApp(store.db, { ORDERPULSE_BILL_MAX_BYTES: String(1024 * 1024) });
  }, 180_000);

  afterAll(async () => {
    await app?.server.close();
    await store?.dispose();
  });

  it('reads a WeChat bill with commas in 商品名称 and a JSON 商户数据包, listing the rows it cannot read', async () => {
    const bill = [
      WECHAT_HEADER,
      wechatRow({ txn: '4200000101', order: 'W-0001', yuan: '12.00', product: '苹果,香蕉 2件' }),
      wechatRow({
        txn: '4200000102',
        order: 'W-0002',
        yuan: '8.50',
        product: 'tea',
        attach: '{"store_id":"S9","table":"A3"}',
      }),
      wechatRow({ txn: '4200000103', order: 'W-0003', yuan: '1.2.3' }),
      `${wechatRow({ txn: '4200000104', order: 'W-0004', yuan: '1.00' })},\`extra`,
      wechatRow({ txn: '4200000105', order: 'W-0005', yuan: '3.00', time: '2024-13-01 10:00:00' }),
      WECHAT_SUMMARY_HEADER,
      '`5,`25.70,`0.00,`0.00,`0.00000,`25.70,`0.00',
    ].join('\r\n');
    const res = await post('wechatpay', bill);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ rows: 2, unmatched_payments: 2, declared_rows: 5, rejected_rows_total: 3 });
    expect(body.rejected_rows).toEqual([
      { line: 4, message: 'expected an amount in yuan; found "1.2.3"' },
      { line: 5, message: expect.stringMatching(/^expected 27 columns as in the header; found 28 in /) },
      {
        line: 6,
        message: expect.stringMatching(/^expected 交易时间 as yyyy-MM-dd HH:mm:ss; found "2024-13-01/),
      },
    ]);
    const stored = await store.db.query<{ transaction_id: string; store_id: string | null; raw: string }>(
      `SELECT transaction_id, store_id, raw FROM bill_rows WHERE provider = 'wechatpay' ORDER BY line`,
    );
    expect(stored.rows.map((r) => [r.transaction_id, r.store_id])).toEqual([
      ['4200000101', null],
      ['4200000102', 'S9'],
    ]);
    expect(stored.rows[0]?.raw).toContain('`苹果,香蕉 2件,');
    // the same file again: nothing changes, and the answer still lists what could not be read
    const again = await post('wechatpay', bill);
    expect(again.json()).toMatchObject({
      already_imported: true,
      rejected_rows_total: 3,
      rejected_rows: body.rejected_rows,
    });
  });

  it('reads an Alipay GBK export with quoted fields; a row with a broken quote is listed, not fatal', async () => {
    const res = await post('alipay', iconv.encode(alipayExport, 'gbk'), 'text/csv; charset=gbk');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ rows: 2, declared_rows: 3, rejected_rows_total: 1 });
    expect(res.json().rejected_rows).toEqual([{ line: 8, message: expect.stringMatching(/^expected /) }]);
    const stored = await store.db.query<{ transaction_id: string; amount_fen: string; store_id: string }>(
      `SELECT transaction_id, amount_fen, store_id FROM bill_rows WHERE provider = 'alipay' ORDER BY line`,
    );
    expect(stored.rows.map((r) => [r.transaction_id, Number(r.amount_fen), r.store_id])).toEqual([
      ['2024060322001400000000000001', 1590, 'S3'],
      ['2024060322001400000000000002', 2000, 'S3'],
    ]);
  });

  it('refuses hostile gzips naming the line, and stores nothing of them', async () => {
    const imports = await count('SELECT count(*) AS n FROM bill_imports');
    const rows = await count('SELECT count(*) AS n FROM bill_rows');

    const longLine = await post('wechatpay', singleLineBomb(40 * 1024 * 1024), 'application/gzip');
    expect(longLine.statusCode).toBe(400);
    expect(longLine.json()).toMatchObject({
      error: 'invalid_bill',
      message: 'line 1: a line may be at most 65536 bytes',
      details: { line: 1 },
    });

    const summary = await post('wechatpay', summaryBomb(6_300_000), 'application/gzip');
    expect(summary.statusCode).toBe(400);
    expect(summary.json()).toMatchObject({ error: 'invalid_bill', details: { line: 11 } });

    const blank = await post('wechatpay', blankLinesBomb(8 * 1024 * 1024), 'application/gzip');
    expect(blank.statusCode).toBe(413);
    expect(blank.json()).toMatchObject({ error: 'payload_too_large', details: { line: expect.any(Number) } });
    expect(blank.json().message).toMatch(/expands more than 100 times/);

    // ~3 MiB once expanded, well under 1 MiB as sent: refused at the 1 MiB (ORDERPULSE_BILL_MAX_BYTES) mark
    const large = plainLargeBill(3 * 1024 * 1024);
    expect(large.length).toBeLessThan(1024 * 1024);
    const big = await post('wechatpay', large, 'application/gzip');
    expect(big.statusCode).toBe(413);
    expect(big.json().message).toMatch(/^line \d+: a bill may be at most 1048576 bytes after decompression$/);

    // the upload itself past the limit
    const plain = await post('wechatpay', Buffer.alloc(1024 * 1024 + 1, 0x41));
    expect(plain.statusCode).toBe(413);
    expect(plain.json().error).toBe('payload_too_large');

    expect(await count('SELECT count(*) AS n FROM bill_imports')).toBe(imports);
    expect(await count('SELECT count(*) AS n FROM bill_rows')).toBe(rows);
  });
});
