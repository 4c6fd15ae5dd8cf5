// When to try a failed delivery again: three quick retries 5 s apart (a blip at the receiver), then
// exponential back-off capped at 10 minutes (an outage), so a dead receiver is not hammered and a
// recovered one is reached within the cap.

export interface RetryPolicy {
  quickRetries: number;
  quickDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  quickRetries: 3,
  quickDelayMs: 5_000,
  maxDelayMs: 10 * 60_000,
};

/**
 * Delay before the next attempt after `failedAttempts` attempts have failed (1 after the first). With the
 * defaults: 5 s, 5 s, 5 s, then 10 s, 20 s, 40 s … 600 s. A receiver's Retry-After is honoured up to the cap.
 */
export function retryDelayMs(
  failedAttempts: number,
  policy: RetryPolicy = DEFAULT_RETRY_POLICY,
  retryAfterMs = 0,
): number {
  const backoff =
    failedAttempts <= policy.quickRetries
      ? policy.quickDelayMs
      : policy.quickDelayMs * 2 ** (failedAttempts - policy.quickRetries);
  return Math.min(policy.maxDelayMs, Math.max(backoff, retryAfterMs));
}
