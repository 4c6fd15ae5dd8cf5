// The order query over HTTP: sign, send with a deadline, verify the answer's signature, read it.
import type { PlatformKeySet } from '../../ingest/wechatpay/platform-keys.ts';
import type { PaymentQueryAnswer, PaymentQueryClient } from '../query-answer.ts';
import { transportError } from '../transport-error.ts';
import {
  answerNeedsSignature,
  orderQueryUrl,
  readOrderQueryAnswer,
  WECHATPAY_DEFAULT_API_BASE,
} from './order-query.ts';
import { authorizationHeader, type MerchantCredentials, requestNonce } from './request-signature.ts';
import { verifyResponseSignature } from './response-signature.ts';

export interface WechatPayQueryClientOptions {
  merchant: MerchantCredentials;
  platformKeys: PlatformKeySet;
  apiBase?: string;
  /** Per request, connect to last byte. */
  timeoutMs?: number;
  now?: () => number;
  nonce?: () => string;
}

// WeChat refuses API v3 requests without a User-Agent.
const USER_AGENT = 'OrderPulse (provider-queries)';

export function retryAfterMs(header: string | null, nowMs: number): number | undefined {
  if (header === null) return undefined;
  const seconds = Number(header);
  if (header.trim() !== '' && Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

export function createWechatPayQueryClient(options: WechatPayQueryClientOptions): PaymentQueryClient {
  const base = (options.apiBase ?? WECHATPAY_DEFAULT_API_BASE).replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? 10_000;
  const now = options.now ?? Date.now;
  const nonce = options.nonce ?? requestNonce;
  const { merchant } = options;

  return {
    provider: 'wechatpay',
    async query(orderId: string): Promise<PaymentQueryAnswer> {
      const url = orderQueryUrl(orderId, merchant.mchid);
      const authorization = authorizationHeader(merchant, {
        method: 'GET',
        url,
        timestamp: String(Math.floor(now() / 1000)),
        nonce: nonce(),
        body: '',
      });
      let response: Response;
      let body: Uint8Array;
      try {
        response = await fetch(`${base}${url}`, {
          headers: { authorization, accept: 'application/json', 'user-agent': USER_AGENT },
          signal: AbortSignal.timeout(timeoutMs),
        });
        body = new Uint8Array(await response.arrayBuffer());
      } catch (cause) {
        return transportError(cause, timeoutMs);
      }
      if (answerNeedsSignature(response.status)) {
        const check = verifyResponseSignature(
          (name) => response.headers.get(name),
          body,
          options.platformKeys,
          now(),
        );
        if (!check.ok) return { kind: 'error', reason: 'signature', message: check.message };
      }
      const answer = readOrderQueryAnswer(
        response.status,
        Buffer.from(body).toString('utf8'),
        { outTradeNo: orderId, mchid: merchant.mchid },
        now(),
      );
      if (answer.kind === 'error' && answer.reason === 'rate_limited') {
        const wait = retryAfterMs(response.headers.get('retry-after'), now());
        if (wait !== undefined) return { ...answer, retryAfterMs: wait };
      }
      return answer;
    },
  };
}
