// Delivers one payment-confirmed webhook to the order system: signed, timestamped, with the
// payment's id as the idempotency key, and only while the order still needs it.
import { type Channel, DEFAULT_CHANNEL_TIMEOUT_MS } from '../notify/channel.ts';
import { DeliveryError } from '../notify/delivery-error.ts';
import { httpStatusError, postBody } from '../notify/post-json.ts';
import { ORDER_SYSTEM_WEBHOOK_HEADERS, type PaymentConfirmedWebhook } from '../wire/order-system-webhook.ts';
import type { PaymentState } from './payment-state-query.ts';
import { webhookSignature } from './webhook-signature.ts';

export type WebhookOutcome = 'delivered' | 'already_applied' | 'failed';

export interface OrderSystemChannelOptions {
  url: string;
  secret: string;
  /** The signing clock (epoch ms). */
  now: () => number;
  paymentState: (webhook: PaymentConfirmedWebhook) => Promise<PaymentState>;
  onOutcome: (outcome: WebhookOutcome) => void;
  timeoutMs?: number;
}

export class OrderSystemChannel implements Channel<PaymentConfirmedWebhook> {
  readonly type = 'order_system' as const;
  readonly #options: OrderSystemChannelOptions;

  constructor(options: OrderSystemChannelOptions) {
    this.#options = options;
  }

  async send(webhook: PaymentConfirmedWebhook, signal?: AbortSignal): Promise<void> {
    const { url, secret, now, onOutcome } = this.#options;
    const state = await this.#options.paymentState(webhook);
    if (state === 'applied') {
      // Delivered in effect: nothing is left for the order system to do.
      onOutcome('already_applied');
      return;
    }
    if (state === 'not_stored') {
      // Not counted: in the moment between queueing and the commit this is expected, not a failure.
      throw new DeliveryError(`payment ${webhook.id} is not stored yet`, { code: 'config', retryable: true });
    }
    const body = JSON.stringify(webhook);
    const timestamp = String(Math.floor(now() / 1000));
    try {
      const response = await postBody(url, body, {
        contentType: 'application/json; charset=utf-8',
        timeoutMs: this.#options.timeoutMs ?? DEFAULT_CHANNEL_TIMEOUT_MS,
        headers: {
          [ORDER_SYSTEM_WEBHOOK_HEADERS.timestamp]: timestamp,
          [ORDER_SYSTEM_WEBHOOK_HEADERS.signature]: webhookSignature(secret, timestamp, body),
          [ORDER_SYSTEM_WEBHOOK_HEADERS.idempotencyKey]: webhook.id,
          [ORDER_SYSTEM_WEBHOOK_HEADERS.event]: webhook.type,
        },
        ...(signal && { signal }),
      });
      if (response.status < 200 || response.status > 299) {
        throw httpStatusError(url, response.status, response.body, response.headers);
      }
    } catch (error) {
      onOutcome('failed');
      throw error;
    }
    onOutcome('delivered');
  }
}
