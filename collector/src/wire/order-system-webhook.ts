// What OrderPulse POSTs to the merchant's order system when a provider query confirms a payment
// whose callback never came: one signed webhook per payment, retried until the order system takes
// it. The receiver checks the signature and the timestamp (docs/order-system-webhook.md).
import { type Static, Type } from '@sinclair/typebox';

export const PaymentConfirmedWebhook = Type.Object({
  id: Type.String({
    minLength: 1,
    description: 'the event id, also sent as Idempotency-Key: a resend of the same payment has the same id',
  }),
  type: Type.Literal('payment.confirmed'),
  order_id: Type.String({ minLength: 1 }),
  store_id: Type.String({ minLength: 1 }),
  provider: Type.Union([Type.Literal('wechatpay'), Type.Literal('alipay')]),
  transaction_id: Type.String({ minLength: 1, description: "the provider's transaction id" }),
  amount_fen: Type.Integer({ minimum: 0 }),
  paid_at: Type.String({ description: 'RFC 3339: when the provider says the buyer paid' }),
  source: Type.String({ description: 'how OrderPulse learnt it: `wechatpay-query` or `alipay-query`' }),
});
export type PaymentConfirmedWebhook = Static<typeof PaymentConfirmedWebhook>;

/** Header names (HTTP headers are case-insensitive; these are how they are sent). */
export const ORDER_SYSTEM_WEBHOOK_HEADERS = {
  /** Unix time in seconds when the request was signed; part of what is signed. */
  timestamp: 'X-OrderPulse-Timestamp',
  /** `sha256=` and the lower-case hex HMAC-SHA256 of `<timestamp>.<body>` under the shared secret. */
  signature: 'X-OrderPulse-Signature',
  /** The body's `id`: the same on every retry, so the order system applies a payment once. */
  idempotencyKey: 'Idempotency-Key',
  /** The body's `type`. */
  event: 'X-OrderPulse-Event',
} as const;
