// Queries carriers for waybills that get no push. Each active waybill is due every `intervalMs`
// (jittered so a batch bound together spreads out), all queries share one token bucket, and a
// waybill is never queried twice within `minGapMs` — Kuaidi100 locks waybills queried more often.
//
// Crash safety: before querying, the entry is re-marked as polled now and due again only after
// `minGapMs`. If the process dies mid-query, the restarted poller neither repeats the query within
// the gap nor forgets the waybill; the same mark is a lease against a second poller picking it up.
import type { CarrierUpdate } from '../domain/shipments/carrier-update.ts';
import type { PollEntry, PollScheduleStore, PollTarget } from './poll-schedule.ts';
import { TokenBucket } from './token-bucket.ts';
import { CarrierQueryError, type TrackingQueryClient } from './tracking-query.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

export interface PollerClock {
  now(): number;
  /** Resolves after `ms`, or early when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: PollerClock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      }
      signal?.addEventListener('abort', done, { once: true });
    }),
};

export interface PolledTracking {
  target: PollTarget;
  updates: CarrierUpdate[];
  finished: boolean;
}

export interface PollerOptions {
  store: PollScheduleStore;
  client: TrackingQueryClient;
  /** The ingest path: must be idempotent (checkpoint ids are), since a waybill is re-polled after errors. */
  onTracking: (polled: PolledTracking) => Promise<void>;
  clock?: PollerClock;
  random?: () => number;
  intervalMs?: number;
  /** ±fraction of the interval. */
  jitter?: number;
  minGapMs?: number;
  ratePerSecond?: number;
  burst?: number;
  /** Waybills queried at once (each still waits for its token). */
  concurrency?: number;
  batchSize?: number;
  /** First backoff after a failure; doubles per consecutive failure up to `maxBackoffMs`. */
  backoffBaseMs?: number;
  maxBackoffMs?: number;
  /** How long `start()` sleeps when nothing is due. */
  idleMs?: number;
  /** Failed queries (with their waybill) and failed passes over the schedule (without). */
  onError?: (error: unknown, target?: PollTarget) => void;
}

export interface PollRunSummary {
  polled: number;
  tracked: number;
  failed: number;
  finished: number;
  updates: number;
}

export type PollOutcome = 'tracked' | 'no_data' | 'refused' | 'failed' | 'deferred';

export class CarrierPoller {
  readonly #store: PollScheduleStore;
  readonly #client: TrackingQueryClient;
  readonly #onTracking: PollerOptions['onTracking'];
  readonly #clock: PollerClock;
  readonly #random: () => number;
  readonly #intervalMs: number;
  readonly #jitter: number;
  readonly #minGapMs: number;
  readonly #concurrency: number;
  readonly #batchSize: number;
  readonly #backoffBaseMs: number;
  readonly #maxBackoffMs: number;
  readonly #idleMs: number;
  readonly #onError: PollerOptions['onError'];
  readonly #bucket: TokenBucket;
  #running: Promise<void> | undefined;
  #stop: AbortController | undefined;

  constructor(options: PollerOptions) {
    this.#store = options.store;
    this.#client = options.client;
    this.#onTracking = options.onTracking;
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? Math.random;
    this.#intervalMs = options.intervalMs ?? 6 * HOUR;
    this.#jitter = options.jitter ?? 0.1;
    this.#minGapMs = options.minGapMs ?? 30 * MINUTE;
    this.#concurrency = options.concurrency ?? 4;
    this.#batchSize = options.batchSize ?? 100;
    this.#backoffBaseMs = options.backoffBaseMs ?? this.#minGapMs;
    this.#maxBackoffMs = options.maxBackoffMs ?? this.#intervalMs;
    this.#idleMs = options.idleMs ?? 30_000;
    this.#onError = options.onError;
    this.#bucket = new TokenBucket(options.ratePerSecond ?? 2, options.burst);
  }

  /** Starts polling a waybill; the first query comes one jittered interval from now. */
  async track(target: PollTarget, now = this.#clock.now()): Promise<void> {
    await this.#store.upsert(target, this.#nextRegular(now));
  }

  /** Polls a waybill from `at` on (or earlier, if it is already due earlier). */
  async pollFrom(target: PollTarget, at: number): Promise<void> {
    await this.#store.upsert(target, at);
  }

