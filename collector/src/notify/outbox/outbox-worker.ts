// Delivers outbox rows: claims due rows, sends each through its channel, and records the outcome.
// - retryable failures are retried on the retry schedule until `maxAttempts`, then given up;
// - permanent failures (4xx, refused robot message, bad credentials) are given up at once;
// - once a primary row has failed `failoverAfterAttempts` times (initial try plus the quick retries) or
//   failed permanently, and no primary channel of the receiver has delivered the notification, the
//   receiver's backup channels are queued (once per notification — the unique key makes it idempotent);
// - the primary keeps retrying meanwhile, so a recovered primary still gets the message.
// Counts leave through `observer` callbacks; the metrics module turns them into Prometheus counters.
import type { Database } from '../../store/database.ts';
import type { ChannelType } from '../channel.ts';
import { DeliveryError, toDeliveryError } from '../delivery-error.ts';
import type { Notification } from '../notification.ts';
import type { ChannelTier, KeyedChannel, ReceiverRegistry } from '../receivers.ts';
import {
  claimDueRows,
  insertOutboxRows,
  markDelivered,
  markFailed,
  markRetry,
  type OutboxRow,
  type OutboxScope,
  primaryDelivered,
} from './outbox-queries.ts';
import { DEFAULT_RETRY_POLICY, type RetryPolicy, retryDelayMs } from './retry-schedule.ts';

export interface DeliveryAttempt {
  notificationId: string;
  receiver: string;
  channel: string;
  channelType: ChannelType | 'unknown';
  tier: ChannelTier;
  /** Attempts so far, this one included. */
  attempts: number;
  rule: string;
  severity: string;
}

export interface OutboxObserver {
  delivered?(attempt: DeliveryAttempt): void;
  /** `willRetry` false means the row is given up (status `failed`). */
  failed?(attempt: DeliveryAttempt, error: DeliveryError, willRetry: boolean): void;
  failedOver?(event: { notificationId: string; receiver: string; backupChannels: number }): void;
  /** The worker could not reach the store; it keeps polling. */
  storeError?(error: unknown): void;
}

/** `P`: what the receivers' channels deliver; alert notifications unless said otherwise. */
export interface OutboxWorkerOptions<P extends object = Notification> {
  db: Database;
  receivers: ReceiverRegistry<P>;
  /** The rows this worker delivers; unset: all. Workers over one table with different payloads split it so. */
  scope?: OutboxScope;
  /** The `rule` and `severity` of a delivery attempt; by default the notification's own. */
  describe?: (payload: P) => { rule: string; severity: string };
  now?: () => number;
  observer?: OutboxObserver;
  retry?: RetryPolicy;
  /** Failed attempts of a primary row before the backup channels are used. */
  failoverAfterAttempts?: number;
  /** Attempts after which a row is given up. */
  maxAttempts?: number;
  batchSize?: number;
  pollIntervalMs?: number;
  /** How long a claimed row stays invisible to other workers; must exceed the channel timeouts. */
  leaseMs?: number;
}

export interface RunSummary {
  claimed: number;
  delivered: number;
  failed: number;
}

const defaults = {
  failoverAfterAttempts: 1 + DEFAULT_RETRY_POLICY.quickRetries,
  maxAttempts: 30,
  batchSize: 20,
  pollIntervalMs: 1_000,
  leaseMs: 2 * 60_000,
};

const describeNotification = (payload: unknown) => {
  const { rule, severity } = payload as Notification;
  return { rule, severity };
};

