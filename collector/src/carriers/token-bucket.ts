// Global request budget towards a carrier API: `ratePerSecond` on average, bursts up to `burst`.
// `take` reserves a token and says how long to wait for it, so concurrent callers queue fairly
// instead of all waking at once. Time is a parameter.

export class TokenBucket {
  readonly #ratePerMs: number;
  readonly #burst: number;
  #tokens: number;
  #at: number | undefined;
  #pausedUntil = 0;

  constructor(ratePerSecond: number, burst = Math.max(1, ratePerSecond)) {
    if (!(ratePerSecond > 0)) throw new RangeError('ratePerSecond must be > 0');
    if (!(burst >= 1)) throw new RangeError('burst must be >= 1');
    this.#ratePerMs = ratePerSecond / 1000;
    this.#burst = burst;
    this.#tokens = burst;
  }

  /** Reserves one token; returns the milliseconds to wait before using it (0 = now). */
  take(now: number): number {
    this.#refill(now);
    this.#tokens -= 1;
    const start = Math.max(now, this.#pausedUntil);
    const deficit = this.#tokens < 0 ? -this.#tokens / this.#ratePerMs : 0;
    return Math.max(0, start - now) + Math.ceil(deficit);
  }

  /** The carrier said "slow down" (HTTP 429 / Retry-After): nobody starts before `until`. */
  pauseUntil(until: number): void {
    this.#pausedUntil = Math.max(this.#pausedUntil, until);
  }

  #refill(now: number): void {
    if (this.#at !== undefined && now > this.#at) {
      this.#tokens = Math.min(this.#burst, this.#tokens + (now - this.#at) * this.#ratePerMs);
    }
    this.#at = Math.max(this.#at ?? now, now);
  }
}
