// Paid→applied lags as histogram buckets, so the payment-lag panel's percentiles cost what the
// number of distinct buckets costs, not the number of payments in its window.

/**
 * The bucket a lag falls in, named by its lower edge in tenths of a second: 0.1 s wide below
 * 100 s (the wall shows one decimal there), 1 s wide below an hour, 1 minute wide beyond, and one
 * last bucket from 24 h on.
 */
export function lagBucket(lagMs: number): string {
  const tenths = Math.floor(Math.max(0, lagMs) / 100);
  if (tenths < 1_000) return String(tenths);
  if (tenths < 36_000) return String(tenths - (tenths % 10));
  return String(Math.min(864_000, tenths - (tenths % 600)));
}

/**
 * The nearest-rank percentile `p` (0–1) of the lags counted in `counts` (bucket → count), in
 * seconds, as the lower edge of the bucket it falls in; null when nothing was counted.
 */
export function lagPercentileSeconds(counts: ReadonlyMap<string, number>, p: number): number | null {
  let total = 0;
  for (const n of counts.values()) total += n;
  if (total === 0) return null;
  const rank = Math.min(total - 1, Math.floor(total * p));
  const buckets = [...counts.keys()].map(Number).sort((a, b) => a - b);
  let seen = 0;
  for (const bucket of buckets) {
    seen += counts.get(String(bucket))!;
    if (seen > rank) return bucket / 10;
  }
  return buckets.at(-1)! / 10;
}
