// A PacingClock whose time moves only when the code under test sleeps: each round of the event loop
// with sleepers pending moves to the earliest wake-up and wakes those due. Concurrent sleepers
// therefore wake in time order, and time never jumps past a sleeper, as with real timers.
import type { PacingClock } from '../../src/simulator/sender/pacing.ts';

export class VirtualClock implements PacingClock {
  #now = 0;
  #sleepers: { at: number; wake: () => void }[] = [];
  #scheduled = false;
  /** Every sleep asked for, in ms, in the order asked. */
  readonly sleeps: number[] = [];

  now(): number {
    return this.#now;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.sleeps.push(ms);
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise((wake) => {
      this.#sleepers.push({ at: this.#now + ms, wake });
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      if (this.#sleepers.length === 0) return;
      const next = Math.min(...this.#sleepers.map((s) => s.at));
      this.#now = Math.max(this.#now, next);
      const due = this.#sleepers.filter((s) => s.at <= this.#now);
      this.#sleepers = this.#sleepers.filter((s) => s.at > this.#now);
      for (const s of due) s.wake();
      if (this.#sleepers.length > 0) this.#schedule();
    });
  }
}
