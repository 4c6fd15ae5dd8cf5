// Bill import, matching, the pending pool and store trends through the real app and a real store
// (PGlite always; PostgreSQL too when TEST_DATABASE_URL is set).
import { readFileSync } from 'node:fs';
import { Value } from '@sinclair/typebox/value';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.ts';
import { BillImportReply } from '../../src/wire/bills.ts';
import { PendingList } from '../../src/wire/pending.ts';
import { StoresReport } from '../../src/wire/store-trends.ts';
import { auth, buildTestApp } from '../support/test-app.ts';
import { openTestDatabase, STORE_KINDS, type TestDatabase } from '../support/test-database.ts';

const WECHAT_HEADER =
  '交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注';

function wechatLine(
  time: string,
  device: string,
  txn: string,
  orderNo: string,
  yuan: string,
  status = 'SUCCESS',
  refund = '0.00',
) {
  const refundNo = status === 'REFUND' ? `5000${txn}` : '0';
  return [
    time,
    'wx1',
    '1900000001',
    '0',
    device,
    txn,
    orderNo,
    'openid',
    'MICROPAY',
    status,
    'OTHERS',
    'CNY',
    status === 'REFUND' ? '0.00' : yuan,
    '0.00',
    refundNo,
    status === 'REFUND' ? `RF${orderNo}` : '0',
    refund,
    '0.00',
    status === 'REFUND' ? 'ORIGINAL' : '',
    status === 'REFUND' ? 'SUCCESS' : '',
    'tea',
    '',
    '0.00000',
    '0.60%',
    status === 'REFUND' ? '0.00' : yuan,
    refund,
    '',
  ]
    .map((v) => `\`${v}`)
    .join(',');
}

// 2024-06-01 in stores S1 and S2. WeChat pays: 4 exact, 1 fuzzy, 1 paid-with-no-order; 1 order unpaid.
const wechatBill = [
  WECHAT_HEADER,
  wechatLine('2024-06-01 09:00:05', 'POS-1', '4200000001', 'S1-0001', '18.00'),
  wechatLine('2024-06-01 09:05:03', 'POS-1', '4200000002', 'S1-0002', '26.00'),
  wechatLine('2024-06-01 10:00:01', 'POS-2', '4200000003', 'S1-0003', '12.00'),
  wechatLine('2024-06-01 12:00:04', 'POS-9', '4200000004', 'S2-0001', '9.90'),
  wechatLine('2024-06-01 13:03:00', 'POS-1', '4200000005', 'POS7788', '42.00'),
  wechatLine('2024-06-01 18:00:00', 'POS-2', '4200000006', 'GHOST-1', '88.00'),
  wechatLine('2024-06-01 19:00:00', 'POS-1', '4200000002', 'S1-0002', '0.00', 'REFUND', '26.00'),
  '总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额',
  '`6,`195.90,`26.00,`0.00,`0.00000,`195.90,`26.00',
].join('\r\n');

const alipayBill = `#支付宝业务明细查询
#账号：[20880211096256330156]
#起始日期：[2024年06月01日 00:00:00]   终止日期：[2024年06月02日 00:00:00]
#-----------------------------------------业务明细列表----------------------------------------
支付宝交易号,商户订单号,业务类型,商品名称,创建时间,完成时间,门店编号,门店名称,操作员,终端号,对方账户,订单金额（元）,商家实收（元）,支付宝红包（元）,集分宝（元）,支付宝优惠（元）,商家优惠（元）,券核销金额（元）,券名称,商家红包消费金额（元）,卡消费金额（元）,退款批次号/请求号,服务费（元）,分润（元）,备注
2024060122001400000000000001\t,S2-0002\t,交易\t,奶茶,2024-06-01 12:30:00,2024-06-01 12:30:09,S2\t,静安店\t,op\t,T-9\t,*三\t,15.90,15.90,0.00,0.00,0.00,0.00,0.00,,0.00\t,0.00,\t,0.00,0.00,
#-----------------------------------------业务明细列表结束------------------------------------
#交易合计：1笔，商家实收共15.90元，商家优惠共0.00元
#退款合计：0笔，商家实收退款共0.00元，商家优惠退款共0.00元
#导出时间：[2024年06月02日 06:27:10]
`;

const orders = [
  ['S1-0001', 'S1', 1800, '09:00:00'],
  ['S1-0002', 'S1', 2600, '09:05:00'],
  ['S1-0003', 'S1', 1200, '10:00:00'],
  ['S2-0001', 'S2', 990, '12:00:00'],
  ['S2-0002', 'S2', 1590, '12:30:00'], // paid by Alipay: not missing from the WeChat bill once Alipay's arrives
  ['S1-20240601-7788', 'S1', 4200, '13:00:00'],
  ['S1-0009', 'S1', 2200, '16:00:00'], // the order says paid; no bill has it
] as const;

