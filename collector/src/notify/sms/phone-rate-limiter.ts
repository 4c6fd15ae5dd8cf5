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

  /**
   * Takes a slot at `now` for every number still under the limit and returns them; the others are
   * suppressed. Taking at once (not after the provider answered) keeps concurrent sends from both
   * passing the check; `release` gives back the slot of a number the provider refused.
   */
  take(
    numbers: readonly string[],
    limit: PhoneRateLimit,
    now: number,
  ): { allowed: string[]; suppressed: string[] } {
    const allowed: string[] = [];
    const suppressed: string[] = [];
    for (const number of numbers) {
      const recent = this.#recent(number, limit.windowMs, now);
      if (recent.length < limit.max) {
        recent.push(now);
        this.#sent.set(number, recent);
        allowed.push(number);
      } else {
        suppressed.push(number);
      }
    }
    return { allowed, suppressed };
  }

  /** Gives back the slot taken at `takenAt` for `number` (the provider did not send to it). */
  release(number: string, takenAt: number): void {
    const times = this.#sent.get(number);
    const index = times?.indexOf(takenAt) ?? -1;
    if (times && index >= 0) times.splice(index, 1);
  }

  #recent(number: string, windowMs: number, now: number): number[] {
    const times = (this.#sent.get(number) ?? []).filter((t) => now - t < windowMs);
    if (times.length === 0) this.#sent.delete(number);
    else this.#sent.set(number, times);
    return times;
  }
}
