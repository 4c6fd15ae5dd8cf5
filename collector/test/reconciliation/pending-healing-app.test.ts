// The pending pool heals itself through the real app: items that a later order event, provider
// query or bill explains resolve as automatic, with the evidence on the item and in the audit log;
// what does not explain them exactly, and what a person already took up, stays as it was.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, buildApp } from '../../src/app.ts';
import type { OrderEvent } from '../../src/domain/events.ts';
import { auth, testConfig } from '../support/test-app.ts';
import { openTestDatabase, STORE_KINDS, type TestDatabase } from '../support/test-database.ts';

const HEADER =
  '交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注';
const SUMMARY =
  '总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额';

/** A WeChat trade-bill payment line (27 backtick-prefixed columns). */
const line = (time: string, txn: string, orderNo: string, yuan: string) =>
  [
    time,
    'wx1',
    '1900000001',
    '0',
    'POS-1',
    txn,
    orderNo,
    'openid',
    'MICROPAY',
    'SUCCESS',
    'OTHERS',
    'CNY',
    yuan,
    '0.00',
    '0',
    '0',
    '0.00',
    '0.00',
    '',
    '',
    'tea',
    '',
    '0.00000',
    '0.60%',
    yuan,
    '0.00',
    '',
  ]
    .map((v) => `\`${v}`)
    .join(',');
const bill = (...lines: string[]) =>
  [HEADER, ...lines, SUMMARY, `\`${lines.length},\`0,\`0,\`0,\`0,\`0,\`0`].join('\r\n');

// Orders the order system reports paid on 2024-06-01 in store S1.
const PAID = [
  ['S1-0001', 1800, '09:00:00'],
  ['S1-20240601-7788', 4200, '13:00:00'], // the bill's POS7788 pairs with it fuzzily
  ['O-MISS', 2200, '14:00:00'], // the bill lacks it; a provider query will vouch for it
  ['O-MISS2', 3000, '15:00:00'], // the bill lacks it; a later bill has it
  ['O-ESC', 1000, '16:00:00'], // the bill lacks it; an operator escalates it first
] as const;

const firstBill = bill(
  line('2024-06-01 09:00:05', '4200000001', 'S1-0001', '18.00'),
  line('2024-06-01 13:03:00', '4200000005', 'POS7788', '42.00'),
  line('2024-06-01 18:00:00', '4200000006', 'GHOST-1', '88.00'),
  line('2024-06-01 18:30:00', '4200000007', 'GHOST-2', '50.00'),
);
const laterBill = bill(line('2024-06-01 15:00:07', '4200000009', 'O-MISS2', '30.00'));

interface Item {
  id: string;
  kind: string;
  status: string;
  resolution: string | null;
  resolved_by: string | null;
  resolved_automatically: boolean;
  resolution_evidence: Record<string, unknown> | null;
  note: string | null;
  bill: { merchant_order_no?: string } | null;
  order: { order_id?: string } | null;
}

