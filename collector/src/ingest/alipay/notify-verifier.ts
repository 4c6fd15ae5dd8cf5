// One Alipay async notify from raw form body to `payment.notify`: parse → verify → check app,
// seller and notify time → map. The signature is checked before any value is interpreted.
import type { KeyObject } from 'node:crypto';
import type { PaymentNotifyEvent, PaymentStatus } from '../../domain/events.ts';
import { tryYuanToFen } from '../../domain/money.ts';
import { parseChinaLocalTime } from '../bills/china-standard-time.ts';
import { AlipayFormError, parseAlipayForm } from './notify-form.ts';
import { verifyAlipayNotifySign } from './notify-signature.ts';

export const ALIPAY_REJECTION_CODES = [
  'signature_invalid',
  'sign_type_refused',
  'app_mismatch',
  'seller_mismatch',
  'notify_time_stale',
  'malformed',
] as const;
export type AlipayRejectionCode = (typeof ALIPAY_REJECTION_CODES)[number];

export interface AlipayRejection {
  ok: false;
  error: AlipayRejectionCode;
  message: string;
  status: 400 | 401;
}

export type AlipayNotifyOutcome =
  | { ok: true; kind: 'event'; event: PaymentNotifyEvent }
  | { ok: true; kind: 'ignored'; notifyId: string; reason: string }
  | AlipayRejection;

export interface AlipayNotifyConfig {
  publicKey: KeyObject;
  /** When set, a notify for another app id is refused even if Alipay signed it (another merchant's app). */
  appId?: string | undefined;
  /** When set, a notify whose `seller_id` (the merchant's 2088… partner id) differs is refused. */
  sellerId?: string | undefined;
  /** `sign_type=RSA` (SHA1withRSA) is accepted only when true: SHA-1 signatures can be forged. */
  allowRsa1?: boolean | undefined;
}

/**
 * How old a `notify_time` may be. Alipay resends an unanswered notify 8 times over about 25 h
 * (4m, 10m, 10m, 1h, 2h, 6h, 15h; "until past 24 h 22 min"), so 26 h accepts its last retry with
 * room for clock error, and refuses a captured notify replayed later.
 */
export const ALIPAY_NOTIFY_MAX_AGE_MS = 26 * 60 * 60 * 1000;
/** How far ahead of our clock a `notify_time` may be: clock error, not a notify from the future. */
export const ALIPAY_NOTIFY_MAX_AHEAD_MS = 10 * 60 * 1000;

/** The exact reply Alipay needs to stop retrying: 7 bytes, nothing else. */
export const ALIPAY_SUCCESS_REPLY = 'success';

const UNKNOWN_STORE = 'unknown';

const reject = (error: AlipayRejectionCode, message: string): AlipayRejection => ({
  ok: false,
  error,
  message,
  status: error === 'malformed' ? 400 : 401,
});

/**
 * The store, carried by the merchant: `passback_params` (echoed back URL-encoded) as JSON
 * `{"store_id": …}`, else the `store_id` parameter that 当面付 merchants pass, else `unknown`.
 */
export function alipayStoreId(params: ReadonlyMap<string, string>): string {
  const passback = params.get('passback_params');
  if (passback) {
    for (const candidate of [passback, safeDecodeURIComponent(passback)]) {
      try {
        const parsed: unknown = JSON.parse(candidate ?? '');
        if (typeof parsed === 'object' && parsed !== null && 'store_id' in parsed) {
          const storeId = (parsed as { store_id: unknown }).store_id;
          if (typeof storeId === 'string' && storeId.length > 0 && storeId.length <= 64) return storeId;
        }
      } catch {
        // free-form passback: not ours to interpret
      }
    }
  }
  const storeId = params.get('store_id');
  return storeId && storeId.length <= 64 ? storeId : UNKNOWN_STORE;
}