export class OutboxWorker<P extends object = Notification> {
  readonly #options: Required<Omit<OutboxWorkerOptions<P>, 'observer' | 'scope'>> & {
    observer: OutboxObserver;
    scope: OutboxScope | undefined;
  };
  readonly #abort = new AbortController();
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<RunSummary> | undefined;
  #started = false;
  #wakeRequested = false;

  constructor(options: OutboxWorkerOptions<P>) {
    this.#options = {
      ...defaults,
      now: Date.now,
      retry: DEFAULT_RETRY_POLICY,
      describe: describeNotification,
      ...options,
      observer: options.observer ?? {},
      scope: options.scope,
    };
  }

  /** Polls every `pollIntervalMs` until `stop()`. A stopped worker stays stopped: make a new one. */
  start(): void {
    if (this.#abort.signal.aborted) throw new Error('a stopped OutboxWorker cannot start again');
    if (this.#started) return;
    this.#started = true;
    this.#schedule(0);
  }

  /** Runs a pass soon instead of waiting for the next poll (call after enqueueing). */
  wake(): void {
    if (!this.#started || this.#abort.signal.aborted) return;
    if (this.#running) {
      this.#wakeRequested = true;
      return;
    }
    this.#schedule(0);
  }

  /** Aborts sends in flight (their rows are retried later) and waits for the current pass to finish. */
  async stop(): Promise<void> {
    this.#started = false;
    clearTimeout(this.#timer);
    this.#abort.abort();
    await this.#running?.catch(() => undefined);
  }

  #schedule(delayMs: number): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      void this.#loop();
    }, delayMs);
    this.#timer.unref();
  }

  async #loop(): Promise<void> {
    if (!this.#started || this.#running) return;
    let summary: RunSummary | undefined;
    try {
      summary = await this.runOnce();
    } catch (error) {
      this.#options.observer.storeError?.(error);
    }
    if (!this.#started) return;
    // A full batch means more may be due: go again at once.
    const more = summary !== undefined && summary.claimed >= this.#options.batchSize;
    const again = more || this.#wakeRequested;
    this.#wakeRequested = false;
    this.#schedule(again ? 0 : this.#options.pollIntervalMs);
  }

  /** One pass: claim due rows and deliver them concurrently. Exposed for tests and one-shot tools. */
  async runOnce(): Promise<RunSummary> {
    // After stop() every send would abort at once and only burn an attempt.
    if (this.#abort.signal.aborted) return { claimed: 0, delivered: 0, failed: 0 };
    const pass = this.#pass();
    this.#running = pass;
    try {
      return await pass;
    } finally {
      this.#running = undefined;
    }
  }

  async #pass(): Promise<RunSummary> {
    const { db, now, leaseMs, batchSize, scope } = this.#options;
    const claimedAt = now();
    const rows = await claimDueRows<P>(
      db,
      new Date(claimedAt),
      new Date(claimedAt + leaseMs),
      batchSize,
      scope,
    );
    // allSettled: one row's store error must not abandon the others mid-send.
    const outcomes = await Promise.allSettled(rows.map((row) => this.#deliver(row)));
    const storeFailure = outcomes.find((o) => o.status === 'rejected');
    if (storeFailure) throw storeFailure.reason;
    return {
      claimed: rows.length,
      delivered: outcomes.filter((o) => o.status === 'fulfilled' && o.value).length,
      failed: outcomes.filter((o) => o.status === 'fulfilled' && !o.value).length,
    };
  }

  #channelOf(row: OutboxRow<P>): KeyedChannel<P> | undefined {
    const receiver = this.#options.receivers.get(row.receiver);
    return [...(receiver?.primary ?? []), ...(receiver?.backup ?? [])].find((c) => c.key === row.channel);
  }

  async #deliver(row: OutboxRow<P>): Promise<boolean> {
    const { db, now, observer } = this.#options;
    const keyed = this.#channelOf(row);
    const attempt: DeliveryAttempt = {
      notificationId: row.notificationId,
      receiver: row.receiver,
      channel: row.channel,
      channelType: keyed?.channel.type ?? 'unknown',
      tier: row.tier,
      attempts: row.attempts,
      ...this.#options.describe(row.payload),
    };
    if (!keyed) {
      // The configuration changed since the row was queued; nothing can send it.
      const error = new DeliveryError(`receiver ${row.receiver} has no channel ${row.channel} any more`, {
        code: 'config',
        retryable: false,
      });
      await this.#recordFailure(row, attempt, error);
      return false;
    }
    try {
      await keyed.channel.send(row.payload, this.#abort.signal);
    } catch (thrown) {
      await this.#recordFailure(row, attempt, toDeliveryError(thrown));
      return false;
    }
    // Outside the try: a store error here is not a delivery failure. The lease runs out and the row is
    // sent again — the price of at-least-once delivery.
    await markDelivered(db, row.id, new Date(now()));
    observer.delivered?.(attempt);
    return true;
  }

  async #recordFailure(row: OutboxRow<P>, attempt: DeliveryAttempt, error: DeliveryError): Promise<void> {
    const { db, now, observer, retry, maxAttempts } = this.#options;
    const message = `${error.code}: ${error.message}`.slice(0, 1000);
    const stopping = this.#abort.signal.aborted;
    const willRetry = stopping || (error.retryable && row.attempts < maxAttempts);
    if (stopping) {
      // Cut short by shutdown, not by the receiver: due again at once for the next worker.
      await markRetry(db, row.id, new Date(now()), message);
    } else if (willRetry) {
      const delay = retryDelayMs(row.attempts, retry, error.retryAfterMs ?? 0);
      await markRetry(db, row.id, new Date(now() + delay), message);
    } else {
      await markFailed(db, row.id, message);
    }
    observer.failed?.(attempt, error, willRetry);
    if (!stopping && row.tier === 'primary') await this.#failOverIfDue(row, error);
  }

  async #failOverIfDue(row: OutboxRow<P>, error: DeliveryError): Promise<void> {
    const { db, now, observer, failoverAfterAttempts } = this.#options;
    if (error.retryable && row.attempts < failoverAfterAttempts) return;
    const backup = this.#options.receivers.get(row.receiver)?.backup ?? [];
    if (backup.length === 0) return;
    if (await primaryDelivered(db, row.notificationId, row.receiver)) return;
    const inserted = await insertOutboxRows(
      db,
      backup.map((c) => ({
        notificationId: row.notificationId,
        receiver: row.receiver,
        channel: c.key,
        tier: c.tier,
        payload: row.payload,
      })),
      new Date(now()),
    );
    if (inserted > 0) {
      observer.failedOver?.({
        notificationId: row.notificationId,
        receiver: row.receiver,
        backupChannels: inserted,
      });
      this.wake();
    }
  }
}