describe.each(STORE_KINDS)('the pending pool heals itself (%s)', (kind) => {
  let store: TestDatabase;
  let app: App;

  const events = async (payload: unknown[]) => {
    const res = await app.server.inject({
      method: 'POST',
      url: '/v1/events',
      headers: auth('ingest'),
      payload,
    });
    expect(res.statusCode).toBe(202);
    await app.core.pendingHealer.idle();
  };
  /** What the query driver writes when a provider's order query says paid. */
  const queried = async (orderId: string, transactionId: string, amountFen: number) => {
    const event: OrderEvent = {
      type: 'payment.notify',
      id: `query:${transactionId}`,
      source: 'wechatpay-query',
      occurredAt: Date.parse('2024-06-01T14:00:09+08:00'),
      orderId,
      storeId: 'S1',
      provider: 'wechatpay',
      transactionId,
      amountFen,
      status: 'success',
    };
    await app.core.writer.write([event]);
    await app.core.pendingHealer.idle();
  };
  const pool = async (status = 'all') => {
    const res = await app.server.inject({
      method: 'GET',
      url: `/v1/reconciliation/pending?status=${status}`,
      headers: auth('viewer'),
    });
    return res.json().items as Item[];
  };
  const item = async (match: (i: Item) => boolean) => (await pool()).find(match)!;
  const ghost = (no: string) => (i: Item) =>
    i.kind === 'unmatched_payment' && i.bill?.merchant_order_no === no;
  const missing = (id: string) => (i: Item) => i.kind === 'unmatched_order' && i.order?.order_id === id;
  const importBill = async (csv: string) => {
    const res = await app.server.inject({
      method: 'POST',
      url: '/v1/bills/wechatpay',
      headers: { ...auth('operator'), 'content-type': 'text/csv' },
      payload: csv,
    });
    expect(res.statusCode).toBe(200);
    return res.json();
  };

  beforeAll(async () => {
    store = await openTestDatabase(kind);
    // Each test commits batch after batch and waits for the healer: its pace (tested in
    // pending-healer-pace) would make every one of them wait out a second.
    app = await buildApp(testConfig(), { db: store.db, logger: false, pendingHealer: { minIntervalMs: 10 } });
    await app.server.ready();
    await events(
      PAID.map(([orderId, amountFen, time]) => ({
        id: `${orderId}-paid`,
        type: 'order.status',
        occurred_at: `2024-06-01T${time}+08:00`,
        order_id: orderId,
        store_id: 'S1',
        status: 'paid',
        amount_fen: amountFen,
      })),
    );
    expect(await importBill(firstBill)).toMatchObject({
      matched: 1,
      fuzzy_matched: 1,
      unmatched_payments: 2,
      unmatched_orders: 3,
    });
    expect((await pool('open')).map((i) => i.kind).sort()).toEqual([
      'fuzzy_match',
      'unmatched_order',
      'unmatched_order',
      'unmatched_order',
      'unmatched_payment',
      'unmatched_payment',
    ]);
  }, 180_000);

  afterAll(async () => {
    await app?.server.close();
    await store?.dispose();
  });

  it('a payment with no order (漏单) resolves when that order arrives, with the event as evidence', async () => {
    await events([
      {
        id: 'ghost-1-created',
        type: 'order.status',
        occurred_at: '2024-06-01T17:59:00+08:00',
        order_id: 'GHOST-1',
        store_id: 'S1',
        status: 'created',
        amount_fen: 8800,
      },
    ]);
    const resolved = await item(ghost('GHOST-1'));
    expect(resolved).toMatchObject({
      status: 'resolved',
      resolution: 'matched',
      resolved_by: 'orderpulse',
      resolved_automatically: true,
      resolution_evidence: {
        kind: 'order_event',
        order_id: 'GHOST-1',
        source: 'pos',
        event_id: 'ghost-1-created',
        occurred_at: '2024-06-01T09:59:00.000Z',
      },
    });
    expect(resolved.note).toContain('GHOST-1 arrived later');
  });

  it('an order with another amount than the bill explains nothing', async () => {
    await events([
      {
        id: 'ghost-2-created',
        type: 'order.status',
        occurred_at: '2024-06-01T18:29:00+08:00',
        order_id: 'GHOST-2',
        store_id: 'S1',
        status: 'created',
        amount_fen: 6000,
      },
    ]);
    expect(await item(ghost('GHOST-2'))).toMatchObject({ status: 'open', resolved_automatically: false });
  });

  it('an order missing from the bill resolves on the provider query, not on the order system’s word', async () => {
    await events([
      {
        id: 'pos-says-paid',
        type: 'payment.notify',
        occurred_at: '2024-06-01T14:00:05+08:00',
        order_id: 'O-MISS',
        store_id: 'S1',
        provider: 'wechatpay',
        transaction_id: '4200000777',
        amount_fen: 2200,
        status: 'success',
      },
    ]);
    expect(await item(missing('O-MISS'))).toMatchObject({ status: 'open' });

    await queried('O-MISS', '4200000777', 2200);
    expect(await item(missing('O-MISS'))).toMatchObject({
      status: 'resolved',
      resolved_by: 'orderpulse',
      resolved_automatically: true,
      resolution_evidence: {
        kind: 'payment_event',
        source: 'wechatpay-query',
        transaction_id: '4200000777',
        event_id: 'query:4200000777',
      },
    });
  });

  it('a suspect fuzzy pair resolves when the order the bill named appears', async () => {
    await events([
      {
        id: 'pos7788-created',
        type: 'order.status',
        occurred_at: '2024-06-01T13:02:00+08:00',
        order_id: 'POS7788',
        store_id: 'S1',
        status: 'created',
      },
    ]);
    expect(await item((i) => i.kind === 'fuzzy_match')).toMatchObject({
      status: 'resolved',
      resolved_automatically: true,
      resolution_evidence: { kind: 'order_event', order_id: 'POS7788' },
    });
  });

  it('never overrides a person: an escalated item stays escalated when the evidence comes', async () => {
    const escalated = await item(missing('O-ESC'));
    const res = await app.server.inject({
      method: 'POST',
      url: `/v1/reconciliation/pending/${escalated.id}/resolve`,
      headers: auth('operator'),
      payload: { resolution: 'escalate', note: 'ask the store' },
    });
    expect(res.statusCode).toBe(200);
    await queried('O-ESC', '4200000888', 1000);
    expect(await item(missing('O-ESC'))).toMatchObject({
      status: 'escalated',
      resolution: 'escalate',
      resolved_by: 'operator',
      resolved_automatically: false,
      resolution_evidence: null,
    });
  });

  it('a later bill resolves the order it holds, with the bill line as evidence', async () => {
    const reply = await importBill(laterBill);
    // Reconciled again with the day's earlier lines, GHOST-2 is now paired by number at another
    // amount: no longer a payment without an order, but an amount mismatch for a person.
    expect(await item(ghost('GHOST-2'))).toMatchObject({
      status: 'resolved',
      resolved_automatically: true,
      resolution_evidence: { kind: 'bill_line', match: 'amount_mismatch', order_id: 'GHOST-2' },
    });
    expect(await item((i) => i.kind === 'amount_mismatch')).toMatchObject({ status: 'open' });
    expect(await item(missing('O-MISS2'))).toMatchObject({
      status: 'resolved',
      resolved_by: 'orderpulse',
      resolved_automatically: true,
      resolution_evidence: {
        kind: 'bill_line',
        provider: 'wechatpay',
        match: 'exact',
        transaction_id: '4200000009',
        import_id: reply.import_id,
      },
    });
  });

  it('audits every automatic resolution with its evidence, and counts them', async () => {
    const res = await app.server.inject({
      method: 'GET',
      url: '/v1/audit?action=reconciliation.auto_resolve',
      headers: auth('viewer'),
    });
    const entries = res.json().entries as {
      actor: string;
      target: string;
      details: Record<string, unknown>;
    }[];
    expect(entries.map((e) => e.actor)).toEqual(Array(5).fill('orderpulse'));
    expect(entries.map((e) => (e.details.evidence as { kind: string }).kind).sort()).toEqual([
      'bill_line',
      'bill_line',
      'order_event',
      'order_event',
      'payment_event',
    ]);
    const ghostItem = await item(ghost('GHOST-1'));
    expect(entries.at(-1)).toMatchObject({
      target: `reconciliation-pending/${ghostItem.id}`,
      details: {
        resolution: 'matched',
        kind: 'unmatched_payment',
        evidence: { event_id: 'ghost-1-created' },
      },
    });
    const metrics = (await app.server.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toContain(
      'orderpulse_reconciliation_auto_resolved_total{kind="unmatched_payment",evidence="order_event"} 1',
    );
    expect(metrics).toContain(
      'orderpulse_reconciliation_auto_resolved_total{kind="unmatched_order",evidence="bill_line"} 1',
    );
  });
});
