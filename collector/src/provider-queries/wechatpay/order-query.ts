// The WeChat Pay API v3 order query by merchant order number (查询订单 / 商户订单号查询):
// GET /v3/pay/transactions/out-trade-no/{out_trade_no}?mchid={mchid}, answered with the same
// transaction object the payment notify carries encrypted, here in clear
// (pay.weixin.qq.com/doc/v3/merchant/4012556352). Only the reading of an answer lives here.
import { parseRfc3339 } from '../../ingest/wechatpay/notification.ts';
import type { PaymentQueryAnswer } from '../query-answer.ts';

export const WECHATPAY_DEFAULT_API_BASE = 'https://api.mch.weixin.qq.com';

/** Path and query of the request, as signed and sent. */
export function orderQueryUrl(outTradeNo: string, mchid: string): string {
  return `/v3/pay/transactions/out-trade-no/${encodeURIComponent(outTradeNo)}?mchid=${encodeURIComponent(mchid)}`;
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function parseJson(body: string): Json | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    return isObject(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

const badReply = (message: string): PaymentQueryAnswer => ({ kind: 'error', reason: 'bad_reply', message });

/**
 * trade_state (services/payments/models.go): SUCCESS 支付成功, REFUND 转入退款, NOTPAY 未支付,
 * CLOSED 已关闭, REVOKED 已撤销 (付款码), USERPAYING 用户支付中 (付款码), PAYERROR 支付失败 (付款码;
 * the buyer may pay again under the same order number, so it is not final).
 */
function fromTransaction(
  transaction: Json,
  expect: { outTradeNo: string; mchid: string },
  nowMs: number,
): PaymentQueryAnswer {
  const state = transaction.trade_state;
  if (typeof state !== 'string') return badReply('trade_state missing');
  // An answer about another order or merchant is not an answer to our question, signed or not.
  if (transaction.out_trade_no !== expect.outTradeNo)
    return badReply('out_trade_no differs from the one asked');
  if (transaction.mchid !== undefined && transaction.mchid !== expect.mchid)
    return badReply('mchid is not ours');
  switch (state) {
    case 'SUCCESS':
    case 'REFUND': {
      const transactionId = transaction.transaction_id;
      const amount = isObject(transaction.amount) ? transaction.amount.total : undefined;
      if (typeof transactionId !== 'string' || transactionId.length === 0 || transactionId.length > 128) {
        return badReply('transaction_id missing');
      }
      if (typeof amount !== 'number' || !Number.isSafeInteger(amount) || amount < 0) {
        return badReply('amount.total is not a whole number of fen');
      }
      const paidAt = parseRfc3339(transaction.success_time) ?? nowMs;
      return {
        kind: state === 'SUCCESS' ? 'paid' : 'refunded',
        providerState: state,
        transactionId,
        amountFen: amount,
        paidAt,
      };
    }
    case 'NOTPAY':
    case 'USERPAYING':
    case 'PAYERROR':
      return { kind: 'not_paid', providerState: state };
    case 'CLOSED':
    case 'REVOKED':
      return { kind: 'closed', providerState: state };
    default:
      return badReply(`unknown trade_state ${state.slice(0, 32)}`);
  }
}

/**
 * Reads a verified answer. 404 `ORDER_NOT_EXIST` is "no such order"; 429 `FREQUENCY_LIMITED` asks
 * us to slow down; any other failure is the provider's error (`{"code": …, "message": …}`).
 */
export function readOrderQueryAnswer(
  status: number,
  body: string,
  expect: { outTradeNo: string; mchid: string },
  nowMs: number,
): PaymentQueryAnswer {
  const json = parseJson(body);
  if (status === 200)
    return json ? fromTransaction(json, expect, nowMs) : badReply('body is not a JSON object');
  const code = typeof json?.code === 'string' ? json.code : undefined;
  if (status === 404 && code === 'ORDER_NOT_EXIST') return { kind: 'not_found' };
  const message = `HTTP ${status}${code ? ` ${code}` : ''}`;
  if (status === 429 || code === 'FREQUENCY_LIMITED')
    return { kind: 'error', reason: 'rate_limited', message };
  return { kind: 'error', reason: status >= 500 ? 'http' : 'provider_error', message };
}

/** Which answers must carry a valid platform signature before they are believed: every one we act on. */
export function answerNeedsSignature(status: number): boolean {
  return status < 300 || status === 404;
}
