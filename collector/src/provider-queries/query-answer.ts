// What a provider said about one order, reduced to what OrderPulse acts on. Only answers whose
// provider signature verified get past the clients as anything but `error`.
import { type PaymentNotifyEvent, querySource } from '../domain/events.ts';
import type { QueriedProvider } from '../domain/payment-queries/policy.ts';
import type { AttemptOutcome } from '../domain/payment-queries/provider-health.ts';

export type { QueriedProvider };

/** The money moved: the provider names the transaction, the amount and when it was paid. */
export interface ConfirmedPayment {
  transactionId: string;
  amountFen: number;
  /** Epoch ms; the provider's payment time, or the time of the answer when it gives none. */
  paidAt: number;
}

export type PaymentQueryAnswer =
  | ({ kind: 'paid'; providerState: string } & ConfirmedPayment)
  /** Paid, then (partly or fully) refunded: the payment happened all the same. */
  | ({ kind: 'refunded'; providerState: string } & ConfirmedPayment)
  /** Not paid yet; the buyer may still pay (NOTPAY, USERPAYING, PAYERROR, WAIT_BUYER_PAY). */
  | { kind: 'not_paid'; providerState: string }
  /** Closed unpaid (or revoked): it will not be paid under this order number. */
  | { kind: 'closed'; providerState: string }
  /** The provider has no trade for this order number. */
  | { kind: 'not_found' }
  | { kind: 'error'; reason: QueryErrorReason; message: string; retryAfterMs?: number };

export type QueryErrorReason =
  | 'timeout'
  | 'network'
  | 'http'
  | 'rate_limited'
  | 'signature'
  | 'bad_reply'
  | 'provider_error';

/** What the schedule records of an answer: its kind, the same words. */
export function attemptOutcome(answer: PaymentQueryAnswer): AttemptOutcome {
  return answer.kind;
}

/** The `outcome` label of `orderpulse_provider_queries_total`: four values, whatever the provider said. */
export type QueryOutcome = 'paid' | 'not_paid' | 'not_found' | 'error';

export function queryOutcome(answer: PaymentQueryAnswer): QueryOutcome {
  switch (answer.kind) {
    case 'paid':
    case 'refunded':
      return 'paid';
    case 'not_paid':
    case 'closed':
      return 'not_paid';
    case 'not_found':
      return 'not_found';
    case 'error':
      return 'error';
  }
}

export interface PaymentQueryClient {
  readonly provider: QueriedProvider;
  /** Never throws: a failure of any kind is an `error` answer. */
  query(orderId: string): Promise<PaymentQueryAnswer>;
}

/**
 * A confirmed payment as the `payment.notify` the callback would have been. The id is the provider's
 * transaction id, so asking again about the same payment is a duplicate within the query source.
 */
export function paymentFromAnswer(
  provider: QueriedProvider,
  order: { orderId: string; storeId: string },
  payment: ConfirmedPayment,
): PaymentNotifyEvent & { provider: QueriedProvider } {
  return {
    type: 'payment.notify',
    id: payment.transactionId,
    source: querySource(provider),
    occurredAt: payment.paidAt,
    orderId: order.orderId,
    storeId: order.storeId,
    provider,
    transactionId: payment.transactionId,
    amountFen: payment.amountFen,
    status: 'success',
  };
}
