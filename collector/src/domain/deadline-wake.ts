// When the alerting clock wakes next: at the earliest deadline, so a deadline fires as it passes
// instead of on the next periodic tick, and at the latest one period after the last tick started
// (the periodic work: silent callbacks, pending alerts' `for`, notifications, pruning). Deadlines
// that pass one after another (a thousand a second in a busy chain) are taken a few together: never
// sooner than `minGapMs` after the last tick, which bounds the wake-ups a second. Pure: the timer
// that honours the answer lives at the edge.

export interface WakeInput {
  now: number;
  /** When the last tick started (the clock's start before the first one). */
  lastTickAt: number;
  periodMs: number;
  /** The shortest time between two ticks woken by deadlines. */
  minGapMs: number;
  /** The earliest deadline held, or undefined when none. */
  earliestDueAt: number | undefined;
  /** A tick is in flight: deadlines due by its start are its own to pop. */
  tickRunning: boolean;
}

/** The epoch ms at which to wake; never before `now`. */
export function nextWakeAt({
  now,
  lastTickAt,
  periodMs,
  minGapMs,
  earliestDueAt,
  tickRunning,
}: WakeInput): number {
  const periodic = lastTickAt + periodMs;
  // Waking again for a deadline the running tick is about to pop would spin until it does.
  const due =
    earliestDueAt === undefined || (tickRunning && earliestDueAt <= lastTickAt)
      ? Number.POSITIVE_INFINITY
      : Math.max(earliestDueAt, lastTickAt + minGapMs);
  return Math.max(now, Math.min(periodic, due));
}
