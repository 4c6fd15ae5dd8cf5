import { describe, expect, it } from 'vitest';
import { reconnectDelayMs } from '../../src/cluster/reconnect-delay.ts';

describe('reconnectDelayMs', () => {
  it('doubles from a quarter second up to five, never below half the ceiling', () => {
    const low = () => 0;
    const high = () => 0.999_999;
    expect([0, 1, 2, 3, 4, 5, 6].map((a) => reconnectDelayMs(a, high))).toEqual([
      250, 500, 1000, 2000, 4000, 5000, 5000,
    ]);
    expect([0, 1, 5].map((a) => reconnectDelayMs(a, low))).toEqual([125, 250, 2500]);
  });

  it('stays bounded however many attempts failed', () => {
    expect(reconnectDelayMs(10_000, () => 0.5)).toBe(3750);
  });
});
