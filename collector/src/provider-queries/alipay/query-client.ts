// alipay.trade.query over HTTP: sign, post with a deadline, verify the answer's signature, read it.
import type { KeyObject } from 'node:crypto';
import type { PaymentQueryAnswer, PaymentQueryClient } from '../query-answer.ts';
import { transportError } from '../transport-error.ts';
import {
  ALIPAY_DEFAULT_GATEWAY,
  alipayTimestamp,
  signRequest,
  splitForGateway,
  tradeQueryParams,
} from './gateway-request.ts';
import { readTradeQueryNode, verifiedResponseNode } from './gateway-response.ts';

export interface AlipayQueryClientOptions {
  appId: string;
  appPrivateKey: KeyObject | string;
  alipayPublicKey: KeyObject;
  gateway?: string;
  timeoutMs?: number;
  now?: () => number;
}

export function createAlipayQueryClient(options: AlipayQueryClientOptions): PaymentQueryClient {
  const gateway = options.gateway ?? ALIPAY_DEFAULT_GATEWAY;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const now = options.now ?? Date.now;

  return {
    provider: 'alipay',
    async query(orderId: string): Promise<PaymentQueryAnswer> {
      const params = tradeQueryParams({
        appId: options.appId,
        outTradeNo: orderId,
        timestamp: alipayTimestamp(now()),
      });
      const { url, body } = splitForGateway(gateway, signRequest(params, options.appPrivateKey));
      let response: Response;
      let text: string;
      try {
        response = await fetch(url, {
          method: 'POST',
          body,
          headers: {
            'content-type': 'application/x-www-form-urlencoded;charset=utf-8',
            accept: 'application/json',
          },
          signal: AbortSignal.timeout(timeoutMs),
        });
        text = await response.text();
      } catch (cause) {
        return transportError(cause, timeoutMs);
      }
      // The gateway answers 200 whatever the outcome; anything else is the gateway failing.
      if (response.status !== 200)
        return { kind: 'error', reason: 'http', message: `HTTP ${response.status}` };
      const signed = verifiedResponseNode(text, options.alipayPublicKey);
      if (!signed.ok) return { kind: 'error', reason: 'signature', message: signed.message };
      return readTradeQueryNode(signed.node, orderId, now());
    },
  };
}
