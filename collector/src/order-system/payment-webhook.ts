// The order-system webhook of a payment a provider query confirmed: its body, and the outbox
// identity that makes queueing it again (a re-asked order, a restart) a no-op.
import { createHash } from 'node:crypto';
import type { PaymentNotifyEvent } from '../domain/events.ts';
import type { QueriedProvider } from '../domain/payment-queries/policy.ts';
import type { PaymentConfirmedWebhook } from '../wire/order-system-webhook.ts';

export function paymentWebhookFrom(
  payment: PaymentNotifyEvent & { provider: QueriedProvider },
): PaymentConfirmedWebhook {
  return {
    // The payment's own key (source and transaction): the same payment always has the same id.
    id: `${payment.source}:${payment.id}`,
    type: 'payment.confirmed',
    order_id: payment.orderId,
    store_id: payment.storeId,
    provider: payment.provider,
    transaction_id: payment.transactionId,
    amount_fen: payment.amountFen,
    paid_at: new Date(payment.occurredAt).toISOString(),
    source: payment.source,
  };
}

/** The outbox's notification id of a webhook: a UUID derived from its id, so one payment queues one row. */
export function webhookOutboxId(webhook: Pick<PaymentConfirmedWebhook, 'id'>): string {
  const hex = createHash('sha256').update(webhook.id).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
