import { describe, expect, it } from 'vitest';
import { lagBucket, lagPercentileSeconds } from '../../src/live/lag-histogram.ts';

const histogram = (lagsMs: number[]) => {
  const counts = new Map<string, number>();
  for (const lag of lagsMs) counts.set(lagBucket(lag), (counts.get(lagBucket(lag)) ?? 0) + 1);
  return counts;
};

describe('lag buckets', () => {
  it('are a tenth of a second wide below 100 s, a second below an hour, a minute beyond, capped at a day', () => {
    expect(lagBucket(0)).toBe('0');
    expect(lagBucket(-500)).toBe('0');
    expect(lagBucket(1_299)).toBe('12');
    expect(lagBucket(99_999)).toBe('999');
    expect(lagBucket(100_000)).toBe('1000');
    expect(lagBucket(100_999)).toBe('1000');
    expect(lagBucket(101_000)).toBe('1010');
    expect(lagBucket(3_599_999)).toBe('35990');
    expect(lagBucket(3_600_000)).toBe('36000');
    expect(lagBucket(3_659_999)).toBe('36000');
    expect(lagBucket(3_660_000)).toBe('36600');
    expect(lagBucket(5 * 86_400_000)).toBe('864000');
  });
});

describe('lagPercentileSeconds', () => {
  it('is null with nothing counted', () => {
    expect(lagPercentileSeconds(new Map(), 0.5)).toBeNull();
  });

  it('agrees with the nearest-rank percentile of the raw lags, to the bucket', () => {
    // 1.0 s … 100.9 s and a few long ones: buckets of every width, uneven counts.
    const lags = Array.from({ length: 1_000 }, (_, i) => 1_000 + ((i * 7_919) % 100_000));
    lags.push(250_400, 250_400, 4_000_000, 90_000_000);
    const sorted = [...lags].sort((a, b) => a - b);
    const counts = histogram(lags);
    for (const p of [0, 0.1, 0.5, 0.9, 0.95, 0.99, 0.999, 1]) {
      const exact = sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
      expect(lagPercentileSeconds(counts, p)).toBe(Number(lagBucket(exact)) / 10);
    }
  });

  it('reports the lower edge of the bucket, so exact tenths come back exact', () => {
    expect(lagPercentileSeconds(histogram([30_000]), 0.5)).toBe(30);
    expect(lagPercentileSeconds(histogram([2_340, 2_399, 9_000]), 0.5)).toBe(2.3);
    expect(lagPercentileSeconds(histogram([150_700]), 0.95)).toBe(150);
  });
});
