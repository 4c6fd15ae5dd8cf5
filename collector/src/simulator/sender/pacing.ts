// Bounded concurrency and a rate cap in events per second, so the simulator can load a remote
// deployment without swamping it (or itself).
import { setTimeout as sleep } from 'node:timers/promises';

/** Time for pacing and retries: injected so tests can run the sender's schedule on a fake clock. */
export interface PacingClock {
  /** Monotonic milliseconds. */
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const realClock: PacingClock = {
  now: () => performance.now(),
  sleep: (ms, signal) => sleep(ms, undefined, { signal }),
};

export interface Started {
  done: Promise<void>;
}

/** Runs at most `limit` tasks at once; `run` waits for a free slot, not for the task. */
export class Concurrency {
  readonly #limit: number;
  #active = 0;
  readonly #waiting: (() => void)[] = [];
  readonly #running = new Set<Promise<void>>();

  constructor(limit: number) {
    this.#limit = Math.max(1, limit);
  }

  /** Resolves once the task has started, with a promise of its end (which never rejects). */
  async run(task: () => Promise<void>): Promise<Started> {
    while (this.#active >= this.#limit) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    this.#active++;
    const running = task().finally(() => {
      this.#active--;
      this.#running.delete(running);
      this.#waiting.shift()?.();
    });
    this.#running.add(running);
    // Wrapped: a promise resolving to a promise would be flattened and wait for the task.
    return { done: running.catch(() => {}) };
  }

  /** Resolves when every started task has finished (their errors are the tasks' own business). */
  async idle(): Promise<void> {
    while (this.#running.size > 0) await Promise.allSettled([...this.#running]);
  }
}

/** A token bucket refilled at `ratePerSecond`, holding at most one second's worth. */
export class RateLimit {
  readonly #rate: number;
  readonly #clock: PacingClock;
  #tokens: number;
  #last: number;

  constructor(ratePerSecond: number, clock: PacingClock = realClock) {
    this.#rate = ratePerSecond;
    this.#clock = clock;
    this.#tokens = Math.min(ratePerSecond, 1);
    this.#last = clock.now();
  }

  /** Waits until `n` units may go (a batch larger than the bucket waits for its share of time). */
  async take(n: number, signal?: AbortSignal): Promise<void> {
    if (!Number.isFinite(this.#rate)) return;
    for (;;) {
      const now = this.#clock.now();
      this.#tokens = Math.min(this.#rate, this.#tokens + ((now - this.#last) / 1000) * this.#rate);
      this.#last = now;
      if (this.#tokens >= Math.min(n, this.#rate)) {
        this.#tokens -= n;
        return;
      }
      const missing = Math.min(n, this.#rate) - this.#tokens;
      await this.#clock.sleep(Math.max(5, (missing / this.#rate) * 1000), signal);
    }
  }
}
