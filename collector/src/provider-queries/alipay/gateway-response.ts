// The gateway's answer: `{"alipay_trade_query_response":{…},"sign":"…"}`, signed by Alipay with
// SHA256withRSA over the exact characters of the response node as sent (alipay-sdk-nodejs-all
// src/alipay.ts getSignStr / checkResponseSign). Re-serialising the node would change them, so the
// raw span is cut out of the text before anything is parsed.
import { type KeyObject, verify } from 'node:crypto';
import { tryYuanToFen } from '../../domain/money.ts';
import { parseChinaLocalTime } from '../../ingest/bills/china-standard-time.ts';
import type { PaymentQueryAnswer } from '../query-answer.ts';

export const TRADE_QUERY_RESPONSE_KEY = 'alipay_trade_query_response';

/** Index just past the JSON value starting at `start` (after whitespace), or -1 when there is none. */
function skipValue(text: string, start: number): number {
  let i = start;
  let depth = 0;
  let inString = false;
  for (; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') {
        inString = false;
        if (depth === 0) return i + 1;
      }
    } else if (ch === '"') inString = true;
    else if (ch === '{' || ch === '[') depth++;
    else if (ch === '}' || ch === ']') {
      depth--;
      if (depth === 0) return i + 1;
      if (depth < 0) return -1;
    } else if (depth === 0 && (ch === ',' || ch === '}')) return i;
  }
  return depth === 0 && !inString ? i : -1;
}

/** The raw text of each top-level member's value of a JSON object, by key. */
export function topLevelSpans(text: string): Map<string, string> | undefined {
  const spans = new Map<string, string>();
  let i = text.indexOf('{');
  if (i < 0 || text.slice(0, i).trim() !== '') return undefined;
  i++;
  for (;;) {
    while (/\s|,/.test(text[i] ?? '')) i++;
    if (text[i] === '}') return spans;
    if (text[i] !== '"') return undefined;
    const keyEnd = skipValue(text, i);
    if (keyEnd < 0) return undefined;
    let key: string;
    try {
      key = JSON.parse(text.slice(i, keyEnd)) as string;
    } catch {
      return undefined;
    }
    i = keyEnd;
    while (/\s/.test(text[i] ?? '')) i++;
    if (text[i] !== ':') return undefined;
    i++;
    while (/\s/.test(text[i] ?? '')) i++;
    const valueEnd = skipValue(text, i);
    if (valueEnd < 0) return undefined;
    spans.set(key, text.slice(i, valueEnd).trimEnd());
    i = valueEnd;
  }
}

export type SignedNode = { ok: true; node: Record<string, unknown> } | { ok: false; message: string };

/** The response node, provided Alipay's signature over its raw text verifies. */
export function verifiedResponseNode(
  text: string,
  alipayPublicKey: KeyObject,
  responseKey = TRADE_QUERY_RESPONSE_KEY,
): SignedNode {
  const spans = topLevelSpans(text);
  if (!spans) return { ok: false, message: 'answer is not a JSON object' };
  const raw = spans.get(responseKey) ?? spans.get('error_response');
  if (raw === undefined) return { ok: false, message: `no ${responseKey} in the answer` };
  const signSpan = spans.get('sign');
  let sign: unknown;
  try {
    sign = signSpan === undefined ? undefined : JSON.parse(signSpan);
  } catch {
    sign = undefined;
  }
  if (typeof sign !== 'string' || sign === '') return { ok: false, message: 'answer is not signed' };
  let valid = false;
  try {
    valid = verify('sha256', Buffer.from(raw, 'utf8'), alipayPublicKey, Buffer.from(sign, 'base64'));
  } catch {
    valid = false;
  }
  if (!valid) return { ok: false, message: 'sign does not verify with the Alipay public key' };
  let node: unknown;
  try {
    node = JSON.parse(raw);
  } catch {
    return { ok: false, message: 'response node is not JSON' };
  }
  if (typeof node !== 'object' || node === null || Array.isArray(node))
    return { ok: false, message: 'response node is not an object' };
  return { ok: true, node: node as Record<string, unknown> };
}

const badReply = (message: string): PaymentQueryAnswer => ({ kind: 'error', reason: 'bad_reply', message });

/**
 * trade_status: TRADE_SUCCESS / TRADE_FINISHED paid, WAIT_BUYER_PAY not yet, TRADE_CLOSED closed
 * (unpaid timeout, or fully refunded). code 40004 with sub_code ACQ.TRADE_NOT_EXIST: no such trade.
 */
export function readTradeQueryNode(
  node: Record<string, unknown>,
  outTradeNo: string,
  nowMs: number,
): PaymentQueryAnswer {
  const code = typeof node.code === 'string' ? node.code : '';
  if (code !== '10000') {
    const subCode = typeof node.sub_code === 'string' ? node.sub_code : '';
    if (subCode === 'ACQ.TRADE_NOT_EXIST') return { kind: 'not_found' };
    return {
      kind: 'error',
      reason: 'provider_error',
      message: `code ${code || '(none)'}${subCode ? ` ${subCode}` : ''}`,
    };
  }
  if (node.out_trade_no !== outTradeNo) return badReply('out_trade_no differs from the one asked');
  const status = typeof node.trade_status === 'string' ? node.trade_status : '';
  switch (status) {
    case 'TRADE_SUCCESS':
    case 'TRADE_FINISHED': {
      const transactionId = node.trade_no;
      if (typeof transactionId !== 'string' || transactionId === '' || transactionId.length > 128)
        return badReply('trade_no missing');
      const amountFen = typeof node.total_amount === 'string' ? tryYuanToFen(node.total_amount) : undefined;
      if (amountFen === undefined || amountFen < 0) return badReply('total_amount is not a yuan amount');
      const paidAt =
        typeof node.send_pay_date === 'string' ? parseChinaLocalTime(node.send_pay_date) : undefined;
      return { kind: 'paid', providerState: status, transactionId, amountFen, paidAt: paidAt ?? nowMs };
    }
    case 'WAIT_BUYER_PAY':
      return { kind: 'not_paid', providerState: status };
    case 'TRADE_CLOSED':
      return { kind: 'closed', providerState: status };
    default:
      return badReply(`unknown trade_status ${status.slice(0, 32) || '(none)'}`);
  }
}
