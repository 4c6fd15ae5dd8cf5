import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY_POLICY, retryDelayMs } from '../../src/notify/outbox/retry-schedule.ts';

describe('retry schedule', () => {
  it('retries three times 5 s apart, then doubles up to a 10 minute cap', () => {
    const delays = Array.from({ length: 12 }, (_, i) => retryDelayMs(i + 1) / 1000);
    expect(delays).toEqual([5, 5, 5, 10, 20, 40, 80, 160, 320, 600, 600, 600]);
  });

  it("honours a receiver's Retry-After, but never beyond the cap", () => {
    expect(retryDelayMs(1, DEFAULT_RETRY_POLICY, 30_000)).toBe(30_000);
    expect(retryDelayMs(5, DEFAULT_RETRY_POLICY, 1_000)).toBe(20_000);
    expect(retryDelayMs(2, DEFAULT_RETRY_POLICY, 3_600_000)).toBe(600_000);
  });
});
