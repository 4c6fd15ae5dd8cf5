// What both SMS channels share: who may be texted now (the per-number limit), and reporting the
// numbers left out, so a suppressed page is counted rather than silently missing.
import type { Channel, ChannelType } from '../channel.ts';
import type { Notification } from '../notification.ts';
import { type PhoneRateLimit, PhoneRateLimiter } from '../sms/phone-rate-limiter.ts';
import { ConfiguredChannel } from './configured-channel.ts';

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
  #select(numbers: readonly string[]): { numbers: string[]; refused(numbers: readonly string[]): void } {
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

  /**
   * Texts the numbers whose limit allows it through `send`, which returns the numbers the provider
   * refused while it accepted others. Refused numbers, and all of them when `send` throws, do not
   * count against their limit.
   */
  async deliver(
    numbers: readonly string[],
    send: (allowed: readonly string[]) => Promise<readonly string[]>,
  ): Promise<void> {
    const selected = this.#select(numbers);
    if (selected.numbers.length === 0) return;
    try {
      selected.refused(await send(selected.numbers));
    } catch (error) {
      selected.refused(selected.numbers);
      throw error;
    }
  }
}

/** An SMS channel texts its numbers within their limit; a provider says only how one batch is sent. */
export abstract class SmsChannel<Options extends SmsLimitOptions & { phoneNumbers: readonly string[] }>
  extends ConfiguredChannel<Options>
  implements Channel
{
  abstract readonly type: ChannelType;
  #recipients: SmsRecipients | undefined;

  async send(n: Notification, signal?: AbortSignal): Promise<void> {
    this.#recipients ??= new SmsRecipients(this.type, this.options);
    await this.#recipients.deliver(this.options.phoneNumbers, (numbers) =>
      this.sendBatch(n, numbers, signal),
    );
  }

  /** Texts the numbers; returns those the provider refused while it accepted others. */
  protected abstract sendBatch(
    n: Notification,
    numbers: readonly string[],
    signal: AbortSignal | undefined,
  ): Promise<readonly string[]>;
}
