// When to ask a payment provider about an order, and how hard to lean on it. The numbers follow
// WeChat Pay's notify retries (15s, 15s, 30s, 3m, 10m, … after the first: at 0, 15 s, 30 s, 1 m,
// 4 m, 14 m): each query comes just after a retry that should have reached us and did not. Alipay
// retries on a slower ladder (4m, 10m, …), which the same queries also straddle.

export type QueriedProvider = 'wechatpay' | 'alipay';
export const QUERIED_PROVIDERS: readonly QueriedProvider[] = ['wechatpay', 'alipay'];

export interface ProviderLimits {
  /** Queries started per second, at most. */
  ratePerSecond: number;
  /** Queries waiting for an answer, at most. */
  concurrency: number;
}

export interface QueryPolicy {
  /** First query this long after the order was created (`ORDERPULSE_PAYMENT_QUERY_AFTER`). */
  queryAfterMs: number;
  /** While the provider's `callback_silent` fires, the first query comes this soon instead. */
  silentQueryAfterMs: number;
  /** Gaps between one query of an order at a provider and the next; their count + 1 is the most per provider. */
  followUpGapsMs: readonly number[];
  /** Queries per order over all providers, errors included: the contract's hard ceiling. */
  maxQueriesPerOrder: number;
  /** Orders created longer ago are not asked about (their callbacks' retries are long over). */
  lookbackMs: number;
  /** A query with no recorded outcome after this long is taken as failed (the process died mid-query). */
  inFlightTimeoutMs: number;
  /** After consecutive errors: wait baseMs, doubling per further error, at most maxMs. */
  backoff: { baseMs: number; maxMs: number };
  limits: Readonly<Record<QueriedProvider, ProviderLimits>>;
}

const MINUTE = 60_000;

/**
 * Defaults: queries at created + 2 m, + 5 m and + 15 m (after WeChat's 1 m, 4 m and 14 m retries);
 * 30 s during a callback outage, when waiting for retries that are known not to arrive only delays
 * the recovery. Ten queries a second per provider clears an 800-order outage in under 2 minutes
 * and stays far below what either provider allows a merchant.
 */
export function defaultQueryPolicy(queryAfterMs = 2 * MINUTE): QueryPolicy {
  return {
    queryAfterMs,
    silentQueryAfterMs: Math.min(30_000, queryAfterMs),
    followUpGapsMs: [3 * MINUTE, 10 * MINUTE],
    maxQueriesPerOrder: 3,
    lookbackMs: 24 * 60 * MINUTE,
    inFlightTimeoutMs: MINUTE,
    backoff: { baseMs: 30_000, maxMs: 10 * MINUTE },
    limits: {
      wechatpay: { ratePerSecond: 10, concurrency: 4 },
      alipay: { ratePerSecond: 10, concurrency: 4 },
    },
  };
}
