// How long to wait before the next attempt to reach the broker: doubling from a quarter second to
// five, with jitter so a cluster's nodes do not all knock at the same instant when it comes back.

const FIRST_MS = 250;
const MAX_MS = 5_000;

/** The wait before attempt `attempt` (0-based); `random` in [0, 1). */
export function reconnectDelayMs(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(MAX_MS, FIRST_MS * 2 ** Math.min(attempt, 16));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}
