// Running delivery counts for the metrics module to read at scrape time (e.g. from a prom-client
// `collect()`), so this module creates no metrics itself. Labels stay bounded: receivers come from
// configuration, channel types are a fixed list, outcomes are the four below.
import type { DeliveryError } from '../delivery-error.ts';
import type { DeliveryAttempt, OutboxObserver } from './outbox-worker.ts';

export type DeliveryOutcome = 'delivered' | 'retrying' | 'gave_up' | 'failed_over';

export interface DeliveryCount {
  receiver: string;
  /** `''` for `failed_over`, which concerns the receiver, not one channel. */
  channelType: string;
  outcome: DeliveryOutcome;
  count: number;
}

export class DeliveryTally implements OutboxObserver {
  readonly #counts = new Map<string, DeliveryCount>();

  #add(receiver: string, channelType: string, outcome: DeliveryOutcome): void {
    const key = JSON.stringify([receiver, channelType, outcome]);
    const entry = this.#counts.get(key);
    if (entry) entry.count += 1;
    else this.#counts.set(key, { receiver, channelType, outcome, count: 1 });
  }

  delivered(attempt: DeliveryAttempt): void {
    this.#add(attempt.receiver, attempt.channelType, 'delivered');
  }

  failed(attempt: DeliveryAttempt, _error: DeliveryError, willRetry: boolean): void {
    this.#add(attempt.receiver, attempt.channelType, willRetry ? 'retrying' : 'gave_up');
  }

  failedOver(event: { receiver: string }): void {
    this.#add(event.receiver, '', 'failed_over');
  }

  /** Monotonic totals since start, as copies. */
  snapshot(): DeliveryCount[] {
    return [...this.#counts.values()].map((c) => ({ ...c }));
  }
}
