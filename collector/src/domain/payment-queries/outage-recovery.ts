// What asking the providers recovered from one callback outage (one `callback_silent` episode of a
// provider): the payments made while its callbacks were missing that a query confirmed, how many of
// those the order system has since applied, and how many it still has to. Pure: the store gives the
// facts, the caller the time.
import type { AttemptOutcome } from './provider-health.ts';

export interface CallbackOutage {
  /** The `callback_silent` alert of the episode. */
  alertId: string;
  provider: string;
  /** When the alert started: the last callback + the rule's limit. */
  alertStartedAt: number;
  /** When callbacks came back (the alert resolved); undefined while it fires. */
  resolvedAt: number | undefined;
  /** The provider's last callback before the alert started; undefined when none is stored. */
  lastCallbackAt: number | undefined;
}

/** A payment of the outage's provider stored from a query answer, not from a callback. */
export interface RecoveredPayment {
  orderId: string;
  paidAt: number;
  /** The order has reached `paid` or a later status: the order system applied the payment. */
  applied: boolean;
}

export interface OutageFacts {
  /** Query-confirmed payments of the provider paid within the outage window. */
  recovered: readonly RecoveredPayment[];
  /** Orders created within the window still `created` with no payment stored (unpaid, or not confirmed yet). */
  stillAwaiting: number;
  /**
   * Queries made at the provider since the window opened about the outage's orders: those created
   * within it and those of `recovered` (so every confirming query counts, and none about an earlier
   * outage's orders); undefined: still in flight.
   */
  queryOutcomes: ReadonlyArray<{ outcome: AttemptOutcome | undefined; count: number }>;
}

export interface QueryCounts {
  sent: number;
  paid: number;
  not_paid: number;
  not_found: number;
  error: number;
  in_flight: number;
}

export interface OutageRecovery {
  alertId: string;
  provider: string;
  /** Callbacks stopped (the last one heard), or the alert's start when none is known. */
  from: number;
  /** Callbacks came back; undefined while the outage lasts. */
  to: number | undefined;
  open: boolean;
  /** Orders the outage left awaiting payment: those confirmed by query and those still awaiting. */
  awaitingPayment: number;
  confirmedByQuery: number;
  /** Confirmed by query, and the order system has applied the payment. */
  applied: number;
  /** Confirmed by query, not applied yet: paid orders the merchant still shows as unpaid. */
  remaining: number;
  stillAwaiting: number;
  queries: QueryCounts;
}

/** The window whose payments belong to the outage: from the last callback heard to the alert's resolve (or now). */
export function outageWindow(outage: CallbackOutage, now: number): { from: number; to: number } {
  const from = Math.min(outage.lastCallbackAt ?? outage.alertStartedAt, outage.alertStartedAt);
  return { from, to: outage.resolvedAt ?? Math.max(from, now) };
}

/** The four outcomes of `orderpulse_provider_queries_total`, and queries not answered yet. */
const COUNTED_AS: Record<AttemptOutcome | 'in_flight', Exclude<keyof QueryCounts, 'sent'>> = {
  paid: 'paid',
  refunded: 'paid',
  not_paid: 'not_paid',
  closed: 'not_paid',
  not_found: 'not_found',
  error: 'error',
  in_flight: 'in_flight',
};

export function outageRecovery(outage: CallbackOutage, facts: OutageFacts, now: number): OutageRecovery {
  const { from, to } = outageWindow(outage, now);
  // One order counts once, however many answers confirmed it.
  const byOrder = new Map<string, boolean>();
  for (const payment of facts.recovered) {
    if (payment.paidAt < from || payment.paidAt > to) continue;
    byOrder.set(payment.orderId, (byOrder.get(payment.orderId) ?? false) || payment.applied);
  }
  const confirmedByQuery = byOrder.size;
  let applied = 0;
  for (const wasApplied of byOrder.values()) if (wasApplied) applied++;
  const queries: QueryCounts = { sent: 0, paid: 0, not_paid: 0, not_found: 0, error: 0, in_flight: 0 };
  for (const { outcome, count } of facts.queryOutcomes) {
    queries.sent += count;
    queries[COUNTED_AS[outcome ?? 'in_flight']] += count;
  }
  return {
    alertId: outage.alertId,
    provider: outage.provider,
    from,
    to: outage.resolvedAt,
    open: outage.resolvedAt === undefined,
    awaitingPayment: confirmedByQuery + facts.stillAwaiting,
    confirmedByQuery,
    applied,
    remaining: confirmedByQuery - applied,
    stillAwaiting: facts.stillAwaiting,
    queries,
  };
}
