// A WeChat Pay trade bill (27-column CSV, values prefixed with a backtick, summary footer) as the
// merchant platform exports it, for feeding reconciliation through `POST /v1/bills/wechatpay`.
const HEADER =
  '交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注';

export interface BillPayment {
  /** China local time, `YYYY-MM-DD HH:mm:ss`. */
  time: string;
  device: string;
  transactionId: string;
  orderNo: string;
  yuan: string;
}

export function wechatTradeBill(payments: BillPayment[]): string {
  const line = (p: BillPayment) =>
    [
      p.time,
      'wx1',
      '1900000001',
      '0',
      p.device,
      p.transactionId,
      p.orderNo,
      'openid',
      'MICROPAY',
      'SUCCESS',
      'OTHERS',
      'CNY',
      p.yuan,
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
      p.yuan,
      '0.00',
      '',
    ]
      .map((v) => `\`${v}`)
      .join(',');
  const total = payments.reduce((s, p) => s + Number(p.yuan), 0).toFixed(2);
  return [
    HEADER,
    ...payments.map(line),
    '总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额',
    `\`${payments.length},\`${total},\`0.00,\`0.00,\`0.00000,\`${total},\`0.00`,
  ].join('\r\n');
}

/** Yesterday's calendar day in China (the collector's default ORDERPULSE_TZ). */
export function yesterdayInChina(now = Date.now()): string {
  return new Date(now + 8 * 3_600_000 - 86_400_000).toISOString().slice(0, 10);
}

/**
 * One day of paid orders in stores S1–S3 and the WeChat bill for it: every payment has its order
 * except `missing[store]` of them (漏单), and one order whose number the POS mistyped (a fuzzy match).
 */
export function reconciliationDay(day: string, missing: Record<string, number>) {
  const events: object[] = [];
  const payments: BillPayment[] = [];
  for (const store of ['S1', 'S2', 'S3']) {
    for (let i = 1; i <= 12; i++) {
      const orderNo = `${store}-${String(i).padStart(4, '0')}`;
      const clock = `${String(9 + (i % 10)).padStart(2, '0')}:${String(i * 4).padStart(2, '0')}:00`;
      payments.push({
        time: `${day} ${clock}`,
        device: `POS-${store}-1`,
        transactionId: `4200${store}${i}`,
        orderNo,
        yuan: '18.00',
      });
      if (i <= (missing[store] ?? 0)) continue;
      events.push({
        id: `${orderNo}-paid`,
        type: 'order.status',
        occurred_at: `${day}T${clock}+08:00`,
        order_id: orderNo,
        store_id: store,
        status: 'paid',
        amount_fen: 1800,
      });
    }
  }
  // Same amount, same last four digits, three minutes apart: matched fuzzily, kept for a person to confirm.
  events.push({
    id: 'S1-7788-paid',
    type: 'order.status',
    occurred_at: `${day}T13:00:00+08:00`,
    order_id: `S1-${day.replaceAll('-', '')}-7788`,
    store_id: 'S1',
    status: 'paid',
    amount_fen: 4200,
  });
  payments.push({
    time: `${day} 13:03:00`,
    device: 'POS-S1-1',
    transactionId: '4200007788',
    orderNo: 'POS7788',
    yuan: '42.00',
  });
  return { events, bill: wechatTradeBill(payments) };
}
