// The daily WeChat Pay trade bill (交易账单, PROVIDERS.md §3.1) as the merchant platform hands it out:
// the 27-column 免充值券结算 layout, every value prefixed with a backtick, a summary header and row.
import { fenToYuan } from '../domain/money.ts';
import type { BillLine } from './actions.ts';
import { chinaLocalText } from './traffic-curve.ts';

export const WECHATPAY_BILL_HEADER =
  '交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注';
const SUMMARY_HEADER =
  '总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额';

export interface WechatpayBillOptions {
  appId?: string;
  merchantId?: string;
  /** Fee rate in percent (0.6 = 0.60%). */
  feeRatePercent?: number;
}

/** Fees are computed in 1/100000 yuan, the bill's own precision (`0.00000`). */
function feeText(amountFen: number, ratePercent: number): string {
  const hundredThousandths = Math.round(amountFen * 1000 * (ratePercent / 100));
  return (hundredThousandths / 100_000).toFixed(5);
}

export function wechatpayBillCsv(lines: readonly BillLine[], options: WechatpayBillOptions = {}): string {
  const appId = options.appId ?? 'wx5a3f2b9c81d4e607';
  const merchantId = options.merchantId ?? '1900000109';
  const rate = options.feeRatePercent ?? 0.6;
  const out = [WECHATPAY_BILL_HEADER];
  let total = 0;
  let fees = 0;
  for (const line of lines) {
    total += line.amountFen;
    const fee = feeText(line.amountFen, rate);
    fees += Number(fee);
    const amount = fenToYuan(line.amountFen);
    const cells = [
      chinaLocalText(line.paidAt),
      appId,
      merchantId,
      '0',
      line.tillId,
      line.transactionId,
      line.orderId,
      line.payer,
      line.tradeType,
      'SUCCESS',
      'OTHERS',
      'CNY',
      amount,
      '0.00',
      '0',
      '0',
      '0.00',
      '0.00',
      '',
      '',
      '门店商品',
      // The merchant's attach comes back verbatim: the store rides in it (no commas in this JSON).
      `{"store_id":"${line.storeId}"}`,
      fee,
      `${rate.toFixed(2)}%`,
      amount,
      '0.00',
      '',
    ];
    out.push(cells.map((c) => `\`${c}`).join(','));
  }
  out.push(SUMMARY_HEADER);
  out.push(
    [String(lines.length), fenToYuan(total), '0.00', '0.00', fees.toFixed(5), fenToYuan(total), '0.00']
      .map((c) => `\`${c}`)
      .join(','),
  );
  return `${out.join('\r\n')}\r\n`;
}
