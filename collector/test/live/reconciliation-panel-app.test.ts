// The wall's reconciliation panel through the real app: a bill uploaded for today shows at once,
// rated as reconciliation_mismatch rates it, with today's pool items; resolving one lowers the count.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.ts';
import { localDayFn, localDayRange } from '../../src/domain/reconciliation/local-day.ts';
import type { BillLine } from '../../src/simulator/actions.ts';
import { wechatpayBillCsv } from '../../src/simulator/wechatpay-bill.ts';
import { orderStatus } from '../support/events.ts';
import { auth, buildTestApp } from '../support/test-app.ts';
import { openTestDatabase, STORE_KINDS, type TestDatabase } from '../support/test-database.ts';

describe.each(STORE_KINDS)("today's reconciliation on the wall (%s)", (kind) => {
  let store: TestDatabase;
  let app: App;
  const now = Date.now();
  const today = localDayFn('Asia/Shanghai')(now);
  // Ten minutes ago, or today's first instant if today is younger: the bill's day is today.
  const at = Math.max(localDayRange(today, 'Asia/Shanghai')[0], now - 10 * 60_000);

  beforeAll(async () => {
    store = await openTestDatabase(kind);
    app = await buildTestApp(store.db);
  });
  afterAll(async () => {
    await app?.server.close();
    await store?.dispose();
  });

  const panel = () => app.ctx.live.panels.panels({}, Date.now()).reconciliation;

  it('shows the bill reconciled today and the pool items waiting, and follows a resolution', async () => {
    expect(panel()).toMatchObject({ day: today, mismatchRate: null, pending: 0 });
    const lines: BillLine[] = [];
    const events: object[] = [];
    for (let i = 1; i <= 12; i++) {
      const orderId = `RP-${String(i).padStart(4, '0')}`;
      lines.push({
        paidAt: at,
        transactionId: `4200${kind}${i}`,
        orderId,
        storeId: 'S1',
        tillId: 'POS-S1-1',
        amountFen: 1800,
        tradeType: 'MICROPAY',
        payer: 'openid',
      });
      // Two payments have no order: 漏单.
      if (i > 2)
        events.push(
          orderStatus({
            order: orderId,
            status: 'paid',
            at: new Date(at).toISOString(),
            store: 'S1',
            amount_fen: 1800,
          }),
        );
    }
    const ingest = await app.server.inject({
      method: 'POST',
      url: '/v1/events',
      headers: auth('ingest'),
      payload: events,
    });
    expect(ingest.statusCode).toBe(202);
    const bill = await app.server.inject({
      method: 'POST',
      url: '/v1/bills/wechatpay',
      headers: { ...auth('operator'), 'content-type': 'text/csv' },
      payload: wechatpayBillCsv(lines),
    });
    expect(bill.statusCode).toBe(200);
    expect(bill.json()).toMatchObject({ unmatched_payments: 2, unmatched_orders: 0 });
    await expect.poll(panel, { timeout: 15_000 }).toEqual({
      day: today,
      paymentsTotal: 12,
      ordersTotal: 10,
      unmatchedPayments: 2,
      unmatchedOrders: 0,
      mismatchRate: 2 / 12,
      matched: 10,
      unmatched: 2,
      pending: 2,
    });

    const list = await app.server.inject({
      method: 'GET',
      url: '/v1/reconciliation/pending',
      headers: auth('viewer'),
    });
    const [first] = (list.json() as { items: { id: string }[] }).items;
    const resolve = await app.server.inject({
      method: 'POST',
      url: `/v1/reconciliation/pending/${first!.id}/resolve`,
      headers: auth('operator'),
      payload: { resolution: 'write_off', note: 'cash refund at the till' },
    });
    expect(resolve.statusCode).toBe(200);
    await expect.poll(() => panel().pending, { timeout: 15_000 }).toBe(1);
  });
});
