// At most `max` messages per phone number per `windowMs` (sliding window). An alert storm must not
// send an on-call phone a hundred texts, nor run up the SMS bill; the providers' own per-number
// limits (e.g. Alibaba's isv.BUSINESS_LIMIT_CONTROL) would refuse them anyway, without telling
// which alert was dropped.

export interface PhoneRateLimit {
  max: number;
  windowMs: number;
}

export const DEFAULT_PHONE_RATE_LIMIT: PhoneRateLimit = { max: 5, windowMs: 10 * 60_000 };

export class PhoneRateLimiter {
  readonly #sent = new Map<string, number[]>();

  /** Numbers that may get a message at `now`, and those that may not. Nothing is recorded. */
  partition(
    numbers: readonly string[],
    limit: PhoneRateLimit,
    now: number,
  ): { allowed: string[]; suppressed: string[] } {
    const allowed: string[] = [];
    const suppressed: string[] = [];
    for (const number of numbers) {
      (this.#recent(number, limit.windowMs, now).length < limit.max ? allowed : suppressed).push(number);
    }
    return { allowed, suppressed };
  }

  /** Counts a message the provider accepted for `number`. */
  record(number: string, now: number): void {
    const times = this.#sent.get(number) ?? [];
    times.push(now);
    this.#sent.set(number, times);
  }

  #recent(number: string, windowMs: number, now: number): number[] {
    const times = (this.#sent.get(number) ?? []).filter((t) => now - t < windowMs);
    if (times.length === 0) this.#sent.delete(number);
    else this.#sent.set(number, times);
    return times;
  }
}