  /** A push arrived for the waybill: it needs no query for another interval (or ever, if ended). */
  async heardFromPush(target: PollTarget, ended: boolean, now = this.#clock.now()): Promise<void> {
    if (ended) {
      await this.#store.deactivate(target);
      return;
    }
    const entry = await this.#store.get(target);
    if (!entry?.active) return;
    await this.#store.markPolled(target, {
      nextPollAt: Math.max(entry.nextPollAt, this.#nextRegular(now)),
      failures: 0,
      active: true,
    });
  }

  /** One pass over what is due now: queries (rate-limited), hands results on, reschedules. */
  async runDue(): Promise<PollRunSummary> {
    const summary: PollRunSummary = { polled: 0, tracked: 0, failed: 0, finished: 0, updates: 0 };
    const due = await this.#store.due(this.#clock.now(), this.#batchSize);
    let next = 0;
    const worker = async () => {
      while (next < due.length && !this.#stop?.signal.aborted) {
        const entry = due[next++]!;
        await this.#pollOne(entry, summary);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.#concurrency, due.length) }, worker));
    return summary;
  }

  start(): void {
    if (this.#running) return;
    const stop = new AbortController();
    this.#stop = stop;
    this.#running = (async () => {
      while (!stop.signal.aborted) {
        let summary: PollRunSummary | undefined;
        try {
          summary = await this.runDue();
        } catch (error) {
          this.#onError?.(error);
        }
        if (!summary || summary.polled === 0) await this.#clock.sleep(this.#idleMs, stop.signal);
      }
    })();
  }

  /** Stops after the queries in flight; what they learned is marked in the store. */
  async stop(): Promise<void> {
    this.#stop?.abort();
    await this.#running;
    this.#running = undefined;
  }

  #nextRegular(now: number): number {
    const factor = 1 + this.#jitter * (2 * this.#random() - 1);
    return now + Math.max(this.#minGapMs, Math.round(this.#intervalMs * factor));
  }

  #backoff(now: number, failures: number): number {
    const delay = Math.min(this.#maxBackoffMs, this.#backoffBaseMs * 2 ** (failures - 1));
    return now + Math.max(this.#minGapMs, delay);
  }

  async #pollOne(entry: PollEntry, summary: PollRunSummary): Promise<PollOutcome> {
    const target: PollTarget = { carrier: entry.carrier, trackingNo: entry.trackingNo };
    if (entry.phone !== undefined) target.phone = entry.phone;

    const wait = this.#bucket.take(this.#clock.now());
    if (wait > 0) await this.#clock.sleep(wait);
    const polledAt = this.#clock.now();

    // Schedules written by hand or by an older version may ask too early: the gap wins.
    if (entry.lastPolledAt !== undefined && polledAt - entry.lastPolledAt < this.#minGapMs) {
      await this.#store.markPolled(target, {
        polledAt: entry.lastPolledAt,
        nextPollAt: entry.lastPolledAt + this.#minGapMs,
        failures: entry.failures,
        active: true,
      });
      return 'deferred';
    }
    await this.#store.markPolled(target, {
      polledAt,
      nextPollAt: polledAt + this.#minGapMs,
      failures: entry.failures,
      active: true,
    });
    summary.polled += 1;

    try {
      const outcome = await this.#client.query(target);
      if (outcome.kind === 'refused') throw new Error(`refused ${outcome.code}: ${outcome.message}`);
      if (outcome.kind === 'tracked') {
        await this.#onTracking({ target, updates: outcome.updates, finished: outcome.finished });
        summary.tracked += 1;
        summary.updates += outcome.updates.length;
        if (outcome.finished) summary.finished += 1;
      }
      const finished = outcome.kind === 'tracked' && outcome.finished;
      await this.#store.markPolled(target, {
        polledAt,
        nextPollAt: this.#nextRegular(this.#clock.now()),
        failures: 0,
        active: !finished,
      });
      return outcome.kind;
    } catch (error) {
      summary.failed += 1;
      this.#onError?.(error, target);
      if (error instanceof CarrierQueryError && error.retryAfterMs !== undefined) {
        this.#bucket.pauseUntil(this.#clock.now() + error.retryAfterMs);
      }
      const failures = entry.failures + 1;
      await this.#store.markPolled(target, {
        polledAt,
        nextPollAt: this.#backoff(this.#clock.now(), failures),
        failures,
        active: true,
        lastError: error instanceof Error ? error.message.slice(0, 500) : String(error),
      });
      return 'failed';
    }
  }
}
