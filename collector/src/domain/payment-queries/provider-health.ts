// How a provider has been answering lately, from the recorded queries alone: in flight, started in
// the last second, and the run of errors at the end (which sets the back-off).
import type { QueriedProvider, QueryPolicy } from './policy.ts';

/** `error` covers every failed query: transport, HTTP, signature, unreadable answer. */
export type AttemptOutcome = 'paid' | 'refunded' | 'not_paid' | 'closed' | 'not_found' | 'error';

export interface QueryAttempt {
  orderId: string;
  provider: QueriedProvider;
  startedAt: number;
  /** Undefined while the query is in flight. */
  outcome?: AttemptOutcome;
  finishedAt?: number;
  /** The provider asked us to wait this long (HTTP 429 Retry-After). */
  retryAfterMs?: number;
}

/** An attempt as the scheduler counts it: one left without an outcome too long has failed. */
export function settled(attempt: QueryAttempt, now: number, policy: QueryPolicy): QueryAttempt {
  if (attempt.outcome !== undefined || now - attempt.startedAt < policy.inFlightTimeoutMs) return attempt;
  return { ...attempt, outcome: 'error', finishedAt: attempt.startedAt + policy.inFlightTimeoutMs };
}

export interface ProviderHealth {
  inFlight: number;
  /** Start times within the last second, oldest first. */
  recentStarts: number[];
  consecutiveErrors: number;
  /** No query starts before this (back-off or Retry-After); undefined when none applies. */
  pausedUntil: number | undefined;
}

export function providerHealth(
  attempts: readonly QueryAttempt[],
  provider: QueriedProvider,
  now: number,
  policy: QueryPolicy,
): ProviderHealth {
  const own = attempts.filter((a) => a.provider === provider).map((a) => settled(a, now, policy));
  const finished = own
    .filter((a) => a.outcome !== undefined)
    .sort((a, b) => (a.finishedAt ?? a.startedAt) - (b.finishedAt ?? b.startedAt));
  let consecutiveErrors = 0;
  for (let i = finished.length - 1; i >= 0 && finished[i]!.outcome === 'error'; i--) consecutiveErrors++;
  let pausedUntil: number | undefined;
  if (consecutiveErrors > 0) {
    const last = finished.at(-1)!;
    const lastAt = last.finishedAt ?? last.startedAt;
    const backoff = Math.min(policy.backoff.maxMs, policy.backoff.baseMs * 2 ** (consecutiveErrors - 1));
    pausedUntil = lastAt + Math.max(backoff, last.retryAfterMs ?? 0);
  }
  return {
    inFlight: own.filter((a) => a.outcome === undefined).length,
    recentStarts: own
      .map((a) => a.startedAt)
      .filter((at) => at > now - 1000 && at <= now)
      .sort((a, b) => a - b),
    consecutiveErrors,
    pausedUntil,
  };
}

/**
 * How many queries may start now, and when more may if none can. After errors, once the pause is
 * over, one query probes the provider before the rest follow.
 */
export function startBudget(
  health: ProviderHealth,
  limits: { ratePerSecond: number; concurrency: number },
  now: number,
): { count: number; retryAt: number | undefined } {
  if (health.pausedUntil !== undefined && now < health.pausedUntil)
    return { count: 0, retryAt: health.pausedUntil };
  const byConcurrency = limits.concurrency - health.inFlight;
  const byRate = limits.ratePerSecond - health.recentStarts.length;
  const byProbe = health.consecutiveErrors > 0 ? 1 - health.inFlight : Number.POSITIVE_INFINITY;
  const count = Math.max(0, Math.min(byConcurrency, byRate, byProbe));
  // A full concurrency slot frees when an answer comes, which re-plans anyway; the rate window frees by the clock.
  const retryAt = count === 0 && byRate <= 0 ? health.recentStarts[0]! + 1000 : undefined;
  return { count, retryAt };
}