function safeDecodeURIComponent(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

interface Classified {
  status: PaymentStatus;
  amountField: 'total_amount' | 'refund_fee';
  timeFields: readonly string[];
}

/**
 * TRADE_SUCCESS / TRADE_FINISHED are paid. A refund is TRADE_CLOSED with a refund_fee (full refund), or
 * TRADE_SUCCESS carrying out_biz_no + gmt_refund (a partial refund keeps the trade open): counting that one
 * as a second payment would double the order. TRADE_CLOSED without refund_fee is an unpaid timeout close.
 */
function classify(params: ReadonlyMap<string, string>): Classified | string {
  const status = params.get('trade_status') ?? '';
  const refundFen = tryYuanToFen(params.get('refund_fee') ?? '');
  const refunded = refundFen !== undefined && refundFen > 0;
  const refundTimes = ['gmt_refund', 'gmt_close', 'notify_time'];
  switch (status) {
    case 'TRADE_SUCCESS':
      if (refunded && params.get('gmt_refund') && params.get('out_biz_no')) {
        return { status: 'refund', amountField: 'refund_fee', timeFields: refundTimes };
      }
      return { status: 'success', amountField: 'total_amount', timeFields: ['gmt_payment', 'notify_time'] };
    case 'TRADE_FINISHED':
      return { status: 'success', amountField: 'total_amount', timeFields: ['gmt_payment', 'notify_time'] };
    case 'TRADE_CLOSED':
      return refunded
        ? { status: 'refund', amountField: 'refund_fee', timeFields: refundTimes }
        : { status: 'closed', amountField: 'total_amount', timeFields: ['gmt_close', 'notify_time'] };
    default:
      return `trade_status ${status || '(none)'}`;
  }
}

export function mapAlipayNotify(params: ReadonlyMap<string, string>): AlipayNotifyOutcome {
  const notifyId = params.get('notify_id');
  if (!notifyId || notifyId.length > 128) return reject('malformed', 'notify_id missing');
  const classified = classify(params);
  if (typeof classified === 'string') return { ok: true, kind: 'ignored', notifyId, reason: classified };
  const orderId = params.get('out_trade_no');
  if (!orderId || orderId.length > 64) return reject('malformed', 'out_trade_no missing');
  const transactionId = params.get('trade_no');
  if (!transactionId) return reject('malformed', 'trade_no missing');
  const amountText = params.get(classified.amountField) ?? '';
  const amountFen = tryYuanToFen(amountText);
  if (amountFen === undefined || amountFen < 0) {
    return reject('malformed', `${classified.amountField} is not a yuan amount: ${amountText.slice(0, 20)}`);
  }
  let occurredAt: number | undefined;
  for (const field of classified.timeFields) {
    occurredAt = parseChinaLocalTime(params.get(field) ?? '');
    if (occurredAt !== undefined) break;
  }
  if (occurredAt === undefined)
    return reject('malformed', `none of ${classified.timeFields.join('/')} is a time`);
  return {
    ok: true,
    kind: 'event',
    event: {
      type: 'payment.notify',
      // Alipay keeps notify_id across its retries of one notification: a retry is a duplicate.
      id: notifyId,
      source: 'alipay',
      occurredAt,
      orderId,
      storeId: alipayStoreId(params),
      provider: 'alipay',
      transactionId,
      amountFen,
      status: classified.status,
    },
  };
}

export class AlipayNotifyVerifier {
  readonly #config: AlipayNotifyConfig;

  constructor(config: AlipayNotifyConfig) {
    this.#config = config;
  }

  verify(rawBody: string | Uint8Array, now: number): AlipayNotifyOutcome {
    let params: Map<string, string>;
    try {
      params = parseAlipayForm(rawBody);
    } catch (error) {
      return reject('malformed', error instanceof AlipayFormError ? error.message : 'body is not a form');
    }
    if (params.get('sign_type') === 'RSA' && !this.#config.allowRsa1) {
      return reject('sign_type_refused', 'sign_type RSA (SHA-1) is refused; use RSA2');
    }
    const check = verifyAlipayNotifySign(params, this.#config.publicKey);
    if (!check.ok) {
      if (check.reason === 'sign_missing') return reject('signature_invalid', 'sign parameter missing');
      if (check.reason === 'sign_type_unsupported')
        return reject('signature_invalid', 'sign_type must be RSA2 or RSA');
      return reject('signature_invalid', 'signature does not verify with the Alipay public key');
    }
    const appId = params.get('app_id');
    if (this.#config.appId && appId !== this.#config.appId) {
      return reject('app_mismatch', `notify is for app ${appId ?? '(none)'}, not ours`);
    }
    const sellerId = params.get('seller_id');
    if (this.#config.sellerId && sellerId !== this.#config.sellerId) {
      return reject('seller_mismatch', `notify is for seller ${sellerId ?? '(none)'}, not ours`);
    }
    const notifyTime = parseChinaLocalTime(params.get('notify_time') ?? '');
    if (notifyTime === undefined) return reject('malformed', 'notify_time missing or not a time');
    if (notifyTime < now - ALIPAY_NOTIFY_MAX_AGE_MS || notifyTime > now + ALIPAY_NOTIFY_MAX_AHEAD_MS) {
      return reject(
        'notify_time_stale',
        `notify_time ${params.get('notify_time')} is not within 26 h of now`,
      );
    }
    return mapAlipayNotify(params);
  }
}
