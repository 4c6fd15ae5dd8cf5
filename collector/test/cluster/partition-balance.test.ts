import { describe, expect, it } from 'vitest';
import { fairShare, partitionsToRelease } from '../../src/cluster/partition-balance.ts';

describe('partition balance', () => {
  it('gives each processor at most ⌈partitions / processors⌉', () => {
    expect(fairShare(8, 1)).toBe(8);
    expect(fairShare(8, 2)).toBe(4);
    expect(fairShare(8, 3)).toBe(3);
    expect(fairShare(4, 8)).toBe(1);
    // no processor counted (a count taken mid-reconnect): nothing to share with
    expect(fairShare(4, 0)).toBe(4);
  });

  it('hands back the surplus, highest-numbered first, keeping partition 0', () => {
    expect(partitionsToRelease([0, 1, 2, 3], 4, 2)).toEqual([3, 2]);
    expect(partitionsToRelease([3, 0, 2, 1, 5, 4, 7, 6], 8, 3)).toEqual([7, 6, 5, 4, 3]);
    expect(partitionsToRelease([0, 1, 2, 3], 4, 4)).toEqual([3, 2, 1]);
  });

  it('keeps what is within the fair share', () => {
    expect(partitionsToRelease([0, 1, 2, 3], 4, 1)).toEqual([]);
    expect(partitionsToRelease([1, 3], 4, 2)).toEqual([]);
    expect(partitionsToRelease([], 4, 3)).toEqual([]);
    expect(partitionsToRelease([0, 1], 4, 3)).toEqual([]);
  });
});