describe.each(STORE_KINDS)('bill import over HTTP (%s)', (kind) => {
  let store: TestDatabase;
  let app: App;
  const post = (
    provider: string,
    body: string | Buffer,
    role: 'operator' | 'ingest' | 'viewer' = 'operator',
    contentType = 'text/csv',
  ) =>
    app.server.inject({
      method: 'POST',
      url: `/v1/bills/${provider}`,
      headers: { ...auth(role), 'content-type': contentType },
      payload: body,
    });
  const count = async (sql: string) => Number((await store.db.query<{ n: string }>(sql)).rows[0]?.n);

  beforeAll(async () => {
    store = await openTestDatabase(kind);
    app = await buildTestApp(store.db);
    const events = orders.map(([orderId, storeId, amountFen, time]) => ({
      id: `${orderId}-paid`,
      type: 'order.status',
      occurred_at: `2024-06-01T${time}+08:00`,
      order_id: orderId,
      store_id: storeId,
      status: 'paid',
      amount_fen: amountFen,
    }));
    const res = await app.server.inject({
      method: 'POST',
      url: '/v1/events',
      headers: auth('ingest'),
      payload: events,
    });
    expect(res.statusCode).toBe(202);
    expect(res.json().accepted).toBe(orders.length);
  }, 180_000);

  afterAll(async () => {
    await app?.server.close();
    await store?.dispose();
  });

  it('imports the WeChat bill: exact, fuzzy and unmatched counts', async () => {
    const res = await post('wechatpay', wechatBill);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      rows: 7,
      matched: 4,
      fuzzy_matched: 1,
      unmatched_payments: 1,
      // S2-0002 (Alipay's) and S1-0009: the WeChat bill has neither yet
      unmatched_orders: 2,
      refunds: 1,
      declared_rows: 6,
      first_day: '2024-06-01',
      last_day: '2024-06-01',
      already_imported: false,
    });
    expect(await count('SELECT count(*) AS n FROM bill_rows')).toBe(7);
  });

  it('re-importing the same file changes nothing', async () => {
    const before = {
      rows: await count('SELECT count(*) AS n FROM bill_rows'),
      pending: await count('SELECT count(*) AS n FROM reconciliation_pending'),
      imports: await count('SELECT count(*) AS n FROM bill_imports'),
      results: await count('SELECT sum(payments) AS n FROM reconciliation_results'),
    };
    const res = await post('wechatpay', wechatBill, 'ingest');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ rows: 7, matched: 4, fuzzy_matched: 1, already_imported: true });
    expect({
      rows: await count('SELECT count(*) AS n FROM bill_rows'),
      pending: await count('SELECT count(*) AS n FROM reconciliation_pending'),
      imports: await count('SELECT count(*) AS n FROM bill_imports'),
      results: await count('SELECT sum(payments) AS n FROM reconciliation_results'),
    }).toEqual(before);
  });

  it('a second file for the same day (another merchant account) is reconciled with the first; posted twice at once, it is imported once', async () => {
    const second = `${WECHAT_HEADER}\r\n${wechatLine('2024-06-01 16:00:05', 'POS-2', '4200000099', 'S1-0009', '22.00')}\r\n`;
    const before = await count('SELECT count(*) AS n FROM bill_imports');
    const [a, b] = await Promise.all([post('wechatpay', second), post('wechatpay', second)]);
    expect([a.statusCode, b.statusCode]).toEqual([200, 200]);
    expect([a.json().already_imported, b.json().already_imported].sort()).toEqual([false, true]);
    expect(a.json().import_id).toBe(b.json().import_id);
    expect(await count('SELECT count(*) AS n FROM bill_imports')).toBe(before + 1);
    // its one line matched; the day's only unmatched order left is S2-0002 (paid by Alipay)
    expect(a.json()).toMatchObject({ rows: 1, matched: 1, unmatched_payments: 0, unmatched_orders: 1 });
    // the first file's lines keep their matches
    expect(
      await count(`SELECT count(*) AS n FROM bill_rows WHERE provider = 'wechatpay' AND match = 'exact'`),
    ).toBe(5);
  });

  it('puts fuzzy and unmatched items in the pending pool with both sides of the evidence', async () => {
    const res = await app.server.inject({
      method: 'GET',
      url: '/v1/reconciliation/pending',
      headers: auth('viewer'),
    });
    expect(res.statusCode).toBe(200);
    const items = res.json().items as Record<string, unknown>[];
    // S1-0009's "unmatched order" was settled by the second file
    expect(items.map((i) => i.kind).sort()).toEqual(['fuzzy_match', 'unmatched_order', 'unmatched_payment']);
    const fuzzy = items.find((i) => i.kind === 'fuzzy_match');
    expect(fuzzy).toMatchObject({
      store_id: 'S1',
      device_id: 'POS-1',
      amount_fen: 4200,
      reason: '金额相同（¥42.00），订单号尾号相同「7788」，时间相差 3分钟',
      reason_message: {
        key: 'reason.fuzzy_match',
        params: { amountFen: 4200, tail: '7788', deltaMs: 180_000 },
      },
      bill: { merchant_order_no: 'POS7788', transaction_id: '4200000005' },
      order: { order_id: 'S1-20240601-7788', amount_fen: 4200 },
      status: 'open',
    });
    const ghost = items.find((i) => i.kind === 'unmatched_payment');
    // POS-2 paid S1's orders in the same bill, so the ghost payment is S1's missing order.
    expect(ghost).toMatchObject({ store_id: 'S1', device_id: 'POS-2', amount_fen: 8800, order: null });
    expect(ghost!.reason).toBe('账单中已支付，但没有订单使用此订单号（漏单）');
  });

  it('renders pending reasons in the language asked for: ?lang= first, then Accept-Language, else Chinese', async () => {
    const reasons = async (query: string, headers: Record<string, string> = {}) => {
      const res = await app.server.inject({
        method: 'GET',
        url: `/v1/reconciliation/pending?kind=unmatched_payment${query}`,
        headers: { ...auth('viewer'), ...headers },
      });
      expect(res.statusCode).toBe(200);
      return (res.json().items as { reason: string }[]).map((i) => i.reason);
    };
    const english = ['paid in the bill, but no order has this number'];
    const chinese = ['账单中已支付，但没有订单使用此订单号（漏单）'];
    expect(await reasons('&lang=en')).toEqual(english);
    expect(await reasons('', { 'accept-language': 'en-US,en;q=0.9' })).toEqual(english);
    expect(await reasons('', { 'accept-language': 'fr-FR, en;q=0.5, zh-CN;q=0.8' })).toEqual(chinese);
    expect(await reasons('&lang=zh-CN', { 'accept-language': 'en' })).toEqual(chinese);
    expect(await reasons('')).toEqual(chinese);
  });

  it('the Alipay bill (GBK) matches its order and settles the WeChat "unmatched order" for it', async () => {
    const res = await post('alipay', iconv.encode(alipayBill, 'gbk'), 'operator', 'text/csv; charset=gbk');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ rows: 1, matched: 1, fuzzy_matched: 0, unmatched_payments: 0 });
    const open = await app.server.inject({
      method: 'GET',
      url: '/v1/reconciliation/pending',
      headers: auth('viewer'),
    });
    const orderIds = (open.json().items as { kind: string; order: { order_id: string } | null }[])
      .filter((i) => i.kind === 'unmatched_order')
      .map((i) => i.order?.order_id);
    expect(orderIds).toEqual([]);
    const settled = await store.db.query<{ resolved_by: string; resolution: string }>(
      `SELECT resolved_by, resolution FROM reconciliation_pending WHERE item_key = 'wechatpay:order:S2-0002'`,
    );
    expect(settled.rows[0]).toEqual({ resolved_by: 'orderpulse', resolution: 'matched' });
  });

  it('resolves a pending item with a note, audits it, and refuses a second resolution', async () => {
    const list = await app.server.inject({
      method: 'GET',
      url: '/v1/reconciliation/pending?kind=unmatched_payment',
      headers: auth('viewer'),
    });
    const id = list.json().items[0].id as string;
    const viewer = await app.server.inject({
      method: 'POST',
      url: `/v1/reconciliation/pending/${id}/resolve`,
      headers: auth('viewer'),
      payload: { resolution: 'write_off', note: 'walk-in, cashier forgot to key the order' },
    });
    expect(viewer.statusCode).toBe(403);
    const escalate = await app.server.inject({
      method: 'POST',
      url: `/v1/reconciliation/pending/${id}/resolve`,
      headers: auth('operator'),
      payload: { resolution: 'escalate', note: 'ask the store manager' },
    });
    expect(escalate.statusCode).toBe(200);
    expect(escalate.json().item).toMatchObject({ status: 'escalated', resolution: 'escalate' });
    const done = await app.server.inject({
      method: 'POST',
      url: `/v1/reconciliation/pending/${id}/resolve`,
      headers: auth('operator'),
      payload: { resolution: 'write_off', note: 'walk-in, cashier forgot to key the order' },
    });
    expect(done.statusCode).toBe(200);
    expect(done.json().item).toMatchObject({
      status: 'resolved',
      resolution: 'write_off',
      note: 'walk-in, cashier forgot to key the order',
    });
    const again = await app.server.inject({
      method: 'POST',
      url: `/v1/reconciliation/pending/${id}/resolve`,
      headers: auth('operator'),
      payload: { resolution: 'matched', note: 'x' },
    });
    expect(again.statusCode).toBe(409);
    expect(again.json().error).toBe('already_resolved');
    const audit = await store.db.query<{ action: string; target: string; details: { resolution: string } }>(
      `SELECT action, target, details FROM audit_log WHERE target = $1 ORDER BY id`,
      [`reconciliation-pending/${id}`],
    );
    expect(audit.rows.map((r) => [r.action, r.details.resolution])).toEqual([
      ['reconciliation.resolve', 'escalate'],
      ['reconciliation.resolve', 'write_off'],
    ]);
    const missing = await app.server.inject({
      method: 'POST',
      url: '/v1/reconciliation/pending/999999/resolve',
      headers: auth('operator'),
      payload: { resolution: 'matched', note: 'x' },
    });
    expect(missing.statusCode).toBe(404);
    const bad = await app.server.inject({
      method: 'POST',
      url: `/v1/reconciliation/pending/${id}/resolve`,
      headers: auth('operator'),
      payload: { resolution: 'ignore', note: 'x' },
    });
    expect(bad.statusCode).toBe(400);
  });

  it('reports per-store daily missing-order rates and devices', async () => {
    const res = await app.server.inject({
      method: 'GET',
      url: '/v1/reconciliation/stores?from=2024-06-01&to=2024-06-01&min_days=1',
      headers: auth('viewer'),
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    const s1 = body.stores.find((s: { store_id: string }) => s.store_id === 'S1');
    expect(s1.days).toEqual([
      { day: '2024-06-01', payments: 6, orders: 5, missing: 1, unmatched_orders: 0, rate: 1 / 6 },
    ]);
    expect(s1).toMatchObject({ flagged: true });
    expect(s1.devices).toEqual(
      expect.arrayContaining([{ device_id: 'POS-2', missing: 1, days_flagged: 1, flagged: true }]),
    );
    expect(body.stores.find((s: { store_id: string }) => s.store_id === 'unknown')).toBeUndefined();
    expect(body.chain).toEqual([{ day: '2024-06-01', rate: 1 / 8 }]);
  });

  it('every reply has the shape its wire schema declares, and a validation error keeps its list of problems', async () => {
    const get = (url: string) => app.server.inject({ method: 'GET', url, headers: auth('viewer') });
    const pending = await get('/v1/reconciliation/pending?status=all');
    expect(pending.statusCode).toBe(200);
    expect(pending.json().items.length).toBeGreaterThan(0);
    expect([...Value.Errors(PendingList, pending.json())]).toEqual([]);
    const stores = await get('/v1/reconciliation/stores?from=2024-06-01&to=2024-06-01');
    expect(stores.statusCode).toBe(200);
    expect(stores.json().stores.length).toBeGreaterThan(0);
    expect([...Value.Errors(StoresReport, stores.json())]).toEqual([]);
    const again = await post('wechatpay', wechatBill);
    expect([...Value.Errors(BillImportReply, again.json())]).toEqual([]);
    const invalid = await get('/v1/reconciliation/pending?status=nope');
    expect(invalid.statusCode).toBe(400);
    expect(invalid.json()).toMatchObject({
      error: 'invalid_request',
      details: expect.arrayContaining([expect.objectContaining({ instancePath: '/status' })]),
    });
  });

  it('refuses a file that is not the bill it claims to be, naming what was expected', async () => {
    const res = await post('wechatpay', iconv.encode(alipayBill, 'gbk'));
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toBe('invalid_bill');
    expect(res.json().message).toMatch(/expected a WeChat Pay trade bill/);
    const asAlipay = await post(
      'alipay',
      readFileSync(new URL('../support/fixtures/wechatpay-trade-bill-20col.csv', import.meta.url)),
    );
    expect(asAlipay.statusCode).toBe(400);
    expect(asAlipay.json().message).toMatch(/expected an Alipay 业务明细 bill/);
    const unknownProvider = await post('paypal', 'x');
    expect(unknownProvider.statusCode).toBe(400);
    const noToken = await app.server.inject({
      method: 'POST',
      url: '/v1/bills/wechatpay',
      headers: { 'content-type': 'text/csv' },
      payload: wechatBill,
    });
    expect(noToken.statusCode).toBe(401);
    expect((await post('wechatpay', wechatBill, 'viewer')).statusCode).toBe(403);
    const json = await post('wechatpay', '{"rows":[]}', 'operator', 'application/json');
    expect(json.statusCode).toBe(415);
    expect(json.json()).toMatchObject({
      error: 'unsupported_media_type',
      message: expect.stringMatching(/text\/csv/),
    });
  });
});
