// The alerting clock: runs the tick on a timer, set to the earliest of the engine's next deadline
// and one period after the last tick (nextWakeAt). A deadline added earlier than the timer's time
// (an event, a tick that popped the head) re-arms it through `wake`. A tick that fails is never
// swallowed: every failure is counted, and logged once until a tick succeeds again (a store outage
// fails every tick).
import { nextWakeAt } from '../domain/deadline-wake.ts';
import type { AlertingLog } from './alert-writer.ts';

/** Deadlines passing close together are fired together, at most this often. */
const MIN_GAP_MS = 5;

export interface TickLoopClock {
  now: () => number;
  /** The engine's earliest deadline, or undefined when it holds none. */
  earliestDueAt: () => number | undefined;
}

export class TickLoop {
  private timer: NodeJS.Timeout | undefined;
  private armedAt = Number.POSITIVE_INFINITY;
  private periodMs = 0;
  private lastTickAt = 0;
  private running = 0;
  private failing = false;
  private stopped = false;

  constructor(
    private readonly tick: () => Promise<void>,
    private readonly clock: TickLoopClock,
    private readonly log: AlertingLog | undefined,
    private readonly onError: ((error: unknown) => void) | undefined,
  ) {}

  /** Starts the clock; a period of 0 runs no timer (tests call the tick themselves). */
  start(periodMs: number): void {
    if (periodMs <= 0 || this.stopped) return;
    this.periodMs = periodMs;
    this.lastTickAt = this.clock.now();
    this.arm();
  }

  /** The earliest deadline may have moved earlier: wakes for it if the timer is set later. */
  wake(): void {
    if (this.periodMs > 0 && !this.stopped) this.arm();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(): void {
    const at = nextWakeAt({
      now: this.clock.now(),
      lastTickAt: this.lastTickAt,
      periodMs: this.periodMs,
      minGapMs: Math.min(MIN_GAP_MS, this.periodMs),
      earliestDueAt: this.clock.earliestDueAt(),
      tickRunning: this.running > 0,
    });
    if (this.timer !== undefined && at >= this.armedAt) return;
    clearTimeout(this.timer);
    this.armedAt = at;
    this.timer = setTimeout(this.fire, Math.max(0, at - this.clock.now()));
    this.timer.unref();
  }

  private readonly fire = (): void => {
    this.timer = undefined;
    this.armedAt = Number.POSITIVE_INFINITY;
    if (this.stopped) return;
    this.lastTickAt = this.clock.now();
    this.running++;
    // The next period starts now, as with an interval: a slow tick does not hold back the next one.
    this.arm();
    void this.tick()
      .then(this.succeeded, this.failed)
      .finally(() => {
        this.running--;
        if (!this.stopped) this.arm();
      });
  };

  private readonly failed = (error: unknown): void => {
    this.onError?.(error);
    if (!this.failing && !this.stopped) {
      this.log?.error({ err: error }, 'alerting: a tick failed; retrying on every tick');
    }
    this.failing = true;
  };

  private readonly succeeded = (): void => {
    if (this.failing) this.log?.info({}, 'alerting: ticks succeed again');
    this.failing = false;
  };
}
