// How hard the hostile-input tier pushes. A fixed seed by default, so a CI failure reproduces on any
// machine; ORDERPULSE_FUZZ_RUNS multiplies every property's run count for a longer search, and
// ORDERPULSE_FUZZ_SEED replays (or varies) the seed. fast-check prints the seed and the shrunk
// counterexample's path when a property fails.
const DEFAULT_SEED = 20261205;

function positiveNumber(name: string, text: string | undefined): number | undefined {
  if (text === undefined || text === '') return undefined;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0)
    throw new Error(`${name} must be a positive number, got ${text}`);
  return value;
}

/** Multiplier of every property's default run count (1 in CI). */
export const RUN_FACTOR = positiveNumber('ORDERPULSE_FUZZ_RUNS', process.env.ORDERPULSE_FUZZ_RUNS) ?? 1;
export const SEED = Math.trunc(
  positiveNumber('ORDERPULSE_FUZZ_SEED', process.env.ORDERPULSE_FUZZ_SEED) ?? DEFAULT_SEED,
);
/** True in a longer run, for the few checks whose cost only fits there. */
export const LONG_RUN = RUN_FACTOR > 1;

/**
 * Per-assert parameters: the seed and `defaultRuns` scaled by the run factor. Spread it beside
 * `examples` (`{ ...fuzz(60), examples }`) so the examples are typed by the property.
 */
export function fuzz(defaultRuns: number): { seed: number; numRuns: number } {
  return { seed: SEED, numRuns: Math.max(1, Math.round(defaultRuns * RUN_FACTOR)) };
}
