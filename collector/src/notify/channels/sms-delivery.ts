// What both SMS channels share: who may be texted now (the per-number limit), and reporting the
// numbers left out, so a suppressed page is counted rather than silently missing.
import type { ChannelType } from '../channel.ts';
import { type PhoneRateLimit, PhoneRateLimiter } from '../sms/phone-rate-limiter.ts';

export interface SmsSuppression {
  channel: ChannelType;
  /** Numbers not texted this time because they reached the per-number limit. */
  suppressed: number;
}

export interface SmsLimitOptions {
  limit: PhoneRateLimit;
  /** Shared by every SMS channel of the process, so two receivers paging one phone count together. */
  limiter?: PhoneRateLimiter;
  onSuppressed?: (event: SmsSuppression) => void;
  now?: () => number;
}

export class SmsRecipients {
  readonly #options: SmsLimitOptions;
  readonly #limiter: PhoneRateLimiter;

  constructor(
    private readonly channel: ChannelType,
    options: SmsLimitOptions,
  ) {
    this.#options = options;
    this.#limiter = options.limiter ?? new PhoneRateLimiter();
  }

  /**
   * The numbers to text now, each taking a slot under its limit; the others are reported as
   * suppressed. Call `refused` with the numbers the provider did not accept.
   */
  select(numbers: readonly string[]): { numbers: string[]; refused(numbers: readonly string[]): void } {
    const takenAt = (this.#options.now ?? Date.now)();
    const { allowed, suppressed } = this.#limiter.take(numbers, this.#options.limit, takenAt);
    if (suppressed.length > 0)
      this.#options.onSuppressed?.({ channel: this.channel, suppressed: suppressed.length });
    return {
      numbers: allowed,
      refused: (refused) => {
        for (const number of refused) this.#limiter.release(number, takenAt);
      },
    };
  }
}
